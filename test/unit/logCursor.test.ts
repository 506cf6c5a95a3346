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

/** What the cursor promises, without any window: every delivery counted, since = newest - WINDOW. */
class ReferenceCursor {
  private newest: bigint | undefined;
  private readonly all: LogLine[] = [];
  delivered(l: LogLine): void {
    if (l.ts === 0n) return;
    this.all.push(l);
    if (this.newest === undefined || l.ts > this.newest) this.newest = l.ts;
  }
  replayFilter(): (l: LogLine) => boolean {
    if (this.newest === undefined) return () => false;
    const since = this.newest - RESUME_WINDOW_NS > 0n ? this.newest - RESUME_WINDOW_NS : 0n;
    const used = new Map<string, number>();
    const key = (l: LogLine) => `${l.ts}|${l.stream}|${l.text}`;
    return (l) => {
      if (l.ts === 0n) return false;
      if (l.ts < since) return true;
      const k = key(l);
      const delivered = this.all.filter((d) => key(d) === k).length;
      const n = used.get(k) ?? 0;
      if (n >= delivered) return false;
      used.set(k, n + 1);
      return true;
    };
  }
}

test('property: the cursor drops exactly what a cursor that remembers every line drops (time going back too)', () => {
  const ts = fc.bigInt({ min: 0n, max: 8n * S });
  const anyLine = fc.record({ ts, text: fc.constantFrom('a', 'b', ''), stream: fc.constantFrom('stdout' as const, 'stderr' as const) });
  fc.assert(
    fc.property(fc.array(anyLine, { maxLength: 80 }), fc.array(anyLine, { maxLength: 40 }), (delivered, replayed) => {
      const cursor = new LogCursor();
      const reference = new ReferenceCursor();
      for (const l of delivered) {
        cursor.delivered(l);
        reference.delivered(l);
      }
      assert.equal(cursor.since, delivered.some((l) => l.ts !== 0n) ? cursor.since : undefined);
      const ours = cursor.replayFilter();
      const theirs = reference.replayFilter();
      for (const l of replayed) assert.equal(ours(l), theirs(l), `line ${l.ts} ${l.stream} ${JSON.stringify(l.text)}`);
    }),
    { numRuns: 1000 },
  );
});

test('the work per line stays constant: 100,000 lines over 10 windows, the window holds one window of lines', () => {
  // Counted, not timed: a cursor that walked its window for each new line would examine ~10^9
  // entries here. The probe stops it as soon as it exceeds a linear budget.
  const total = 100_000;
  const perWindow = total / 10;
  const steps = { kept: 0, examined: 0, evicted: 0 };
  const budget = 3 * total;
  let maxHeld = 0;
  const cursor = new LogCursor((step) => {
    steps[step]++;
    if (steps.examined > budget) throw new Error(`more than ${budget} window entries examined for ${total} lines`);
  });
  const file: LogLine[] = [];
  const step = RESUME_WINDOW_NS / BigInt(perWindow);
  for (let i = 0; i < total; i++) {
    // Every 7th line is a stderr line stamped up to 50 steps earlier (the engine's reordering).
    const back = i % 7 === 0 ? BigInt(i % 50) * step : 0n;
    const l = line(100n * S + BigInt(i) * step - back, `filler ${i}`, i % 7 === 0 ? 'stderr' : 'stdout');
    file.push(l);
    cursor.delivered(l);
    maxHeld = Math.max(maxHeld, steps.kept - steps.evicted);
  }
  assert.equal(steps.kept, total);
  assert.ok(steps.examined <= total + steps.evicted, `examined ${steps.examined} for ${total} lines and ${steps.evicted} evictions`);
  assert.ok(steps.evicted >= total - perWindow - 100, `evicted only ${steps.evicted}`);
  assert.ok(maxHeld <= perWindow + 100, `held ${maxHeld} lines at most; one window is ${perWindow}`);
  // And the bounded window still resumes exactly: a follower cut now gets the rest, nothing twice.
  const drop = cursor.replayFilter();
  assert.deepEqual(engineSince(file, cursor.since).filter((l) => !drop(l)), []);
  const more = [line(100n * S + BigInt(total) * step, 'after the cut')];
  const dropAgain = cursor.replayFilter();
  assert.deepEqual(engineSince([...file, ...more], cursor.since).filter((l) => !dropAgain(l)), more);
});

test('the ring grows while wrapped and shrinks after a burst: a cut at any phase still resumes exactly', () => {
  // Bursts of thousands of lines within one window (the ring grows, its start anywhere), quiet
  // stretches (most of it evicted, the ring halves), identical lines, stderr stamped earlier.
  const file: LogLine[] = [];
  let t = 100n * S;
  const phases = [3000, 10, 5000, 1, 20000, 3, 700];
  phases.forEach((n, p) => {
    for (let i = 0; i < n; i++) {
      t += RESUME_WINDOW_NS / 4000n;
      const stderr = i % 5 === 0;
      file.push(line(stderr ? t - 1000n : t, i % 97 === 0 ? 'same text' : `phase ${p} line ${i}`, stderr ? 'stderr' : 'stdout'));
      if (i % 331 === 0) file.push(line(t, i % 97 === 0 ? 'same text' : `phase ${p} line ${i}`, stderr ? 'stderr' : 'stdout')); // a repeated line
    }
    t += 3n * RESUME_WINDOW_NS; // a quiet stretch: the window empties but for what came last
  });
  for (const cut of [0, 1, 1024, 1025, 2999, 3010, 4000, 8011, 15000, 28011, 28015, file.length - 1, file.length]) {
    assert.deepEqual(deliverWithCut(file, cut), file, `cut after ${cut} of ${file.length} lines`);
  }
});
