/**
 * The live figures as the views see them: one FiguresCollector per host's manager, kept in step with
 * the hosts, collecting only while the instances view is visible (setVisible). The tree reads them
 * and refreshes on onDidChange; the start's headroom check reads the last seen. The collectors (the
 * figures part of dist/parts.js) are made when the view is first shown: until then there are
 * no figures to show or to check against.
 */
import * as vscode from 'vscode';
import type { FleetView } from '../instances/fleet';
import type { FiguresCollector } from '../instances/figuresCollector';
import { figuresModule } from '../instances/figuresModule';
import type { InstanceFigures } from '../instances/figures';
import type { HostGpu } from '../instances/hostGpu';
import type { Logger } from '../instances/logger';
import type { Manager } from '../instances/manager';

interface HostFigures {
  manager: Manager;
  collector: FiguresCollector;
  subscriptions: { dispose(): void }[];
}

export interface FiguresOptions {
  hostGpu?: HostGpu;
  gpuIntervalMs?: number;
  coalesceMs?: number;
}

export class InstanceFiguresView implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly hosts = new Map<string, HostFigures>();
  private visible = false;
  /** Whether the view has been shown: collectors are made from then on. */
  private shown = false;
  private readonly hostsSub: { dispose(): void };

  constructor(
    private readonly fleet: FleetView,
    private readonly log: Logger,
    private readonly options: FiguresOptions = {},
  ) {
    this.hostsSub = fleet.onDidChangeHosts(() => this.sync());
    this.sync();
  }

  /** Whether figures are being collected now (the view is visible). */
  get collecting(): boolean {
    return this.visible;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && !this.shown) {
      this.shown = true;
      this.sync();
    }
    for (const h of this.hosts.values()) h.collector.setActive(visible);
  }

  /** The figures of `host`'s instance `index` (host "" or the only one's name with one endpoint). */
  of(host: string, index: number): InstanceFigures | undefined {
    const h = this.hosts.get(host) ?? (host === '' ? this.hosts.get(this.fleet.hosts[0]?.name ?? '') : undefined);
    return h?.collector.get(index);
  }

  private sync(): void {
    if (!this.shown) return;
    for (const [name, h] of this.hosts) {
      if (this.fleet.host(name)?.manager === h.manager) continue;
      this.drop(name, h);
    }
    for (const host of this.fleet.hosts) {
      const manager = host.manager;
      if (!manager || this.hosts.has(host.name)) continue;
      const collector = new (figuresModule().FiguresCollector)({ engine: () => manager.currentEngine, log: this.log, ...this.options, coalesceMs: this.options.coalesceMs ?? 1_000 });
      const subscriptions = [manager.onDidChange(() => collector.update(manager.list())), collector.onDidChange(() => this.changed.fire())];
      collector.update(manager.list());
      collector.setActive(this.visible);
      this.hosts.set(host.name, { manager, collector, subscriptions });
    }
  }

  private drop(name: string, h: HostFigures): void {
    for (const s of h.subscriptions) s.dispose();
    h.collector.dispose();
    this.hosts.delete(name);
  }

  dispose(): void {
    this.hostsSub.dispose();
    for (const [name, h] of this.hosts) this.drop(name, h);
    this.changed.dispose();
  }
}
