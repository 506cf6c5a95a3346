/**
 * The extension proper (dist/extension.js; VS Code loads it through src/boot.ts, which adds a code
 * cache): builds the objects, wires them together, registers them. Nothing here talks to the
 * engine: the manager connects when the view is first shown or a command runs, and only then is the
 * engine client (dockerode) loaded.
 */
import * as vscode from 'vscode';
import * as l10n from '@vscode/l10n';
import { config as zodConfig } from 'zod/mini';
import { en as zodEnglish } from 'zod/locales';
import { registerCommands, type HostViews } from './commands/registry';
import { LmTools, type LmToolsView } from './commands/lmTools';
import { SimRunner, type SimRunRecord } from './commands/simRun';
import { createDockerEngine } from './docker/createEngine';
import type { DockerEngine } from './docker/engine';
import { Fleet } from './instances/fleet';
import type { Manager } from './instances/manager';
import { readSettings, watchSettings } from './views/config';
import { parseSimViewState } from './webview/messages';
import { DoctorView } from './views/doctorView';
import { FailureNotifier } from './views/failureNotifier';
import { WebViewerNotifier } from './views/webViewerNotifier';
import { pullWithProgress } from './views/pullProgress';
import { redactingLog } from './views/redactingLog';
import { InstancesStatusBar } from './views/statusBar';
import { LogChannels } from './views/logChannels';
import { SimViewManager } from './views/simView';
import { SimPythonOutput } from './views/simPythonOutput';
import { SimTarget } from './views/simTarget';
import type { SimTargetRef } from './views/simTargetChoice';
import { InstanceTreeProvider } from './views/tree';
import { InstanceFiguresView } from './views/figuresView';
import { confirmHeadroom } from './views/headroomCheck';
import { WalkthroughProgress } from './views/walkthrough';
import type { SettingsResult } from './instances/settings';
import { hostOf } from './views/hostOf';

/** What the extension exports, for integration tests and other extensions. */
export interface IsaacSimApi {
  /** The first endpoint's manager: with isaacSim.endpoints empty, the one manager there is. */
  readonly manager: Manager<DockerEngine>;
  /** Every endpoint's manager (isaacSim.endpoints), by host. */
  fleet: Fleet<DockerEngine>;
  /** The first endpoint's log channels and sim views (the only ones with one endpoint). */
  readonly logs: LogChannels;
  readonly simViews: SimViewManager;
  /** A host's log channels and sim views. */
  views(host: string): HostViews;
  /** What the sim view serializer runs after a window reload: the panel, with the state its page saved. */
  restoreSimView(panel: vscode.WebviewPanel, state: unknown): Promise<void>;
  tree: InstanceTreeProvider;
  /** The live figures of the running instances, collected while the view is visible. */
  figures: InstanceFiguresView;
  statusBar: InstancesStatusBar;
  doctor: DoctorView;
  /** The first-run walkthrough's steps that complete on what happened (views/walkthrough.ts). */
  readonly walkthrough: WalkthroughProgress['state'];
  /**
   * The isaacSim.* settings as the extension reads and validates them (the same reading the manager
   * is given). Read-only: in an untrusted workspace it shows that restricted settings come from user
   * settings only.
   */
  settings(): SettingsResult;
  /** The Language Model tools: the confirmations they asked for lately (what a user would have been asked). */
  readonly lmTools: LmToolsView;
  /** Run in Sim: the last run, the "Sim Python" channel's text, the target and its status bar item. */
  readonly simRun: {
    readonly last: SimRunRecord | undefined;
    readonly channelText: string;
    readonly target: SimTargetRef | undefined;
    readonly status: { text: string; visible: boolean };
  };
}

/** One host's views: made when the host gets its manager, disposed with it. */
interface HostBundle extends HostViews {
  manager: Manager<DockerEngine>;
  disposables: vscode.Disposable[];
}

/** The host a restored sim view's page saved, if it saved one (webview/messages.ts checks the state). */
function savedHost(state: unknown): string | undefined {
  const parsed = parseSimViewState(state);
  return parsed.ok ? parsed.value.host : undefined;
}

export function activate(context: vscode.ExtensionContext): IsaacSimApi {
  // The domain's messages (src/docker, src/instances: no vscode there) are marked with @vscode/l10n's
  // l10n.t; it translates from the bundle VS Code loaded for the display language, if there is one.
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  // zod/mini ships no messages: the English ones, for the debug log and an engine answer we cannot read.
  zodConfig(zodEnglish());
  const channel = vscode.window.createOutputChannel('Isaac Sim Orchestrator', { log: true });
  const fleet = new Fleet<DockerEngine>({
    engineFor: (dockerHost, dockerContext, settingIds) => createDockerEngine({ dockerHost, dockerContext, settingIds }),
    log: channel,
    store: context.globalState,
    // A missing image is pulled with a cancellable progress notification before the start.
    ensureImage: (engine, image, signal) => pullWithProgress(engine, image, log, signal),
  });
  // Everything else logs through the fleet's redactor (the same secrets as every manager's): no secret env value reaches the channel.
  const log = redactingLog(channel, fleet.redactor);

  // Run in Sim: the target (the last active sim view, or the last choice) and where results show.
  const simTarget = new SimTarget(fleet);
  const simOutput = new SimPythonOutput((text) => fleet.redactor.redact(text));
  const simRun = new SimRunner({ fleet, target: simTarget, output: simOutput });

  const simViewOpened = new vscode.EventEmitter<number>();
  // Per host: its log channels, sim views and notifiers, kept in step with the hosts.
  const bundles = new Map<string, HostBundle>();
  const syncBundles = () => {
    for (const [name, b] of bundles) {
      if (fleet.host(name)?.manager === b.manager) continue;
      for (const d of b.disposables) d.dispose();
      bundles.delete(name);
    }
    for (const h of fleet.hosts) {
      if (!h.manager || bundles.has(h.name)) continue;
      const manager = h.manager;
      const label = () => (fleet.multiple ? h.name : '');
      const logs = new LogChannels(manager, undefined, label);
      const simViews = new SimViewManager(context.extensionUri, manager, log, label, h.name);
      const host = hostOf(h.name, () => fleet.multiple);
      const active = simViews.onDidBecomeActive((index) => {
        simTarget.remember({ host: h.name, index });
        simViewOpened.fire(index);
      });
      bundles.set(h.name, { manager, logs, simViews, disposables: [active, logs, simViews, new FailureNotifier(manager, host), new WebViewerNotifier(manager, host)] });
    }
  };
  const views = (host: string): HostViews => {
    const b = bundles.get(host);
    if (!b) throw new Error(vscode.l10n.t('Isaac Sim endpoint "{0}" has no valid settings yet: fix it in isaacSim.endpoints.', host));
    return b;
  };
  const primary = (): HostBundle => {
    const b = bundles.get(fleet.hosts[0]?.name ?? '') ?? [...bundles.values()][0];
    if (!b) throw new Error(vscode.l10n.t('No Isaac Sim endpoint has valid settings: fix isaacSim.endpoints.'));
    return b;
  };

  // A restored sim view goes back to its own host (the one its page saved), else to the first host,
  // which restores a panel saved without a host, and tells one whose host is gone that it is.
  const restoreSimView = (panel: vscode.WebviewPanel, state: unknown) => (bundles.get(savedHost(state) ?? '\u0000') ?? primary()).simViews.deserialize(panel, state);
  const settingsWatch = watchSettings(fleet, log);
  syncBundles();
  const statusBar = new InstancesStatusBar(fleet);
  const doctor = new DoctorView({
    fleet,
    log,
    pullsOnStart: true,
  });
  const walkthrough = new WalkthroughProgress(fleet, { onDidReport: doctor.onDidReport, onDidOpenSimView: simViewOpened.event, onDidRunInSim: simRun.onDidRun });
  // Live CPU, memory and GPU figures: collected only while the view is visible.
  const figures = new InstanceFiguresView(fleet, log);
  const tree = new InstanceTreeProvider(fleet, figures);
  const treeView = vscode.window.createTreeView('isaacSim.instances', { treeDataProvider: tree, canSelectMany: true, showCollapseAll: false });
  figures.setVisible(treeView.visible);

  // Context keys for the welcome content and menus, set only when they change.
  const contextKeys = new Map<string, unknown>();
  const setContext = (key: string, value: unknown) => {
    if (contextKeys.get(key) === value) return;
    contextKeys.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };
  // Set at every change, even to the same text. Each set reaches VS Code as a message refresh (200 ms
  // after the state's own, through the tree's debounce: refreshScheduler.ts), which holds back no
  // state change. Setting it only when it changed made click → first row slower in the benchmark
  // (activation-only runs, 5 clicks each: medians 512–558 ms against 325–451 ms with a set at
  // every change); why VS Code renders the first rows sooner with it was not found.
  const setMessage = (message: string | undefined) => {
    treeView.message = message;
  };
  const syncViewState = () => {
    if (fleet.multiple) {
      // Each host node says whether it is reachable; the view's own message stays for "nothing at all".
      const statuses = fleet.hosts.map((h) => fleet.status(h.name)?.engine);
      setContext('isaacSim.engineStatus', statuses.includes('connected') ? 'connected' : statuses.includes('unreachable') ? 'unreachable' : (statuses[0] ?? 'idle'));
      setContext('isaacSim.noInstances', false);
      setMessage(undefined);
      return;
    }
    const manager = fleet.hosts[0]?.manager;
    const status = manager?.engineStatus ?? { kind: 'idle' as const };
    setContext('isaacSim.engineStatus', status.kind);
    setContext('isaacSim.noInstances', (manager?.list().length ?? 0) === 0);
    setMessage(status.kind === 'unreachable' ? status.message : !manager ? fleet.hosts[0]?.problems[0]?.message : undefined);
  };

  // Chat agents' tools (where this VS Code has the Language Model tool API).
  const lmTools = new LmTools(fleet);
  context.subscriptions.push(
    channel,
    settingsWatch,
    fleet,
    fleet.onDidChangeHosts(syncBundles),
    { dispose: () => bundles.forEach((b) => b.disposables.forEach((d) => d.dispose())) },
    vscode.window.registerWebviewPanelSerializer(SimViewManager.viewType, { deserializeWebviewPanel: restoreSimView }),
    figures,
    tree,
    treeView,
    treeView.onDidChangeVisibility((e) => figures.setVisible(e.visible)),
    statusBar,
    fleet.onDidChange(syncViewState),
    doctor,
    walkthrough,
    simViewOpened,
    simRun,
    simTarget,
    simOutput,
    ...registerCommands({ fleet, views, log, doctor, simRun, headroom: (host, manager, indexes) => confirmHeadroom(figures, host, manager, indexes) }),
    lmTools,
  );
  syncViewState();
  return {
    get manager() {
      return primary().manager;
    },
    fleet,
    get logs() {
      return primary().logs;
    },
    get simViews() {
      return primary().simViews;
    },
    views,
    restoreSimView,
    tree,
    figures,
    statusBar,
    doctor,
    get walkthrough() {
      return walkthrough.state;
    },
    settings: readSettings,
    lmTools,
    simRun: {
      get last() {
        return simRun.last;
      },
      get channelText() {
        return simOutput.text;
      },
      get target() {
        return simTarget.current;
      },
      get status() {
        return simTarget.status;
      },
    },
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
