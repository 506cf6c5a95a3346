/**
 * The manager asks the engine for exact facts after each container event; the replies can come
 * back in any order (separate HTTP requests). A reply that is older than a later event's reply, or
 * than a destroy, must not bring back stale facts. A scripted fake engine controls the order: this
 * is pure ordering logic, the real-engine behaviour is covered in test/engine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerInfo, EngineEvent } from '../../src/instances/engineApi';
import { FakeEngine } from './fakeEngine';
import { InstanceManager } from '../../src/instances/manager';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';

const LABELS = { [OWNER_LABEL]: OWNER_VALUE, [INDEX_LABEL]: '0' };
const ID = 'c0ffee'.padEnd(64, '0');

function info(running: boolean, startedAt: number): ContainerInfo {
  return { id: ID, name: 'isaac-sim-instance-0', image: 'img', labels: LABELS, running, status: running ? 'running' : 'exited', exitCode: running ? 0 : 137, oomKilled: false, startedAt, args: [] };
}

function scriptedEngine() {
  let emit: ((e: EngineEvent) => void) | undefined;
  const inspects: Array<(value: ContainerInfo | undefined) => void> = [];
  const engine = new FakeEngine({
    streamEvents: async (_l, _s, onEvent) => {
      emit = onEvent;
      return { close() {} };
    },
    inspect: () => new Promise<ContainerInfo | undefined>((resolve) => inspects.push(resolve)),
  });
  let t = 0;
  const event = (action: string, extra: Partial<EngineEvent> = {}) => {
    t++;
    emit!({ id: ID, action, time: 1_000 + t, timeNano: BigInt(1_000 + t) * 1_000_000n, labels: LABELS, ...extra });
  };
  return { engine, event, inspects };
}

/** Waits (bounded) until `n` inspects were asked for: the die's drain ends on a timer, not on an immediate. */
async function inspectsAsked(inspects: unknown[], n: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (inspects.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await settle();
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function newManager(engine: FakeEngine): InstanceManager<FakeEngine> {
  // drainMs 0: a die waits no longer for its log to drain (no log here) than one turn of the event loop.
  const m = new InstanceManager({ engineFor: () => engine, log: { debug() {}, info() {}, warn() {}, error() {} }, drainMs: 0 });
  m.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS } });
  return m;
}

test('a reply from before a destroy does not bring the removed container back', async () => {
  const { engine, event, inspects } = scriptedEngine();
  const manager = newManager(engine);
  try {
    await manager.connect();
    event('create');
    event('start');
    event('die', { exitCode: 137 });
    event('destroy');
    // Events are handled in order on a per-instance chain (a die waits, bounded, for its log to drain).
    await inspectsAsked(inspects, 4);
    // create, start and die ask for exact facts; the die also reads its log's run first (its drain,
    // bounded); destroy asks for nothing.
    assert.equal(inspects.length, 4, 'create, start, the die\'s drain and the die each ask for exact facts; destroy does not');
    // Replies in reverse order, all after the destroy.
    inspects[3](info(false, 1002));
    inspects[2](info(false, 1002));
    inspects[1](info(true, 1002));
    inspects[0](info(false, 0));
    await settle();
    const s = manager.get(0)!;
    assert.equal(s.exists, false, `the removed container came back: ${JSON.stringify(s)}`);
    assert.equal(s.containerId, undefined);
  } finally {
    manager.dispose();
  }
});

test('an older reply arriving after a newer one is ignored', async () => {
  const { engine, event, inspects } = scriptedEngine();
  const manager = newManager(engine);
  try {
    await manager.connect();
    event('start');
    event('die', { exitCode: 137 });
    event('start');
    await inspectsAsked(inspects, 4);
    // start, the die's drain, the die, the second start.
    assert.equal(inspects.length, 4);
    // The newest (running again) answers first; the older "exited" replies must not win.
    inspects[3](info(true, 1003));
    await settle();
    inspects[2](info(false, 1001));
    inspects[1](info(false, 1001));
    inspects[0](info(true, 1001));
    await settle();
    const s = manager.get(0)!;
    assert.equal(s.exists, true);
    assert.equal(s.startedAt, 1003, `stale facts applied: ${JSON.stringify(s)}`);
  } finally {
    manager.dispose();
  }
});
