/**
 * What the reliability suites (reliabilityOutside, reliabilityRaces, reliabilityOwnership) share:
 * their ports and container names, the sessions each test opens (disposed after it), the hooks that
 * clear those containers before, between and after the tests and fail a test that left an unhandled
 * rejection, and the check that the manager's view equals `docker inspect`.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import type { Manager } from '../../src/instances/manager';
import { OWNER_FILTER } from '../../src/instances/sync';
import { OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import type { Settings } from '../../src/instances/settings';
import { docker, dockerInspect, newManager, removeContainers, removeInstanceVolumes, standinSettings, waitFor } from './helpers';

/** This suite's ports: 25211–25299 only (other suites use other ranges). */
const BASES = { httpPortBase: 25211, signalPortBase: 25271, streamPortBase: 25281, webViewerPortBase: 25291 };
const NAMES = ['isaac-sim-instance-0', 'isaac-sim-instance-1', 'isaac-sim-instance-2'];
export const FOREIGN = 'isaac-sim-foreign-reliability';

export const name = (i: number) => `isaac-sim-instance-${i}`;

// ---- bookkeeping --------------------------------------------------------------------------------

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

let managers: Manager[] = [];
export function session(settings: Settings): Manager {
  const { manager } = newManager(settings);
  managers.push(manager);
  return manager;
}

export const latencies: string[] = [];

/** The hooks of a reliability test file: call it once at its top level. */
export function reliabilityHooks(): void {
  before(() => removeContainers(...NAMES, FOREIGN));
  afterEach(async () => {
    for (const m of managers) m.dispose();
    managers = [];
    await removeContainers(...NAMES, FOREIGN);
    const seen = unhandled.splice(0);
    assert.deepEqual(seen.map(String), [], 'no unhandled rejection');
  });
  after(async () => {
    await removeContainers(...NAMES, FOREIGN);
    await removeInstanceVolumes([0, 1, 2]);
    if (latencies.length > 0) console.log(`# outside-change latencies (CLI returned → manager.list() changed): ${latencies.join(', ')}`);
  });
}

export function settingsFor(overrides: Partial<Settings> = {}): Settings {
  return standinSettings({ instanceCount: 1, ...BASES, ...overrides });
}

/**
 * Another test file may run instances with indexes 20 and up on the same engine at the same time:
 * this suite looks only at the names its own indexes (< 20) and its foreign container can have.
 */
function ofThisSuite(containerName: string): boolean {
  const m = /^isaac-sim-(?:instance|orchestrator-volumes)-(\d+)(?:-[0-9a-f]{8})?$/.exec(containerName);
  return m ? Number(m[1]) < 20 : containerName === FOREIGN;
}

export async function ownedContainerNames(): Promise<string[]> {
  const out = await docker('ps', '-a', '--filter', `label=${OWNER_FILTER}`, '--format', '{{.Names}}');
  return out.split('\n').filter(Boolean).filter(ofThisSuite).sort();
}

/** Every container whose name is one this suite's instances could have, whoever made it. */
export async function allInstanceContainers(): Promise<string[]> {
  const out = await docker('ps', '-a', '--filter', 'name=isaac-sim-', '--format', '{{.Names}}');
  return out.split('\n').filter(Boolean).filter(ofThisSuite).sort();
}

/** The manager's view of each instance equals what `docker inspect` says, right now. */
export async function assertViewIsReality(manager: Manager, indexes: number[]): Promise<void> {
  for (const i of indexes) {
    const c = await dockerInspect(name(i));
    const s = manager.get(i);
    assert.ok(s, `instance-${i} is listed`);
    const view = JSON.stringify({ kind: s.state.kind, reason: s.state.reason, exists: s.exists, id: s.containerId?.slice(0, 12), startedAt: s.startedAt, busy: s.busy });
    const real = c ? `${c.Id.slice(0, 12)} ${c.State.Status} (exit ${c.State.ExitCode}, started ${c.State.StartedAt})` : 'no container';
    const where = `instance-${i}: manager shows ${view}, docker inspect says ${real}`;
    assert.equal(s.busy, false, `${where}: no operation left in flight`);
    if (!c) {
      assert.equal(s.exists, false, where);
      assert.equal(s.containerId, undefined, where);
      assert.equal(s.startedAt, undefined, where);
      assert.ok(['stopped', 'failed'].includes(s.state.kind), where);
      continue;
    }
    assert.equal(c.Config.Labels[OWNER_LABEL], OWNER_VALUE, `${where}: the container is ours`);
    assert.equal(s.exists, true, where);
    assert.equal(s.containerId, c.Id, where);
    if (c.State.Running) {
      assert.ok(['loading', 'ready'].includes(s.state.kind), where);
      assert.equal(s.startedAt, Date.parse(c.State.StartedAt), where);
    } else {
      assert.ok(['stopped', 'failed'].includes(s.state.kind), where);
      assert.equal(s.startedAt, undefined, where);
    }
  }
}

export async function startReady(manager: Manager, index = 0): Promise<void> {
  await manager.start(index);
  await waitFor(`instance-${index} ready`, () => manager.get(index)?.state.kind === 'ready', 30_000);
}
