/**
 * The sim view URL builder (src/instances/clientUrl.ts): the iframe may only ever point at an http(s) URL on
 * isaacSim.host or on a host written out in the template, whatever the template or the values hold.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HOST_PATTERN, buildClientUrl, urlTemplateProblem, type ClientUrlResult, type UrlTemplateSetting } from '../../src/instances/clientUrl';
import { DEFAULT_SETTINGS, SAMPLE_VALUES, parseSettings, type Settings } from '../../src/instances/settings';
import type { TemplateValues } from '../../src/instances/templates';
import { clientUrlFor, clientUrlResultFor, portsFor } from '../../src/instances/spec';
import { VERSION_IDS } from '../../src/instances/versions';

const CLIENT: UrlTemplateSetting = 'isaacSim.clientUrlTemplate';
const VIEWER: UrlTemplateSetting = 'isaacSim.webViewerUrlTemplate';

function values(overrides: Partial<TemplateValues> = {}): TemplateValues {
  return { ...SAMPLE_VALUES, ...overrides };
}

function okUrl(result: ClientUrlResult): URL {
  assert.ok(result.ok, `expected a URL, got ${JSON.stringify(result)}`);
  return new URL(result.url);
}

function assertRefused(result: ClientUrlResult, setting: string, what: string): void {
  assert.equal(result.ok, false, `${what}: expected an error, got ${JSON.stringify(result)}`);
  if (result.ok) return;
  assert.equal(result.setting, setting, `${what}: names ${setting}: ${result.message}`);
  assert.ok(result.message.includes(setting), `${what}: the message names ${setting}: ${result.message}`);
  assert.match(result.message, /Fix /, `${what}: the message says what to fix: ${result.message}`);
}

/** The hostname the WHATWG parser gives a host, or undefined when it is not one. */
function normalHost(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

/** The host text written right after the template's scheme, when it is not the {host} placeholder. */
function literalHostOf(template: string): string | undefined {
  const m = /^https?:\/\/(\[[^\]/?#]*\]|[^/?#:@]+)/i.exec(template);
  return m && m[1] !== '{host}' ? m[1] : undefined;
}

describe('buildClientUrl: the normal cases', () => {
  test('the default web client URL (4.2\'s webrtc-demo page) and the 6.x web viewer URL', () => {
    assert.equal(okUrl(buildClientUrl(DEFAULT_SETTINGS.clientUrlTemplate, values(), CLIENT)).href, 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(okUrl(buildClientUrl(DEFAULT_SETTINGS.webViewerUrlTemplate, values({ webViewerPort: 8213 }), VIEWER)).href, 'http://127.0.0.1:8213/');
  });

  test('the result carries the URL and its origin', () => {
    const r = buildClientUrl('https://{host}:{httpPort}/a?b={label}#c', values({ host: 'Sim-Box.local' }), CLIENT);
    assert.deepEqual(r, { ok: true, url: 'https://sim-box.local:8211/a?b=instance-0#c', origin: 'https://sim-box.local:8211' });
  });

  test('IPv6 hosts in brackets, as isaacSim.host and written out', () => {
    const r = buildClientUrl('http://{host}:{httpPort}/?server={host}', values({ host: '[::1]' }), CLIENT);
    const url = okUrl(r);
    assert.equal(url.origin, 'http://[::1]:8211');
    assert.equal(url.searchParams.get('server'), '[::1]', 'the query value round-trips');
    assert.equal(okUrl(buildClientUrl('http://{host}/', values({ host: '[2001:db8::1]' }), CLIENT)).hostname, '[2001:db8::1]');
    assert.equal(okUrl(buildClientUrl('http://{host}/', values({ host: '[::ffff:127.0.0.1]' }), CLIENT)).hostname, '[::ffff:7f00:1]');
    assert.equal(okUrl(buildClientUrl('http://[::1]:{httpPort}/', values(), CLIENT)).origin, 'http://[::1]:8211');
  });

  test('a host written out in the template (a reverse proxy, a name for the box) is used as written', () => {
    assert.equal(okUrl(buildClientUrl('https://sim.lab.example/{label}/', values({ label: 'instance-3' }), CLIENT)).href, 'https://sim.lab.example/instance-3/');
    assert.equal(okUrl(buildClientUrl('http://localhost:{httpPort}/', values(), CLIENT)).origin, 'http://localhost:8211');
    assert.equal(okUrl(buildClientUrl('http://viewer:9000/?i={index}', values({ index: 2 }), VIEWER)).href, 'http://viewer:9000/?i=2');
    // The written host decides even when isaacSim.host is something else.
    assert.equal(okUrl(buildClientUrl('http://10.0.0.5/', values({ host: 'other' }), CLIENT)).origin, 'http://10.0.0.5');
  });

  test('the scheme may be written in any case; a template may end right after the authority', () => {
    assert.equal(okUrl(buildClientUrl('HTTPS://{host}:{webViewerPort}', values(), VIEWER)).href, 'https://127.0.0.1:8210/');
    assert.equal(okUrl(buildClientUrl('http://{host}?x={index}', values(), CLIENT)).href, 'http://127.0.0.1/?x=0');
    assert.equal(okUrl(buildClientUrl('http://{host}#{label}', values(), CLIENT)).href, 'http://127.0.0.1/#instance-0');
  });

  test('every port placeholder may stand for the port', () => {
    for (const name of ['httpPort', 'signalPort', 'streamPort', 'webViewerPort'] as const) {
      assert.equal(okUrl(buildClientUrl(`http://{host}:{${name}}/`, values({ [name]: 4321 }), CLIENT)).port, '4321', name);
    }
  });

  test('the removed placeholders {webrtcPort} and {nativePort} cannot stand for the port', () => {
    for (const name of ['webrtcPort', 'nativePort']) {
      for (const setting of [CLIENT, VIEWER]) assertRefused(buildClientUrl(`http://{host}:{${name}}/`, values(), setting), setting, name);
    }
  });
});

describe('buildClientUrl: hostile templates are refused with an error naming the setting', () => {
  const hostile = [
    'javascript:alert(1)',
    'JavaScript:alert(document.domain)',
    'jAvAsCrIpT:alert(1)',
    ' javascript:alert(1)',
    '\tjavascript:alert(1)',
    ' \t JaVaScRiPt:alert(1)',
    '\njavascript:alert(1)',
    'java\tscript:alert(1)',
    'javascript://{host}/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'file:///etc/passwd',
    'FILE://{host}/etc/passwd',
    'vbscript:msgbox(1)',
    'blob:http://{host}/x',
    'ws://{host}:{httpPort}/',
    'ftp://{host}/',
    'vscode://x/',
    '//evil.example/',
    '///evil.example/',
    '\\\\evil.example\\',
    '/\\evil.example/',
    'http:evil.example/',
    'http:/evil.example/',
    'http:///evil.example/',
    'http:\\\\evil.example\\',
    'http:/\\evil.example/',
    'http://\\evil.example/',
    ' http://{host}/',
    'http://{host}/ ',
    'http://{host}@evil.example/',
    'http://{host}:{httpPort}@evil.example/',
    'http://evil.example\\@{host}/',
    'http://evil.example@{host}/',
    'http://user:secret@{host}:{httpPort}/',
    'http://{host}\\@evil.example/',
    'http://{host}\\evil.example/',
    'http://{host}\t@evil.example/',
    'http://{host}\r\n@evil.example/',
    'http://{host}%40evil.example/',
    'http://{host}.evil.example/',
    'http://evil.example.{host}/',
    'http://{host}{label}/',
    'http://{label}/',
    'http://{index}.0.0.1/',
    'http://[{host}]/',
    'http://{HOST}/',
    'http://{host}:{label}/',
    'http://{host}:{index}/',
    'http://{host}:{nope}/',
    'http://{host}:0/',
    'http://{host}:65536/',
    'http://{host}:99999/',
    'http://{host}:/',
    'http://{host}:80:81/',
    'http://{host}:{httpPort}{index}/',
    'http://evil。example/',
    'http://evil．example/',
    'http://evil｡example/',
    'http://127。0。0。1/',
    'http://ｅｖｉｌ.example/',
    'http://%65vil.example/',
    'http://evil.example%2f@{host}/',
    'http://[::1/',
    'http://[::1]x/',
    'http://[::1]]/',
    'http://[fe80::1%25eth0]/',
    'http://[::1]@evil.example/',
    'http://::1/',
    'http://{host}/\u2028',
    'http://{host}/\u00a0',
    'http://{host}/\u0000',
    'http://{host}/{nope}',
    'http://{host}/?x={constructor}',
    'http://{host}/?x={toString}',
    '{host}:{httpPort}',
    'http://',
    'https://',
    '',
    'not a url',
  ];

  for (const template of hostile) {
    test(JSON.stringify(template), () => {
      assertRefused(buildClientUrl(template, values(), CLIENT), CLIENT, template);
      assertRefused(buildClientUrl(template, values(), VIEWER), VIEWER, template);
    });
  }

  test('{__proto__} is not a placeholder name: it stays literal text after the host', () => {
    const url = okUrl(buildClientUrl('http://{host}/?x={__proto__}', values(), CLIENT));
    assert.equal(url.origin, 'http://127.0.0.1');
    assert.equal(url.searchParams.get('x'), '{__proto__}');
  });

  test('urlTemplateProblem says why, in words', () => {
    assert.match(urlTemplateProblem('javascript:alert(1)')!, /must start with http:\/\/ or https:\/\//);
    assert.match(urlTemplateProblem('http://{host}@evil.example/')!, /user info/);
    assert.match(urlTemplateProblem('http://evil.example\\@{host}/')!, /backslash/);
    assert.match(urlTemplateProblem('http://{host}.evil.example/')!, /exactly \{host\}/);
    assert.match(urlTemplateProblem('http://evil。example/')!, /ASCII/);
    assert.match(urlTemplateProblem('http://{host}:{label}/')!, /port/);
    assert.equal(urlTemplateProblem(DEFAULT_SETTINGS.clientUrlTemplate), undefined);
    assert.equal(urlTemplateProblem(DEFAULT_SETTINGS.webViewerUrlTemplate), undefined);
  });

  test('the error message shows the template and an example of a good one', () => {
    const r = buildClientUrl('javascript:alert(1)', values(), CLIENT);
    assert.ok(!r.ok && r.message.includes('"javascript:alert(1)"') && r.message.includes(DEFAULT_SETTINGS.clientUrlTemplate), JSON.stringify(r));
    const v = buildClientUrl('file:///x', values(), VIEWER);
    assert.ok(!v.ok && v.message.includes(DEFAULT_SETTINGS.webViewerUrlTemplate), JSON.stringify(v));
    const huge = buildClientUrl(`javascript:${'a'.repeat(100_000)}`, values(), CLIENT);
    assert.ok(!huge.ok && huge.message.length < 1000, 'a huge template is shown shortened');
  });
});

describe('buildClientUrl: values cannot change the scheme, host, user info or port', () => {
  const hostileHosts = [
    '127.0.0.1@evil.example',
    'evil.example#',
    'evil.example?',
    'evil.example/',
    '127.0.0.1/../',
    '127.0.0.1\\evil.example',
    '127.0.0.1\r\nHost: evil.example',
    '127.0.0.1\n',
    '127.0.0.1 evil.example',
    ' 127.0.0.1',
    '127.0.0.1:9999',
    '127.0.0.1:{httpPort}',
    'user:pw@127.0.0.1',
    'evil。example',
    'ｅｖｉｌ.example',
    '127.0.0.1%2f',
    '127.0.0.1\u0000',
    '::1',
    '[::1]:80',
    '[::1]@evil.example',
    '[fe80::1%25eth0]',
    '[::1',
    '999.1.1.1',
    '-evil',
    '.evil',
    '',
    '{host}',
    'javascript:alert(1)',
  ];
  for (const host of hostileHosts) {
    test(`isaacSim.host ${JSON.stringify(host)}`, () => {
      for (const template of [DEFAULT_SETTINGS.clientUrlTemplate, 'https://{host}/', 'http://{host}:8211/']) {
        assertRefused(buildClientUrl(template, values({ host }), CLIENT), 'isaacSim.host', `${template} with host ${host}`);
      }
    });
  }

  test('a hostile host value is refused even when the template only uses it after the host', () => {
    // Only in the query: it is data there, so it is encoded rather than refused.
    const url = okUrl(buildClientUrl('http://sim.lab/?server={host}', values({ host: '127.0.0.1@evil.example#x' }), CLIENT));
    assert.equal(url.origin, 'http://sim.lab');
    assert.equal(url.searchParams.get('server'), '127.0.0.1@evil.example#x');
    assert.equal(url.hash, '');
  });

  test('values after the host are percent-encoded and stay inside their component', () => {
    const label = '../../@evil.example/#?x=1&y=%2e\\ \r\n"<>';
    const url = okUrl(buildClientUrl('http://{host}:{httpPort}/sim/{label}/?l={label}#{label}', values({ label }), CLIENT));
    assert.equal(url.origin, 'http://127.0.0.1:8211');
    assert.equal(url.pathname, `/sim/${encodeURIComponent(label)}/`);
    assert.equal(url.searchParams.get('l'), label);
    assert.deepEqual([...url.searchParams.keys()], ['l']);
    assert.equal(decodeURIComponent(url.hash.slice(1)), label);
  });

  test('port values must be whole ports; the error names the port base setting', () => {
    for (const bad of [0, -1, 65536, 8211.5, Number.NaN, Number.POSITIVE_INFINITY, '8211' as unknown as number, '80@evil.example' as unknown as number]) {
      assertRefused(buildClientUrl('http://{host}:{httpPort}/', values({ httpPort: bad }), CLIENT), 'isaacSim.httpPortBase', String(bad));
      assertRefused(buildClientUrl('http://{host}:{webViewerPort}/', values({ webViewerPort: bad }), VIEWER), 'isaacSim.webViewerPortBase', String(bad));
    }
  });

  test('a lone surrogate in a value is an error, not an exception', () => {
    assertRefused(buildClientUrl('http://{host}/{label}', values({ label: 'a\ud800b' }), CLIENT), CLIENT, 'lone surrogate');
  });
});

// ---- properties -------------------------------------------------------------------------------------

/** Pieces that URL parsers treat specially, mixed with arbitrary text, to build templates. */
const PIECES = [
  'http', 'https', 'HTTP', 'javascript', 'JavaScript', 'data', 'file', 'vbscript', 'blob', ':', '//', '/', '\\', '@', '#', '?', '&', '=', '%', '%2e', '%40',
  '.', '。', '．', '[', ']', '::1', '[::1]', ' ', '\t', '\n', '\r', '\u0000', '{host}', '{httpPort}', '{webViewerPort}', '{label}', '{index}', '{nope}',
  '{', '}', '127.0.0.1', 'evil.example', 'localhost', 'user:pw@', ':8211', ':0', ':65536', '..',
];
const piece = fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 3 }));
const authorityHostArb = fc.constantFrom('{host}', 'localhost', '127.0.0.1', '[::1]', 'evil.example', '{host}@evil.example', 'evil.example\\@{host}', '{label}', '{host}.x', 'a。b', '');
const authorityPortArb = fc.constantFrom('', ':{httpPort}', ':{webViewerPort}', ':8211', ':0', ':{label}', ':{host}', ':99999', ':');
const templateArb = fc.oneof(
  fc.tuple(fc.constantFrom('http://', 'https://'), authorityHostArb, authorityPortArb, fc.array(piece, { maxLength: 6 })).map(([scheme, host, port, parts]) => scheme + host + port + parts.join('')),
  fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
  fc.tuple(fc.constantFrom('http://', 'https://', 'HTTP://', ' http://', 'http:/', 'http:\\\\'), fc.array(piece, { maxLength: 10 })).map(([head, parts]) => head + parts.join('')),
  fc.string({ maxLength: 40 }),
);
const validHostArb = fc.oneof(fc.ipV4(), fc.domain(), fc.ipV6().map((a) => `[${a}]`), fc.constant('localhost'));
const hostArb = fc.oneof(validHostArb, fc.string({ maxLength: 20 }), fc.constantFrom('127.0.0.1@evil.example', 'evil.example#', '127.0.0.1/../', '127.0.0.1\r\n', 'a b', '::1'));
const portArb = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer(), fc.double());
const valuesArb = fc.record({
  host: hostArb,
  httpPort: portArb,
  signalPort: portArb,
  streamPort: portArb,
  webViewerPort: portArb,
  index: fc.oneof(fc.nat(), fc.string()) as fc.Arbitrary<number | string>,
  label: fc.string({ unit: 'binary', maxLength: 30 }),
});

describe('buildClientUrl: properties', () => {
  test('any template, any values: an error naming a setting, or an http(s) URL on the configured host', () => {
    fc.assert(
      fc.property(templateArb, valuesArb, fc.constantFrom(CLIENT, VIEWER), (template, vals, setting) => {
        const r = buildClientUrl(template, vals, setting);
        if (!r.ok) {
          assert.ok(r.message.includes(r.setting), r.message);
          assert.match(r.setting, /^isaacSim\.[A-Za-z]+$/);
          return;
        }
        assert.match(template, /^https?:\/\//i, 'only a template that starts with http(s):// gives a URL');
        const url = new URL(r.url);
        assert.ok(url.protocol === 'http:' || url.protocol === 'https:', r.url);
        assert.equal(url.protocol, `${/^(https?):/i.exec(template)![1].toLowerCase()}:`, 'the scheme is the one written');
        assert.equal(url.username, '');
        assert.equal(url.password, '');
        assert.equal(r.origin, url.origin);
        const literal = literalHostOf(template);
        const configured = literal !== undefined ? normalHost(literal) : normalHost(vals.host);
        assert.equal(url.hostname, configured, `the host is ${literal !== undefined ? `the written ${literal}` : `isaacSim.host ${vals.host}`}`);
        if (literal === undefined) assert.match(vals.host, HOST_PATTERN);
        const ports = [vals.httpPort, vals.signalPort, vals.streamPort, vals.webViewerPort].map(String);
        assert.ok(url.port === '' || ports.includes(url.port) || new RegExp(`:0*${url.port}(?:[/?#]|$)`).test(template), `port ${url.port} was configured`);
      }),
      { numRuns: 3000 },
    );
  });

  test('the generators reach both outcomes (so the property above is not vacuous)', () => {
    const runs = fc.sample(fc.tuple(templateArb, valuesArb), { numRuns: 3000, seed: 42 }).map(([t, v]) => buildClientUrl(t, v, CLIENT));
    const ok = runs.filter((r) => r.ok).length;
    assert.ok(ok > 30, `some templates give URLs (${ok})`);
    assert.ok(runs.length - ok > 300, `many are refused (${runs.length - ok})`);
  });

  test('whatever is not http:// or https:// at the very start is refused', () => {
    fc.assert(
      fc.property(templateArb, valuesArb, (template, vals) => {
        fc.pre(!/^https?:\/\//i.test(template));
        assert.equal(buildClientUrl(template, vals, CLIENT).ok, false);
      }),
      { numRuns: 2000 },
    );
  });

  test('values other than host and ports never change the origin', () => {
    const templates = [
      DEFAULT_SETTINGS.clientUrlTemplate,
      'http://{host}:{httpPort}/{label}/{index}?l={label}&i={index}#{label}',
      'https://sim.lab.example/{label}?h={host}',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...templates), fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 20 }), (template, label, index) => {
        const benign = buildClientUrl(template, values(), CLIENT);
        const r = buildClientUrl(template, values({ label, index: index as unknown as number }), CLIENT);
        assert.ok(benign.ok);
        if (!r.ok) {
          assert.ok(/[\ud800-\udfff]/.test(label + index), `only invalid text is refused: ${r.message}`);
          return;
        }
        assert.equal(r.origin, benign.origin);
        const url = new URL(r.url);
        if (template.includes('l={label}')) assert.equal(url.searchParams.get('l'), label, 'the value round-trips as data');
      }),
      { numRuns: 1000 },
    );
  });

  test('an arbitrary isaacSim.host either is refused or is exactly the host of the URL', () => {
    fc.assert(
      fc.property(hostArb, (host) => {
        const r = buildClientUrl(DEFAULT_SETTINGS.clientUrlTemplate, values({ host }), CLIENT);
        if (!r.ok) {
          assert.equal(r.setting, 'isaacSim.host');
          return;
        }
        assert.doesNotMatch(host, /[@/\\?#%\s]/, 'no URL syntax in an accepted host');
        if (host.includes(':')) assert.match(host, /^\[[0-9A-Fa-f:.]+\]$/, 'a colon only inside an IPv6 literal');
        assert.equal(new URL(r.url).hostname, normalHost(host));
        assert.equal(new URL(r.url).port, '8211');
      }),
      { numRuns: 2000 },
    );
  });

  test('huge templates and values are handled', () => {
    const long = 'a'.repeat(200_000);
    assert.equal(buildClientUrl(`http://{host}/${long}`, values(), CLIENT).ok, true);
    assert.equal(okUrl(buildClientUrl(`http://${long}/`, values(), CLIENT)).hostname, long, 'a long written host is still only that host');
    assertRefused(buildClientUrl(DEFAULT_SETTINGS.clientUrlTemplate, values({ host: long + '@evil' }), CLIENT), 'isaacSim.host', 'huge host');
    const big = okUrl(buildClientUrl('http://{host}/?l={label}', values({ label: long }), CLIENT));
    assert.equal(big.searchParams.get('l'), long);
  });
});

describe('settings: bad URL templates are settings problems naming the field', () => {
  const refusedBySchema = [
    'http://{host}@evil.example/',
    'http://evil.example\\@{host}/',
    ' http://{host}:{httpPort}/',
    'JavaScript:alert(1)',
    '//evil.example/',
    'http://{host}.evil.example/',
    'http://{label}/',
    'http://{host}:{index}/',
    'http://evil。example/',
    'http://[::1/',
    'http://{host}/{nope}',
  ];
  for (const key of ['clientUrlTemplate', 'webViewerUrlTemplate'] as const) {
    test(key, () => {
      for (const template of refusedBySchema) {
        const r = parseSettings({ [key]: template });
        assert.equal(r.ok, false, template);
        if (r.ok) continue;
        assert.deepEqual(r.problems.map((p) => p.setting), [`isaacSim.${key}`], template);
        assert.ok(r.problems[0].message.includes('exactly {host} or a host name written out'), r.problems[0].message);
      }
      for (const template of ['https://viewer.example/{label}', 'http://localhost:{httpPort}/', 'http://[::1]:8211/x?h={host}', DEFAULT_SETTINGS[key]]) {
        assert.ok(parseSettings({ [key]: template }).ok, template);
      }
    });
  }

  test('a template the schema accepts gives a URL for every valid host and instance', () => {
    fc.assert(
      fc.property(templateArb, validHostArb, fc.integer({ min: 0, max: 15 }), fc.constantFrom(...VERSION_IDS), (template, host, index, version) => {
        const r = parseSettings({ clientUrlTemplate: template, webViewerUrlTemplate: template, host, version, instanceCount: 16 });
        fc.pre(r.ok);
        const s = (r as { settings: Settings }).settings;
        const built = clientUrlResultFor(s, version, index);
        assert.ok(built.ok, JSON.stringify(built));
        assert.equal(clientUrlFor(s, version, index), built.url);
        const url = new URL(built.url);
        const literal = literalHostOf(template);
        assert.equal(url.hostname, normalHost(literal ?? host));
        const port = portsFor(s, version, index);
        assert.ok(url.port === '' || Object.values(port).map(String).includes(url.port) || new RegExp(`:0*${url.port}(?:[/?#]|$)`).test(template) || /:\{[a-zA-Z]+Port\}/.test(template));
      }),
      { numRuns: 1000 },
    );
  });
});
