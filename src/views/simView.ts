/**
 * Sim view: one webview panel per instance, showing the instance's web client in an iframe beside the code.
 * This module opens, tracks and restores the panels (one per instance, restored after a window reload by
 * a panel serializer); what a panel shows and how it talks to its page is in simViewPanel.ts, which
 * loads with the first panel (simViewModule.ts: the simView part of dist/parts.js, off the activation path).
 */
import * as vscode from 'vscode';
import { Emitter, type Event } from '../instances/events';
import { instanceLabel } from '../instances/model';
import { parseSimViewState } from '../webview/messages';
import type { Disposable } from './dispose';
import type { SimViewHost, SimViewPanel } from './simViewPanel';
import { simViewModule } from './simViewModule';

/** How long a restored panel waits for its instance to show up in the model after a window reload. */
const RESTORE_WAIT_MS = 5000;

/** Opens, tracks and restores sim view panels, one per instance. */
export class SimViewManager implements vscode.Disposable {
  static readonly viewType = 'isaacSim.simView';

  private readonly panels = new Map<number, SimViewPanel>();
  private readonly mediaUri: vscode.Uri;
  private readonly hostSubscription: Disposable;
  private readonly activated = new Emitter<number>();
  /** A panel was opened or became the active editor: the index of its instance ("Run in Sim" sends code there). */
  readonly onDidBecomeActive: Event<number> = this.activated.event;

  constructor(
    extensionUri: vscode.Uri,
    private readonly host: SimViewHost,
    private readonly log: vscode.LogOutputChannel,
    /** The endpoint's name in panel titles ("" with one endpoint). The panel frames the instance's client URL, built from its endpoint's host setting. */
    private readonly hostName: () => string = () => '',
    /** The endpoint's name as isaacSim.endpoints has it ("" for the implicit one), saved with each panel. */
    private readonly endpoint = '',
  ) {
    this.mediaUri = vscode.Uri.joinPath(extensionUri, 'media');
    this.hostSubscription = host.onDidChange(() => {
      for (const panel of this.panels.values()) void panel.scheduleSync();
    });
  }

  /**
   * Shows the sim view of an instance: reveals its panel if open, else opens one beside the editor.
   * Rejects when the instance does not exist (the caller's command shows the error).
   */
  async open(index: number): Promise<void> {
    const existing = this.panels.get(index);
    if (existing) {
      existing.webviewPanel.reveal(undefined, true);
      this.activated.fire(index);
      return;
    }
    if (!this.host.get(index)) {
      throw new Error(vscode.l10n.t('{0} does not exist', instanceLabel(index)));
    }
    const webviewPanel = vscode.window.createWebviewPanel(
      SimViewManager.viewType,
      this.titleFor(index),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...this.webviewOptions(), retainContextWhenHidden: true },
    );
    const panel = this.adopt(index, webviewPanel);
    this.activated.fire(index);
    await panel.scheduleSync();
  }

  /** The open panel of an instance, if any. */
  panelFor(index: number): vscode.WebviewPanel | undefined {
    return this.panels.get(index)?.webviewPanel;
  }

  /** Restores sim view panels after a window reload. Register during activation. */
  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(SimViewManager.viewType, { deserializeWebviewPanel: (panel, state) => this.deserialize(panel, state) });
  }

  /** Restores one panel after a window reload (what the serializer calls). */
  async deserialize(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    try {
      await this.restore(webviewPanel, state);
    } catch (err) {
      this.log.error(`Could not restore a sim view: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  dispose(): void {
    this.hostSubscription.dispose();
    this.activated.dispose();
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }

  private async restore(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    webviewPanel.webview.options = this.webviewOptions();
    // The state our page saved for its own instance; a malformed one restores nothing.
    const parsed = parseSimViewState(state);
    if (!parsed.ok) this.log.debug(`Sim view restore: ignored an unexpected saved state (${parsed.reason})`);
    const index = parsed.ok ? parsed.value.index : undefined;
    const savedHost = parsed.ok ? parsed.value.host : undefined;
    if (index !== undefined && savedHost !== undefined && savedHost !== this.endpoint) {
      // extension.ts hands a panel to its own host's manager; one that gets here has no host any more.
      const message = savedHost
        ? vscode.l10n.t('The sim view of {0} cannot be restored: endpoint "{1}" is no longer in isaacSim.endpoints, or its settings are invalid. You can close this tab.', `${savedHost}/${instanceLabel(index)}`, savedHost)
        : vscode.l10n.t('The sim view of {0} cannot be restored: isaacSim.endpoints has changed. You can close this tab.', instanceLabel(index));
      simViewModule().showNote(webviewPanel.webview, this.mediaUri, vscode.l10n.t('Sim view'), message);
      return;
    }
    const found = index === undefined ? false : await this.waitForInstance(index);
    if (index === undefined || !found) {
      const message =
        index === undefined
          ? vscode.l10n.t('This sim view cannot be restored: the instance no longer exists. You can close this tab.')
          : vscode.l10n.t('The sim view of {0} cannot be restored: the instance no longer exists. You can close this tab.', instanceLabel(index));
      simViewModule().showNote(webviewPanel.webview, this.mediaUri, vscode.l10n.t('Sim view'), message);
      return;
    }
    if (this.panels.has(index)) {
      // Already opened since activation; one panel per instance.
      webviewPanel.dispose();
      return;
    }
    webviewPanel.title = this.titleFor(index);
    await this.adopt(index, webviewPanel).scheduleSync();
  }

  /** After a window reload the model may not know its instances yet: give it a moment. */
  private waitForInstance(index: number): Promise<boolean> {
    if (this.host.get(index)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (found: boolean) => {
        clearTimeout(timer);
        subscription.dispose();
        resolve(found);
      };
      const subscription = this.host.onDidChange(() => {
        if (this.host.get(index)) finish(true);
      });
      const timer = setTimeout(() => finish(false), RESTORE_WAIT_MS);
    });
  }

  private adopt(index: number, webviewPanel: vscode.WebviewPanel): SimViewPanel {
    const panel = new (simViewModule().SimViewPanel)(index, webviewPanel, { mediaUri: this.mediaUri, endpoint: this.endpoint, host: this.host, log: this.log });
    this.panels.set(index, panel);
    const viewState = webviewPanel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.activated.fire(index);
    });
    panel.onDidDispose(() => {
      viewState.dispose();
      if (this.panels.get(index) === panel) this.panels.delete(index);
    });
    return panel;
  }

  private titleFor(index: number): string {
    const host = this.hostName();
    return vscode.l10n.t('Sim: {0}', `${host ? `${host}/` : ''}${instanceLabel(index)}`);
  }

  private webviewOptions(): vscode.WebviewOptions {
    // Only media/ (webview.js, simview.css, codicons/) is readable by the page.
    return { enableScripts: true, localResourceRoots: [this.mediaUri] };
  }
}
