/**
 * The rows of the instances tree (tree.ts provides them): an instance, its 6.x web viewer, and with
 * several endpoints a host. Each is built whole from a snapshot; the provider keeps one object per
 * row and copies a fresh build into it when what it shows changed (tree.ts says why).
 */
import * as vscode from 'vscode';
import { describeState, formatClock, formatElapsed } from '../instances/describe';
import { figuresRows, figuresSummary, sharedGpuNote, type InstanceFigures } from '../instances/figures';
import { describeHost, type HostStatus } from '../instances/fleet';
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
    // A time, not an uptime: the tooltip is built with the row, so a duration would be stale by the
    // time it is read, and would change the row at every refresh (tree.ts refreshes changed rows only).
    row(vscode.l10n.t('Running since'), s.startedAt !== undefined ? formatClock(s.startedAt, now) : '—');
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
    if (!s.configured) md.appendMarkdown(`\n\n_${vscode.l10n.t('Beyond {0}; kept because its container exists.', s.countSetting ?? 'isaacSim.instanceCount')}_`);
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

/** A row's place in the tree, the same across rebuilds (its id may change: see InstanceTreeItem). */
export function rowKey(row: TreeRow): string {
  if (row instanceof HostTreeItem) return `host:${row.status.name}`;
  return `${row instanceof WebViewerTreeItem ? 'viewer' : 'instance'}:${row.host}/${row.snapshot.index}`;
}

/** What VS Code shows of a row: two builds with the same signature look the same. */
export function rowSignature(row: TreeRow): string {
  const icon = row.iconPath instanceof vscode.ThemeIcon ? [row.iconPath.id, row.iconPath.color?.id] : undefined;
  const tooltip = row.tooltip instanceof vscode.MarkdownString ? row.tooltip.value : row.tooltip;
  return JSON.stringify([row.id, row.label, row.description, tooltip, icon, row.contextValue, row.collapsibleState]);
}
