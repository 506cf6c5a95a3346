/**
 * Which host a command is about, with several endpoints (isaacSim.endpoints): the clicked host or
 * instance node, a `{ host, index }` argument, or a quick pick of hosts. With one endpoint every
 * question here has its one answer, and nothing is asked.
 */
import * as vscode from 'vscode';
import { describeHost, type FleetView } from '../instances/fleet';
import type { Manager } from '../instances/manager';
import type { InstanceSnapshot } from '../instances/model';
import { HostTreeItem, InstanceTreeItem } from '../views/treeItems';
import { fromArgs, planHostPick, planHostsChoice, type HostOption, type Picker, type TreeNodeSnapshot } from './targets';

/** One instance of one host: what an instance command runs on. */
export interface Target {
  host: string;
  manager: Manager;
  snapshot: InstanceSnapshot;
}

const treeNodeSnapshot: TreeNodeSnapshot = (a) => (a instanceof InstanceTreeItem ? a.snapshot : undefined);

function hostOptions(fleet: FleetView): HostOption[] {
  return fleet.hosts.map((h) => {
    const status = fleet.status(h.name);
    return { name: h.name, source: h.manager, description: status ? describeHost(status) : '' };
  });
}

/** The `host` of an argument (`{ host: "a", index: 0 }` from another extension or a test), if it names one. */
function hostArg(arg: unknown): string | undefined {
  if (arg instanceof HostTreeItem || arg instanceof InstanceTreeItem) return arg.host;
  if (arg && typeof arg === 'object' && typeof (arg as { host?: unknown }).host === 'string') return (arg as { host: string }).host;
  return undefined;
}

/**
 * The instances a command was invoked with: tree nodes (grouped by their host), or an index or
 * `{ index, host? }` (no host: the first endpoint's, which is the only one without isaacSim.endpoints).
 * Undefined: nothing usable, ask.
 */
export function targetsFromArgs(fleet: FleetView, args: readonly unknown[]): Target[] | undefined {
  const [first, second] = args;
  const selected = Array.isArray(second) && second.length > 1 ? (second as unknown[]) : [first];
  const nodes = selected.filter((a): a is InstanceTreeItem => a instanceof InstanceTreeItem);
  if (nodes.length > 0) {
    const byHost = new Map<string, InstanceTreeItem[]>();
    for (const n of nodes) byHost.set(n.host, [...(byHost.get(n.host) ?? []), n]);
    return [...byHost].flatMap(([host, list]) => {
      const manager = fleet.require(host);
      return (fromArgs(manager, [list[0], list], treeNodeSnapshot) ?? []).map((snapshot) => ({ host, manager, snapshot }));
    });
  }
  if (first instanceof HostTreeItem) return undefined;
  const host = hostArg(first) ?? fleet.hosts[0]?.name;
  if (host === undefined) return undefined;
  const snapshots = fromArgs({ get: (i) => fleet.host(host)?.manager?.get(i), list: () => fleet.host(host)?.manager?.list() ?? [] }, args, () => undefined);
  if (!snapshots) return undefined;
  const manager = fleet.require(host);
  return snapshots.map((snapshot) => ({ host, manager, snapshot }));
}

/** The host to pick an instance on: the only one, the clicked host node, or asked. */
/** `texts`: the pick's title, and what is said when no host has an instance for the command. */
export async function pickHost(fleet: FleetView, picker: Picker, texts: { title: string; none: string }, args: readonly unknown[]): Promise<string | undefined> {
  const given = hostArg(args[0]);
  if (given !== undefined) return given;
  if (!fleet.multiple) return fleet.hosts[0]?.name ?? '';
  await fleet.connectAll();
  const plan = planHostPick(hostOptions(fleet), picker);
  if (plan.kind === 'none') {
    void vscode.window.showInformationMessage(texts.none);
    return undefined;
  }
  if (plan.kind === 'one') return plan.host;
  const chosen = await vscode.window.showQuickPick(plan.items, { title: texts.title, placeHolder: vscode.l10n.t('Choose a host (an isaacSim.endpoints entry)'), ignoreFocusOut: true });
  return chosen?.host;
}

/** The hosts Start All / Stop All act on: the clicked host node, the only one, or asked ("All hosts" or one). */
export async function chooseHosts(fleet: FleetView, title: string, args: readonly unknown[]): Promise<string[] | undefined> {
  const given = hostArg(args[0]);
  if (given !== undefined) return [given];
  if (!fleet.multiple) return [fleet.hosts[0]?.name ?? ''];
  const items = planHostsChoice(hostOptions(fleet));
  const chosen = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('All hosts, or one'), ignoreFocusOut: true });
  return chosen?.hosts;
}
