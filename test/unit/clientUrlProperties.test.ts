/** The sim view URL builder's fast-check properties, and URL templates as the settings schema checks them (src/instances/clientUrl.ts). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HOST_PATTERN, buildClientUrl } from '../../src/instances/clientUrl';
import { DEFAULT_SETTINGS, parseSettings, type Settings } from '../../src/instances/settings';
import { clientUrlFor, clientUrlResultFor, portsFor } from '../../src/instances/spec';
import { VERSION_IDS } from '../../src/instances/versions';
import { CLIENT, VIEWER, assertRefused, okUrl, values } from './clientUrlFixture';

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
