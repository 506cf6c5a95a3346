/** The ports of an instance, its template values and client URL, and the ports label read back. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, type Settings } from '../../src/instances/settings';
import { TEMPLATE_PLACEHOLDERS } from '../../src/instances/templates';
import { PORTS_LABEL, buildContainerSpec, clientUrlFor, clientUrlResultFor, parsePortsLabel, portsFor, templateValues } from '../../src/instances/spec';
import { VERSIONS, VERSION_IDS, type VersionId } from '../../src/instances/versions';
import { HOME, ctx, settings } from './specFixture';

describe('portsFor, templateValues, clientUrlFor', () => {
  test('portsFor adds the index to each base; httpPortBase null is the version\'s own Kit HTTP port', () => {
    assert.deepEqual(portsFor(settings(), '4.2', 0), { http: 8211, signal: 49100, python: 8226 });
    assert.deepEqual(portsFor(settings(), '4.2', 3), { http: 8214, signal: 49103, python: 8229 });
    assert.deepEqual(portsFor(settings(), '4.5-5.x', 3), { signal: 49103, http: 8014, python: 8229 });
    assert.deepEqual(portsFor(settings(), '6.x', 1), { signal: 49101, stream: 47999, http: 8012, webViewer: 8211, python: 8227 });
    assert.deepEqual(portsFor(settings(), 'custom', 1), { http: 8212, signal: 49101 }, 'no code server known for a custom image');
    assert.deepEqual(portsFor(settings({ httpPortBase: 1, signalPortBase: 2000, pythonServerPortBase: 3000 }), '4.2', 1), { http: 2, signal: 2001, python: 3001 });
    assert.deepEqual(portsFor(settings({ httpPortBase: 1, signalPortBase: 2000 }), '4.5-5.x', 1), { signal: 2001, http: 2, python: 8227 });
  });

  test('templateValues carries host, ports, index and label; ports the version does not use get base + index', () => {
    assert.deepEqual(templateValues(settings({ host: 'h' }), '4.2', 2, { http: 1, signal: 3 }), {
      host: 'h',
      httpPort: 1,
      signalPort: 3,
      streamPort: 48000,
      webViewerPort: 8212,
      index: 2,
      label: 'instance-2',
    });
    assert.deepEqual(templateValues(settings(), '6.x', 1, { signal: 5, stream: 6, webViewer: 7 }), {
      host: '127.0.0.1',
      // Missing from the ports given: the version's own Kit HTTP port (8011) + index.
      httpPort: 8012,
      signalPort: 5,
      streamPort: 6,
      webViewerPort: 7,
      index: 1,
      label: 'instance-1',
    });
    assert.equal(templateValues(settings(), '4.2', 1, {}).httpPort, 8212, '4.2\'s own Kit HTTP port is 8211');
  });

  test('templateValues fills every placeholder a template may use', () => {
    for (const version of VERSION_IDS) {
      const values = templateValues(settings(), version, 0, portsFor(settings(), version, 0));
      assert.deepEqual(Object.keys(values).sort(), [...TEMPLATE_PLACEHOLDERS].sort(), version);
    }
  });

  test('clientUrlFor fills the default template (4.2\'s webrtc-demo page, which does not redirect off-origin)', () => {
    assert.equal(clientUrlFor(settings(), '4.2', 0), 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(clientUrlFor(settings({ host: '192.168.1.20' }), '4.2', 1), 'http://192.168.1.20:8212/streaming/webrtc-demo/?server=192.168.1.20');
  });

  test('clientUrlFor with a custom template and explicit ports', () => {
    const s = settings({ clientUrlTemplate: 'https://{host}/sim/{label}/{index}?s={signalPort}&m={streamPort}&h={httpPort}' });
    assert.equal(clientUrlFor(s, '4.2', 2), 'https://127.0.0.1/sim/instance-2/2?s=49102&m=48000&h=8213');
    assert.equal(clientUrlFor(s, '4.2', 2, { http: 1, signal: 2, stream: 3 }), 'https://127.0.0.1/sim/instance-2/2?s=2&m=3&h=1');
  });

  test('clientUrlResultFor: the URL and its origin, from the template of the version', () => {
    assert.deepEqual(clientUrlResultFor(settings(), '4.2', 1), {
      ok: true,
      url: 'http://127.0.0.1:8212/streaming/webrtc-demo/?server=127.0.0.1',
      origin: 'http://127.0.0.1:8212',
    });
    assert.deepEqual(clientUrlResultFor(settings({ host: '[::1]' }), '6.x', 2), { ok: true, url: 'http://[::1]:8212/', origin: 'http://[::1]:8212' });
  });

  test('clientUrlResultFor: unvalidated hostile settings give an error naming the setting; clientUrlFor gives ""', () => {
    // Settings that bypassed parseSettings (the schema refuses all of these).
    const cases: Array<[Partial<Settings>, VersionId, string]> = [
      [{ host: '127.0.0.1@evil.example' }, '4.2', 'isaacSim.host'],
      [{ host: 'evil.example#' }, '4.2', 'isaacSim.host'],
      [{ host: '127.0.0.1/../' }, '4.2', 'isaacSim.host'],
      [{ host: '127.0.0.1\r\nX: y' }, '4.2', 'isaacSim.host'],
      [{ host: '127.0.0.1@evil.example' }, '6.x', 'isaacSim.host'],
      [{ clientUrlTemplate: 'javascript:alert(1)' }, '4.2', 'isaacSim.clientUrlTemplate'],
      [{ clientUrlTemplate: 'http://{host}@evil.example/' }, 'custom', 'isaacSim.clientUrlTemplate'],
      [{ webViewerUrlTemplate: 'file:///etc/passwd' }, '6.x', 'isaacSim.webViewerUrlTemplate'],
      [{ webViewerUrlTemplate: 'http://evil.example\\@{host}/' }, '6.x', 'isaacSim.webViewerUrlTemplate'],
      [{ httpPortBase: 70000 }, '4.2', 'isaacSim.httpPortBase'],
      [{ httpPortBase: 70000 }, '4.5-5.x', 'isaacSim.httpPortBase'],
    ];
    for (const [overrides, version, setting] of cases) {
      const s: Settings = { ...DEFAULT_SETTINGS, ...overrides };
      const r = clientUrlResultFor(s, version, 0);
      assert.equal(r.ok, false, JSON.stringify(overrides));
      if (!r.ok) {
        assert.equal(r.setting, setting, r.message);
        assert.ok(r.message.includes(setting), r.message);
      }
      assert.equal(clientUrlFor(s, version, 0), '', JSON.stringify(overrides));
    }
  });

  test('clientUrlResultFor: the template of the other view is not used, so it cannot break this one', () => {
    const s: Settings = { ...DEFAULT_SETTINGS, webViewerUrlTemplate: 'javascript:alert(1)' };
    assert.equal(clientUrlFor(s, '4.2', 0), 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(clientUrlFor(s, '6.x', 0), '');
    const c: Settings = { ...DEFAULT_SETTINGS, clientUrlTemplate: 'javascript:alert(1)' };
    assert.equal(clientUrlFor(c, '6.x', 0), 'http://127.0.0.1:8210/');
    assert.equal(clientUrlFor(c, '4.2', 0), '');
  });
});

describe('parsePortsLabel', () => {
  test('parses a valid JSON label of any port kinds', () => {
    assert.deepEqual(parsePortsLabel('{"http":8211,"signal":49100}'), { http: 8211, signal: 49100 });
    assert.deepEqual(parsePortsLabel('{"signal":49100,"stream":47998,"http":8011,"webViewer":8210}'), { signal: 49100, stream: 47998, http: 8011, webViewer: 8210 });
    assert.deepEqual(parsePortsLabel('{"http":1,"signal":65535}'), { http: 1, signal: 65535 });
    assert.deepEqual(parsePortsLabel(' { "signal" : 49100 } '), { signal: 49100 });
  });

  test('round-trips the label buildContainerSpec writes, for every version', () => {
    for (const version of VERSION_IDS) {
      const s = settings({ httpPortBase: 10000, signalPortBase: 40000, streamPortBase: 50000, webViewerPortBase: 60000 });
      const body = buildContainerSpec(s, 5, ctx(HOME, version));
      assert.deepEqual(parsePortsLabel(body.Labels[PORTS_LABEL]), portsFor(s, version, 5), version);
      assert.deepEqual(Object.keys(parsePortsLabel(body.Labels[PORTS_LABEL])!), [...VERSIONS[version].ports], 'kinds in the version\'s order');
    }
  });

  test('rejects missing, non-JSON, non-object, empty, unknown-kind, non-integer and out-of-range labels', () => {
    for (const v of [
      undefined,
      '',
      '8211,8011,8899', // the comma-separated label of earlier versions
      '1,65535,2',
      'a,b,c',
      '{',
      'null',
      '8211',
      '"8211"',
      '[8211,8011,8899]',
      '{}',
      '{"bogus":8211}',
      '{"http":8211,"bogus":1}',
      // Kinds of the removed streaming profiles: a container labelled by an older release is not ours to read.
      '{"http":8211,"webrtc":8011,"native":8899}',
      '{"native":8899}',
      '{"HTTP":8211}',
      '{"http":"8211"}',
      '{"http":8211.5}',
      '{"http":0}',
      '{"http":65536}',
      '{"http":-1}',
      '{"http":null}',
      '{"http":1e400}',
      '{"http":[8211]}',
      '{"__proto__":8211}',
    ]) {
      assert.equal(parsePortsLabel(v), undefined, `${JSON.stringify(v)} must be rejected`);
    }
  });
});
