/**
 * The extension proper (dist/extension.js; VS Code loads it through src/boot.ts, which adds a code
 * cache): builds the objects, wires them together, registers them. Nothing here talks to the
 * engine: the manager connects when the view is first shown or a command runs, and only then is the
 * engine client (dockerode) loaded.
 */
import * as vscode from 'vscode';
import { config as zodConfig } from 'zod/mini';
import { en as zodEnglish } from 'zod/locales';
import { registerCommands } from './commands/registry';
import { createDockerEngine } from './docker/createEngine';
import type { DockerEngine } from './docker/engine';
import { InstanceManager, type Manager } from './instances/manager';
import { readSettings, watchSettings } from './views/config';
import { DoctorView } from './views/doctorView';
import { FailureNotifier } from './views/failureNotifier';
import { WebViewerNotifier } from './views/webViewerNotifier';
import { pullWithProgress } from './views/pullProgress';
import { redactingLog } from './views/redactingLog';
import { InstancesStatusBar } from './views/statusBar';
import { LogChannels } from './views/logChannels';
import { SimViewManager } from './views/simView';
import { InstanceTreeProvider } from './views/tree';
import type { SettingsResult } from './instances/settings';

/** What the extension exports, for integration tests and other extensions. */
export interface IsaacSimApi {
  manager: Manager<DockerEngine>;
  logs: LogChannels;
  simViews: SimViewManager;
  tree: InstanceTreeProvider;
  statusBar: InstancesStatusBar;
  doctor: DoctorView;
  /**
   * The isaacSim.* settings as the extension reads and validates them (the same reading the manager
   * is given). Read-only: in an untrusted workspace it shows that restricted settings come from user
   * settings only.
   */
  settings(): SettingsResult;
}

export function activate(context: vscode.ExtensionContext): IsaacSimApi {
  // zod/mini ships no messages: the English ones, for the debug log and an engine answer we cannot read.
  zodConfig(zodEnglish());
  const channel = vscode.window.createOutputChannel('Isaac Sim Orchestrator', { log: true });
  const manager = new InstanceManager({
    engineFor: (dockerHost) => createDockerEngine({ dockerHost }),
    log: channel,
    store: context.globalState,
    // A missing image is pulled with a cancellable progress notification before the start.
    ensureImage: (engine, image, signal) => pullWithProgress(engine, image, log, signal),
  });
  // Everything else logs through the manager's redactor: no secret env value reaches the channel.
  const log = redactingLog(channel, manager.redactor);
  const statusBar = new InstancesStatusBar(manager);
  const doctor = new DoctorView({ manager, log, pullsOnStart: true });
  const logs = new LogChannels(manager);
  const simViews = new SimViewManager(context.extensionUri, manager, log);
  const tree = new InstanceTreeProvider(manager);
  const treeView = vscode.window.createTreeView('isaacSim.instances', { treeDataProvider: tree, canSelectMany: true, showCollapseAll: false });

  // Context keys for the welcome content and menus, set only when they change.
  const contextKeys = new Map<string, unknown>();
  const setContext = (key: string, value: unknown) => {
    if (contextKeys.get(key) === value) return;
    contextKeys.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };
  const syncViewState = () => {
    const status = manager.engineStatus;
    setContext('isaacSim.engineStatus', status.kind);
    setContext('isaacSim.noInstances', manager.list().length === 0);
    treeView.message = status.kind === 'unreachable' ? status.message : undefined;
  };

  context.subscriptions.push(
    channel,
    watchSettings(manager, log),
    manager,
    logs,
    simViews,
    simViews.registerSerializer(),
    tree,
    treeView,
    statusBar,
    new FailureNotifier(manager),
    new WebViewerNotifier(manager),
    manager.onDidChange(syncViewState),
    doctor,
    ...registerCommands({ manager, logs, simViews, log, doctor }),
  );
  syncViewState();
  return { manager, logs, simViews, tree, statusBar, doctor, settings: readSettings };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
