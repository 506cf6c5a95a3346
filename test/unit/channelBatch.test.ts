import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CHANNEL_BATCH_MS, ChannelBatch } from '../../src/views/channelBatch';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits (a bounded number of event-loop turns) until `done()` holds. */
async function until(what: string, done: () => boolean, turns = 1000): Promise<void> {
  for (let i = 0; i < turns && !done(); i++) await tick();
  assert.ok(done(), `${what} did not happen within ${turns} event-loop turns`);
}

const linesOf = (writes: string[]) => writes.join('').split('\n').slice(0, -1);

test('a burst of pushes within one tick becomes one write, in order', async () => {
  const writes: string[] = [];
  const batch = new ChannelBatch((t) => writes.push(t), { delayMs: 0 });
  const burst = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
  for (let i = 0; i < burst.length; i += 7) batch.push(burst.slice(i, i + 7));
  assert.deepEqual(writes, [], 'nothing is written synchronously');
  // A marker pushed after the burst was written comes in a write of its own: had the burst been
  // split, a second write would come before the marker's.
  await until('the burst written', () => writes.length > 0);
  batch.push(['marker']);
  await until('the marker written', () => writes.join('').includes('marker'));
  assert.equal(writes.length, 2);
  assert.equal(writes[0], burst.join('\n') + '\n');
  assert.equal(writes[1], 'marker\n');
});

test('the default waits CHANNEL_BATCH_MS for more lines, then writes once', { timeout: 10_000 }, async () => {
  const writes: string[] = [];
  let written = () => {};
  const done = new Promise<void>((resolve) => (written = resolve));
  const batch = new ChannelBatch((t) => {
    writes.push(t);
    written();
  });
  const t0 = performance.now();
  batch.push(['a']);
  batch.push(['b', 'c']);
  await done;
  assert.ok(performance.now() - t0 >= CHANNEL_BATCH_MS - 5, 'written no earlier than the batch time');
  batch.push(['d']);
  batch.flush();
  assert.deepEqual(writes, ['a\nb\nc\n', 'd\n']);
});

test('a burst larger than maxChars is written in bounded pieces, nothing lost, order kept', async () => {
  const writes: string[] = [];
  const batch = new ChannelBatch((t) => writes.push(t), { delayMs: 0, maxChars: 1000 });
  const lines = Array.from({ length: 3000 }, (_, i) => `${i}`.padStart(9, 'x'));
  batch.push(lines);
  // 3000 lines × 10 chars = 30 writes of 1000 chars, written as the burst grows.
  assert.equal(writes.length, 30);
  for (const w of writes) assert.ok(w.length <= 1000 + 10, `write of ${w.length} chars`);
  batch.push(['last']);
  await until('the rest written', () => linesOf(writes).length === 3001);
  assert.deepEqual(linesOf(writes), [...lines, 'last']);
});

test('a line longer than maxChars is written whole', () => {
  const writes: string[] = [];
  const batch = new ChannelBatch((t) => writes.push(t), { delayMs: 0, maxChars: 10 });
  batch.push(['x'.repeat(50), 'y']);
  batch.flush();
  assert.deepEqual(writes, [`${'x'.repeat(50)}\n`, 'y\n']);
});

test('dispose writes what is pending at once, and drops later lines', () => {
  const writes: string[] = [];
  const batch = new ChannelBatch((t) => writes.push(t), { delayMs: 60_000 });
  batch.push(['one', 'two']);
  batch.dispose();
  assert.deepEqual(writes, ['one\ntwo\n']);
  batch.push(['late']);
  batch.flush();
  assert.deepEqual(writes, ['one\ntwo\n']);
});

test('empty pushes write nothing; empty lines are kept', async () => {
  const writes: string[] = [];
  const batch = new ChannelBatch((t) => writes.push(t), { delayMs: 0 });
  batch.push([]);
  batch.flush();
  assert.deepEqual(writes, []);
  batch.push(['', 'a', '']);
  await until('written', () => writes.length > 0);
  assert.deepEqual(writes, ['\na\n\n']);
});

test('property: whatever the pushes, ticks and size bound, the writes are the lines in order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ lines: fc.array(fc.string({ maxLength: 20 }).map((s) => s.replace(/\n/g, '')), { maxLength: 30 }), wait: fc.boolean() }), { maxLength: 20 }),
      fc.integer({ min: 1, max: 200 }),
      async (pushes, maxChars) => {
        const writes: string[] = [];
        const batch = new ChannelBatch((t) => writes.push(t), { delayMs: 0, maxChars });
        const all: string[] = [];
        for (const p of pushes) {
          batch.push(p.lines);
          all.push(...p.lines);
          if (p.wait) await tick();
        }
        batch.dispose();
        assert.deepEqual(linesOf(writes), all);
        for (const w of writes) assert.ok(w.endsWith('\n') && w.length > 0);
      },
    ),
    { numRuns: 300 },
  );
});
