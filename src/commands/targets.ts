/**
 * Which instances a command is about, without VS Code: turning the arguments a command was invoked
 * with into instances, and planning the quick pick when it was given none. The registry
 * (registry.ts) does the UI around it; the unit tests exercise this module directly.
 */
import * as l10n from '@vscode/l10n';
import { describeState } from '../instances/describe';
import type { InstanceSnapshot } from '../instances/model';
import { instanceLabel } from '../instances/model';

/** What the commands read of the instance manager. */
export interface InstanceSource {
  get(index: number): InstanceSnapshot | undefined;
  list(): readonly InstanceSnapshot[];
}

/**
 * The snapshot a tree node carries, or undefined for anything that is not one of our tree nodes.
 * The registry passes an `instanceof InstanceTreeItem` check; tests pass their own.
 */
export type TreeNodeSnapshot = (arg: unknown) => InstanceSnapshot | undefined;

/** Which instances the quick pick offers when a command was given none. */
export type Picker = 'startable' | 'running' | 'existing' | 'any';

function matches(picker: Picker, s: InstanceSnapshot): boolean {
  switch (picker) {
    case 'startable':
      return s.state.kind === 'stopped' || s.state.kind === 'failed';
    case 'running':
      return s.state.kind === 'starting' || s.state.kind === 'loading' || s.state.kind === 'ready' || (s.state.kind === 'failed' && s.startedAt !== undefined);
    case 'existing':
      return s.exists;
    case 'any':
      return true;
  }
}

/**
 * Turns whatever a command was invoked with into the instances it is about: the clicked tree node
 * (VS Code passes it first), a multi-selection (VS Code passes all selected nodes second), an index
 * or an `{ index }` object from another extension or a test. Undefined: nothing usable, ask.
 */
export function fromArgs(source: InstanceSource, args: readonly unknown[], treeNode: TreeNodeSnapshot): InstanceSnapshot[] | undefined {
  const [first, second] = args;
  const toSnapshot = (a: unknown): InstanceSnapshot | undefined => {
    const node = treeNode(a);
    if (node) return source.get(node.index) ?? node;
    if (typeof a === 'number' && Number.isInteger(a) && a >= 0) return source.get(a) ?? syntheticSnapshot(source, a);
    if (a && typeof a === 'object' && typeof (a as { index?: unknown }).index === 'number') return toSnapshot((a as { index: number }).index);
    return undefined;
  };
  if (Array.isArray(second) && second.length > 1) {
    const all = second.map(toSnapshot).filter((s): s is InstanceSnapshot => !!s);
    if (all.length > 0) return all;
  }
  const one = toSnapshot(first);
  return one ? [one] : undefined;
}

/** An instance beyond the configured count that has no container yet (e.g. "New instance" or an index from a test). */
function syntheticSnapshot(source: InstanceSource, index: number): InstanceSnapshot {
  const template = source.list()[0];
  if (!template) return { index, label: instanceLabel(index) } as InstanceSnapshot;
  return { ...template, index, label: instanceLabel(index), containerName: `isaac-sim-instance-${index}`, containerId: undefined, exists: false, configured: false, busy: false, state: { kind: 'stopped', since: 0 } };
}

/** One row of the quick pick. */
export interface PickItem {
  label: string;
  description?: string;
  detail?: string;
  index: number;
}

/** What the quick pick step does: nothing to offer, one obvious instance, or ask among `items`. */
export type PickPlan = { kind: 'none' } | { kind: 'one'; snapshot: InstanceSnapshot | undefined } | { kind: 'ask'; items: PickItem[] };

/** Plans the quick pick for `picker` over the instances `source` lists. */
export function planPick(source: InstanceSource, picker: Picker): PickPlan {
  const list = source.list();
  const candidates = list.filter((s) => matches(picker, s));
  const items: PickItem[] = candidates.map((s) => ({ label: s.label, description: describeState(s), detail: s.clientUrl, index: s.index }));
  if (picker === 'startable') {
    const used = new Set(list.map((s) => s.index));
    let next = 0;
    while (used.has(next)) next++;
    items.push({ label: l10n.t('$(add) New instance'), description: instanceLabel(next), index: next });
  }
  if (items.length === 0) return { kind: 'none' };
  if (items.length === 1 && picker !== 'startable') return { kind: 'one', snapshot: source.get(items[0].index) };
  if (items.length === 1 || (picker === 'startable' && candidates.length === 0)) return { kind: 'one', snapshot: chosenSnapshot(source, items[0].index) };
  return { kind: 'ask', items };
}

/** The instance a pick chose: a listed one, or a new one. */
export function chosenSnapshot(source: InstanceSource, index: number): InstanceSnapshot {
  return source.get(index) ?? syntheticSnapshot(source, index);
}

/** A host the host pick can offer: its name, its instances (undefined while its settings are invalid), and what its node says. */
export interface HostOption {
  name: string;
  source: InstanceSource | undefined;
  description: string;
}

export interface HostPickItem {
  label: string;
  description: string;
  host: string;
}

/** The host step of a pick, with several endpoints: the hosts that have something for `picker` (any usable host for a start). */
export type HostPlan = { kind: 'none' } | { kind: 'one'; host: string } | { kind: 'ask'; items: HostPickItem[] };

export function planHostPick(hosts: readonly HostOption[], picker: Picker): HostPlan {
  const usable = hosts.filter((h) => h.source && (picker === 'startable' || planPick(h.source, picker).kind !== 'none'));
  if (usable.length === 0) return { kind: 'none' };
  if (usable.length === 1) return { kind: 'one', host: usable[0].name };
  return { kind: 'ask', items: usable.map((h) => ({ label: h.name, description: h.description, host: h.name })) };
}

/** "All hosts" first, then each host: what Start All / Stop All ask from the palette with several endpoints. */
export function planHostsChoice(hosts: readonly HostOption[]): Array<HostPickItem & { hosts: string[] }> {
  const usable = hosts.filter((h) => h.source);
  return [
    { label: l10n.t('$(server-environment) All hosts'), description: usable.map((h) => h.name).join(', '), host: '', hosts: usable.map((h) => h.name) },
    ...usable.map((h) => ({ label: h.name, description: h.description, host: h.name, hosts: [h.name] })),
  ];
}
