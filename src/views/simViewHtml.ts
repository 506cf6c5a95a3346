/**
 * The sim view's HTML, built as a pure function so its security properties are unit-tested in plain Node
 * (no `vscode` import here).
 *
 * Security design:
 * - CSP: nothing by default; scripts only with the per-render nonce; styles, fonts and images only from the
 *   webview's own resources; frames only from the ORIGIN of the instance's client URL. No 'unsafe-inline',
 *   no 'unsafe-eval', no wildcard of ours.
 * - vscode-elements (Lit) needs nothing more under this policy: Lit styles shadow roots through
 *   constructable stylesheets (`adoptedStyleSheets`), which CSP `style-src` does not govern; it falls back
 *   to `<style>` elements only in browsers without them, and every VS Code webview host has them.
 *   `vscode-icon` adds a `<link rel="stylesheet">` to the codicon CSS inside its shadow root (found through
 *   `#vscode-codicon-stylesheet`): that is a webview resource, allowed by `style-src ${cspSource}`; its
 *   font by `font-src`. Its sizes are set through the CSSOM (`element.style.x = …`), which CSP does not
 *   block, unlike `style="…"` attributes in markup, which this page never uses.
 * - The initial state travels as JSON in an HTML-escaped `data-state` attribute, and the texts the script
 *   shows (localised here: the webview cannot call vscode.l10n) in a `data-strings` attribute. The client URL is never
 *   put into an iframe here: the script creates the iframe once the instance is ready.
 */
import { randomBytes } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import type { HostMessage, SimViewStrings } from '../webview/messages';

interface SimViewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** From `cryptoNonce()`, fresh for every render. */
  nonce: string;
  /** Webview URI of media/webview.js. */
  scriptUri: string;
  /** Webview URI of media/simview.css. */
  styleUri: string;
  /** Webview URI of media/codicons/codicon.css. */
  codiconCssUri: string;
  /** The iframe URL (after `asExternalUri`); only its origin is used, for `frame-src`. */
  frameUrl: string;
  /** The state the page shows before the first message arrives. */
  initial: HostMessage;
}

interface SimViewNoteOptions {
  cspSource: string;
  styleUri: string;
  title: string;
  message: string;
}

/**
 * A nonce for the CSP: 128 bits from the platform CSPRNG (CSP Level 3 asks for at least 128; a v4 UUID has
 * only 122), written in the 8-4-4-4-12 hex layout of a UUID. Never Math.random or the clock.
 */
export function cryptoNonce(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Escapes text for use in HTML text and in double- or single-quoted attribute values. */
function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// An origin as it may appear in a CSP source list: scheme, a plain DNS name or IP literal, optional port.
// The WHATWG URL parser lets `;`, `'` and `,` through in host names, which could inject CSP directives.
const SAFE_ORIGIN = /^https?:\/\/(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/;

/**
 * The origin (`scheme://host[:port]`) of an http(s) client URL, for the CSP's `frame-src`.
 * Throws an Error that tells the user which setting to fix for anything else.
 */
export function frameOrigin(url: string): string {
  const shown = url.length > 200 ? `${url.slice(0, 200)}…` : url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(l10n.t('Sim view URL "{0}" is not a valid URL; fix isaacSim.clientUrlTemplate', shown));
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(l10n.t('Sim view URL "{0}" is not an http(s) URL; fix isaacSim.clientUrlTemplate', shown));
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new Error(l10n.t('Sim view URL "{0}" carries user info before its host; fix isaacSim.clientUrlTemplate', shown));
  }
  if (!SAFE_ORIGIN.test(parsed.origin)) {
    throw new Error(l10n.t('Sim view URL "{0}" has an unusable host name; fix isaacSim.clientUrlTemplate', shown));
  }
  return parsed.origin;
}

// Nonces and CSP sources are pasted into the policy; refuse anything that could end a directive or a source
// list. The CSP source is VS Code's own (e.g. `'self' https://*.vscode-cdn.net`), so only separators are refused.
function assertCspSource(value: string): void {
  const hasControl = [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (value.trim() === '' || hasControl || /[;,"]/.test(value)) {
    throw new Error(`Invalid CSP source for the sim view: ${JSON.stringify(value)}`);
  }
}

function assertNonce(value: string): void {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(value)) {
    throw new Error(`Invalid nonce for the sim view: ${JSON.stringify(value)}`);
  }
}

/** The content security policy of the sim view page. Exported for tests. */
function simViewCsp(cspSource: string, nonce: string, origin: string): string {
  assertCspSource(cspSource);
  assertNonce(nonce);
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `frame-src ${origin}`,
  ].join('; ');
}

/** The texts the page's script shows, in the display language (@vscode/l10n, configured at activation). */
export function simViewStrings(): SimViewStrings {
  const waiting = l10n.t('Waiting for the simulator…');
  return {
    overlayTitles: {
      stopped: l10n.t('The simulator is not running'),
      starting: waiting,
      loading: waiting,
      ready: l10n.t('Connecting to the simulator…'),
      stopping: l10n.t('The simulator is stopping'),
      failed: l10n.t('The simulator failed'),
    },
    noClientUrl: l10n.t('The simulator has no client URL'),
    // Without arguments l10n.t leaves {0} in place: the script puts the label there.
    frameTitle: l10n.t('Isaac Sim web client for {0}'),
  };
}

/** The sim view page. Throws (see `frameOrigin`) when `frameUrl` is not a usable http(s) URL. */
export function buildSimViewHtml(opts: SimViewHtmlOptions): string {
  const origin = frameOrigin(opts.frameUrl);
  const csp = simViewCsp(opts.cspSource, opts.nonce, origin);
  const { initial } = opts;
  const e = escapeHtml;
  const hasUrl = initial.url !== '';
  const strings = simViewStrings();
  const openInBrowser = e(l10n.t('Open in Browser'));
  const copyUrl = e(l10n.t('Copy URL'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${e(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" id="vscode-codicon-stylesheet" href="${e(opts.codiconCssUri)}">
  <link rel="stylesheet" href="${e(opts.styleUri)}">
  <title>${e(l10n.t('Sim: {0}', initial.label))}</title>
</head>
<body>
  <main id="root" class="sim-view" data-state="${e(JSON.stringify(initial))}" data-strings="${e(JSON.stringify(strings))}">
    <header class="toolbar" role="toolbar" aria-label="${e(l10n.t('Sim view'))}">
      <span id="label" class="label">${e(initial.label)}</span>
      <vscode-badge id="state-badge" class="state-badge" data-kind="${e(initial.state)}">${e(initial.stateText)}</vscode-badge>
      <span class="spacer"></span>
      <vscode-toolbar-button id="reload" icon="refresh" label="${e(l10n.t('Reload'))}" title="${e(l10n.t('Reload the sim view'))}" disabled></vscode-toolbar-button>
      <vscode-toolbar-button id="open-external" icon="link-external" label="${openInBrowser}" title="${openInBrowser}"${hasUrl ? '' : ' disabled'}></vscode-toolbar-button>
      <vscode-toolbar-button id="copy-url" icon="copy" label="${copyUrl}" title="${copyUrl}"${hasUrl ? '' : ' disabled'}></vscode-toolbar-button>
    </header>
    <p id="media-note" class="media-note" role="note"${initial.note ? '' : ' hidden'}>${e(initial.note)}</p>
    <div id="stage" class="stage">
      <div id="frame-host" class="frame-host"></div>
      <div id="overlay" class="overlay" role="status" aria-live="polite">
        <vscode-progress-ring id="spinner" class="spinner" aria-label="${e(l10n.t('Loading'))}"></vscode-progress-ring>
        <p id="overlay-title" class="overlay-title">${e(strings.overlayTitles.starting)}</p>
        <p id="overlay-detail" class="overlay-detail">${e(initial.stateText)}</p>
      </div>
    </div>
  </main>
  <script type="module" nonce="${e(opts.nonce)}" src="${e(opts.scriptUri)}"></script>
</body>
</html>`;
}

/**
 * A script-less page with a short note, for a panel that cannot show a simulator: a restored panel whose
 * instance no longer exists, or a client URL that is not usable.
 */
export function buildSimViewNoteHtml(opts: SimViewNoteOptions): string {
  assertCspSource(opts.cspSource);
  const csp = `default-src 'none'; style-src ${opts.cspSource}`;
  const e = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${e(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${e(opts.styleUri)}">
  <title>${e(opts.title)}</title>
</head>
<body>
  <main class="note" role="status">
    <h1 class="note-title">${e(opts.title)}</h1>
    <p class="note-message">${e(opts.message)}</p>
  </main>
</body>
</html>`;
}
