import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { LogLine } from '../../src/docker/engine';
import { LogCursor, RESUME_WINDOW_NS } from '../../src/instances/logCursor';

const S = 1_000_000_000n;
const line = (ts: bigint, text: string, stream: 'stdout' | 'stderr' = 'stdout'): LogLine => ({ ts, text, stream });

/** What the engine sends a follower that asks for `since`: every line of the file at or after it, in file order. */
function engineSince(file: LogLine[], since: bigint | undefined, tail = Infinity): LogLine[] {
  if (since === undefined) return file.slice(Math.max(0, file.length - tail));
  return file.filter((l) => l.ts === 0n || l.ts >= since);
}

/** Delivers `file` through a follower cut after `cut` lines and a resumed one; returns what was delivered. */
function deliverWithCut(file: LogLine[], cut: number): LogLine[] {
  const cursor = new LogCursor();
  const out: LogLine[] = [];
  for (const l of file.slice(0, cut)) {
    cursor.delivered(l);
    out.push(l);
  }
  const drop = cursor.replayFilter();
  for (const l of engineSince(file, cursor.since)) {
    if (drop(l)) continue;
    cursor.delivered(l);
    out.push(l);
  }
  return out;
}

test('a fresh cursor resumes from the tail, not from a time', () => {
  const c = new LogCursor();
  assert.equal(c.empty, true);
  assert.equal(c.since, undefined);
  assert.equal(c.replayFilter()(line(5n * S, 'x')), false);
});

test('since reaches a window back from the newest delivered line', () => {
  const c = new LogCursor();
  c.delivered(line(10n * S, 'a'));
  c.delivered(line(9n * S, 'b', 'stderr'));
  assert.equal(c.since, 10n * S - RESUME_WINDOW_NS);
  c.reset();
  assert.equal(c.since, undefined);
});

test('a stderr line stamped earlier but written after the cut is not lost (the engine reorders streams)', () => {
  // File order: out@T2 is written before err@T1 although T1 < T2; the cut falls between them.
  const file = [line(1n * S, 'start'), line(2n * S + 500n, 'out later stamp'), line(2n * S + 100n, 'err earlier stamp', 'stderr'), line(3n * S, 'end')];
  assert.deepEqual(deliverWithCut(file, 2), file);
});

test('identical lines with the same timestamp are all kept when new, each dropped once when replayed', () => {
  const file = [line(1n * S, 'same'), line(1n * S, 'same'), line(1n * S, 'same'), line(2n * S, 'next')];
  for (let cut = 0; cut <= file.length; cut++) assert.deepEqual(deliverWithCut(file, cut), file, `cut after ${cut}`);
});

test('lines without a timestamp are never dropped', () => {
  const c = new LogCursor();
  c.delivered(line(0n, 'no ts'));
  assert.equal(c.replayFilter()(line(0n, 'no ts')), false);
});

test('property: a cut anywhere, with streams reordered by less than the window, loses and repeats nothing', () => {
  const entry = fc.record({
    dt: fc.bigInt({ min: 0n, max: 300_000_000n }), // time to the next line
    jitter: fc.bigInt({ min: -900_000_000n, max: 900_000_000n }), // this line's stamp vs its place in the file
    text: fc.constantFrom('a', 'b', 'tick', '', 'Isaac Sim Full Streaming App is loaded.'),
    stream: fc.constantFrom('stdout' as const, 'stderr' as const),
  });
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 60 }), fc.nat(), fc.nat(), (entries, cutA, cutB) => {
      let t = 100n * S;
      const file = entries.map((e) => {
        t += e.dt;
        return line(t + e.jitter, e.text, e.stream);
      });
      // One cut, and two cuts in a row (the second follower cut too).
      assert.deepEqual(deliverWithCut(file, cutA % (file.length + 1)), file);
      const first = cutA % (file.length + 1);
      const second = first + (cutB % (file.length - first + 1));
      const cursor = new LogCursor();
      const out: LogLine[] = [];
      const take = (lines: LogLine[], limit: number) => {
        const drop = cursor.replayFilter();
        let n = 0;
        for (const l of lines) {
          if (n >= limit) break;
          if (drop(l)) continue;
          cursor.delivered(l);
          out.push(l);
          n++;
        }
      };
      take(engineSince(file, cursor.since), first);
      take(engineSince(file, cursor.since), second - first);
      take(engineSince(file, cursor.since), Infinity);
      assert.deepEqual(out, file);
    }),
    { numRuns: 500 },
  );
});
