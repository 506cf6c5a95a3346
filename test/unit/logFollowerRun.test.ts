/**
 * Which lines belong to the current run: the engine stamps StartedAt after the process runs, so a
 * process that prints and dies at once has lines stamped just before it (seen on this machine's
 * dockerd: the first line 0.5 ms before StartedAt); an earlier run's lines, well before, do not count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerInfo, LogLine } from '../../src/instances/engineApi';
import { LogFollower, RUN_START_SLACK_MS } from '../../src/instances/logFollower';
import { FakeEngine } from './fakeEngine';

const STARTED = Date.parse('2026-12-01T21:20:19.600Z');
const at = (msFromStart: number, text: string): LogLine => ({ stream: 'stderr', text, ts: BigInt(STARTED) * 1_000_000n + BigInt(Math.round(msFromStart * 1e6)) });
const info: ContainerInfo = { id: 'c'.repeat(64), name: 'isaac-sim-instance-0', image: 'img', labels: {}, running: false, status: 'exited', exitCode: 1, oomKilled: false, startedAt: STARTED, args: [] };

test('a line stamped just before StartedAt is the run\'s; one from an earlier run is shown but not classified', async () => {
  const lines = [at(-(RUN_START_SLACK_MS + 400), 'an earlier run said this'), at(-0.54, 'the fatal line, 0.54 ms before StartedAt'), at(3, 'a line after')];
  const engine = new FakeEngine({
    followLogs: async (_id, _opts, onLine, onEnd) => {
      for (const l of lines) onLine(l);
      setImmediate(() => onEnd());
      return { close() {} };
    },
  });
  const classified: string[] = [];
  const shown: string[] = [];
  const follower = new LogFollower(0, {
    log: { debug() {}, info() {}, warn() {}, error() {} },
    redact: (t) => t,
    currentRun: () => STARTED,
    onRunLine: (text, run) => {
      assert.equal(run, STARTED);
      classified.push(text);
    },
    onAppend: (l) => shown.push(...l),
  });
  follower.follow(engine, info, 100);
  await follower.whenEnded(info.id);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(classified, ['the fatal line, 0.54 ms before StartedAt', 'a line after']);
  assert.deepEqual(shown, lines.map((l) => l.text));
});
