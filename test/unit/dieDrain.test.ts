/**
 * A `die` of a container whose log is being followed is classified once that stream ends, without
 * waiting for an inspect: the engine answers an inspect after a `die` only once it has cleaned up
 * after the exit (25-140 ms later, once 3.4 s, measured with test/bench/dieTimeline.ts), while the
 * stream ends within a few ms. The fatal line that comes before the stream's end still names the
 * cause. A scripted fake engine whose inspects never answer and whose drain bound never runs out:
 * only the stream's end can let the exit through. The real engine is covered in test/engine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerInfo, EngineEvent, LogLine } from '../../src/instances/engineApi';
import { InstanceManager } from '../../src/instances/manager';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';
import { FakeEngine } from './fakeEngine';

const LABELS = { [OWNER_LABEL]: OWNER_VALUE, [INDEX_LABEL]: '0' };
const ID = 'd1e'.padEnd(64, '0');
const STARTED = Date.parse('2026-12-01T10:00:00Z');
const FATAL = '2025-10-08T05:46:15Z [1,285ms] [Error] [carb.cudainterop.plugin] CUDA error 999: cudaErrorUnknown - unknown error)';

const running: ContainerInfo = { id: ID, name: 'isaac-sim-instance-0', image: 'img', labels: LABELS, running: true, status: 'running', exitCode: 0, oomKilled: false, startedAt: STARTED, args: [] };
const line = (n: number, text: string): LogLine => ({ stream: 'stdout', text, ts: BigInt(STARTED + n) * 1_000_000n });

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function followed() {
  let emit: ((e: EngineEvent) => void) | undefined;
  let stream: { onLine: (l: LogLine) => void; onEnd: (err?: Error) => void } | undefined;
  let inspects = 0;
  const engine = new FakeEngine({
    streamEvents: async (_l, _s, onEvent) => {
      emit = onEvent;
      return { close() {} };
    },
    listByLabel: async () => [running],
    // Never answers: an exit that waited for it would never be classified.
    inspect: () => {
      inspects++;
      return new Promise<ContainerInfo | undefined>(() => undefined);
    },
    followLogs: async (_id, _opts, onLine, onEnd) => {
      stream = { onLine, onEnd };
      return { close() {} };
    },
  });
  // A drain bound far beyond the test's own waits: only the stream's end can end the drain.
  const manager = new InstanceManager({ engineFor: () => engine, log: { debug() {}, info() {}, warn() {}, error() {} }, drainMs: 3_600_000 });
  manager.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS } });
  const die = (exitCode: number) => emit!({ id: ID, action: 'die', exitCode, time: STARTED + 5_000, timeNano: BigInt(STARTED + 5_000) * 1_000_000n, labels: LABELS });
  const kill = (signal: number) => emit!({ id: ID, action: 'kill', signal, time: STARTED + 4_990, timeNano: BigInt(STARTED + 4_990) * 1_000_000n, labels: LABELS });
  return { manager, die, kill, stream: () => stream, inspects: () => inspects };
}

for (const when of ['after the die is handled', 'just before the die is handled'] as const) {
  test(`a followed container's die is classified when its log stream ends (${when}), without waiting for an inspect`, async () => {
    const { manager, die, stream, inspects } = followed();
    try {
      await manager.connect();
      await until('the log followed', () => stream() !== undefined && manager.get(0)?.state.kind === 'loading');
      // Exit 1 with no fatal line: a failure, so it waits for the drain (a stop would show at once).
      die(1);
      if (when === 'after the die is handled') await new Promise((r) => setTimeout(r, 10));
      stream()!.onEnd();
      await until('failed', () => manager.get(0)?.state.kind === 'failed');
      assert.equal(manager.get(0)!.state.exitCode, 1);
      assert.equal(manager.get(0)!.state.diagnosisId, 'exit');
      // Only the inspect that follows the applied die (exact facts, not waited for) was asked.
      assert.equal(inspects(), 1);
    } finally {
      manager.dispose();
    }
  });
}

test('a fatal line that comes after the die, before the stream ends, names the cause', async () => {
  const { manager, die, stream } = followed();
  try {
    await manager.connect();
    await until('the log followed', () => stream() !== undefined && manager.get(0)?.state.kind === 'loading');
    const failures: string[] = [];
    manager.onDidChange((snap) => {
      const s = snap.byIndex.get(0)?.state;
      if (s?.kind === 'failed' && failures.at(-1) !== s.diagnosisId) failures.push(s.diagnosisId ?? '');
    });
    die(1);
    // The line comes on a later turn than the die: an exit classified without waiting for the
    // stream would show "exited with code 1" first and only then the line's cause.
    await new Promise((r) => setTimeout(r, 10));
    stream()!.onLine(line(10, FATAL));
    stream()!.onEnd();
    await until('failed with the exit code', () => manager.get(0)?.state.kind === 'failed' && manager.get(0)?.state.exitCode !== undefined);
    const s = manager.get(0)!.state;
    assert.equal(s.diagnosisId, 'cuda-999', `the cause is not the fatal line's: ${JSON.stringify(s)}`);
    assert.equal(s.exitCode, 1);
    assert.deepEqual(failures, ['cuda-999'], 'the exit was shown before its log had drained');
  } finally {
    manager.dispose();
  }
});

test('a stop (SIGTERM, then exit 143) shows stopped at the die, before the log has drained; a fatal line in the drain still makes it failed', async () => {
  const { manager, die, kill, stream, inspects } = followed();
  try {
    await manager.connect();
    await until('the log followed', () => stream() !== undefined && manager.get(0)?.state.kind === 'loading');
    kill(15);
    die(143);
    // The stream has not ended and no inspect answers: only the die itself can show this.
    await until('stopped before the drain', () => manager.get(0)?.state.kind === 'stopped');
    assert.equal(manager.get(0)!.state.exitCode, 143);
    assert.equal(inspects(), 0, 'nothing was inspected for it');
    stream()!.onLine(line(10, FATAL));
    await until('failed by the late fatal line', () => manager.get(0)?.state.kind === 'failed');
    stream()!.onEnd();
    await until('the die applied with its exit code', () => manager.get(0)?.state.exitCode === 143);
    assert.equal(manager.get(0)!.state.kind, 'failed');
    assert.equal(manager.get(0)!.state.diagnosisId, 'cuda-999');
  } finally {
    manager.dispose();
  }
});
