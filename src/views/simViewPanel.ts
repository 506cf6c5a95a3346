/**
 * One sim view panel: the page of one instance's web client in an iframe beside the code. Opened, tracked
 * and restored by SimViewManager (simView.ts).
 *
 * Design note: `webview.html` is set ONCE per panel, and again only when the client URL's origin changes
 * (the CSP's `frame-src` names that origin). Reassigning it reloads the page and with it the stream, which
 * admits one viewer and can end the simulator's session, so state changes and tab switches never touch it:
 * panels keep their context while hidden, and state travels as `HostMessage`s that the page applies itself
 * (it decides when to load its iframe; see src/webview/main.ts). Messages are sent only when what the page
 * shows would change.
 *
 * Trust: each panel acts only on its own instance. Messages from the page are parsed strictly
 * (src/webview/messages.ts) and never name an instance; anything else is logged at debug and ignored. The
 * iframe's URL comes from the URL builder (src/instances/clientUrl.ts: http(s), isaacSim.host or a host written
 * into the template); when it cannot give one, the panel shows the builder's error and loads nothing.
 */
import * as vscode from 'vscode';
import { describeState } from '../instances/describe';
import type { Event } from '../instances/events';
import { Emitter } from '../instances/events';
import type { InstanceSnapshot } from '../instances/model';
import { instanceLabel } from '../instances/model';
import { confirmBrowserConnection } from './oneConnection';
import { mediaNote } from './mediaNote';
import { viewerNote } from './streamNotes';
import { parseViewMessage, type HostMessage, type ViewMessage } from '../webview/messages';
import { DisposableBase } from './dispose';
import { buildSimViewHtml, buildSimViewNoteHtml, cryptoNonce, frameOrigin } from './simViewHtml';

/** What the sim view needs from the instance model. */
export interface SimViewHost {
  get(index: number): InstanceSnapshot | undefined;
  readonly onDidChange: Event<unknown>;
}

export interface PanelContext {
  readonly mediaUri: vscode.Uri;
  /** The endpoint's name ("" with one engine): the page persists it with the index. */
  readonly endpoint: string;
  readonly host: SimViewHost;
  readonly log: vscode.LogOutputChannel;
}

/** The client URL as the webview must load it, or why it cannot. */
type FrameTarget =
  | { clientUrl: string; ok: true; uri: vscode.Uri; url: string; origin: string }
  | { clientUrl: string; ok: false; message: string };

function runIdOf(snapshot: InstanceSnapshot): string {
  return snapshot.containerId && snapshot.startedAt !== undefined ? `${snapshot.containerId}@${snapshot.startedAt}` : '';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why an instance has no client URL: the URL builder's own error, carried by the snapshot, which names the setting to fix. */
function missingUrlMessage(snapshot: InstanceSnapshot): string {
  if (!snapshot.clientUrlResult.ok) return snapshot.clientUrlResult.message;
  return vscode.l10n.t('{0} has no sim view URL: check isaacSim.clientUrlTemplate (isaacSim.webViewerUrlTemplate for Isaac Sim 6.x) and isaacSim.host.', snapshot.label);
}

/** Replaces a panel's page with a script-less note. */
export function showNote(webview: vscode.Webview, mediaUri: vscode.Uri, title: string, message: string): void {
  webview.html = buildSimViewNoteHtml({
    cspSource: webview.cspSource,
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(mediaUri, 'simview.css')).toString(),
    title,
    message,
  });
}

/** One sim view panel, bound to one instance for its whole life. */
export class SimViewPanel extends DisposableBase {
  private readonly onDidDisposeEmitter = this._register(new Emitter<void>());
  readonly onDidDispose = this.onDidDisposeEmitter.event;

  /** The origin the current page's CSP admits; '' while a note is shown; undefined before the first render. */
  private pageOrigin: string | undefined;
  private target: FrameTarget | undefined;
  private lastMessage: HostMessage | undefined;
  private lastSentKey: string | undefined;
  /** The message of the note page shown for an unusable client URL, so it is logged once. */
  private lastNote: string | undefined;
  private syncQueued = false;
  private queue: Promise<void> = Promise.resolve();
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly index: number,
    readonly webviewPanel: vscode.WebviewPanel,
    private readonly ctx: PanelContext,
  ) {
    super();
    this._register(webviewPanel);
    this._register(webviewPanel.onDidDispose(() => this.dispose()));
    this._register(webviewPanel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)));
    // Only to start or stop the loading clock; visibility never changes the page.
    this._register(webviewPanel.onDidChangeViewState(() => this.scheduleSync()));
    this._register({ dispose: () => this.stopTicker() });
  }

  get label(): string {
    return instanceLabel(this.index);
  }

  /**
   * Brings the page up to date with the model. Runs are serialized (resolving the external URL is async)
   * and coalesced: a sync requested while one is queued is the same sync, which reads the newest snapshot.
   */
  scheduleSync(): Promise<void> {
    if (!this.syncQueued && !this.isDisposed) {
      this.syncQueued = true;
      this.queue = this.queue
        .then(async () => {
          this.syncQueued = false;
          if (!this.isDisposed) await this.sync();
        })
        .catch((err) => this.ctx.log.error(`${this.label}: sim view update failed: ${errorMessage(err)}`));
    }
    return this.queue;
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.onDidDisposeEmitter.fire();
    super.dispose();
  }

  private async sync(): Promise<void> {
    const snapshot = this.ctx.host.get(this.index);
    if (!snapshot) {
      this.stopTicker();
      // The instance left the model (e.g. the instance count shrank): say so, keep the page.
      if (this.lastMessage && this.pageOrigin) {
        this.post({ ...this.lastMessage, state: 'stopped', stateText: vscode.l10n.t('no longer configured') });
      }
      return;
    }

    if (snapshot.view.kind === 'desktop-client') {
      // No browser client (4.5–5.x), or no 6.x web viewer answers: say plainly what can reach the stream, and where.
      const note = `${snapshot.label} is ${snapshot.state.kind}. ${viewerNote(snapshot) ?? ''}`;
      this.stopTicker();
      if (this.pageOrigin !== '' || this.lastNote !== note) {
        showNote(this.webviewPanel.webview, this.ctx.mediaUri, vscode.l10n.t('Sim: {0}', this.label), note);
        this.pageOrigin = '';
        this.lastNote = note;
        this.lastSentKey = undefined;
      }
      return;
    }

    const target = await this.resolveTarget(snapshot);
    if (this.isDisposed) return;
    if (!target.ok) {
      this.stopTicker();
      if (this.pageOrigin !== '' || this.lastNote !== target.message) {
        this.ctx.log.error(`${this.label}: ${target.message}`);
        showNote(this.webviewPanel.webview, this.ctx.mediaUri, vscode.l10n.t('Sim: {0}', this.label), target.message);
        this.pageOrigin = '';
        this.lastNote = target.message;
        this.lastSentKey = undefined;
      }
      return;
    }

    const message: HostMessage = {
      type: 'state',
      index: this.index,
      host: this.ctx.endpoint,
      label: snapshot.label,
      state: snapshot.state.kind,
      stateText: describeState(snapshot),
      url: target.url,
      runId: runIdOf(snapshot),
      note: mediaNote(snapshot, target.url),
    };
    this.lastMessage = message;
    this.updateTicker(snapshot);

    if (this.pageOrigin !== target.origin) {
      const { webview } = this.webviewPanel;
      const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.mediaUri, ...path)).toString();
      webview.html = buildSimViewHtml({
        cspSource: webview.cspSource,
        nonce: cryptoNonce(),
        scriptUri: asset('webview.js'),
        styleUri: asset('simview.css'),
        // Written by the build from @vscode/codicons (the sim view's icons only): node_modules is not part of the .vsix.
        codiconCssUri: asset('codicons', 'codicon.css'),
        frameUrl: target.url,
        initial: message,
      });
      this.pageOrigin = target.origin;
      this.lastSentKey = JSON.stringify(message);
      return;
    }
    this.post(message);
  }

  private post(message: HostMessage): void {
    const key = JSON.stringify(message);
    if (key === this.lastSentKey) return;
    this.lastSentKey = key;
    void this.webviewPanel.webview.postMessage(message).then(undefined, (err: unknown) => {
      this.ctx.log.error(`${this.label}: could not update the sim view: ${errorMessage(err)}`);
    });
  }

  /** `asExternalUri` once per client URL: it may set up a port forward, so it is not called per update. */
  private async resolveTarget(snapshot: InstanceSnapshot): Promise<FrameTarget> {
    const { clientUrl } = snapshot;
    if (clientUrl === '') {
      // The URL builder refused the settings: show its error, load nothing.
      this.target = { clientUrl, ok: false, message: missingUrlMessage(snapshot) };
      return this.target;
    }
    if (this.target?.clientUrl === clientUrl) return this.target;
    let target: FrameTarget;
    try {
      frameOrigin(clientUrl); // refuse non-http(s) URLs before handing them to VS Code
      const uri = await vscode.env.asExternalUri(vscode.Uri.parse(clientUrl, true));
      const url = uri.toString(true);
      target = { clientUrl, ok: true, uri, url, origin: frameOrigin(url) };
    } catch (err) {
      target = { clientUrl, ok: false, message: errorMessage(err) };
    }
    this.target = target;
    return target;
  }

  /** "loading 1:05" counts up: while loading and visible, re-check once a second (posts only on change). */
  private updateTicker(snapshot: InstanceSnapshot): void {
    const wanted = snapshot.state.kind === 'loading' && this.webviewPanel.visible;
    if (wanted && !this.ticker) {
      this.ticker = setInterval(() => void this.scheduleSync(), 1000);
    } else if (!wanted) {
      this.stopTicker();
    }
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private onMessage(raw: unknown): void {
    const parsed = parseViewMessage(raw);
    if (!parsed.ok) {
      this.ctx.log.debug(`${this.label}: ignored an unexpected sim view message (${parsed.reason})`);
      return;
    }
    this.handle(parsed.value).catch((err) => this.ctx.log.error(`${this.label}: sim view action failed: ${errorMessage(err)}`));
  }

  private async handle(message: ViewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        // A (re)loaded page: send the current state even if it was sent before.
        this.lastSentKey = undefined;
        await this.scheduleSync();
        return;
      case 'reload':
        this.ctx.log.info(`${this.label}: sim view reloaded by the user`);
        return;
      case 'openExternal': {
        const target = this.target;
        const snapshot = this.ctx.host.get(this.index);
        if (!target?.ok || !snapshot) return;
        if (!(await confirmBrowserConnection(snapshot, this.webviewPanel))) return;
        if (!(await vscode.env.openExternal(target.uri))) {
          this.ctx.log.warn(`${this.label}: opening ${target.url} in the browser was declined`);
        }
        return;
      }
      case 'copyUrl': {
        const target = this.target;
        if (!target?.ok) return;
        await vscode.env.clipboard.writeText(target.url);
        // Expires by itself; the returned Disposable only hides it early.
        vscode.window.setStatusBarMessage(vscode.l10n.t('Copied the {0} sim view URL', this.label), 3000);
        return;
      }
    }
  }
}
