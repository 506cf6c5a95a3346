/**
 * "Run in Sim": which instance code is sent to, without VS Code. The target is the instance whose
 * sim view was active last (or the one chosen last); when there is none, or it is gone or no longer
 * ready, the commands ask among the ready instances. simTarget.ts (the status bar) and src/commands/simRun.ts
 * (the commands) do the UI around this plan; the unit tests exercise it directly.
 */
import * as l10n from '@vscode/l10n';
import type { CodeServerInfo, InstanceSnapshot } from '../instances/model';

/** An instance of a host ("" with one endpoint), as the target is remembered. */
export interface SimTargetRef {
  host: string;
  index: number;
}

/** What the plan reads of each host: its name and, while its engine is connected, its instances. */
export interface TargetHost {
  name: string;
  /** Undefined while the host has no manager or its engine is not connected. */
  instances: readonly Pick<InstanceSnapshot, 'index' | 'label' | 'state' | 'codeServer'>[] | undefined;
}

export interface TargetPickItem {
  label: string;
  description: string;
  target: SimTargetRef;
}

/**
 * use:  run in this target without asking;
 * ask:  a quick pick of the ready instances (`why`: what happened to the remembered target);
 * none: no instance is ready; `message` names the problem and the fix.
 */
export type TargetPlan =
  | { kind: 'use'; target: SimTargetRef; label: string }
  | { kind: 'ask'; items: TargetPickItem[]; why?: string }
  | { kind: 'none'; message: string };

/** "instance-0", or "gpu-a/instance-0" with several endpoints. */
export function targetLabel(ref: SimTargetRef, multiple: boolean): string {
  return multiple ? `${ref.host}/instance-${ref.index}` : `instance-${ref.index}`;
}

/**
 * ":8226 (omni.isaac.vscode)" with the 6.x token's state, or why the instance has no code server:
 * the tree tooltip's "Code server" row, and (short) the pick's description.
 */
export function describeCodeServer(info: CodeServerInfo, short = false): string {
  if (info.kind === 'none') return info.reason;
  if (info.token === 'known') return l10n.t(':{0} ({1}), token from log', info.port, info.extension);
  if (info.token === 'missing' && short) return l10n.t(':{0} ({1}), token missing', info.port, info.extension);
  if (info.token === 'missing') {
    return l10n.t(':{0} ({1}), token missing: the server prints it in the log when it starts ("Python server authentication token: …"); or set isaacSim.pythonServerToken and start the instance again', info.port, info.extension);
  }
  return `:${info.port} (${info.extension})`;
}

/** Plans where code goes: the remembered target while it is ready, else the ready instances. */
export function planSimTarget(hosts: readonly TargetHost[], remembered: SimTargetRef | undefined, multiple: boolean): TargetPlan {
  const ready = hosts.flatMap((h) => (h.instances ?? []).filter((s) => s.state.kind === 'ready').map((s) => ({ host: h.name, s })));
  let why: string | undefined;
  if (remembered) {
    const host = hosts.find((h) => h.name === remembered.host);
    const s = host?.instances?.find((i) => i.index === remembered.index);
    const label = targetLabel(remembered, multiple);
    if (s?.state.kind === 'ready') return { kind: 'use', target: remembered, label };
    why = !host
      ? l10n.t('{0} is gone: its endpoint is no longer in isaacSim.endpoints', label)
      : !host.instances
        ? l10n.t("{0}'s engine is not connected", label)
        : !s
          ? l10n.t('{0} is gone', label)
          : l10n.t('{0} is {1}, not ready', label, s.state.kind);
  }
  if (ready.length === 0) {
    const message = why
      ? l10n.t('{0}, and no other Isaac Sim instance is ready to run the code in. Start one (Isaac Sim: Start Instance) and wait until it is ready, then run the code again.', why)
      : l10n.t('No Isaac Sim instance is ready to run the code in. Start one (Isaac Sim: Start Instance) and wait until it is ready, then run the code again.');
    return { kind: 'none', message };
  }
  // One ready instance and nothing remembered: no question to ask. A remembered target that went
  // away is asked about even then, so code never lands in another instance unannounced.
  if (ready.length === 1 && !why) {
    const target = { host: ready[0].host, index: ready[0].s.index };
    return { kind: 'use', target, label: targetLabel(target, multiple) };
  }
  const items = readyItems(hosts, multiple);
  return why ? { kind: 'ask', items, why } : { kind: 'ask', items };
}

/** The ready instances of every connected host, as quick pick rows (what Choose Sim Target offers). */
export function readyItems(hosts: readonly TargetHost[], multiple: boolean): TargetPickItem[] {
  return hosts.flatMap((h) =>
    (h.instances ?? [])
      .filter((s) => s.state.kind === 'ready')
      .map((s) => {
        const target = { host: h.name, index: s.index };
        return { label: targetLabel(target, multiple), description: describeCodeServer(s.codeServer, true), target };
      }),
  );
}

/** What the status bar says: the target, and whether it is ready now; `label` for screen readers. */
export function targetStatus(hosts: readonly TargetHost[], remembered: SimTargetRef | undefined, multiple: boolean): { text: string; tooltip: string; label: string } {
  if (!remembered) {
    return {
      text: l10n.t('$(play) Sim: choose instance'),
      tooltip: l10n.t('Run in Sim: no target yet. Click to choose the Isaac Sim instance that Run File / Run Selection in Sim send code to.'),
      label: l10n.t('Run in Sim: choose instance'),
    };
  }
  const label = targetLabel(remembered, multiple);
  const s = hosts.find((h) => h.name === remembered.host)?.instances?.find((i) => i.index === remembered.index);
  const tooltip =
    s?.state.kind === 'ready'
      ? l10n.t('Run in Sim target: {0} (ready, code server {1}). Click to change.', label, describeCodeServer(s.codeServer, true))
      : l10n.t('Run in Sim target: {0} ({1}: the next run asks for a ready instance). Click to change.', label, s ? s.state.kind : l10n.t('gone'));
  return { text: l10n.t('$(play) Sim: {0}', label), tooltip, label: l10n.t('Run in Sim: {0}', label) };
}
