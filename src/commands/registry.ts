/**
 * Every command of the extension, in one table, behind one wrapper.
 *
 * The wrapper resolves which instances a command is about (the clicked tree node, a multi-selection,
 * an index passed by another extension or a test, or else a quick pick), shows progress for
 * operations that talk to the engine, and reports every error the same way: the message names the
 * problem and the fix, with a "Show Log" action (and "Open Settings" where a setting is the cause).
 */
import * as vscode from 'vscode';
import { confirmBrowserConnection } from '../views/oneConnection';
import { clipboardNote } from '../views/streamNotes';
import { OrchestratorError, errorInfo } from '../instances/errors';
import type { FleetView } from '../instances/fleet';
import type { Manager } from '../instances/manager';
import type { InstanceSnapshot } from '../instances/model';
import type { DoctorView } from '../views/doctorView';
import type { LogChannels } from '../views/logChannels';
import type { SimViewManager } from '../views/simView';
import { settingsQuery } from '../views/config';
import { hostOf } from '../views/hostOf';
import { followStart } from '../views/startProgress';
import { EXTENSION_ID, WALKTHROUGH_ID } from '../views/walkthroughReady';
import { addEndpointFromContext } from './contexts';
import { chooseHosts, pickHost, targetsFromArgs, type Target } from './hosts';
import type { ErrorAction, SimRunner } from './simRun';
import { chosenSnapshot, planPick, type Picker } from './targets';

/** A host's own views: its log channels and sim views. */
export interface HostViews {
  logs: LogChannels;
  simViews: SimViewManager;
}

export interface CommandContext {
  fleet: FleetView;
  /** The views of a host that has a manager. */
  views: (host: string) => HostViews;
  log: vscode.LogOutputChannel;
  doctor: DoctorView;
  /** Run File / Run Selection in Sim and the target pick (simRun.ts). */
  simRun: SimRunner;
  /** Before a start: true to go ahead (asks when the free VRAM or memory last seen is short: views/headroomCheck.ts). */
  headroom: (host: string, manager: Manager, indexes: readonly number[]) => Promise<boolean>;
}

interface InstanceCommand {
  id: string;
  /** The quick pick's title, and what is said when there is no instance to pick (on one host; on any host). */
  title: () => string;
  none: () => string;
  noneOnAnyHost: () => string;
  /** Which instances the quick pick offers when no instance was given. */
  pick: Picker;
  /** Progress title; undefined runs without a progress notification. */
  progress?: (label: string) => string;
  /** The progress notification can be cancelled: its signal aborts the operation. */
  cancellable?: boolean;
  run: (ctx: CommandContext, t: Target, signal: AbortSignal) => Promise<unknown> | unknown;
}

interface PlainCommand {
  id: string;
  /** Progress title (a function: vscode.l10n.t runs when the command does, not when this table is made). */
  progress?: () => string;
  cancellable?: boolean;
  /** Asks which hosts (with this title) before the progress starts: the clicked host node, the only one, or a pick. */
  hosts?: () => string;
  run: (ctx: CommandContext, signal: AbortSignal, hosts: readonly string[], args: readonly unknown[]) => Promise<unknown> | unknown;
}

async function externalUrl(s: InstanceSnapshot): Promise<vscode.Uri> {
  // The URL builder refuses (gives "") rather than produce a non-http(s) or off-host URL.
  if (!s.clientUrl) {
    throw new Error(vscode.l10n.t('{0} has no usable client URL: fix isaacSim.clientUrlTemplate (or isaacSim.webViewerUrlTemplate for Isaac Sim 6.x) and isaacSim.host.', s.label));
  }
  return vscode.env.asExternalUri(vscode.Uri.parse(s.clientUrl, true));
}

const INSTANCE_COMMANDS: InstanceCommand[] = [
  {
    id: 'isaacSim.startInstance',
    title: () => vscode.l10n.t('Start'),
    none: () => vscode.l10n.t('No Isaac Sim instance to start.'),
    noneOnAnyHost: () => vscode.l10n.t('No Isaac Sim instance to start on any host.'),
    pick: 'startable',
    progress: (l) => vscode.l10n.t('Starting {0}…', l),
    cancellable: true,
    run: async (c, { host, manager, snapshot: s }, signal) => {
      if (!(await c.headroom(host, manager, [s.index]))) return;
      await manager.start(s.index, { signal });
      // Not awaited: the command is done once the container runs; the notification follows the load.
      void followStart(manager, s.index, hostOf(host, () => c.fleet.multiple));
    },
  },
  {
    id: 'isaacSim.stopInstance',
    title: () => vscode.l10n.t('Stop'),
    none: () => vscode.l10n.t('No Isaac Sim instance to stop.'),
    noneOnAnyHost: () => vscode.l10n.t('No Isaac Sim instance to stop on any host.'),
    pick: 'running',
    progress: (l) => vscode.l10n.t('Stopping {0}…', l),
    run: (_c, t) => t.manager.stop(t.snapshot.index),
  },
  {
    id: 'isaacSim.restartInstance',
    title: () => vscode.l10n.t('Restart'),
    none: () => vscode.l10n.t('No Isaac Sim instance to restart.'),
    noneOnAnyHost: () => vscode.l10n.t('No Isaac Sim instance to restart on any host.'),
    pick: 'existing',
    progress: (l) => vscode.l10n.t('Restarting {0}…', l),
    cancellable: true,
    run: (_c, t, signal) => t.manager.restart(t.snapshot.index, { signal }),
  },
  {
    id: 'isaacSim.removeInstance',
    title: () => vscode.l10n.t('Remove'),
    none: () => vscode.l10n.t('No Isaac Sim instance to remove.'),
    noneOnAnyHost: () => vscode.l10n.t('No Isaac Sim instance to remove on any host.'),
    pick: 'existing',
    progress: (l) => vscode.l10n.t('Removing {0}…', l),
    run: (_c, t) => t.manager.remove(t.snapshot.index),
  },
  {
    id: 'isaacSim.showLogs',
    title: () => vscode.l10n.t('Show Logs'),
    none: () => vscode.l10n.t('No Isaac Sim instance to show logs.'),
    noneOnAnyHost: () => vscode.l10n.t('No Isaac Sim instance to show logs on any host.'),
    pick: 'any',
    run: (c, t) => c.views(t.host).logs.show(t.snapshot.index, t.snapshot.label),
  },
  {
    id: 'isaacSim.openSimView',
    title: () => vscode.l10n.t('Open Sim View'),
    none: () => vscode.l10n.t('No Isaac Sim instance to open sim view.'),
    noneOnAnyHost: () => vscode.l10n.t('No Isaac Sim instance to open sim view on any host.'),
    pick: 'any',
    run: (c, t) => c.views(t.host).simViews.open(t.snapshot.index),
  },
  {
    id: 'isaacSim.openInBrowser',
    title: () => vscode.l10n.t('Open In Browser'),
    none: () => vscode.l10n.t('No Isaac Sim instance to open in browser.'),
    noneOnAnyHost: () => vscode.l10n.t('No Isaac Sim instance to open in browser on any host.'),
    pick: 'any',
    run: async (c, { host, snapshot: s }) => {
      const url = await externalUrl(s);
      if (!(await confirmBrowserConnection(s, c.views(host).simViews.panelFor(s.index)))) return;
      const note = clipboardNote(url.toString(true));
      if (note) void vscode.window.showInformationMessage(vscode.l10n.t('{0}: {1}', s.label, note));
      await vscode.env.openExternal(url);
    },
  },
  {
    id: 'isaacSim.copyClientUrl',
    title: () => vscode.l10n.t('Copy Client Url'),
    none: () => vscode.l10n.t('No Isaac Sim instance to copy client url.'),
    noneOnAnyHost: () => vscode.l10n.t('No Isaac Sim instance to copy client url on any host.'),
    pick: 'any',
    run: async (_c, { snapshot: s }) => {
      const url = (await externalUrl(s)).toString(true);
      await vscode.env.clipboard.writeText(url);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', url), 3000);
    },
  },
];

const PLAIN_COMMANDS: PlainCommand[] = [
  {
    id: 'isaacSim.startAll',
    progress: () => vscode.l10n.t('Starting all Isaac Sim instances…'),
    cancellable: true,
    hosts: () => vscode.l10n.t('Start All'),
    run: (c, signal, hosts) =>
      onHosts(c, hosts, async (manager, host) => {
        const before = new Set(manager.list().filter((s) => s.state.kind === 'ready' || s.state.kind === 'loading').map((s) => s.index));
        if (!(await c.headroom(host, manager, manager.list().filter((s) => s.configured).map((s) => s.index)))) return;
        await manager.startAll({ signal });
        for (const s of manager.list()) if (s.configured && !before.has(s.index) && s.state.kind !== 'ready') void followStart(manager, s.index, hostOf(host, () => c.fleet.multiple));
      }),
  },
  { id: 'isaacSim.stopAll', progress: () => vscode.l10n.t('Stopping all Isaac Sim instances…'), hosts: () => vscode.l10n.t('Stop All'), run: (c, _signal, hosts) => onHosts(c, hosts, (m) => m.stopAll()) },
  { id: 'isaacSim.refresh', run: (c) => settleAll(c.fleet.managers().map((m) => (m.engineStatus.kind === 'connected' ? m.resync() : m.reconnect()))) },
  // Retry reconnects the hosts that are not connected (with one endpoint: its one engine, as always).
  { id: 'isaacSim.retry', run: (c) => settleAll(c.fleet.managers().filter((m) => !c.fleet.multiple || m.engineStatus.kind !== 'connected').map((m) => m.reconnect())) },
  { id: 'isaacSim.addEndpointFromContext', run: (c) => addEndpointFromContext(c.log) },
  { id: 'isaacSim.openSettings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${EXTENSION_ID}`) },
  { id: 'isaacSim.showDiagnostics', run: (c) => c.log.show(true) },
  // No progress here: the doctor shows its own. With several hosts: the clicked host node, or "All hosts" or one.
  { id: 'isaacSim.doctor', hosts: () => vscode.l10n.t('Run Preflight Doctor'), run: (c, _signal, hosts) => c.doctor.runAndShowDoctor(hosts) },
  // Run in Sim shows its own cancellable progress (it names the file and the instance) and its own result.
  { id: 'isaacSim.runFileInSim', run: (c, _signal, _hosts, args) => c.simRun.run('file', args, (err, extra) => reportError(c, 'isaacSim.runFileInSim', err, [], extra)) },
  { id: 'isaacSim.runSelectionInSim', run: (c, _signal, _hosts, args) => c.simRun.run('selection', args, (err, extra) => reportError(c, 'isaacSim.runSelectionInSim', err, [], extra)) },
  { id: 'isaacSim.chooseSimTarget', run: (c) => c.simRun.chooseTarget() },
  { id: 'isaacSim.getStarted', run: () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${WALKTHROUGH_ID}`, false) },
];

/** Runs `fn` on each host chosen, all at once; their errors as one. */
async function onHosts(c: CommandContext, hosts: readonly string[], fn: (manager: Manager, host: string) => Promise<void>): Promise<void> {
  await settleAll(hosts.map(async (h) => fn(c.fleet.require(h), h)));
}

/** Waits for all; one failure is thrown as it is, several as one. */
async function settleAll(work: Array<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length === 1) throw failed[0].reason;
  if (failed.length > 1) throw combined(failed.map((f) => f.reason as unknown));
}

/** Asks which instance, when the command was given none. */
async function pickInstance(manager: Manager, cmd: InstanceCommand): Promise<InstanceSnapshot | undefined> {
  await manager.connect();
  const plan = planPick(manager, cmd.pick);
  if (plan.kind === 'none') {
    vscode.window.showInformationMessage(cmd.none());
    return undefined;
  }
  if (plan.kind === 'one') return plan.snapshot;
  // ignoreFocusOut: a sim view that takes focus back after the palette closes must not dismiss the pick.
  const chosen = await vscode.window.showQuickPick(plan.items, { title: cmd.title(), placeHolder: vscode.l10n.t('Choose an Isaac Sim instance'), ignoreFocusOut: true });
  if (!chosen) return undefined;
  return chosenSnapshot(manager, chosen.index);
}

/** The one error path. It switches on the error's kind and setting (errors.ts), never on its words. */
export function reportError(ctx: CommandContext, commandId: string, err: unknown, hosts: readonly string[] = [], extra: readonly ErrorAction[] = []): void {
  const message = ctx.fleet.redactor.redact(err instanceof Error ? err.message : String(err));
  const { kind, setting } = errorInfo(err);
  if (kind === 'cancelled') {
    // The user (or a Stop) cancelled: not an error.
    ctx.log.info(`${commandId}: ${message}`);
    void vscode.window.showInformationMessage(message);
    return;
  }
  ctx.log.error(`${commandId}: ${message}`);
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause) ctx.log.debug(`  cause: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
  // Each label once: the choice is compared with the very string shown.
  const openSettings = vscode.l10n.t('Open Settings');
  const showLog = vscode.l10n.t('Show Log');
  const actions = [...extra.map((a) => a.title), ...(setting || kind === 'settings' ? [openSettings, showLog] : [showLog])];
  // A failed start runs the preflight doctor, which opens its report only if it finds a problem.
  // It checks the hosts the command ran on.
  if ((commandId === 'isaacSim.startInstance' || commandId === 'isaacSim.startAll' || commandId === 'isaacSim.restartInstance') && hosts.length > 0) void ctx.doctor.runAfterFailedStart(err, hosts);
  // Not awaited: the command finishes now; the notification stays until the user acts on it.
  void vscode.window.showErrorMessage(message, ...actions).then(async (choice) => {
    await extra.find((a) => a.title === choice)?.run();
    if (choice === showLog) ctx.log.show(true);
    if (choice === openSettings) await vscode.commands.executeCommand('workbench.action.openSettings', setting ? settingsQuery(setting) : 'isaacSim');
  });
}

/** Several errors as one: their messages, and their kind and setting when they all agree. */
function combined(errors: unknown[]): Error {
  const infos = errors.map(errorInfo);
  const same = infos.every((i) => i.kind === infos[0].kind && i.setting === infos[0].setting);
  const message = errors.map((e) => (e instanceof Error ? e.message : String(e))).join(' ');
  return new OrchestratorError(message, same ? infos[0].kind : 'other', same ? infos[0].setting : undefined);
}

/** Runs `fn` under a progress notification; cancelling a cancellable one aborts `fn`'s signal. */
async function withProgress<T>(title: string | undefined, cancellable: boolean, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  if (!title) return fn(controller.signal);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable }, (_progress, token) => {
    const cancel = token.onCancellationRequested(() => controller.abort());
    return fn(controller.signal).finally(() => cancel.dispose());
  });
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const disposables: vscode.Disposable[] = [];
  for (const cmd of INSTANCE_COMMANDS) {
    disposables.push(
      vscode.commands.registerCommand(cmd.id, async (...args: unknown[]) => {
        let targets: Target[] | undefined;
        try {
          targets = targetsFromArgs(ctx.fleet, args);
          if (!targets) {
            const host = await pickHost(ctx.fleet, cmd.pick, { title: cmd.title(), none: cmd.noneOnAnyHost() }, args);
            if (host === undefined) return;
            const manager = ctx.fleet.require(host);
            const picked = await pickInstance(manager, cmd);
            if (!picked) return;
            targets = [{ host, manager, snapshot: picked }];
          }
          const named = (t: Target) => (ctx.fleet.multiple ? `${t.host}/${t.snapshot.label}` : t.snapshot.label);
          const label = targets.length === 1 ? named(targets[0]) : vscode.l10n.t('{0} instances', targets.length);
          const chosen = targets;
          await withProgress(cmd.progress?.(label), cmd.cancellable === true, async (signal) => {
            const results = await Promise.allSettled(chosen.map((t) => cmd.run(ctx, t, signal)));
            const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
            if (failed.length === 1) throw failed[0].reason;
            if (failed.length > 1) throw combined(failed.map((f) => f.reason as unknown));
          });
        } catch (err) {
          reportError(ctx, cmd.id, err, [...new Set((targets ?? []).map((t) => t.host))]);
        }
      }),
    );
  }
  for (const cmd of PLAIN_COMMANDS) {
    disposables.push(
      vscode.commands.registerCommand(cmd.id, async (...args: unknown[]) => {
        let hosts: string[] | undefined = [];
        try {
          hosts = cmd.hosts ? await chooseHosts(ctx.fleet, cmd.hosts(), args) : [];
          if (!hosts) return;
          const chosen = hosts;
          await withProgress(cmd.progress?.(), cmd.cancellable === true, async (signal) => {
            await cmd.run(ctx, signal, chosen, args);
          });
        } catch (err) {
          reportError(ctx, cmd.id, err, hosts ?? []);
        }
      }),
    );
  }
  return disposables;
}
