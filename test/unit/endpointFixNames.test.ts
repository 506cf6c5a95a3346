/**
 * With several engines (isaacSim.endpoints) an endpoint may set gpus and its port bases itself. A
 * failed instance's fix must then name the setting in force for its host: "set gpus" must point at
 * isaacSim.endpoints[i].gpus where the endpoint sets it, since changing the top-level isaacSim.gpus
 * would do nothing there. Fleet managers over scripted fake engines, each serving one running
 * container whose log prints a real Isaac Sim line (test/fixtures/isaac-logs); the real engine is
 * covered in test/engine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ContainerInfo, EngineEvent, LogLine } from '../../src/instances/engineApi';
import { Fleet } from '../../src/instances/fleet';
import { fixSettingName, planEndpoints, TOP_LEVEL_ORIGIN } from '../../src/instances/fleetSettings';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';
import { FakeEngine } from './fakeEngine';

const STARTED = Date.parse('2026-12-01T10:00:00Z');
const LABELS = { [OWNER_LABEL]: OWNER_VALUE, [INDEX_LABEL]: '0' };
const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/isaac-logs');
/** The first line of a real log (test/fixtures/isaac-logs, sources in test/fixtures/SOURCES.md) that includes `text`. */
function realLine(file: string, text: string): string {
  const found = readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').find((l) => l.includes(text));
  assert.ok(found, `${file} has a line with "${text}"`);
  return found;
}
// Kit found no GPU (IsaacLab #2062).
const NO_GPU = realLine('4.2-isaaclab-2062-no-device.log', 'No device could be created');
// A warning that becomes the reason when the process exits (IsaacLab #3346).
const PORT_TAKEN = realLine('5.x-isaaclab-3346-port-secondary.log', 'but port is taken');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let home: string;

before(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'endpoint-fix-'));
});
after(() => rmSync(home, { recursive: true, force: true }));

/**
 * "own" (position 0) sets gpus and httpPortBase itself; "other" (position 1) sets only its
 * instanceCount, so its gpus and port bases are the top-level ones.
 */
function settings() {
  return parseSettings({
    ...DEFAULT_SETTINGS,
    instanceCount: 1,
    hostDataRoot: path.join(home, 'data'),
    endpoints: [
      { name: 'own', dockerHost: 'unix:///own.sock', gpus: '0', httpPortBase: 18211 },
      { name: 'other', dockerHost: 'unix:///other.sock', instanceCount: 1 },
    ],
  });
}

interface Host {
  emit?: (e: EngineEvent) => void;
  logs?: { onLine: (l: LogLine) => void; onEnd: (err?: Error) => void };
}

/** A fleet whose every engine serves one running container of ours and hands its event and log streams to the test. */
async function withFleet(fn: (fleet: Fleet<FakeEngine>, hosts: Map<string, Host>) => Promise<void>): Promise<void> {
  const hosts = new Map<string, Host>();
  const fleet = new Fleet<FakeEngine>({
    engineFor: (dockerHost) => {
      const host: Host = {};
      hosts.set(dockerHost, host);
      const id = `${dockerHost.length}`.padEnd(64, '0');
      const running: ContainerInfo = { id, name: 'isaac-sim-instance-0', image: 'img', labels: LABELS, running: true, status: 'running', exitCode: 0, oomKilled: false, startedAt: STARTED, args: [] };
      return new FakeEngine(
        {
          streamEvents: async (_l, _s, onEvent) => ((host.emit = onEvent), { close() {} }),
          listByLabel: async () => [running],
          inspect: async () => running,
          followLogs: async (_id, _opts, onLine, onEnd) => ((host.logs = { onLine, onEnd }), { close() {} }),
        },
        { address: dockerHost },
      );
    },
    log: quiet,
    home,
  });
  try {
    await fn(fleet, hosts);
  } finally {
    fleet.dispose();
  }
}

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const line = (n: number, text: string): LogLine => ({ stream: 'stdout', text, ts: BigInt(STARTED + n) * 1_000_000n });

/** Connects `name`'s manager, waits for its log to be followed, and hands back its host's streams. */
async function followed(fleet: Fleet<FakeEngine>, hosts: Map<string, Host>, name: string, socket: string) {
  const manager = fleet.require(name);
  await manager.connect();
  await until(`${name}'s log followed`, () => hosts.get(socket)?.logs !== undefined && manager.get(0)?.state.kind === 'loading');
  return { manager, host: hosts.get(socket)! };
}

describe('fixSettingName: the setting a fix names for a host', () => {
  test('an endpoint that sets a key or any port base itself is named isaacSim.endpoints[i].…; the rest, and the implicit endpoint, isaacSim.…', () => {
    const parsed = settings();
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const [own, other] = planEndpoints(parsed).endpoints;
    assert.equal(fixSettingName(own.origin, 'gpus'), 'isaacSim.endpoints[0].gpus');
    assert.equal(fixSettingName(own.origin, '*PortBase'), 'isaacSim.endpoints[0].*PortBase');
    assert.equal(fixSettingName(own.origin, 'runtime'), 'isaacSim.runtime');
    assert.equal(fixSettingName(other.origin, 'gpus'), 'isaacSim.gpus');
    assert.equal(fixSettingName(other.origin, '*PortBase'), 'isaacSim.*PortBase');
    assert.equal(fixSettingName(TOP_LEVEL_ORIGIN, 'gpus'), 'isaacSim.gpus');
    assert.equal(fixSettingName(TOP_LEVEL_ORIGIN, '*PortBase'), 'isaacSim.*PortBase');
  });
});

describe("a failed instance's fix names its endpoint's own settings", () => {
  const cases = [
    { name: 'own', socket: 'unix:///own.sock', gpus: 'isaacSim.endpoints[0].gpus', never: '"isaacSim.gpus"' },
    { name: 'other', socket: 'unix:///other.sock', gpus: 'isaacSim.gpus', never: 'isaacSim.endpoints[' },
  ];
  for (const c of cases) {
    test(`no GPU device on "${c.name}": the fix names ${c.gpus} and the top-level isaacSim.runtime`, async () => {
      await withFleet(async (fleet, hosts) => {
        fleet.update(settings());
        const { manager, host } = await followed(fleet, hosts, c.name, c.socket);
        host.logs!.onLine(line(1, NO_GPU));
        await until('failed', () => manager.get(0)?.state.kind === 'failed');
        const state = manager.get(0)!.state;
        assert.equal(state.diagnosisId, 'no-gpu-device');
        assert.ok(state.fix?.includes(`Make sure isaacSim.runtime is "nvidia" and ${c.gpus} is not "none".`), state.fix);
        assert.ok(!state.fix?.includes(c.never), state.fix);
      });
    });
  }

  test('a taken port, then the exit: the fix names the port bases of the endpoint that sets one itself', async () => {
    await withFleet(async (fleet, hosts) => {
      fleet.update(settings());
      const own = await followed(fleet, hosts, 'own', 'unix:///own.sock');
      const other = await followed(fleet, hosts, 'other', 'unix:///other.sock');
      for (const { host } of [own, other]) {
        host.logs!.onLine(line(1, PORT_TAKEN));
        const id = `${[...hosts.entries()].find(([, h]) => h === host)![0].length}`.padEnd(64, '0');
        host.emit!({ id, action: 'die', exitCode: 1, time: STARTED + 5_000, timeNano: BigInt(STARTED + 5_000) * 1_000_000n, labels: LABELS });
        host.logs!.onEnd();
      }
      await until('both failed', () => own.manager.get(0)?.state.kind === 'failed' && other.manager.get(0)?.state.kind === 'failed');
      assert.ok(own.manager.get(0)!.state.fix?.includes('move the port bases (isaacSim.endpoints[0].*PortBase)'), own.manager.get(0)!.state.fix);
      assert.ok(other.manager.get(0)!.state.fix?.includes('move the port bases (isaacSim.*PortBase)'), other.manager.get(0)!.state.fix);
    });
  });
});
