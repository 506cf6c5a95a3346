import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { followStream } from '../../src/docker/followStream';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Counts turns of the event loop (check phases) until stopped. */
function turnCounter(): { now: () => number; stop: () => void } {
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return { now: () => turns, stop: () => (running = false) };
}

describe('followStream', () => {
  test('a burst that arrives at once is handled across several turns, in order, none lost', async () => {
    const stream = new PassThrough();
    let clock = 0;
    const seen: Array<{ chunk: string; turn: number }> = [];
    const turns = turnCounter();
    let ended: Error | undefined | 'no' = 'no';
    // Each chunk "takes" 1 ms of a driven clock: a slice of 8 ms holds about 9 chunks.
    followStream(stream, (chunk) => {
      clock += 1;
      seen.push({ chunk: chunk.toString(), turn: turns.now() });
    }, (err) => (ended = err), { sliceMs: 8, now: () => clock });
    const sent = Array.from({ length: 100 }, (_, i) => `chunk ${i};`);
    for (const c of sent) stream.write(c);
    stream.end();
    for (let i = 0; i < 1000 && ended === 'no'; i++) await turn();
    turns.stop();
    assert.equal(ended, undefined, 'the stream ended cleanly, once');
    assert.deepEqual(seen.map((s) => s.chunk), sent);
    const distinct = new Set(seen.map((s) => s.turn)).size;
    assert.ok(distinct >= 10, `100 chunks of 1 ms with an 8 ms slice took ${distinct} turn(s); at least 10 expected`);
    for (const t of new Set(seen.map((s) => s.turn))) assert.ok(seen.filter((s) => s.turn === t).length <= 10, `turn ${t} handled more than one slice of chunks`);
  });

  test('property: any chunks, written at any turns, with any work per chunk: all of them, in order, end once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.nat({ max: 3 }), fc.nat({ max: 12 })), { maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        async (chunks, sliceMs) => {
          const stream = new PassThrough();
          let clock = 0;
          const got: Buffer[] = [];
          const ends: Array<Error | undefined> = [];
          let cost = 0;
          followStream(stream, (c) => {
            clock += cost;
            got.push(Buffer.from(c));
          }, (err) => ends.push(err), { sliceMs, now: () => clock });
          for (const [bytes, waitTurns, work] of chunks) {
            for (let i = 0; i < waitTurns; i++) await turn();
            cost = work;
            stream.write(Buffer.from(bytes));
          }
          stream.end();
          for (let i = 0; i < 2000 && ends.length === 0; i++) await turn();
          assert.deepEqual(Buffer.concat(got), Buffer.concat(chunks.map(([b]) => Buffer.from(b))));
          assert.deepEqual(ends, [undefined]);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a failed stream ends once, with its error; close() stops delivery', async () => {
    const failing = new PassThrough();
    const ends: Array<Error | undefined> = [];
    followStream(failing, () => undefined, (err) => ends.push(err));
    failing.destroy(new Error('engine gone'));
    for (let i = 0; i < 100 && ends.length === 0; i++) await turn();
    assert.deepEqual(ends.map((e) => e?.message), ['engine gone']);

    const closed = new PassThrough();
    const got: string[] = [];
    const handle = followStream(closed, (c) => got.push(c.toString()), () => got.push('end'));
    closed.write('before');
    for (let i = 0; i < 100 && got.length === 0; i++) await turn();
    const gone = new Promise((resolve) => closed.once('close', resolve));
    handle.close();
    closed.write('after');
    await gone;
    await turn();
    assert.deepEqual(got, ['before']);
  });
});
