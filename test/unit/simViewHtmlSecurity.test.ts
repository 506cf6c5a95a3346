/** The sim view page's CSP parsed directive by directive, nonce entropy, and fast-check over hostile text and frame URLs (src/views/simViewHtml.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildSimViewHtml,
  buildSimViewNoteHtml,
  cryptoNonce,
  frameOrigin,
} from '../../src/views/simViewHtml';
import { FRAME_URL, dataStateOf, options, state, unescapeHtml } from './simViewHtmlFixture';

/** 32 hex digits (128 bits) in the 8-4-4-4-12 layout of a UUID; not a v4 UUID, whose 6 fixed bits cut it to 122. */
const NONCE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---- the CSP, directive by directive ------------------------------------------------------------------

/** VS Code's real `webview.cspSource` has a wildcard of its own; only it may carry one. */
const VSCODE_CSP_SOURCE = "'self' https://*.vscode-cdn.net";

/** Parses a policy strictly: every directive once, known names only, sources split on whitespace. */
function parseCsp(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/).filter(Boolean);
    assert.ok(name, `no empty directive in ${JSON.stringify(policy)}`);
    assert.match(name, /^[a-z-]+$/, `directive name ${name}`);
    assert.ok(!directives.has(name), `directive ${name} appears once`);
    directives.set(name, sources);
  }
  return directives;
}

function rawCspOf(html: string): string {
  const metas = html.match(/<meta http-equiv="Content-Security-Policy"[^>]*>/g) ?? [];
  assert.equal(metas.length, 1, 'exactly one CSP meta tag');
  return unescapeHtml(/content="([^"]*)"/.exec(metas[0])![1]!);
}

/** Every start tag in the page, in order, as `name` (attributes dropped). */
function tagsOf(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
}

function assertStrictCsp(html: string, cspSource: string, nonce: string, frameOrigin: string): void {
  const csp = parseCsp(rawCspOf(html));
  const own = new Set(cspSource.split(/\s+/));
  assert.deepEqual(csp.get('default-src'), ["'none'"], 'default-src is exactly none');
  // script-src: only the nonce (the webview's own source would also be acceptable, but is not needed).
  const scripts = csp.get('script-src') ?? [];
  assert.ok(scripts.includes(`'nonce-${nonce}'`), 'script-src carries the nonce');
  for (const source of scripts) assert.ok(source === `'nonce-${nonce}'` || own.has(source), `script-src source ${source}`);
  assert.deepEqual(scripts, [`'nonce-${nonce}'`]);
  assert.deepEqual(csp.get('style-src'), [...own], 'styles only from the webview');
  assert.deepEqual(csp.get('font-src'), [...own], 'fonts only from the webview');
  assert.deepEqual(csp.get('frame-src'), [frameOrigin], 'frames from exactly the one origin');
  for (const [name, sources] of csp) {
    for (const source of sources) {
      assert.doesNotMatch(source, /^'unsafe-|^'wasm-unsafe|^'strict-dynamic'$|^'unsafe-hashes'$/i, `${name}: no ${source}`);
      if (!own.has(source)) assert.ok(!source.includes('*'), `${name}: no wildcard of ours (${source})`);
      if (name === 'script-src' || name === 'frame-src' || name === 'default-src' || name === 'child-src' || name === 'worker-src') {
        assert.doesNotMatch(source, /^(?:data|blob|filesystem|javascript|file|http|https|ws|wss):?$/i, `${name}: no bare scheme ${source}`);
        assert.ok(!/^(?:data|blob|filesystem|javascript):/i.test(source), `${name}: no ${source}`);
      }
    }
  }
  for (const name of ['connect-src', 'child-src', 'worker-src', 'object-src', 'base-uri', 'form-action', 'media-src', 'manifest-src']) {
    assert.equal(csp.get(name), undefined, `${name} falls back to default-src 'none'`);
  }
  const frame = csp.get('frame-src')![0]!;
  assert.match(frame, /^https?:\/\/(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/, 'frame-src is one plain origin');
}

test('the CSP, parsed directive by directive, with the real VS Code cspSource', () => {
  for (const [frameUrl, origin] of [
    [FRAME_URL, 'http://127.0.0.1:8211'],
    ['http://[::1]:8210/', 'http://[::1]:8210'],
    ['https://code.example.com/proxy/8211/streaming/webrtc-client/?server=127.0.0.1', 'https://code.example.com'],
    ['http://127.0.0.1:8080/proxy/8211/', 'http://127.0.0.1:8080'],
  ] as const) {
    const nonce = cryptoNonce();
    const html = buildSimViewHtml(options({ cspSource: VSCODE_CSP_SOURCE, nonce, frameUrl, initial: state({ url: frameUrl }) }));
    assertStrictCsp(html, VSCODE_CSP_SOURCE, nonce, origin);
  }
});

test('every <script> carries the nonce, and nothing else can run script', () => {
  const nonce = cryptoNonce();
  const html = buildSimViewHtml(options({ nonce }));
  const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
  assert.ok(scripts.length >= 1);
  for (const tag of scripts) assert.ok(tag.includes(` nonce="${nonce}"`), `${tag} carries the nonce`);
  assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/i, 'no inline script body');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler attributes');
  assert.doesNotMatch(html, /\sstyle\s*=/i, 'no style attributes');
  assert.doesNotMatch(html, /javascript:/i);
  assert.doesNotMatch(html, /<(?:iframe|object|embed|base|form)\b/i);
});

test('a fresh nonce per render: simView renders with cryptoNonce(), and the page echoes the one it got', () => {
  const pages = Array.from({ length: 50 }, () => {
    const nonce = cryptoNonce();
    const html = buildSimViewHtml(options({ nonce }));
    const scriptSrc = parseCsp(rawCspOf(html)).get('script-src')![0]!;
    assert.equal(scriptSrc, `'nonce-${nonce}'`);
    return scriptSrc;
  });
  assert.equal(new Set(pages).size, pages.length, 'no two renders share a nonce');
});

test('nonces: 128 bits from a CSPRNG, never repeating, every bit varying', () => {
  const count = 2000;
  const nonces = Array.from({ length: count }, () => cryptoNonce());
  for (const nonce of nonces) assert.match(nonce, NONCE);
  assert.equal(new Set(nonces).size, count, 'no repeats');
  // Each of the 128 bits is set in about half the nonces: a fixed bit (a v4 UUID has 6), a counter or a
  // clock would fail. Binomial(2000, 1/2) has sd ~22; ±200 is 9 sd, so this does not flake.
  const ones = new Array<number>(128).fill(0);
  for (const nonce of nonces) {
    const hex = nonce.replace(/-/g, '');
    for (let bit = 0; bit < 128; bit++) {
      if ((parseInt(hex[bit >> 2]!, 16) >> (3 - (bit & 3))) & 1) ones[bit]!++;
    }
  }
  for (let bit = 0; bit < 128; bit++) assert.ok(Math.abs(ones[bit]! - count / 2) < 200, `bit ${bit} is set in ${ones[bit]} of ${count}`);
});

test('buildSimViewHtml refuses CSP injection through the nonce or the cspSource', () => {
  for (const nonce of ["abc' 'unsafe-eval", 'abcdefghijklmnop; script-src *', 'abcdefghijklmnop abc', 'short', 'abcdefghijklmnop\n']) {
    assert.throws(() => buildSimViewHtml(options({ nonce })), /nonce/, nonce);
  }
  for (const cspSource of ['', ' ', "https://a; script-src 'unsafe-inline'", 'https://a, b', 'https://a"b', 'https://a\nscript-src *']) {
    assert.throws(() => buildSimViewHtml(options({ cspSource })), /CSP source/, cspSource);
    assert.throws(() => buildSimViewNoteHtml({ cspSource, styleUri: 'x', title: 't', message: 'm' }), /CSP source/, cspSource);
  }
});

test('frameOrigin refuses URLs with user info', () => {
  for (const url of ['http://user@127.0.0.1:8211/', 'http://user:pw@127.0.0.1/', 'https://:pw@example.com/']) {
    assert.throws(() => frameOrigin(url), /user info.*isaacSim\.clientUrlTemplate/, url);
  }
});

// ---- hostile text is escaped (property) ---------------------------------------------------------------

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    `"><script>alert(1)</script>`,
    `'><img src=x onerror=alert(1)>`,
    '</title><script>alert(1)</script>',
    '<!--',
    ']]>',
    '&quot;&#39;&lt;',
    '" nonce="x',
    "' onmouseover='alert(1)",
    '<meta http-equiv="Content-Security-Policy" content="script-src *">',
    '\u2028\u2029</script>',
  ),
  fc.array(fc.constantFrom('<', '>', '"', "'", '&', '/', '=', ' ', 'script', 'iframe', 'on', 'x'), { maxLength: 20 }).map((a) => a.join('')),
);

test('property: hostile labels, state texts, run ids and URLs never change the page structure', () => {
  const baseline = tagsOf(buildSimViewHtml(options()));
  fc.assert(
    fc.property(hostileText, hostileText, hostileText, hostileText, (label, stateText, runId, path) => {
      const url = `http://127.0.0.1:8211/${path}`;
      const initial = state({ label, stateText, runId, url, note: stateText });
      const nonce = cryptoNonce();
      let html: string;
      try {
        html = buildSimViewHtml(options({ nonce, frameUrl: url, initial }));
      } catch (err) {
        // Only a URL that is not a usable http(s) URL may be refused, never text.
        assert.match((err as Error).message, /isaacSim\.clientUrlTemplate/);
        return;
      }
      assert.deepEqual(tagsOf(html), baseline, 'the same elements in the same order');
      assert.equal(html.match(/<script\b/gi)?.length, 1);
      assertStrictCsp(html, 'https://webview.test', nonce, 'http://127.0.0.1:8211');
      assert.deepEqual(dataStateOf(html), initial, 'data-state decodes to exactly the state');
      const title = /<title>([^<]*)<\/title>/.exec(html);
      assert.ok(title, 'the title element is intact');
      assert.equal(unescapeHtml(title[1]!), `Sim: ${label}`);
    }),
    { numRuns: 1000 },
  );
});

test('property: an arbitrary frame URL is refused or becomes exactly its own origin in frame-src', () => {
  const urlArb = fc.oneof(
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.tuple(fc.constantFrom('http://', 'https://', 'javascript:', 'data:', 'file://', ' http://', 'HTTP://'), hostileText).map(([a, b]) => a + b),
    hostileText,
  );
  fc.assert(
    fc.property(urlArb, (frameUrl) => {
      let html: string;
      try {
        html = buildSimViewHtml(options({ frameUrl, initial: state({ url: frameUrl }) }));
      } catch (err) {
        assert.match((err as Error).message, /isaacSim\.clientUrlTemplate/);
        return;
      }
      const parsed = new URL(frameUrl);
      assert.ok(parsed.protocol === 'http:' || parsed.protocol === 'https:');
      assert.equal(parsed.username + parsed.password, '');
      assertStrictCsp(html, 'https://webview.test', /'nonce-([^']+)'/.exec(rawCspOf(html))![1]!, parsed.origin);
    }),
    { numRuns: 1000 },
  );
});

test('property: the note page escapes hostile titles and messages and has no script', () => {
  const baseline = tagsOf(buildSimViewNoteHtml({ cspSource: 'https://webview.test', styleUri: 'https://webview.test/s.css', title: 't', message: 'm' }));
  fc.assert(
    fc.property(hostileText, hostileText, (title, message) => {
      const html = buildSimViewNoteHtml({ cspSource: 'https://webview.test', styleUri: 'https://webview.test/s.css', title, message });
      assert.deepEqual(tagsOf(html), baseline);
      const csp = parseCsp(rawCspOf(html));
      assert.deepEqual([...csp.keys()], ['default-src', 'style-src']);
      assert.deepEqual(csp.get('default-src'), ["'none'"]);
      assert.equal(unescapeHtml(/<p class="note-message">([^<]*)<\/p>/.exec(html)![1]!), message);
    }),
    { numRuns: 500 },
  );
});
