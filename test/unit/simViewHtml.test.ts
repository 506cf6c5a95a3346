/** The sim view page (src/views/simViewHtml.ts) case by case: CSP, script, stylesheets, data-state, escaping, frameOrigin, the note page. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  buildSimViewHtml,
  buildSimViewNoteHtml,
  cryptoNonce,
  frameOrigin,
} from '../../src/views/simViewHtml';
import { FRAME_URL, dataStateOf, options, state, unescapeHtml } from './simViewHtmlFixture';

/** The CSP as a map directive → source list, read back out of the page. */
function cspOf(html: string): Map<string, string> {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(match, 'the page has a CSP meta tag');
  const directives = new Map<string, string>();
  for (const part of unescapeHtml(match[1]!).split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name, sources.join(' '));
  }
  return directives;
}

test('the CSP allows only the nonce for scripts and only the client origin for frames', () => {
  const nonce = cryptoNonce();
  const html = buildSimViewHtml(options({ nonce }));
  const csp = cspOf(html);
  assert.equal(csp.get('default-src'), "'none'");
  assert.equal(csp.get('script-src'), `'nonce-${nonce}'`);
  assert.equal(csp.get('style-src'), 'https://webview.test');
  assert.equal(csp.get('font-src'), 'https://webview.test');
  assert.equal(csp.get('img-src'), 'https://webview.test data:');
  assert.equal(csp.get('frame-src'), 'http://127.0.0.1:8211');
  assert.deepEqual([...csp.keys()].sort(), ['default-src', 'font-src', 'frame-src', 'img-src', 'script-src', 'style-src']);

  const raw = unescapeHtml(/content="([^"]*)"/.exec(html)![1]!);
  assert.doesNotMatch(raw, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(raw, /\*/);
  assert.doesNotMatch(raw, /streaming/, 'frame-src names the origin, not the path');
});

test('frame-src follows the external URL, e.g. a forwarded https origin', () => {
  const url = 'https://code.example.com/proxy/8211/streaming/webrtc-client/';
  const html = buildSimViewHtml(options({ frameUrl: url, initial: state({ url }) }));
  assert.equal(cspOf(html).get('frame-src'), 'https://code.example.com');
});

test('the script is a module carrying the nonce, and the only script', () => {
  const nonce = cryptoNonce();
  const html = buildSimViewHtml(options({ nonce }));
  assert.match(html, new RegExp(`<script type="module" nonce="${nonce}" src="https://webview.test/media/webview.js"></script>`));
  assert.equal(html.match(/<script/g)?.length, 1);
});

test('the codicon stylesheet has the id vscode-elements looks for', () => {
  const html = buildSimViewHtml(options());
  assert.match(html, /<link rel="stylesheet" id="vscode-codicon-stylesheet" href="https:\/\/webview.test\/media\/codicons\/codicon.css">/);
});

test('every codicon the page uses is drawn by the built stylesheet, from a data: image the CSP allows', () => {
  // Tests run from out/test/unit; the build (scripts/build.mjs) wrote media/codicons/ at the root.
  const css = fs.readFileSync(path.resolve(__dirname, '../../../media/codicons/codicon.css'), 'utf8');
  const html = buildSimViewHtml(options());
  const used = [...html.matchAll(/\bicon="([a-z0-9-]+)"/g)].map((m) => m[1]);
  assert.ok(used.length >= 3, `icons found: ${used.join(', ')}`);
  for (const name of used) assert.match(css, new RegExp(`\\.codicon-${name} \\{ --codicon: url\\("data:image/svg\\+xml,%3Csvg [^"]+%3C/svg%3E"\\); \\}`), `no rule for codicon "${name}"`);
  assert.match(css, /mask: var\(--codicon\)/);
  assert.match(html, /img-src [^;]*\bdata:/, 'the CSP must allow the data: images the icons are drawn from');
});

test('the client URL is never an iframe src in the HTML', () => {
  const html = buildSimViewHtml(options({ initial: state({ state: 'ready', stateText: 'ready' }) }));
  assert.doesNotMatch(html, /<iframe/i);
  assert.ok(!html.includes(FRAME_URL), 'the raw URL (with its &) does not appear unescaped');
  assert.doesNotMatch(html, /src="http:\/\/127\.0\.0\.1:8211/);
});

test('the initial state round-trips through data-state', () => {
  const initial = state({ state: 'failed', stateText: 'failed: exit 1', index: 3, label: 'instance-3' });
  const html = buildSimViewHtml(options({ initial }));
  assert.deepEqual(dataStateOf(html), initial);
});

test('hostile labels, state texts and URLs cannot break out of the markup', () => {
  const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
  const url = `http://127.0.0.1:8211/"><script>alert(3)</script>`;
  const initial = state({ label: evil, stateText: evil, url, runId: evil, note: evil });
  const html = buildSimViewHtml(options({ frameUrl: url, initial }));
  assert.ok(!html.includes('"><script>'), 'no raw "><script>');
  assert.ok(!html.includes('<script>alert'), 'no injected script element');
  assert.ok(!html.includes('<img'), 'no injected img element');
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.deepEqual(dataStateOf(html), initial, 'the escaped state still decodes to the original');
});

test('text in a page is escaped for every character that matters in text and attributes', () => {
  const html = buildSimViewNoteHtml({ cspSource: 'https://webview.test', styleUri: 'https://webview.test/media/simview.css', title: 'T', message: `<a href="x" title='y'>&</a>` });
  assert.ok(html.includes('<p class="note-message">&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;</p>'), html);
});

test('frameOrigin returns the origin of http(s) URLs', () => {
  assert.equal(frameOrigin('http://127.0.0.1:8211/streaming/webrtc-client/?a=1'), 'http://127.0.0.1:8211');
  assert.equal(frameOrigin('https://Example.COM/x'), 'https://example.com');
  assert.equal(frameOrigin('http://[::1]:8211/'), 'http://[::1]:8211');
  assert.equal(frameOrigin('http://localhost:80/'), 'http://localhost');
});

test('frameOrigin rejects non-http(s) and unparsable URLs with a clear message', () => {
  for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<p>x</p>', 'ftp://host/', 'vscode://x']) {
    assert.throws(
      () => frameOrigin(url),
      (err: unknown) => err instanceof Error && err.message.includes('is not an http(s) URL') && err.message.includes('isaacSim.clientUrlTemplate'),
      url,
    );
  }
  for (const url of ['', 'garbage', 'http://', '127.0.0.1:8211/path']) {
    assert.throws(() => frameOrigin(url), /isaacSim\.clientUrlTemplate/, url);
  }
});

test('frameOrigin rejects host names that would inject CSP syntax', () => {
  for (const url of ["http://a;script-src/", "http://a'b/", 'http://a,b/']) {
    assert.throws(() => frameOrigin(url), /isaacSim\.clientUrlTemplate/, url);
  }
});

test('buildSimViewHtml refuses unusable frame URLs and malformed nonces', () => {
  assert.throws(() => buildSimViewHtml(options({ frameUrl: 'javascript:alert(1)' })), /not an http\(s\) URL/);
  assert.throws(() => buildSimViewHtml(options({ nonce: "x' 'unsafe-inline" })), /nonce/);
  assert.throws(() => buildSimViewHtml(options({ nonce: '' })), /nonce/);
  assert.throws(() => buildSimViewHtml(options({ cspSource: 'https://a; script-src *' })), /CSP source/);
});

test('the note page has no scripts and escapes its text', () => {
  const html = buildSimViewNoteHtml({
    cspSource: 'https://webview.test',
    styleUri: 'https://webview.test/media/simview.css',
    title: 'Sim view',
    message: '<script>alert(1)</script> "instance-9" does not exist',
  });
  const csp = cspOf(html);
  assert.equal(csp.get('default-src'), "'none'");
  assert.equal(csp.get('script-src'), undefined);
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &quot;instance-9&quot; does not exist/);
});
