/**
 * The store's publication: one immutable snapshot, coalesced per turn, rebuilt per instance only
 * when that instance changed, and transient states held back until they last. Pure logic with a
 * controlled clock; the real-engine behaviour is covered in test/engine and the benchmark.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';
import { HOLD_MS, InstanceStore, type Snapshot } from '../../src/instances/store';

const T0 = 1_700_000_000_000;

const made: InstanceStore[] = [];
// The clock here stands still, so a held state would be re-checked forever: each test ends its store.
afterEach(() => {
  for (const s of made.splice(0)) s.dispose();
});

function makeStore(count = 2) {
  let now = T0;
  const store = new InstanceStore({ log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => now, redact: (t) => t });
  made.push(store);
  store.setSettings({ ...DEFAULT_SETTINGS, instanceCount: count }, count);
  const published: Snapshot[] = [];
  store.onDidChange((s) => published.push(s));
  return { store, published, advance: (ms: number) => (now += ms), at: () => now };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits until `store.onDidChange` fires once more (bounded). */
function nextPublication(store: InstanceStore, boundMs: number): Promise<Snapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no publication within ${boundMs} ms`)), boundMs);
    const sub = store.onDidChange((s) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    });
  });
}

function running(store: InstanceStore, index: number, at: number): void {
  store.apply(index, { type: 'op', op: 'start' });
  store.apply(index, { type: 'engine', action: 'start', at });
}

describe('InstanceStore publication', () => {
  test('many changes in one turn publish once, and the snapshot is frozen', async () => {
    const { store, published } = makeStore();
    await turn();
    published.length = 0;
    store.apply(0, { type: 'engine', action: 'create' });
    store.apply(0, { type: 'engine', action: 'start', at: T0 });
    store.apply(0, { type: 'log', line: { kind: 'phase', phase: 'extensions' } });
    store.apply(1, { type: 'health', status: 'starting' });
    await turn();
    assert.equal(published.length, 1);
    const s = published[0];
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.instances) && Object.isFrozen(s.instances[0]));
    assert.equal(s.instances[0].state.phase, 'extensions');
    assert.equal(s.instances[1].health, 'starting');
  });

  test('a change that shows nothing new publishes nothing; unchanged instances keep their object', async () => {
    const { store, published } = makeStore();
    running(store, 0, T0);
    await turn();
    const before = store.current;
    published.length = 0;
    store.apply(0, { type: 'engine', action: 'oom' }); // oomKilled only: not part of the snapshot
    await turn();
    assert.equal(published.length, 0);
    assert.equal(store.current, before);
    store.apply(1, { type: 'health', status: 'healthy' });
    await turn();
    assert.equal(published.length, 1);
    assert.equal(published[0].instances[0], before.instances[0], 'instance 0 was not rebuilt');
    assert.notEqual(published[0].instances[1], before.instances[1]);
  });

  test('a read between a change and its publication sees the change (and publishes it then, once)', async () => {
    const { store, published } = makeStore();
    await turn();
    published.length = 0;
    store.apply(0, { type: 'health', status: 'healthy' });
    assert.equal(store.current.byIndex.get(0)?.health, 'healthy');
    assert.equal(published.length, 1);
    await turn();
    assert.equal(published.length, 1, 'no second event for the same change');
  });

  test('a stop that ends at once is never shown as stopping', async () => {
    const { store, published, advance } = makeStore();
    running(store, 0, T0);
    store.apply(0, { type: 'log', line: { kind: 'ready' } });
    await turn();
    published.length = 0;
    store.apply(0, { type: 'engine', action: 'kill', signal: 15 });
    await turn();
    assert.equal(store.live(0).state.kind, 'stopping', 'the truth is stopping');
    assert.equal(published.length, 0, 'nothing published for a transient state that has not lasted');
    assert.equal(store.current.byIndex.get(0)?.state.kind, 'ready');
    advance(20);
    store.apply(0, { type: 'engine', action: 'die', exitCode: 143 });
    await turn();
    assert.deepEqual(
      published.map((s) => s.byIndex.get(0)?.state.kind),
      ['stopped'],
    );
  });

  test('a stop that lasts is shown as stopping once it has lasted HOLD_MS', async () => {
    const { store, published, advance } = makeStore();
    running(store, 0, T0);
    await turn();
    published.length = 0;
    store.apply(0, { type: 'engine', action: 'kill', signal: 15 });
    await turn();
    assert.equal(published.length, 0);
    advance(HOLD_MS);
    const shown = await nextPublication(store, HOLD_MS * 10);
    assert.equal(shown.byIndex.get(0)?.state.kind, 'stopping');
  });

  test('while one instance is held, a change of another is published at once', async () => {
    const { store, published } = makeStore();
    running(store, 0, T0);
    await turn();
    published.length = 0;
    store.apply(0, { type: 'engine', action: 'kill', signal: 15 });
    store.apply(1, { type: 'health', status: 'healthy' });
    await turn();
    assert.equal(published.length, 1);
    assert.equal(published[0].byIndex.get(0)?.state.kind, 'loading', 'instance 0 still shows what it showed');
    assert.equal(published[0].byIndex.get(1)?.health, 'healthy');
  });

  test('a container that appears while starting is shown at once (only the state is held)', async () => {
    const { store, published } = makeStore();
    await turn();
    published.length = 0;
    store.apply(0, { type: 'op', op: 'start' });
    await turn();
    assert.equal(published.length, 0, 'starting alone is held');
    store.setInfo(0, { id: 'c0ffee', name: 'isaac-sim-instance-0', image: 'img', labels: {}, running: false, status: 'created', exitCode: 0, oomKilled: false, args: [] });
    await turn();
    assert.equal(published.length, 1);
    assert.equal(published[0].byIndex.get(0)?.exists, true);
  });

  test('the busy flag alone is held the same way', async () => {
    const { store, published, advance } = makeStore();
    await turn();
    published.length = 0;
    store.apply(0, { type: 'busy', delta: 1 });
    await turn();
    assert.equal(published.length, 0);
    assert.equal(store.live(0).busy, true);
    advance(HOLD_MS);
    const shown = await nextPublication(store, HOLD_MS * 10);
    assert.equal(shown.byIndex.get(0)?.busy, true);
  });

  test('an instance beyond the count has a row only while it exists or is busy', async () => {
    const { store } = makeStore(1);
    assert.deepEqual(store.current.instances.map((s) => s.index), [0]);
    store.apply(5, { type: 'engine', action: 'create' });
    assert.deepEqual(store.current.instances.map((s) => s.index), [0, 5]);
    assert.equal(store.current.byIndex.get(5)?.configured, false);
  });

  test('a failure is announced only after the first resync', () => {
    const { store } = makeStore();
    const failures: number[] = [];
    store.onDidFail((f) => failures.push(f.index));
    running(store, 0, T0);
    store.apply(0, { type: 'engine', action: 'die', exitCode: 139 });
    assert.deepEqual(failures, []);
    store.synced = true;
    running(store, 1, T0);
    store.apply(1, { type: 'engine', action: 'die', exitCode: 139 });
    assert.deepEqual(failures, [1]);
  });
});
