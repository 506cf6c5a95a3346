/**
 * The tree node's contextValue (src/views/contextValue.ts) against the menus in package.json: every
 * value the tree can produce, in every state, enables exactly the menu items it should, and every
 * `viewItem` regex in the manifest matches some value the tree produces (none is dead).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { InstanceStateKind } from '../../src/instances/model';
import { contextValueFor, hostContextValue } from '../../src/views/contextValue';

const ROOT = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { menus: Record<string, Array<{ command: string; when?: string; group?: string }>> };
};
const VIEW = 'isaacSim.instances';

/**
 * Evaluates a `when` clause of a tree item menu for a node of our view with `viewItem`. It knows
 * only the forms the manifest uses (`view == X`, `viewItem =~ /re/`, joined by `&&`) and fails on
 * any other, so a new form cannot slip past this test unevaluated.
 */
function enabled(when: string | undefined, viewItem: string): boolean {
  if (!when) return true;
  return when.split('&&').every((raw) => {
    const clause = raw.trim();
    const view = /^view == ([\w.-]+)$/.exec(clause);
    if (view) return view[1] === VIEW;
    const re = /^viewItem =~ \/(.+)\/([a-z]*)$/.exec(clause);
    if (re) return new RegExp(re[1], re[2]).test(viewItem);
    throw new Error(`a when clause this test cannot evaluate: "${clause}" in "${when}"`);
  });
}

const KINDS: InstanceStateKind[] = ['stopped', 'starting', 'loading', 'ready', 'stopping', 'failed'];

/** Every node the tree can show: each state, with and without a container, with and without an operation in flight. */
const NODES = KINDS.flatMap((kind) => [false, true].flatMap((exists) => [false, true].map((busy) => ({ kind, exists, busy }))));

/** What each node must offer, in the user's words: the spec the manifest's regexes must meet. */
function expected(node: { kind: InstanceStateKind; exists: boolean }): { inline: string[]; context: string[] } {
  const startable = node.kind === 'stopped' || node.kind === 'failed';
  const running = node.kind === 'starting' || node.kind === 'loading' || node.kind === 'ready';
  const viewable = node.kind === 'loading' || node.kind === 'ready';
  const inline = [
    ...(startable ? ['isaacSim.startInstance'] : []),
    ...(viewable ? ['isaacSim.openSimView'] : []),
    ...(running ? ['isaacSim.stopInstance'] : []),
  ];
  const context = [
    ...(startable ? ['isaacSim.startInstance'] : []),
    // A failure or a stop in progress can be stopped (again) too: its container may still be there.
    ...(running || node.kind === 'failed' || node.kind === 'stopping' ? ['isaacSim.stopInstance'] : []),
    ...(node.exists ? ['isaacSim.restartInstance', 'isaacSim.removeInstance'] : []),
    'isaacSim.openSimView',
    'isaacSim.openInBrowser',
    'isaacSim.copyClientUrl',
    'isaacSim.showLogs',
  ];
  return { inline: inline.sort(), context: context.sort() };
}

const items = manifest.contributes.menus['view/item/context'] ?? [];
const HOST_KINDS = ['connected', 'unreachable', 'connecting', 'idle', 'invalid'] as const;
function offered(viewItem: string): { inline: string[]; context: string[] } {
  const on = items.filter((i) => enabled(i.when, viewItem));
  const inline = on.filter((i) => i.group?.startsWith('inline')).map((i) => i.command);
  const context = on.filter((i) => !i.group?.startsWith('inline')).map((i) => i.command);
  return { inline: inline.sort(), context: context.sort() };
}

describe('contextValueFor', () => {
  test('the state, "absent" for a stopped instance without a container, then the flags', () => {
    assert.equal(contextValueFor({ state: { kind: 'stopped', since: 0 }, exists: false, busy: false }), 'isaacSimInstance.absent');
    assert.equal(contextValueFor({ state: { kind: 'stopped', since: 0 }, exists: true, busy: false }), 'isaacSimInstance.stopped.exists');
    assert.equal(contextValueFor({ state: { kind: 'ready', since: 0 }, exists: true, busy: true }), 'isaacSimInstance.ready.exists.busy');
    assert.equal(contextValueFor({ state: { kind: 'failed', since: 0 }, exists: false, busy: true }), 'isaacSimInstance.failed.busy');
  });
});

describe('contextValue against the manifest\'s menus (package.json contributes.menus)', () => {
  test('the manifest has tree item menus for the instances view', () => {
    assert.ok(items.length >= 8, `${items.length} view/item/context entries`);
  });

  for (const node of NODES) {
    const value = contextValueFor({ state: { kind: node.kind, since: 0 }, exists: node.exists, busy: node.busy });
    test(`${value}: exactly the menu items it should enable`, () => {
      assert.deepEqual(offered(value), expected(node));
    });
  }

  for (const engine of HOST_KINDS) {
    const value = hostContextValue(engine);
    test(`${value} (a host node, with several endpoints): exactly the menu items it should enable`, () => {
      const start = engine === 'connected' ? ['isaacSim.startAll', 'isaacSim.stopAll'] : [];
      assert.deepEqual(offered(value), {
        inline: [...start, ...(engine === 'unreachable' ? ['isaacSim.retry'] : [])].sort(),
        // The preflight doctor of that host, whatever its state (an unreachable or invalid one most of all).
        context: [...start, 'isaacSim.doctor'].sort(),
      });
    });
  }

  test('every viewItem regex matches at least one value the tree produces', () => {
    const values = [...NODES.map((n) => contextValueFor({ state: { kind: n.kind, since: 0 }, exists: n.exists, busy: n.busy })), ...HOST_KINDS.map(hostContextValue)];
    const regexes = items.flatMap((i) => [...(i.when ?? '').matchAll(/viewItem =~ \/(.+?)\/([a-z]*)(?=\s*(?:&&|$))/g)].map((m) => ({ command: i.command, group: i.group, re: new RegExp(m[1], m[2]) })));
    assert.ok(regexes.length >= 5, `${regexes.length} viewItem regexes found`);
    for (const r of regexes) {
      assert.ok(values.some((v) => r.re.test(v)), `${r.command} (${r.group}): ${r.re} matches no value the tree produces (${[...new Set(values)].join(', ')})`);
    }
  });

  test('the evaluator refuses a when clause it does not understand', () => {
    assert.throws(() => enabled('view == isaacSim.instances && viewItem == isaacSimInstance.ready', 'isaacSimInstance.ready'), /cannot evaluate/);
  });
});
