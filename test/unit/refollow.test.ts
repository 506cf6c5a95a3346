/**
 * A running container whose log stream is cut off, or cannot attach, is followed again (with a
 * bounded number of attempts), from where it left off: before, such an instance stayed "loading"
 * until the next reconnect. A scripted fake engine (pure ordering logic); the real engine's streams
 * are covered in test/engine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerInfo, LogLine } from '../../src/instances/engineApi';
import { InstanceManager } from '../../src/instances/manager';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';
import { FakeEngine } from './fakeEngine';

const LABELS = { [OWNER_LABEL]: OWNER_VALUE, [INDEX_LABEL]: '0' };
const ID = 'feed'.padEnd(64, '0');
const STARTED = Date.parse('2026-12-01T10:00:00Z');

let running = true;
const info = (): ContainerInfo => ({ id: ID, name: 'isaac-sim-instance-0', image: 'img', labels: LABELS, running, status: running ? 'running' : 'exited', exitCode: 0, oomKilled: false, startedAt: STARTED, args: [] });

const line = (n: number): LogLine => ({ stream: 'stdout', text: `line ${n}`, ts: BigInt(STARTED) * 1_000_000n + BigInt(n) * 1_000_000n });

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function managerWith(followLogs: FakeEngine['followLogs']) {
  const engine = new FakeEngine({ listByLabel: async () => [info()], inspect: async () => info(), followLogs });
  const warnings: string[] = [];
  const m = new InstanceManager({ engineFor: () => engine, log: { debug() {}, info() {}, warn: (w: string) => void warnings.push(w), error() {} }, drainMs: 0, refollowBaseMs: 1 });
  m.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS } });
  const appended: string[] = [];
  m.onDidAppendLog((e) => appended.push(...e.lines));
  return { m, appended, warnings };
}

test('a stream that cannot attach twice, then attaches: the lines come, once each', async () => {
  running = true;
  const asks: Array<{ since?: bigint; tail?: number }> = [];
  const { m, appended } = managerWith(async (_id, opts, onLine) => {
    asks.push(opts);
    if (asks.length <= 2) throw new Error('socket hang up');
    onLine(line(1));
    onLine(line(2));
    return { close() {} };
  });
  try {
    await m.connect();
    await until('the lines after the third attempt', () => appended.length >= 2);
    assert.deepEqual(appended, ['line 1', 'line 2']);
    assert.equal(asks.length, 3);
  } finally {
    m.dispose();
  }
});

test('a stream cut off mid-run is followed again from where it left off: no line twice, none lost', async () => {
  running = true;
  const asks: Array<{ since?: bigint; tail?: number }> = [];
  const { m, appended } = managerWith(async (_id, opts, onLine, onEnd) => {
    asks.push(opts);
    if (asks.length === 1) {
      onLine(line(1));
      onLine(line(2));
      setImmediate(() => onEnd(new Error('connection reset')));
    } else {
      // Resumed with `since`: the engine sends from that second on, so line 2 comes again and is skipped.
      onLine(line(2));
      onLine(line(3));
    }
    return { close() {} };
  });
  try {
    await m.connect();
    await until('line 3', () => appended.includes('line 3'));
    assert.deepEqual(appended, ['line 1', 'line 2', 'line 3']);
    assert.equal(asks.length, 2);
    assert.notEqual(asks[1].since, undefined, 'the second follow resumes');
  } finally {
    m.dispose();
  }
});

test('a stream that never attaches: 8 more attempts, then one warning', async () => {
  running = true;
  let asks = 0;
  const { m, warnings } = managerWith(async () => {
    asks++;
    throw new Error('socket hang up');
  });
  try {
    await m.connect();
    await until('the warning after the last attempt', () => warnings.some((w) => /could not be followed after 8 attempts/.test(w)));
    assert.equal(asks, 9, 'the first follow and 8 more');
  } finally {
    m.dispose();
  }
});
