/**
 * With several engines (isaacSim.endpoints) an endpoint may set its own port bases. A taken port's
 * message and its error's `setting` must then name the setting in force for that host:
 * isaacSim.endpoints[i].<key> where the endpoint sets the key itself, the top-level isaacSim.<key>
 * where it does not (changing the top-level one does nothing for an endpoint that overrides it).
 * Ports are made taken by real listening sockets on 127.0.0.1; the engines are fakes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeEngineError } from '../../src/docker/errors';
import { checkPorts } from '../../src/instances/doctorChecks';
import { hostDoctorDeps } from '../../src/instances/doctorHost';
import { versionFacts } from '../../src/instances/doctorVersion';
import { errorInfo } from '../../src/instances/errors';
import { Fleet } from '../../src/instances/fleet';
import { planEndpoints, settingIdOf, TOP_LEVEL_ORIGIN } from '../../src/instances/fleetSettings';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';
import { runViewerContainer } from '../../src/instances/webViewerContainer';
import { viewerPlan } from '../../src/instances/webViewerPlan';
import { FakeEngine } from './fakeEngine';
import { withFakeFleet } from './endpointFleetFixture';

const IMAGE = 'nvcr.io/nvidia/isaac-sim:4.2.0';
const servers: net.Server[] = [];
let home: string;

/** A port held by a real listening socket on 127.0.0.1 for the whole file. */
async function takenPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  servers.push(server);
  return (server.address() as net.AddressInfo).port;
}

/** A port that was free a moment ago (bound, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let ownHttp: number;
let topHttp: number;
let signal: number;
let python: number;

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'endpoint-ports-'));
  ownHttp = await takenPort();
  topHttp = await takenPort();
  signal = await freePort();
  python = await freePort();
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  rmSync(home, { recursive: true, force: true });
});

/**
 * Two endpoints: "own" (position 0) sets httpPortBase itself; "other" (position 1) sets only
 * instanceCount, so its HTTP port comes from the top-level isaacSim.httpPortBase.
 */
function fleetSettings() {
  return parseSettings({
    ...DEFAULT_SETTINGS,
    image: IMAGE,
    version: '4.2',
    instanceCount: 1,
    hostDataRoot: path.join(home, 'data'),
    httpPortBase: topHttp,
    // 4.2's web client needs no rewrite on NVIDIA's own signal port; a free one would make the start read the image.
    signalPortBase: 49100,
    pythonServerPortBase: python,
    endpoints: [
      { name: 'own', dockerHost: 'unix:///own.sock', httpPortBase: ownHttp },
      { name: 'other', dockerHost: 'unix:///other.sock', instanceCount: 1 },
    ],
  });
}

function withFleet(fn: (fleet: Fleet<FakeEngine>, created: string[]) => Promise<void>): Promise<void> {
  return withFakeFleet(IMAGE, home, fn);
}

async function startError(fleet: Fleet<FakeEngine>, host: string): Promise<{ message: string; setting: string | undefined; kind: string }> {
  const err = await fleet.require(host).start(0).then(
    () => assert.fail(`the start on ${host} was expected to fail on its taken HTTP port`),
    (e: unknown) => e,
  );
  const info = errorInfo(err);
  return { message: err instanceof Error ? err.message : String(err), setting: info.setting, kind: info.kind };
}

describe('settingIdOf: which setting holds a key for a host', () => {
  test("an endpoint's own key is isaacSim.endpoints[i].<key>; one it leaves to the top level, and every key of the implicit endpoint, isaacSim.<key>", () => {
    const parsed = fleetSettings();
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const [own, other] = planEndpoints(parsed).endpoints;
    assert.equal(settingIdOf(own.origin, 'httpPortBase'), 'isaacSim.endpoints[0].httpPortBase');
    assert.equal(settingIdOf(own.origin, 'signalPortBase'), 'isaacSim.signalPortBase');
    assert.equal(settingIdOf(other.origin, 'httpPortBase'), 'isaacSim.httpPortBase');
    assert.equal(settingIdOf(other.origin, 'instanceCount'), 'isaacSim.endpoints[1].instanceCount');
    const implicit = planEndpoints(parseSettings({ ...DEFAULT_SETTINGS, httpPortBase: 9000 })).endpoints[0];
    assert.deepEqual(implicit.origin, TOP_LEVEL_ORIGIN);
    assert.equal(settingIdOf(implicit.origin, 'httpPortBase'), 'isaacSim.httpPortBase');
  });
});

describe('a start whose HTTP port is taken', () => {
  const cases = [
    { endpoint: 'own', sets: 'sets httpPortBase itself', setting: 'isaacSim.endpoints[0].httpPortBase', port: () => ownHttp, never: 'isaacSim.httpPortBase' },
    { endpoint: 'other', sets: 'leaves httpPortBase to the top level', setting: 'isaacSim.httpPortBase', port: () => topHttp, never: 'isaacSim.endpoints[' },
  ];
  for (const c of cases) {
    test(`on an endpoint that ${c.sets}: message and setting name ${c.setting}, never ${c.never}`, async () => {
      await withFleet(async (fleet, created) => {
        fleet.update(fleetSettings());
        const e = await startError(fleet, c.endpoint);
        assert.equal(e.kind, 'port-taken', e.message);
        assert.equal(e.setting, c.setting);
        assert.ok(e.message.includes(`port ${c.port()} is already in use on 127.0.0.1`), e.message);
        assert.ok(e.message.endsWith(`or move ${c.setting}.`), e.message);
        assert.ok(!e.message.includes(c.never), e.message);
        assert.deepEqual(created, [], 'nothing was created');
      });
    });
  }

  test('an endpoint that moves in the list, or drops its own httpPortBase, is named anew at the next start', async () => {
    await withFleet(async (fleet) => {
      const parsed = fleetSettings();
      assert.ok(parsed.ok);
      const [own, other] = parsed.settings.endpoints as Array<Record<string, unknown>>;
      fleet.update(parseSettings({ ...parsed.settings, endpoints: [other, own] }));
      assert.equal((await startError(fleet, 'own')).setting, 'isaacSim.endpoints[1].httpPortBase');
      const plain = Object.fromEntries(Object.entries(own).filter(([key]) => key !== 'httpPortBase'));
      fleet.update(parseSettings({ ...parsed.settings, endpoints: [other, plain] }));
      const e = await startError(fleet, 'own');
      assert.equal(e.setting, 'isaacSim.httpPortBase');
      assert.ok(e.message.includes(`port ${topHttp} `), e.message);
    });
  });
});

describe("the doctor's ports check", () => {
  async function portsFix(fleet: Fleet<FakeEngine>, host: string): Promise<string> {
    const manager = fleet.require(host);
    const settings = manager.settings;
    assert.ok(settings.ok);
    // As the doctor view wires it: the host's settings and the manager's settingId.
    const deps = hostDoctorDeps({ settings: settings.settings, settingIds: manager.engineSettingIds, settingId: (key) => manager.settingId(key), engine: undefined, instances: [], home });
    const c = await checkPorts(deps, versionFacts(settings.settings, undefined));
    assert.equal(c.ok, false, c.detail);
    return c.fix ?? '';
  }

  test('names the endpoint\'s own httpPortBase where it sets it, the top-level one where it does not', async () => {
    await withFleet(async (fleet) => {
      fleet.update(fleetSettings());
      const own = await portsFix(fleet, 'own');
      assert.ok(own.includes('`isaacSim.endpoints[0].httpPortBase`'), own);
      assert.ok(!own.includes('`isaacSim.httpPortBase`'), own);
      const other = await portsFix(fleet, 'other');
      assert.ok(other.includes('`isaacSim.httpPortBase`'), other);
      assert.ok(!other.includes('isaacSim.endpoints['), other);
    });
  });

  test('without a settingId (one engine): the top-level ids', async () => {
    const parsed = parseSettings({ ...DEFAULT_SETTINGS, image: IMAGE, version: '4.2', instanceCount: 1, httpPortBase: ownHttp, signalPortBase: signal, pythonServerPortBase: python });
    assert.ok(parsed.ok);
    const c = await checkPorts(hostDoctorDeps({ settings: parsed.settings, engine: undefined, instances: [], home }), versionFacts(parsed.settings, undefined));
    assert.equal(c.ok, false, c.detail);
    assert.ok((c.fix ?? '').includes('`isaacSim.httpPortBase`'), c.fix);
  });
});

describe("a 6.x web viewer whose port is taken", () => {
  test('message and setting name the setting its port base is read from (as the pipeline passes the manager\'s settingId)', async () => {
    const parsed = parseSettings({ ...DEFAULT_SETTINGS, image: 'nvcr.io/nvidia/isaac-sim:6.0.1', webViewerImage: 'viewer:{index}' });
    assert.ok(parsed.ok);
    const plan = viewerPlan(parsed.settings, '6.x', 0, home, { signal, stream: python, webViewer: ownHttp });
    assert.ok(plan);
    const created: string[] = [];
    const engine = new FakeEngine({ create: async (body) => (created.push(String(body.name)), 'id') });
    for (const setting of ['isaacSim.endpoints[2].webViewerPortBase', 'isaacSim.webViewerPortBase']) {
      await assert.rejects(runViewerContainer(engine, plan, 'viewer:0', 1, new AbortController().signal, setting), (e: unknown) => {
        const info = errorInfo(e);
        assert.equal(info.kind, 'port-taken');
        assert.equal(info.setting, setting);
        assert.ok(e instanceof Error && e.message.includes(`port ${ownHttp} is already in use`) && e.message.includes(`or move ${setting}, then`), String(e));
        return true;
      });
    }
    assert.deepEqual(created, [], 'nothing was created');
  });
});

describe("a taken port the engine reports (which port base is not known there)", () => {
  const taken = () => new Error('(HTTP code 500) server error - listen tcp 0.0.0.0:8211: bind: address already in use');

  test("an endpoint's engine names its own port bases and the top-level ones for the rest", () => {
    const parsed = fleetSettings();
    assert.ok(parsed.ok);
    const [own] = planEndpoints(parsed).endpoints;
    const e = describeEngineError(taken(), 'start the container', 'unix:///own.sock', own.settingIds);
    assert.equal(e.kind, 'port-taken');
    assert.ok(e.message.includes('change the port bases: isaacSim.endpoints[0].*PortBase where this endpoint sets them, isaacSim.*PortBase for the others.'), e.message);
  });

  test('one engine: the top-level isaacSim.*PortBase, as before', () => {
    const e = describeEngineError(taken(), 'start the container', 'unix:///x.sock');
    assert.ok(e.message.endsWith('Stop what holds it, or change the isaacSim.*PortBase settings.'), e.message);
    assert.ok(!e.message.includes('endpoints['), e.message);
  });
});
