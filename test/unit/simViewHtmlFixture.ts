/** A sim view page's state and options, and the escaped HTML read back; for simViewHtml.test.ts and simViewHtmlSecurity.test.ts. */
import assert from 'node:assert/strict';
import { buildSimViewHtml, cryptoNonce } from '../../src/views/simViewHtml';
import type { HostMessage } from '../../src/webview/messages';

export const FRAME_URL = 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1&x=1';

export function state(overrides: Partial<HostMessage> = {}): HostMessage {
  return {
    type: 'state',
    index: 0,
    host: '',
    label: 'instance-0',
    state: 'loading',
    stateText: 'loading 0:42',
    url: FRAME_URL,
    runId: 'abc@1700000000000',
    note: '',
    ...overrides,
  };
}

type SimViewHtmlOptions = Parameters<typeof buildSimViewHtml>[0];

export function options(overrides: Partial<SimViewHtmlOptions> = {}): SimViewHtmlOptions {
  return {
    cspSource: 'https://webview.test',
    nonce: cryptoNonce(),
    scriptUri: 'https://webview.test/media/webview.js',
    styleUri: 'https://webview.test/media/simview.css',
    codiconCssUri: 'https://webview.test/media/codicons/codicon.css',
    frameUrl: FRAME_URL,
    initial: state(),
    ...overrides,
  };
}

export function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function dataStateOf(html: string): unknown {
  const match = /data-state="([^"]*)"/.exec(html);
  assert.ok(match, 'the root carries data-state');
  return JSON.parse(unescapeHtml(match[1]!));
}
