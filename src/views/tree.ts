/**
 * The "Isaac Sim" instances tree. It only renders what the Manager holds; it never calls
 * the engine itself and never shows UI. The first time the tree is asked for children (which VS Code
 * does only once the view is visible), it asks the manager to connect.
 */
import * as vscode from 'vscode';
import { describeState, formatElapsed } from '../instances/describe';
import { FIGURES_REFRESH_MS, RefreshScheduler, TICKER_REFRESH_MS } from './refreshScheduler';
import { figuresRows, figuresSummary, sharedGpuNote, type InstanceFigures } from '../instances/figures';
import { describeHost, type FleetView, type HostStatus } from '../instances/fleet';
import type { Manager } from '../instances/manager';
import type { InstanceSnapshot, InstanceStateKind, WebViewerState } from '../instances/model';
import { PORT_LABELS, VERSIONS, type PortKind } from '../instances/versions';
import { contextValueFor, hostContextValue } from './contextValue';
import { clipboardNote, viewerNote } from './streamNotes';
import { primaryPort } from '../instances/spec';
import { describeCodeServer } from './simTargetChoice';

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
  /** `host`: the endpoint's name, "" with one endpoint (the ids are then those of old). `figures`: its live CPU, memory and GPUs, while the view is visible. */
  constructor(readonly snapshot: InstanceSnapshot, now: number, redact: (text: string) => string = (t) => t, readonly host = '', figures?: InstanceFigures) {
    super(snapshot.label, snapshot.webViewer ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    const s = snapshot;
    // A row that gains its web viewer child is a new row to VS Code: a kept id would keep it childless.
    this.id = `${host ? `${host}/` : ''}${s.webViewer ? `instance-${s.index}/with-web-viewer` : `instance-${s.index}`}`;
    const gpu = s.gpu === 'all' || s.gpu === 'none' ? '' : ` · ${vscode.l10n.t('GPU {0}', s.gpu)}`;
    const live = figuresSummary(figures);
    const shared = sharedGpuNote(figures);
    this.description = `${describeState(s, now)} · :${primaryPort(s.ports) ?? '?'}${gpu}${live ? ` · ${live}` : ''}${shared ? ` · ${vscode.l10n.t('shares a GPU')}` : ''}`;
    const [icon, color] = ICONS[s.state.kind];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = contextValueFor(s);
    const md = new vscode.MarkdownString(undefined, true);
    md.supportThemeIcons = true;
    md.appendMarkdown(`**${s.label}** — ${describeState(s, now)}\n\n`);
    const row = (k: string, v: string) => md.appendMarkdown(`${k}: \`${redact(v).replace(/`/g, "'")}\`  \n`);
    row(vscode.l10n.t('Image'), s.image);
    row(vscode.l10n.t('Container'), s.containerId ? `${s.containerName} (${s.containerId.slice(0, 12)})` : vscode.l10n.t('{0} (not created)', s.containerName));
    row(vscode.l10n.t('Ports'), Object.entries(s.ports).map(([kind, port]) => `${PORT_LABELS[kind as PortKind]} ${port}`).join(' · '));
    row('Isaac Sim', vscode.l10n.t('{0}, from {1}', VERSIONS[s.version].title, s.versionSource));
    if (s.health) row(vscode.l10n.t('Healthcheck'), s.health);
    row(vscode.l10n.t('GPU requested'), s.gpu);
    if (s.startup) {
      const kind = s.startup.kind === 'first' ? vscode.l10n.t('first start (compiling shaders)') : s.startup.kind === 'cached' ? vscode.l10n.t('cached start') : vscode.l10n.t('start');
      row(vscode.l10n.t('Start'), s.startup.etaMs ? vscode.l10n.t('{0}, usually ~{1}', kind, formatElapsed(s.startup.etaMs)) : kind);
    }
    row(vscode.l10n.t('Uptime'), s.startedAt !== undefined ? formatElapsed(now - s.startedAt) : '—');
    row(vscode.l10n.t('Client URL'), s.clientUrl);
    row(vscode.l10n.t('Code server'), describeCodeServer(s.codeServer));
    for (const [k, v] of figuresRows(figures)) row(k, v);
    if (shared) md.appendMarkdown(`\n$(warning) ${escapeMd(shared)}  \n`);
    for (const w of s.warnings) md.appendMarkdown(`\n$(warning) ${escapeMd(w)}  \n`);
    const note = viewerNote(s);
    if (note) md.appendMarkdown(`\n$(info) ${escapeMd(note)}\n`);
    if (s.state.kind === 'failed' && s.state.reason) {
      md.appendMarkdown(`\n$(error) ${escapeMd(s.state.reason)}`);
      if (s.state.fix) md.appendMarkdown(`\n\n**${vscode.l10n.t('Fix:')}** ${escapeMd(s.state.fix)}`);
    }
    if (!s.configured) md.appendMarkdown(`\n\n_${vscode.l10n.t('Beyond isaacSim.instanceCount; kept because its container exists.')}_`);
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
      return vscode.l10n.t('building its image');
    case 'waiting':
      return vscode.l10n.t('waits for the instance to be ready');
    case 'starting':
      return vscode.l10n.t('starting');
    case 'running':
      return v.answers ? vscode.l10n.t('serving on :{0}', v.port) : vscode.l10n.t('started on :{0}', v.port);
    case 'stopped':
      return vscode.l10n.t('stopped with its instance');
    case 'failed':
      return vscode.l10n.t('failed: {0}', v.reason?.split(/(?<=[.:])\s/)[0]?.replace(/[.:]$/, '') ?? vscode.l10n.t('unknown reason'));
  }
}

/** The child row of a 6.x instance: its web viewer container. */
export class WebViewerTreeItem extends vscode.TreeItem {
  constructor(
    readonly snapshot: InstanceSnapshot,
    readonly viewer: WebViewerState,
    readonly host = '',
  ) {
    super(vscode.l10n.t('web viewer'), vscode.TreeItemCollapsibleState.None);
    this.id = `${host ? `${host}/` : ''}instance-${snapshot.index}/web-viewer`;
    this.description = describeViewer(viewer);
    const [icon, color] = VIEWER_ICONS[viewer.kind];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = `isaacSimWebViewer.${viewer.kind}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.supportThemeIcons = true;
    md.appendMarkdown(`**${vscode.l10n.t("{0}'s web viewer", snapshot.label)}** — ${escapeMd(describeViewer(viewer))}\n\n`);
    const row = (k: string, v: string) => md.appendMarkdown(`${k}: \`${v.replace(/`/g, "'")}\`  \n`);
    row(vscode.l10n.t('Container'), viewer.containerId ? `${viewer.name} (${viewer.containerId.slice(0, 12)})` : vscode.l10n.t('{0} (not created)', viewer.name));
    if (viewer.image) row(vscode.l10n.t('Image'), viewer.image);
    row(vscode.l10n.t('Port'), String(viewer.port));
    if (viewer.health) row(vscode.l10n.t('Healthcheck'), viewer.health);
    const clipboard = clipboardNote(snapshot.clientUrl);
    if (clipboard) md.appendMarkdown(`\n$(info) ${escapeMd(clipboard)}  \n`);
    if (viewer.kind === 'failed' && viewer.reason) md.appendMarkdown(`\n$(error) ${escapeMd(viewer.reason)}`);
    for (const line of viewer.lastLines ?? []) md.appendMarkdown(`  \n\`${line.replace(/`/g, "'")}\``);
    this.tooltip = md;
  }
}

const HOST_ICONS: Record<HostStatus['engine'], [string, string | undefined]> = {
  connected: ['server', 'testing.iconPassed'],
  unreachable: ['debug-disconnect', 'errorForeground'],
  invalid: ['warning', 'errorForeground'],
  connecting: ['loading~spin', undefined],
  idle: ['server', undefined],
};

/** A top-level node with more than one endpoint: the host, its reachability, engine version and "2/3 ready". */
export class HostTreeItem extends vscode.TreeItem {
  constructor(readonly status: HostStatus) {
    super(status.name, status.engine === 'connected' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = `host/${status.name}/${status.engine === 'connected' ? 'up' : 'down'}`;
    this.description = describeHost(status);
    const [icon, color] = HOST_ICONS[status.engine];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = hostContextValue(status.engine);
    this.tooltip = `${status.name}: ${describeHost(status)}`;
  }

  get host(): string {
    return this.status.name;
  }
}

export type TreeRow = HostTreeItem | InstanceTreeItem | WebViewerTreeItem;

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
  /** The one place that fires `changed` (refreshScheduler.ts says why figures and ticks wait). */
  private readonly refresh = new RefreshScheduler(() => this.changed.fire(undefined));

  /** `figures`: the live figures of the running instances (refreshing the rows when they change). */
  constructor(
    private readonly fleet: FleetView,
    private readonly figures?: { of(host: string, index: number): InstanceFigures | undefined; readonly onDidChange: vscode.Event<void> },
  ) {
    this.disposables.push(
      fleet.onDidChange(() => {
        this.refresh.state();
        this.updateTicker();
      }),
      this.refresh,
    );
    if (figures) this.disposables.push(figures.onDidChange(() => this.refresh.cosmetic(FIGURES_REFRESH_MS)));
  }

  /** With one endpoint: its manager (the tree of old); undefined while it has none. */
  private get single(): Manager | undefined {
    return this.fleet.multiple ? undefined : this.fleet.hosts[0]?.manager;
  }

  /** Elapsed times in descriptions tick once a second, but only while something is loading. */
  private updateTicker(): void {
    const anyLoading = this.fleet.managers().some((m) => m.list().some((s) => s.state.kind === 'loading'));
    if (anyLoading && !this.ticker) this.ticker = setInterval(() => this.refresh.cosmetic(TICKER_REFRESH_MS), TICKER_REFRESH_MS);
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
      const manager = this.fleet.host(element.host)?.manager;
      const s = manager?.get(element.snapshot.index) ?? element.snapshot;
      return s.webViewer ? [new WebViewerTreeItem(s, s.webViewer, element.host)] : [];
    }
    if (element instanceof HostTreeItem) return this.instanceRows(element.host);
    if (element) return [];
    // VS Code asks only once the view is visible: that is our cue to connect (idempotent).
    const connecting = this.fleet.connectAll();
    const waiting = this.fleet.managers().some((m) => m.engineStatus.kind === 'idle' || m.engineStatus.kind === 'connecting');
    if (waiting) {
      // The first fetch waits (bounded) for the connection and its resync, so the first rows show
      // the real states. Returning placeholders and refreshing at once raced VS Code's own first
      // fetch: the refresh could be dropped and the rows stay "not created" (seen by the benchmark).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_FETCH_WAIT_MS)));
      return Promise.race([connecting, bound]).then(() => {
        clearTimeout(timer);
        return this.topRows();
      });
    }
    return this.topRows();
  }

  /** The top-level rows: the instances with one endpoint, the hosts with several. */
  topRows(): TreeRow[] {
    return this.fleet.multiple ? this.hostRows() : this.rows();
  }

  /** The host nodes (several endpoints), in the setting's order. */
  hostRows(): HostTreeItem[] {
    return this.fleet.hosts.flatMap((h) => {
      const status = this.fleet.status(h.name);
      return status ? [new HostTreeItem(status)] : [];
    });
  }

  /** A host's instance rows (none while it is unreachable: its node says why). */
  instanceRows(host: string): InstanceTreeItem[] {
    const manager = this.fleet.host(host)?.manager;
    if (!manager || manager.engineStatus.kind === 'unreachable') return [];
    const now = Date.now();
    const redact = (text: string) => manager.redactor.redact(text);
    return manager.list().map((s) => new InstanceTreeItem(s, now, redact, this.fleet.multiple ? host : '', this.figures?.of(host, s.index)));
  }

  /** The instance rows with one endpoint, as they are now, without connecting (for tests and the API). */
  rows(): InstanceTreeItem[] {
    const single = this.single;
    if (!single) return [];
    return this.instanceRows(this.fleet.hosts[0].name);
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
  }
}
