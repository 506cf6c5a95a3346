import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StartupTimes, type KeyValueStore } from '../../src/instances/eta';

const IMAGE = 'nvcr.io/nvidia/isaac-sim:4.2.0';
const KEY = `startupTimes:${IMAGE}`;

/** A Map-backed store with VS Code globalState's shape; it counts writes. */
class MemoryStore implements KeyValueStore {
  readonly map = new Map<string, unknown>();
  writes = 0;
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.writes++;
    // Like globalState, keep a JSON copy (no aliasing with the caller's object).
    this.map.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }
}

async function recordAll(times: StartupTimes, kind: 'first' | 'cached', durations: number[], image = IMAGE): Promise<void> {
  for (const d of durations) await times.record(image, kind, d);
}

describe('StartupTimes.estimate', () => {
  test('no data → undefined, for every kind', () => {
    const times = new StartupTimes(new MemoryStore());
    for (const kind of ['first', 'cached', 'unknown'] as const) assert.equal(times.estimate(IMAGE, kind), undefined);
  });

  test('one start → that duration', async () => {
    const times = new StartupTimes(new MemoryStore());
    await times.record(IMAGE, 'cached', 42_000);
    assert.equal(times.estimate(IMAGE, 'cached'), 42_000);
  });

  test('median of an odd count is the middle value, whatever the order', async () => {
    const times = new StartupTimes(new MemoryStore());
    await recordAll(times, 'cached', [90_000, 30_000, 60_000]);
    assert.equal(times.estimate(IMAGE, 'cached'), 60_000);
  });

  test('median of an even count is the mean of the two middle values (rounded)', async () => {
    const times = new StartupTimes(new MemoryStore());
    await recordAll(times, 'cached', [40_000, 10_000, 30_000, 20_000]);
    assert.equal(times.estimate(IMAGE, 'cached'), 25_000);
    const odd = new StartupTimes(new MemoryStore());
    await recordAll(odd, 'first', [1, 2]);
    assert.equal(odd.estimate(IMAGE, 'first'), 2, 'Math.round(1.5)');
  });

  test('an outlier does not move the median', async () => {
    const times = new StartupTimes(new MemoryStore());
    await recordAll(times, 'cached', [60_000, 61_000, 3_600_000, 59_000, 62_000]);
    assert.equal(times.estimate(IMAGE, 'cached'), 61_000);
  });

  test('keeps only the last 5 starts of a kind', async () => {
    const store = new MemoryStore();
    const times = new StartupTimes(store);
    await recordAll(times, 'cached', [1_000_000, 1_000_000, 1_000_000, 10, 20, 30, 40, 50]);
    assert.deepEqual(store.get<{ cached: number[] }>(KEY)!.cached, [10, 20, 30, 40, 50]);
    assert.equal(times.estimate(IMAGE, 'cached'), 30);
  });

  test('first and cached starts are kept apart', async () => {
    const store = new MemoryStore();
    const times = new StartupTimes(store);
    await recordAll(times, 'first', [300_000, 360_000, 420_000]);
    await recordAll(times, 'cached', [40_000, 50_000]);
    assert.equal(times.estimate(IMAGE, 'first'), 360_000);
    assert.equal(times.estimate(IMAGE, 'cached'), 45_000);
    assert.deepEqual(store.get(KEY), { first: [300_000, 360_000, 420_000], cached: [40_000, 50_000] });
    // Five more cached starts do not push out the first ones.
    await recordAll(times, 'cached', [1, 2, 3, 4, 5]);
    assert.equal(times.estimate(IMAGE, 'first'), 360_000);
  });

  test('"unknown" uses the cached starts when there are any, else the first ones', async () => {
    const times = new StartupTimes(new MemoryStore());
    await recordAll(times, 'first', [300_000]);
    assert.equal(times.estimate(IMAGE, 'unknown'), 300_000, 'only first starts known');
    await recordAll(times, 'cached', [40_000]);
    assert.equal(times.estimate(IMAGE, 'unknown'), 40_000, 'cached starts preferred');
    const onlyCached = new StartupTimes(new MemoryStore());
    await recordAll(onlyCached, 'cached', [50_000]);
    assert.equal(onlyCached.estimate(IMAGE, 'unknown'), 50_000);
    assert.equal(onlyCached.estimate(IMAGE, 'first'), undefined, 'no fallback from first to cached');
  });

  test('images are kept apart', async () => {
    const times = new StartupTimes(new MemoryStore());
    await recordAll(times, 'cached', [40_000]);
    await recordAll(times, 'cached', [90_000], 'isaac-sim-standin:latest');
    assert.equal(times.estimate(IMAGE, 'cached'), 40_000);
    assert.equal(times.estimate('isaac-sim-standin:latest', 'cached'), 90_000);
    assert.equal(times.estimate('other:1', 'cached'), undefined);
  });

  test('persists through the store: a new StartupTimes on the same store sees earlier starts', async () => {
    const store = new MemoryStore();
    await recordAll(new StartupTimes(store), 'first', [100_000, 200_000, 300_000]);
    assert.equal(new StartupTimes(store).estimate(IMAGE, 'first'), 200_000);
  });
});

describe('StartupTimes: what is and is not recorded', () => {
  test('durations are rounded to whole milliseconds', async () => {
    const store = new MemoryStore();
    await new StartupTimes(store).record(IMAGE, 'cached', 1234.6);
    assert.deepEqual(store.get(KEY), { first: [], cached: [1235] });
  });

  test('"unknown", zero, negative and non-finite durations are not recorded', async () => {
    const store = new MemoryStore();
    const times = new StartupTimes(store);
    await times.record(IMAGE, 'unknown', 40_000);
    for (const d of [0, -1, Number.NaN, -Infinity]) await times.record(IMAGE, 'cached', d);
    assert.equal(store.writes, 0);
    assert.equal(times.estimate(IMAGE, 'unknown'), undefined);
  });

  test('no store → record is a no-op and estimate is undefined', async () => {
    const times = new StartupTimes(undefined);
    await times.record(IMAGE, 'first', 40_000);
    await times.record(IMAGE, 'cached', 40_000);
    assert.equal(times.estimate(IMAGE, 'first'), undefined);
    assert.equal(times.estimate(IMAGE, 'cached'), undefined);
    assert.equal(times.estimate(IMAGE, 'unknown'), undefined);
  });
});

describe('StartupTimes: garbage in the store is ignored', () => {
  const garbage: Array<[string, unknown]> = [
    ['a string', 'not a record'],
    ['a number', 5],
    ['null', null],
    ['an array', [1, 2, 3]],
    ['fields of the wrong type', { first: 'x', cached: { 0: 1 } }],
    ['an empty object', {}],
  ];
  for (const [what, value] of garbage) {
    test(`${what} → no estimate; the next record starts afresh`, async () => {
      const store = new MemoryStore();
      store.map.set(KEY, value);
      const times = new StartupTimes(store);
      for (const kind of ['first', 'cached', 'unknown'] as const) assert.equal(times.estimate(IMAGE, kind), undefined);
      await times.record(IMAGE, 'cached', 30_000);
      assert.deepEqual(store.get(KEY), { first: [], cached: [30_000] });
      assert.equal(times.estimate(IMAGE, 'cached'), 30_000);
    });
  }

  test('non-numbers, non-finite, zero and negative entries inside the lists are dropped', async () => {
    const store = new MemoryStore();
    store.map.set(KEY, { first: [100, 'x', null, -5, 0, Number.NaN, Number.POSITIVE_INFINITY, 300, {}, 200], cached: [true, 50] });
    const times = new StartupTimes(store);
    assert.equal(times.estimate(IMAGE, 'first'), 200);
    assert.equal(times.estimate(IMAGE, 'cached'), 50);
    await times.record(IMAGE, 'first', 400);
    assert.deepEqual(store.get(KEY), { first: [100, 300, 200, 400], cached: [50] });
  });
});
