/**
 * The "Isaac Sim" instances tree. It only renders what the Manager holds; it never calls
 * the engine itself and never shows UI. The first time the tree is asked for children (which VS Code
 * does only once the view is visible), it asks the manager to connect.
 *
 * Design note: a refresh names only the rows whose look changed. The provider remembers what VS Code
 * was last given (each fetched parent's row keys, each row's object and signature). At each refresh
 * (refreshScheduler.ts decides when) it rebuilds the rows; when the same rows are there, it copies
 * each changed build into the object VS Code holds and fires those objects, so VS Code re-reads and
 * sends only them (one row of 32 for a stop, not all 32), and a change that shows nothing fires
 * nothing. When rows come, go or change id, it fires a full refresh.
 */
import * as vscode from 'vscode';
import { FIGURES_REFRESH_MS, RefreshScheduler, TICKER_REFRESH_MS } from './refreshScheduler';
import type { InstanceFigures } from '../instances/figures';
import type { FleetView } from '../instances/fleet';
import type { Manager } from '../instances/manager';
import { HostTreeItem, InstanceTreeItem, WebViewerTreeItem, rowKey, rowSignature, type TreeRow } from './treeItems';

/** How long the view's first fetch waits for the engine before it shows what it has. */
const FIRST_FETCH_WAIT_MS = 5_000;

export class InstanceTreeProvider implements vscode.TreeDataProvider<TreeRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeRow | TreeRow[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** The one place that fires `changed` (refreshScheduler.ts says why figures and ticks wait). */
  private readonly refresh = new RefreshScheduler(() => this.flush());
  /** What VS Code was last given: the row keys of each parent it fetched ('' the root), and each row's object and signature. */
  private readonly shown = new Map<string, { parent: TreeRow | undefined; keys: string[] }>();
  private readonly given = new Map<string, { row: TreeRow; signature: string }>();

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
    if (element) return this.give(element, this.childrenOf(element));
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
        return this.give(undefined, this.topRows());
      });
    }
    return this.give(undefined, this.topRows());
  }

  /** The rows under `element`, built now. */
  private childrenOf(element: TreeRow): TreeRow[] {
    if (element instanceof InstanceTreeItem) {
      const manager = this.fleet.host(element.host)?.manager;
      const s = manager?.get(element.snapshot.index) ?? element.snapshot;
      return s.webViewer ? [new WebViewerTreeItem(s, s.webViewer, element.host)] : [];
    }
    if (element instanceof HostTreeItem) return this.instanceRows(element.host);
    return [];
  }

  /** Hands `rows` to VS Code as `parent`'s children, remembering them. */
  private give(parent: TreeRow | undefined, rows: TreeRow[]): TreeRow[] {
    this.shown.set(parent ? rowKey(parent) : '', { parent, keys: rows.map(rowKey) });
    for (const row of rows) this.given.set(rowKey(row), { row, signature: rowSignature(row) });
    return rows;
  }

  /** One refresh: the rows that changed look, or the whole tree when rows came, went or changed id. */
  private flush(): void {
    const changed: TreeRow[] = [];
    for (const { parent, keys } of this.shown.values()) {
      const fresh = parent ? this.childrenOf(parent) : this.topRows();
      const same = fresh.length === keys.length && fresh.every((row, i) => rowKey(row) === keys[i] && this.given.get(keys[i])?.row.id === row.id);
      if (!same) {
        // VS Code fetches again what it shows: until then, what it holds is unknown.
        this.shown.clear();
        this.given.clear();
        this.changed.fire(undefined);
        return;
      }
      for (const row of fresh) {
        const held = this.given.get(rowKey(row))!;
        const signature = rowSignature(row);
        if (signature === held.signature) continue;
        Object.assign(held.row, row);
        held.signature = signature;
        changed.push(held.row);
      }
    }
    if (this.shown.size === 0) this.changed.fire(undefined);
    else if (changed.length > 0) this.changed.fire(changed);
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
