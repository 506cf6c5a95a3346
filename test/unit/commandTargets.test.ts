/**
 * Which instances a command is about (src/commands/targets.ts): the arguments VS Code, another
 * extension or a test passes, and the quick pick's plan when there are none.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chosenSnapshot, fromArgs, planPick, type InstanceSource, type Picker, type TreeNodeSnapshot } from '../../src/commands/targets';
import type { InstanceSnapshot, InstanceStateKind } from '../../src/instances/model';

function snap(index: number, kind: InstanceStateKind, more: Partial<InstanceSnapshot> = {}): InstanceSnapshot {
  return {
    index,
    label: `instance-${index}`,
    containerName: `isaac-sim-instance-${index}`,
    containerId: kind === 'stopped' && !more.exists ? undefined : `c0ffee${index}`,
    image: 'isaac-sim-standin:4.2.0',
    ports: { http: 8211 + index, signal: 49100 + index },
    clientUrl: `http://127.0.0.1:${8211 + index}/streaming/webrtc-demo/?server=127.0.0.1`,
    clientUrlResult: { ok: true, url: `http://127.0.0.1:${8211 + index}/streaming/webrtc-demo/?server=127.0.0.1`, origin: `http://127.0.0.1:${8211 + index}` },
    view: { kind: 'url', url: `http://127.0.0.1:${8211 + index}/` },
    version: '4.2',
    versionSource: 'image tag "4.2.0"',
    warnings: [],
    codeServer: { kind: 'enabled', port: 8226, extension: 'omni.isaac.vscode', token: 'not-needed' },
    gpu: 'all',
    state: { kind, since: 1 },
    exists: kind !== 'stopped',
    configured: true,
    busy: false,
    ...more,
  };
}

/** A source that also counts how it was asked, so a test sees that the live snapshot was looked up. */
function source(list: InstanceSnapshot[]): InstanceSource & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    list: () => list,
    get: (i) => {
      asked.push(i);
      return list.find((s) => s.index === i);
    },
  };
}

/** Stands in for our tree node class; the registry passes an `instanceof InstanceTreeItem` check. */
class FakeNode {
  constructor(readonly snapshot: InstanceSnapshot) {}
}
const treeNode: TreeNodeSnapshot = (a) => (a instanceof FakeNode ? a.snapshot : undefined);

describe('fromArgs', () => {
  const live = [snap(0, 'ready'), snap(1, 'stopped'), snap(2, 'failed', { startedAt: 5 })];

  test('a tree node: the live snapshot of its index, not the one the node was rendered with', () => {
    const src = source(live);
    const stale = snap(0, 'starting');
    assert.deepEqual(fromArgs(src, [new FakeNode(stale)], treeNode), [live[0]]);
    assert.deepEqual(src.asked, [0]);
  });

  test('a tree node of an instance the manager no longer lists: the node\'s own snapshot', () => {
    const gone = snap(7, 'stopped');
    assert.deepEqual(fromArgs(source(live), [new FakeNode(gone)], treeNode), [gone]);
  });

  test('a multi-selection (VS Code passes the clicked node first, all selected nodes second): every selected instance', () => {
    const nodes = [new FakeNode(live[0]), new FakeNode(live[2])];
    assert.deepEqual(fromArgs(source(live), [nodes[0], nodes], treeNode), [live[0], live[2]]);
  });

  test('a selection of one is the clicked node', () => {
    assert.deepEqual(fromArgs(source(live), [new FakeNode(live[1]), [new FakeNode(live[1])]], treeNode), [live[1]]);
  });

  test('a selection with nothing usable in it falls back to the first argument', () => {
    assert.deepEqual(fromArgs(source(live), [2, ['x', null]], treeNode), [live[2]]);
  });

  test('an index from another extension or a test: the listed instance', () => {
    assert.deepEqual(fromArgs(source(live), [1], treeNode), [live[1]]);
  });

  test('an index beyond the listed ones: a new instance, not created, based on the first one', () => {
    const [s] = fromArgs(source(live), [5], treeNode) ?? assert.fail('no target');
    assert.equal(s.index, 5);
    assert.equal(s.label, 'instance-5');
    assert.equal(s.containerName, 'isaac-sim-instance-5');
    assert.equal(s.containerId, undefined);
    assert.equal(s.exists, false);
    assert.equal(s.configured, false);
    assert.equal(s.busy, false);
    assert.deepEqual(s.state, { kind: 'stopped', since: 0 });
    assert.equal(s.image, live[0].image, 'the settings-derived fields come from the first instance');
  });

  test('an { index } object is the same as the index', () => {
    assert.deepEqual(fromArgs(source(live), [{ index: 2 }], treeNode), [live[2]]);
    assert.equal(fromArgs(source(live), [{ index: 9 }], treeNode)?.[0]?.index, 9);
  });

  test('nothing usable: undefined, so the command asks', () => {
    for (const args of [[], [undefined], [-1], [1.5], [Number.NaN], ['0'], [{ index: '1' }], [{}], [null], [{ snapshot: live[0] }]]) {
      assert.equal(fromArgs(source(live), args, treeNode), undefined, JSON.stringify(args));
    }
  });
});

describe('new instances and chosenSnapshot', () => {
  test('an index with no instance listed at all: just the index and its label', () => {
    assert.deepEqual(fromArgs(source([]), [3], treeNode), [{ index: 3, label: 'instance-3' }]);
  });

  test('chosenSnapshot: the listed instance when there is one, else a new one', () => {
    const live = [snap(0, 'ready')];
    assert.equal(chosenSnapshot(source(live), 0), live[0]);
    assert.equal(chosenSnapshot(source(live), 1).exists, false);
  });
});

describe('which instances each command\'s quick pick offers', () => {
  const kinds: InstanceStateKind[] = ['stopped', 'starting', 'loading', 'ready', 'stopping', 'failed'];
  /** The listed instances the pick offers (or takes without asking), without its "New instance" row. */
  const offered = (picker: Picker, list: InstanceSnapshot[]): string[] => {
    const plan = planPick(source(list), picker);
    if (plan.kind === 'none') return [];
    if (plan.kind === 'one') return plan.snapshot && list.includes(plan.snapshot) ? [plan.snapshot.label] : [];
    return plan.items.filter((i) => !i.label.startsWith('$(add)')).map((i) => i.label);
  };
  const list = kinds.map((k, i) => snap(i, k));
  const failedWhileRunning = snap(6, 'failed', { startedAt: 10 });
  const absent = snap(7, 'stopped', { exists: false });

  test('Start offers the stopped and the failed ones', () => {
    assert.deepEqual(offered('startable', [...list, failedWhileRunning, absent]), ['instance-0', 'instance-5', 'instance-6', 'instance-7']);
  });

  test('Stop offers what runs: starting, loading, ready, and a failure whose container still runs', () => {
    assert.deepEqual(offered('running', [...list, failedWhileRunning, absent]), ['instance-1', 'instance-2', 'instance-3', 'instance-6']);
  });

  test('Restart and Remove offer every instance with a container', () => {
    assert.deepEqual(offered('existing', [snap(0, 'ready'), absent, snap(2, 'stopped', { exists: true })]), ['instance-0', 'instance-2']);
  });

  test('the view commands offer every instance', () => {
    assert.deepEqual(offered('any', [...list, absent]).length, list.length + 1);
  });
});

describe('planPick', () => {
  test('nothing to offer: none (the command says so)', () => {
    assert.deepEqual(planPick(source([snap(0, 'stopped')]), 'running'), { kind: 'none' });
    assert.deepEqual(planPick(source([]), 'any'), { kind: 'none' });
  });

  test('one candidate: that instance, without asking', () => {
    const live = [snap(0, 'stopped'), snap(1, 'ready')];
    assert.deepEqual(planPick(source(live), 'running'), { kind: 'one', snapshot: live[1] });
  });

  test('Start with nothing startable: the next free index as a new instance, without asking', () => {
    const plan = planPick(source([snap(0, 'ready'), snap(1, 'loading'), snap(3, 'ready')]), 'startable');
    assert.equal(plan.kind, 'one');
    assert.equal(plan.kind === 'one' ? plan.snapshot?.index : undefined, 2, 'the first index not in use');
    assert.equal(plan.kind === 'one' ? plan.snapshot?.exists : undefined, false);
  });

  test('Start with a startable instance: asks, and offers a new instance too', () => {
    const live = [snap(0, 'stopped'), snap(1, 'ready')];
    const plan = planPick(source(live), 'startable');
    assert.equal(plan.kind, 'ask');
    const items = plan.kind === 'ask' ? plan.items : [];
    assert.deepEqual(items.map((i) => [i.label, i.index]), [['instance-0', 0], ['$(add) New instance', 2]]);
    assert.equal(items[0].detail, live[0].clientUrl);
    assert.equal(items[1].description, 'instance-2');
    assert.ok(items[0].description, 'the state is described');
  });

  test('several candidates: asks among them, in the listed order', () => {
    const live = [snap(0, 'ready'), snap(1, 'stopped'), snap(2, 'loading')];
    const plan = planPick(source(live), 'any');
    assert.deepEqual(plan.kind === 'ask' ? plan.items.map((i) => i.index) : plan, [0, 1, 2]);
  });
});
