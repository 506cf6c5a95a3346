/**
 * The "Isaac Sim" instances tree. It only renders what the Manager holds; it never calls
 * the engine itself and never shows UI. The first time the tree is asked for children (which VS Code
 * does only once the view is visible), it asks the manager to connect.
 */
import * as vscode from 'vscode';
import { describeState, formatElapsed } from '../instances/describe';
import type { Manager } from '../instances/manager';
import type { InstanceSnapshot, InstanceStateKind, WebViewerState } from '../instances/model';
import { PORT_LABELS, VERSIONS, type PortKind } from '../instances/versions';
import { contextValueFor } from './contextValue';
import { clipboardNote, viewerNote } from './streamNotes';
import { primaryPort } from '../instances/spec';

const ICONS: Record<InstanceStateKind, [string, string | undefined]> = {
  stopped: ['circle-outline', undefined],
  starting: ['loading~spin', 'charts.yellow'],
  loading: ['sync~spin', 'charts.yellow'],
  ready: ['pass-filled', 'testing.iconPassed'],
  stopping: ['loading~spin', 'charts.orange'],
  failed: ['error', 'errorForeground'],
};

export class InstanceTreeItem extends vscode.TreeItem {
  /** `redact` masks secrets in the rows (a token in the client URL template's query); failure reasons come masked from the manager. */
  constructor(readonly snapshot: InstanceSnapshot, now: number, redact: (text: string) => string = (t) => t) {
    super(snapshot.label, snapshot.webViewer ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    const s = snapshot;
    // A row that gains its web viewer child is a new row to VS Code: a kept id would keep it childless.
    this.id = s.webViewer ? `instance-${s.index}/with-web-viewer` : `instance-${s.index}`;
    const gpu = s.gpu === 'all' || s.gpu === 'none' ? '' : ` · GPU ${s.gpu}`;
    this.description = `${describeState(s, now)} · :${primaryPort(s.ports) ?? '?'}${gpu}`;
    const [icon, color] = ICONS[s.state.kind];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = contextValueFor(s);
    const md = new vscode.MarkdownString(undefined, true);
    md.supportThemeIcons = true;
    md.appendMarkdown(`**${s.label}** — ${describeState(s, now)}\n\n`);
    const row = (k: string, v: string) => md.appendMarkdown(`${k}: \`${redact(v).replace(/`/g, "'")}\`  \n`);
    row('Image', s.image);
    row('Container', s.containerId ? `${s.containerName} (${s.containerId.slice(0, 12)})` : `${s.containerName} (not created)`);
    row('Ports', Object.entries(s.ports).map(([kind, port]) => `${PORT_LABELS[kind as PortKind]} ${port}`).join(' · '));
    row('Isaac Sim', `${VERSIONS[s.version].title}, from ${s.versionSource}`);
    if (s.health) row('Healthcheck', s.health);
    row('GPU', s.gpu);
    if (s.startup) row('Start', `${s.startup.kind === 'first' ? 'first start (compiling shaders)' : s.startup.kind === 'cached' ? 'cached start' : 'start'}${s.startup.etaMs ? `, usually ~${formatElapsed(s.startup.etaMs)}` : ''}`);
    row('Uptime', s.startedAt !== undefined ? formatElapsed(now - s.startedAt) : '—');
    row('Client URL', s.clientUrl);
    for (const w of s.warnings) md.appendMarkdown(`\n$(warning) ${escapeMd(w)}  \n`);
    const note = viewerNote(s);
    if (note) md.appendMarkdown(`\n$(info) ${escapeMd(note)}\n`);
    if (s.state.kind === 'failed' && s.state.reason) {
      md.appendMarkdown(`\n$(error) ${escapeMd(s.state.reason)}`);
      if (s.state.fix) md.appendMarkdown(`\n\n**Fix:** ${escapeMd(s.state.fix)}`);
    }
    if (!s.configured) md.appendMarkdown(`\n\n_Beyond isaacSim.instanceCount; kept because its container exists._`);
    this.tooltip = md;
  }
}

const VIEWER_ICONS: Record<WebViewerState['kind'], [string, string | undefined]> = {
  building: ['loading~spin', 'charts.yellow'],
  waiting: ['watch', undefined],
  starting: ['loading~spin', 'charts.yellow'],
  running: ['globe', 'testing.iconPassed'],
  stopped: ['circle-outline', undefined],
  failed: ['error', 'errorForeground'],
};

/** What a web viewer row says about its state. */
export function describeViewer(v: WebViewerState): string {
  switch (v.kind) {
    case 'building':
      return 'building its image';
    case 'waiting':
      return 'waits for the instance to be ready';
    case 'starting':
      return 'starting';
    case 'running':
      return v.answers ? `serving on :${v.port}` : `started on :${v.port}`;
    case 'stopped':
      return 'stopped with its instance';
    case 'failed':
      return `failed: ${v.reason?.split(/(?<=[.:])\s/)[0]?.replace(/[.:]$/, '') ?? 'unknown reason'}`;
  }
}

/** The child row of a 6.x instance: its web viewer container. */
export class WebViewerTreeItem extends vscode.TreeItem {
  constructor(
    readonly snapshot: InstanceSnapshot,
    readonly viewer: WebViewerState,
  ) {
    super('web viewer', vscode.TreeItemCollapsibleState.None);
    this.id = `instance-${snapshot.index}/web-viewer`;
    this.description = describeViewer(viewer);
    const [icon, color] = VIEWER_ICONS[viewer.kind];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = `isaacSimWebViewer.${viewer.kind}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.supportThemeIcons = true;
    md.appendMarkdown(`**${snapshot.label}'s web viewer** — ${escapeMd(describeViewer(viewer))}\n\n`);
    const row = (k: string, v: string) => md.appendMarkdown(`${k}: \`${v.replace(/`/g, "'")}\`  \n`);
    row('Container', viewer.containerId ? `${viewer.name} (${viewer.containerId.slice(0, 12)})` : `${viewer.name} (not created)`);
    if (viewer.image) row('Image', viewer.image);
    row('Port', String(viewer.port));
    if (viewer.health) row('Healthcheck', viewer.health);
    const clipboard = clipboardNote(snapshot.clientUrl);
    if (clipboard) md.appendMarkdown(`\n$(info) ${escapeMd(clipboard)}  \n`);
    if (viewer.kind === 'failed' && viewer.reason) md.appendMarkdown(`\n$(error) ${escapeMd(viewer.reason)}`);
    for (const line of viewer.lastLines ?? []) md.appendMarkdown(`  \n\`${line.replace(/`/g, "'")}\``);
    this.tooltip = md;
  }
}

export type TreeRow = InstanceTreeItem | WebViewerTreeItem;

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** How long the view's first fetch waits for the engine before it shows what it has. */
const FIRST_FETCH_WAIT_MS = 5_000;

export class InstanceTreeProvider implements vscode.TreeDataProvider<TreeRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeRow | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly manager: Manager) {
    this.disposables.push(
      manager.onDidChange(() => {
        this.changed.fire(undefined);
        this.updateTicker();
      }),
    );
  }

  /** Elapsed times in descriptions tick once a second, but only while something is loading. */
  private updateTicker(): void {
    const anyLoading = this.manager.list().some((s) => s.state.kind === 'loading');
    if (anyLoading && !this.ticker) this.ticker = setInterval(() => this.changed.fire(undefined), 1000);
    if (!anyLoading && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  getTreeItem(element: TreeRow): vscode.TreeItem {
    return element;
  }

  getChildren(element?: TreeRow): TreeRow[] | Promise<TreeRow[]> {
    if (element instanceof InstanceTreeItem) {
      const s = this.manager.get(element.snapshot.index) ?? element.snapshot;
      return s.webViewer ? [new WebViewerTreeItem(s, s.webViewer)] : [];
    }
    if (element) return [];
    // VS Code asks only once the view is visible: that is our cue to connect (idempotent).
    const connecting = this.manager.connect().catch(() => undefined);
    const status = this.manager.engineStatus.kind;
    if (status === 'idle' || status === 'connecting') {
      // The first fetch waits (bounded) for the connection and its resync, so the first rows show
      // the real states. Returning placeholders and refreshing at once raced VS Code's own first
      // fetch: the refresh could be dropped and the rows stay "not created" (seen by the benchmark).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_FETCH_WAIT_MS)));
      return Promise.race([connecting, bound]).then(() => {
        clearTimeout(timer);
        return this.rows();
      });
    }
    return this.rows();
  }

  /** The rows as they are now, without connecting (for tests and the API). */
  rows(): InstanceTreeItem[] {
    if (this.manager.engineStatus.kind === 'unreachable') return [];
    const now = Date.now();
    const redact = (text: string) => this.manager.redactor.redact(text);
    return this.manager.list().map((s) => new InstanceTreeItem(s, now, redact));
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
  }
}
