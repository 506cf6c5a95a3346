/**
 * Several engines at once: isaacSim.endpoints checked endpoint by endpoint (fleetSettings.ts), and
 * the Fleet's hosts, managers and status (fleet.ts) over scripted fake engines. Whether hosts really
 * run side by side, go down and come back is covered against real engines in test/engine/fleet.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeEngine } from './fakeEngine';
import type { EngineSettingIds } from '../../src/docker/errors';
import { Fleet } from '../../src/instances/fleet';
import { planEndpoints } from '../../src/instances/fleetSettings';
import { DEFAULT_SETTINGS, SettingsError, parseSettings, type Settings } from '../../src/instances/settings';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function top(overrides: Partial<Settings> & Record<string, unknown> = {}) {
  return parseSettings({ ...DEFAULT_SETTINGS, ...overrides });
}

describe('isaacSim.endpoints, endpoint by endpoint', () => {
  test('empty: one implicit endpoint with the top-level settings, unchanged', () => {
    const result = top({ instanceCount: 3 });
    const plan = planEndpoints(result);
    assert.equal(plan.implicit, true);
    assert.equal(plan.endpoints.length, 1);
    assert.equal(plan.endpoints[0].name, '');
    assert.equal(plan.endpoints[0].result, result, 'the very result the single manager got before');
  });

  test('each endpoint takes the top-level settings with its own dockerHost and overrides', () => {
    const plan = planEndpoints(
      top({
        instanceCount: 2,
        signalPortBase: 49100,
        endpoints: [
          { name: 'local', dockerHost: '' },
          { name: 'gpu-box.2', dockerHost: 'tcp://127.0.0.1:2375', instanceCount: 1, httpPortBase: 18211, signalPortBase: 18100, gpus: '1', host: '127.0.0.5' },
        ],
      }),
    );
    assert.equal(plan.implicit, false);
    assert.deepEqual(plan.problems, []);
    const [local, box] = plan.endpoints.map((e) => (e.result.ok ? e.result.settings : assert.fail(JSON.stringify(e.result))));
    assert.deepEqual([local.dockerHost, local.instanceCount, local.signalPortBase, local.host, local.gpus], ['', 2, 49100, '127.0.0.1', 'all']);
    assert.deepEqual([box.dockerHost, box.instanceCount, box.httpPortBase, box.signalPortBase, box.host, box.gpus], ['tcp://127.0.0.1:2375', 1, 18211, 18100, '127.0.0.5', '1']);
    assert.equal(box.image, DEFAULT_SETTINGS.image, 'what an endpoint does not set comes from the top level');
  });

  test('an endpoint names its engine by dockerHost or by dockerContext; either replaces the top-level engine whole', () => {
    const plan = planEndpoints(
      top({
        dockerContext: 'top-ctx',
        endpoints: [
          { name: 'lab', dockerContext: 'lab' },
          { name: 'box', dockerHost: 'tcp://127.0.0.1:2375' },
          { name: 'same-lab', dockerContext: 'lab' },
          { name: 'neither' },
          { name: 'both', dockerHost: 'unix:///c.sock', dockerContext: 'c' },
        ],
      }),
    );
    const [lab, box, same, neither, both] = plan.endpoints;
    assert.ok(lab.result.ok && box.result.ok, JSON.stringify(plan.endpoints));
    assert.deepEqual([lab.result.settings.dockerContext, lab.result.settings.dockerHost], ['lab', '']);
    assert.deepEqual([box.result.settings.dockerContext, box.result.settings.dockerHost], ['', 'tcp://127.0.0.1:2375'], 'a dockerHost clears the top-level dockerContext');
    assert.deepEqual(same.result.ok ? [] : same.result.problems, [
      { setting: 'isaacSim.endpoints[2].dockerContext', message: 'Setting isaacSim.endpoints[2].dockerContext is "lab", the engine of isaacSim.endpoints[0] too: use one endpoint per engine.' },
    ]);
    assert.equal(neither.result.ok, false);
    assert.match(neither.result.ok ? '' : neither.result.problems[0].message, /^Setting isaacSim\.endpoints\[3\]\.dockerHost is missing, which is not allowed: .*or name a docker context in dockerContext instead\.$/);
    assert.equal(both.result.ok, false);
    assert.match(both.result.ok ? '' : both.result.problems[0].message, /isaacSim\.endpoints\[4\]\.dockerHost \("unix:\/\/\/c\.sock"\) and isaacSim\.endpoints\[4\]\.dockerContext \("c"\) both name the engine/);
  });

  test('a bad field names isaacSim.endpoints[i].field and the fix, and leaves the other endpoints valid', () => {
    const plan = planEndpoints(
      top({
        endpoints: [
          { name: 'good', dockerHost: 'unix:///a.sock' },
          { name: 'bad', dockerHost: 'ftp://nope', instanceCount: 99, colour: 'red' },
          { name: 'also-good', dockerHost: 'unix:///b.sock' },
        ],
      }),
    );
    assert.deepEqual(plan.endpoints.map((e) => [e.name, e.result.ok]), [['good', true], ['bad', false], ['also-good', true]]);
    const bad = plan.endpoints[1].result;
    assert.ok(!bad.ok);
    const settings = bad.problems.map((p) => p.setting).sort();
    assert.deepEqual(settings, ['isaacSim.endpoints[1].colour', 'isaacSim.endpoints[1].dockerHost', 'isaacSim.endpoints[1].instanceCount']);
    for (const p of bad.problems) {
      assert.ok(p.message.includes(p.setting), p.message);
      assert.match(p.message, /use /, p.message);
    }
    assert.match(bad.problems.find((p) => p.setting.endsWith('.instanceCount'))!.message, /is 99, which is not allowed: use a whole number/);
    const err = new SettingsError(bad.problems);
    assert.equal(err.setting, bad.problems[0].setting);
  });

  test('"host" renames only isaacSim.host, never isaacSim.hostDataRoot', () => {
    const plan = planEndpoints(top({ endpoints: [{ name: 'x', dockerHost: '', host: 'not a host!' }] }));
    const r = plan.endpoints[0].result;
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map((p) => p.setting), ['isaacSim.endpoints[0].host']);
    assert.match(r.problems[0].message, /^Setting isaacSim\.endpoints\[0\]\.host is "not a host!"/);
  });

  test('a problem of the merged settings on a field the endpoint does not set says which endpoint', () => {
    // The endpoint's signal base lands on the top-level HTTP range: the overlap is reported on one of them.
    const plan = planEndpoints(top({ version: '4.2', instanceCount: 4, httpPortBase: 30000, endpoints: [{ name: 'x', dockerHost: '', signalPortBase: 30002 }] }));
    const r = plan.endpoints[0].result;
    assert.ok(!r.ok);
    assert.ok(r.problems.length > 0);
    for (const p of r.problems) assert.ok(p.setting.startsWith('isaacSim.endpoints[0]') || p.message.startsWith('Endpoint "x" (isaacSim.endpoints[0]): '), p.message);
    assert.ok(r.problems.some((p) => p.message.includes('isaacSim.endpoints[0].signalPortBase')));
  });

  test('unnamed, badly named, duplicate and non-object endpoints are fleet problems; the rest run', () => {
    const plan = planEndpoints(
      top({
        endpoints: [{ name: 'ok', dockerHost: 'unix:///a.sock' }, { dockerHost: 'unix:///b.sock' }, { name: 'has space', dockerHost: '' }, { name: 'ok', dockerHost: 'unix:///c.sock' }, 'tcp://x:1', null],
      }),
    );
    assert.deepEqual(plan.endpoints.map((e) => e.name), ['ok']);
    assert.deepEqual(plan.problems.map((p) => p.setting), ['isaacSim.endpoints[1].name', 'isaacSim.endpoints[2].name', 'isaacSim.endpoints[3].name', 'isaacSim.endpoints[4]', 'isaacSim.endpoints[5]']);
    assert.match(plan.problems[2].message, /already the name of isaacSim\.endpoints\[0\]: use a unique name/);
    for (const p of plan.problems) assert.ok(p.message.includes(p.setting) && / use /.test(p.message), p.message);
  });

  test('two endpoints on one engine: the second is refused (both would own the same containers)', () => {
    const plan = planEndpoints(top({ endpoints: [{ name: 'a', dockerHost: 'unix:///same.sock' }, { name: 'b', dockerHost: 'unix:///same.sock' }] }));
    assert.equal(plan.endpoints[0].result.ok, true);
    const b = plan.endpoints[1].result;
    assert.ok(!b.ok);
    assert.deepEqual(b.problems.map((p) => p.setting), ['isaacSim.endpoints[1].dockerHost']);
    assert.match(b.problems[0].message, /engine of isaacSim\.endpoints\[0\] too: use one endpoint per engine/);
  });

  test('invalid top-level settings: every endpoint is still known, and carries the top-level problems', () => {
    const raw = [{ name: 'a', dockerHost: '' }, { name: 'b', dockerHost: 'unix:///b.sock' }];
    const result = parseSettings({ ...DEFAULT_SETTINGS, instanceCount: -1, endpoints: raw });
    assert.ok(!result.ok);
    const plan = planEndpoints(result, raw);
    assert.deepEqual(plan.endpoints.map((e) => [e.name, e.result.ok ? [] : e.result.problems.map((p) => p.setting)]), [
      ['a', ['isaacSim.instanceCount']],
      ['b', ['isaacSim.instanceCount']],
    ]);
  });

  test('isaacSim.endpoints that is not a list is a top-level problem, named once', () => {
    const r = parseSettings({ ...DEFAULT_SETTINGS, endpoints: { name: 'a' } });
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map((p) => p.setting), ['isaacSim.endpoints']);
  });
});

/** Fake engines by Docker host; each host's version() answers or fails as the test says. */
function engines() {
  const down = new Set<string>();
  const made: string[] = [];
  const engineFor = (host: string) => {
    made.push(host);
    return new FakeEngine({ version: async () => (down.has(host) ? Promise.reject(new Error(`Docker engine unreachable at ${host}`)) : { version: `v-${host}` }) }, { address: host });
  };
  return { down, made, engineFor };
}

describe('Fleet', () => {
  test('no endpoints: one host "" whose manager gets the top-level settings; not several', () => {
    const { engineFor } = engines();
    const fleet = new Fleet({ engineFor, log: quiet });
    try {
      fleet.update(top({ instanceCount: 2 }));
      assert.equal(fleet.implicit, true);
      assert.equal(fleet.multiple, false);
      assert.deepEqual(fleet.hosts.map((h) => h.name), ['']);
      assert.deepEqual(fleet.hosts[0].manager?.list().map((s) => s.label), ['instance-0', 'instance-1']);
    } finally {
      fleet.dispose();
    }
  });

  test('the implicit host has its manager even with invalid settings (as the one manager always had)', () => {
    const { engineFor } = engines();
    const fleet = new Fleet({ engineFor, log: quiet });
    try {
      fleet.update(top({ instanceCount: -1 }));
      assert.ok(fleet.hosts[0].manager);
      assert.deepEqual(fleet.hosts[0].manager?.settingsProblems.map((p) => p.setting), ['isaacSim.instanceCount']);
    } finally {
      fleet.dispose();
    }
  });

  test('hosts follow the setting: kept by name, new ones made, removed ones disposed; host list changes are announced', () => {
    const { engineFor } = engines();
    const fleet = new Fleet({ engineFor, log: quiet });
    let hostChanges = 0;
    fleet.onDidChangeHosts(() => hostChanges++);
    try {
      fleet.update(top({ endpoints: [{ name: 'a', dockerHost: 'unix:///a.sock' }, { name: 'b', dockerHost: 'unix:///b.sock', instanceCount: 3 }] }));
      assert.equal(hostChanges, 1);
      assert.ok(fleet.multiple);
      const a = fleet.host('a')?.manager;
      assert.ok(a);
      assert.equal(fleet.host('b')?.manager?.list().length, 3);
      fleet.update(top({ endpoints: [{ name: 'a', dockerHost: 'unix:///a.sock' }, { name: 'c', dockerHost: 'unix:///c.sock' }] }));
      assert.equal(hostChanges, 2);
      assert.equal(fleet.host('a')?.manager, a, 'a kept its manager');
      assert.equal(fleet.host('b'), undefined);
      assert.ok(fleet.host('c')?.manager);
      assert.throws(() => a.list().length >= 0 && fleet.require('b'), /no Isaac Sim endpoint named "b".*pick one of "a", "c"/);
      // The same setting again changes no host.
      fleet.update(top({ endpoints: [{ name: 'a', dockerHost: 'unix:///a.sock' }, { name: 'c', dockerHost: 'unix:///c.sock' }] }));
      assert.equal(hostChanges, 2);
    } finally {
      fleet.dispose();
    }
  });

  test('an endpoint that was never valid has no manager: it shows its problem, and a command on it is a SettingsError naming the field', async () => {
    const { engineFor, made } = engines();
    const fleet = new Fleet({ engineFor, log: quiet });
    try {
      fleet.update(top({ endpoints: [{ name: 'good', dockerHost: 'unix:///good.sock' }, { name: 'bad', dockerHost: 'ftp://x' }] }));
      assert.equal(fleet.host('bad')?.manager, undefined);
      assert.equal(fleet.status('bad')?.engine, 'invalid');
      assert.match(fleet.status('bad')?.message ?? '', /isaacSim\.endpoints\[1\]\.dockerHost/);
      assert.throws(() => fleet.require('bad'), (e: unknown) => e instanceof SettingsError && e.setting === 'isaacSim.endpoints[1].dockerHost');
      await fleet.connectAll();
      assert.deepEqual(made, ['unix:///good.sock'], 'no engine client for the invalid endpoint');
      assert.equal(fleet.status('good')?.engine, 'connected');
      // Fixed: it gets its manager.
      fleet.update(top({ endpoints: [{ name: 'good', dockerHost: 'unix:///good.sock' }, { name: 'bad', dockerHost: 'unix:///fixed.sock' }] }));
      assert.ok(fleet.host('bad')?.manager);
      assert.deepEqual(fleet.host('bad')?.problems, []);
    } finally {
      fleet.dispose();
    }
  });

  test('status: reachability, engine version and ready/total per host; an unreachable host marks only itself', async () => {
    const { engineFor, down } = engines();
    down.add('unix:///down.sock');
    const fleet = new Fleet({ engineFor, log: quiet });
    let changes = 0;
    fleet.onDidChange(() => changes++);
    try {
      fleet.update(top({ endpoints: [{ name: 'up', dockerHost: 'unix:///up.sock', instanceCount: 2 }, { name: 'down', dockerHost: 'unix:///down.sock' }] }));
      await fleet.connectAll();
      await settle();
      assert.deepEqual(fleet.status('up'), { name: 'up', engine: 'connected', version: 'v-unix:///up.sock', message: undefined, ready: 0, total: 2 });
      const d = fleet.status('down');
      assert.equal(d?.engine, 'unreachable');
      assert.match(d?.message ?? '', /unreachable at unix:\/\/\/down\.sock/);
      assert.ok(changes > 0, 'the managers’ changes reach the fleet’s listeners');
      // The down host comes back: its manager retries by itself (backoff from 250 ms).
      down.delete('unix:///down.sock');
      const deadline = Date.now() + 10_000;
      while (fleet.status('down')?.engine !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(fleet.status('down')?.engine, 'connected');
    } finally {
      fleet.dispose();
    }
  });

  test("each host's instances are reached at its own address and ports: the client URL its sim view frames", () => {
    const { engineFor } = engines();
    const fleet = new Fleet({ engineFor, log: quiet });
    try {
      fleet.update(top({ version: '4.2', endpoints: [{ name: 'a', dockerHost: 'unix:///a.sock' }, { name: 'b', dockerHost: 'unix:///b.sock', host: '127.0.0.5', httpPortBase: 18211 }] }));
      assert.equal(fleet.host('a')?.manager?.get(0)?.clientUrl, 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1');
      assert.equal(fleet.host('b')?.manager?.get(0)?.clientUrl, 'http://127.0.0.5:18211/streaming/webrtc-demo/?server=127.0.0.5');
    } finally {
      fleet.dispose();
    }
  });

  test("the fleet's redactor masks the same secrets as every host's", () => {
    const { engineFor } = engines();
    const fleet = new Fleet({ engineFor, log: quiet });
    try {
      fleet.update(top({ env: { NGC_API_KEY: 'sekrit-value-123' }, endpoints: [{ name: 'a', dockerHost: 'unix:///a.sock' }, { name: 'b', dockerHost: 'unix:///b.sock' }] }));
      const text = 'key sekrit-value-123 here';
      for (const r of [fleet.redactor, ...fleet.managers().map((m) => m.redactor)]) assert.equal(r.redact(text), 'key *** here');
    } finally {
      fleet.dispose();
    }
  });
});

describe('the settings an engine is named by (errors about where it is name them)', () => {
  /** Fake engines that remember what they were made for: the host, the context, and the setting ids. */
  function recording() {
    const made: { dockerHost: string; dockerContext: string; settingIds: EngineSettingIds }[] = [];
    const engineFor = (dockerHost: string, dockerContext: string, settingIds: EngineSettingIds) => {
      made.push({ dockerHost, dockerContext, settingIds });
      return new FakeEngine({}, { address: dockerHost || dockerContext });
    };
    return { made, engineFor };
  }
  const endpointIds = (i: number): EngineSettingIds => ({ host: `isaacSim.endpoints[${i}].dockerHost`, context: `isaacSim.endpoints[${i}].dockerContext`, portBases: `isaacSim.endpoints[${i}].*PortBase`, gpus: `isaacSim.endpoints[${i}].gpus` });

  test('without isaacSim.endpoints the one engine is named by the top-level settings', async () => {
    const { made, engineFor } = recording();
    const fleet = new Fleet({ engineFor, log: quiet });
    try {
      fleet.update(top({ dockerHost: 'unix:///top.sock' }));
      await fleet.connectAll();
      assert.deepEqual(made, [{ dockerHost: 'unix:///top.sock', dockerContext: '', settingIds: { host: 'isaacSim.dockerHost', context: 'isaacSim.dockerContext' } }]);
      assert.deepEqual(fleet.host('')?.manager?.engineSettingIds, { host: 'isaacSim.dockerHost', context: 'isaacSim.dockerContext' });
    } finally {
      fleet.dispose();
    }
  });

  test("each endpoint's engine is named by that endpoint's own fields, also where it sets only dockerContext (the top-level dockerHost does not apply to it)", async () => {
    const { made, engineFor } = recording();
    const fleet = new Fleet({ engineFor, log: quiet });
    try {
      fleet.update(top({ dockerHost: 'unix:///top.sock', endpoints: [{ name: 'a', dockerHost: 'unix:///a.sock' }, { name: 'lab', dockerContext: 'lab' }] }));
      await fleet.connectAll();
      const byAddress = new Map(made.map((m) => [m.dockerHost || m.dockerContext, m]));
      assert.deepEqual(byAddress.get('unix:///a.sock'), { dockerHost: 'unix:///a.sock', dockerContext: '', settingIds: endpointIds(0) });
      assert.deepEqual(byAddress.get('lab'), { dockerHost: '', dockerContext: 'lab', settingIds: endpointIds(1) }, 'no top-level value or name for an endpoint');
      assert.equal(made.length, 2);
      assert.deepEqual(fleet.host('lab')?.manager?.engineSettingIds, endpointIds(1));
    } finally {
      fleet.dispose();
    }
  });

  test('an endpoint that moves in the list gets an engine named by its new position', async () => {
    const { made, engineFor } = recording();
    const fleet = new Fleet({ engineFor, log: quiet });
    try {
      fleet.update(top({ endpoints: [{ name: 'a', dockerHost: 'unix:///a.sock' }, { name: 'b', dockerHost: 'unix:///b.sock' }] }));
      await fleet.connectAll();
      const b = fleet.host('b')?.manager;
      assert.deepEqual(made.find((m) => m.dockerHost === 'unix:///b.sock')?.settingIds, endpointIds(1));
      fleet.update(top({ endpoints: [{ name: 'b', dockerHost: 'unix:///b.sock' }] }));
      assert.equal(fleet.host('b')?.manager, b, 'b kept its manager');
      await b?.connect();
      assert.deepEqual(made.filter((m) => m.dockerHost === 'unix:///b.sock').map((m) => m.settingIds), [endpointIds(1), endpointIds(0)]);
      assert.equal(b?.engineStatus.kind, 'connected');
    } finally {
      fleet.dispose();
    }
  });
});
