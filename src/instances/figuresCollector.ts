/**
 * Collects the live figures of one engine's running instances, and only while someone looks: the
 * view is visible (`setActive(true)`) and the instance runs. Hidden, it holds no stream and no timer,
 * so it makes no engine request at all.
 *
 * - CPU and memory: one stats stream per running container (the engine sends a sample a second).
 * - GPUs, every `gpuIntervalMs`:
 *   - local engine with nvidia-smi on this machine: one `--query-gpu` and one `--query-compute-apps`
 *     for all instances; each app's host PID is mapped to its container through /proc/PID/cgroup, which
 *     gives each instance its GPUs and its own VRAM;
 *   - else: `nvidia-smi --query-gpu` in each container (exec), which gives the GPUs it sees. A
 *     container where it ran and failed (no GPU, no nvidia-smi) is asked once per run, and says why;
 *     one where the engine refused the exec (still starting, say) is asked again at the next poll.
 * - Instances that use or see one same GPU are told so (`sharesGpuWith`).
 *
 * Changes are coalesced into at most one `onDidChange` per `coalesceMs`.
 */
import * as l10n from '@vscode/l10n';
import { containerStatsFigures } from '../docker/stats';
import { containerIdOfCgroup } from './cgroup';
import type { Closeable, InstanceEngine } from './engineApi';
import { Emitter, type Disposable, type Event } from './events';
import type { InstanceFigures } from './figures';
import { HOST_GPU, type HostGpu } from './hostGpu';
import type { Logger } from './logger';
import { containerRuns, type InstanceSnapshot } from './model';
import { APPS_QUERY_ARGS, GPU_QUERY_ARGS, parseComputeApps, parseGpus, vramByContainer, type GpuFigure } from './nvidiaSmi';

export type FiguresEngine = Pick<InstanceEngine, 'isLocal' | 'followStats' | 'exec'>;

export interface FiguresOptions {
  /** The engine now (undefined while there is none). */
  engine: () => FiguresEngine | undefined;
  log: Logger;
  hostGpu?: HostGpu;
  gpuIntervalMs?: number;
  coalesceMs?: number;
  /** How long a stats stream that ended waits before it is opened again (the container still runs). */
  reopenMs?: number;
  now?: () => number;
}

const NVIDIA_SMI_TIMEOUT_MS = 5_000;

interface Tracked {
  index: number;
  label: string;
  containerId: string;
  stats?: Closeable;
  opening?: boolean;
  reopen?: ReturnType<typeof setTimeout>;
  figures: InstanceFigures;
  /** nvidia-smi in this container failed: not asked again this run. */
  noGpu?: boolean;
}

export class FiguresCollector implements Disposable {
  private readonly changed = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changed.event;
  private readonly tracked = new Map<number, Tracked>();
  private active = false;
  private gpuTimer: ReturnType<typeof setInterval> | undefined;
  private fireTimer: ReturnType<typeof setTimeout> | undefined;
  /** Host nvidia-smi missing or failing: use exec in the containers from then on. */
  private hostGpuOff = false;
  private polling = false;
  private disposed = false;
  private readonly hostGpu: HostGpu;
  private readonly now: () => number;

  constructor(private readonly options: FiguresOptions) {
    this.hostGpu = options.hostGpu ?? HOST_GPU;
    this.now = options.now ?? Date.now;
  }

  get isActive(): boolean {
    return this.active;
  }

  /** The figures of instance `index`, while it runs and the view is visible. */
  get(index: number): InstanceFigures | undefined {
    const t = this.tracked.get(index);
    return t && t.figures.at > 0 ? t.figures : undefined;
  }

  /** The view became visible (collect) or hidden (stop everything). */
  setActive(active: boolean): void {
    if (this.disposed || active === this.active) return;
    this.active = active;
    if (active) this.reconcile();
    else this.stopAll();
  }

  /** The instances as they are now: streams follow the running ones. */
  update(instances: readonly InstanceSnapshot[]): void {
    if (this.disposed) return;
    const running = new Map(instances.filter((s) => s.containerId && containerRuns(s.state.kind)).map((s) => [s.index, s]));
    for (const [index, t] of this.tracked) {
      const s = running.get(index);
      if (!s || s.containerId !== t.containerId) this.untrack(index);
    }
    for (const [index, s] of running) {
      if (!this.tracked.has(index)) this.tracked.set(index, { index, label: s.label, containerId: s.containerId!, figures: { at: 0 } });
    }
    if (this.active) this.reconcile();
  }

  private reconcile(): void {
    for (const t of this.tracked.values()) this.openStats(t);
    if (this.tracked.size > 0 && !this.gpuTimer) {
      this.gpuTimer = setInterval(() => void this.pollGpus(), this.options.gpuIntervalMs ?? 5_000);
      void this.pollGpus();
    } else if (this.tracked.size === 0) this.stopGpuTimer();
  }

  private openStats(t: Tracked): void {
    const engine = this.options.engine();
    if (!engine || t.stats || t.opening || t.reopen) return;
    t.opening = true;
    engine
      .followStats(
        t.containerId,
        (sample) => {
          const f = containerStatsFigures(sample);
          if (f.cpuPercent === undefined && f.memoryUsedBytes === undefined) return;
          Object.assign(t.figures, { at: this.now(), cpuPercent: f.cpuPercent ?? t.figures.cpuPercent, memoryUsedBytes: f.memoryUsedBytes, memoryLimitBytes: f.memoryLimitBytes });
          this.fire();
        },
        (err) => {
          t.stats = undefined;
          if (err) this.options.log.debug(`stats of ${t.label} ended: ${err.message}`);
          this.scheduleReopen(t);
        },
      )
      .then(
        (stream) => {
          t.opening = false;
          if (this.tracked.get(t.index) === t && this.active) t.stats = stream;
          else stream.close();
        },
        (err: Error) => {
          t.opening = false;
          this.options.log.debug(`stats of ${t.label}: ${err.message}`);
          this.scheduleReopen(t);
        },
      );
  }

  /** A stream that ended while its container still runs (an engine restart, say) is opened again later. */
  private scheduleReopen(t: Tracked): void {
    if (!this.active || this.tracked.get(t.index) !== t || t.reopen) return;
    t.reopen = setTimeout(() => {
      t.reopen = undefined;
      if (this.active && this.tracked.get(t.index) === t) this.openStats(t);
    }, this.options.reopenMs ?? 2_000);
  }

  private async pollGpus(): Promise<void> {
    const engine = this.options.engine();
    if (!engine || this.polling || !this.active || this.tracked.size === 0) return;
    this.polling = true;
    try {
      if (engine.isLocal && !this.hostGpuOff && (await this.pollHost())) return;
      await Promise.all([...this.tracked.values()].map((t) => this.pollContainer(engine, t)));
      this.markShared();
    } finally {
      this.polling = false;
    }
  }

  /** One host query for every instance; false when there is no usable nvidia-smi here (then exec is used). */
  private async pollHost(): Promise<boolean> {
    let gpus: GpuFigure[];
    let appsText: string;
    try {
      gpus = parseGpus(await this.hostGpu.nvidiaSmi(GPU_QUERY_ARGS, NVIDIA_SMI_TIMEOUT_MS));
      appsText = await this.hostGpu.nvidiaSmi(APPS_QUERY_ARGS, NVIDIA_SMI_TIMEOUT_MS);
    } catch (err) {
      this.hostGpuOff = true;
      this.options.log.debug(`nvidia-smi on this machine: ${(err as Error).message}; GPU figures come from nvidia-smi in each container`);
      return false;
    }
    const apps = parseComputeApps(appsText);
    const cgroups = new Map<number, string | undefined>();
    await Promise.all([...new Set(apps.map((a) => a.pid))].map(async (pid) => cgroups.set(pid, containerIdOfCgroup((await this.hostGpu.cgroupOf(pid)) ?? ''))));
    const byContainer = vramByContainer(apps, (pid) => cgroups.get(pid));
    if (!this.active) return true;
    for (const t of this.tracked.values()) {
      const mine = byContainer.get(t.containerId);
      t.figures.gpus = gpus.filter((g) => mine?.gpuUuids.includes(g.uuid));
      t.figures.vramUsedMiB = mine?.usedMiB;
      t.figures.gpuNote = mine ? undefined : l10n.t('no process of this container uses a GPU (nvidia-smi on this machine)');
      t.figures.at ||= this.now();
    }
    this.markShared();
    this.fire();
    return true;
  }

  private async pollContainer(engine: FiguresEngine, t: Tracked): Promise<void> {
    if (t.noGpu) return;
    let note: string | undefined;
    try {
      const r = await engine.exec(t.containerId, ['nvidia-smi', ...GPU_QUERY_ARGS], NVIDIA_SMI_TIMEOUT_MS);
      if (r.exitCode === 0) {
        if (this.tracked.get(t.index) !== t || !this.active) return;
        t.figures.gpus = parseGpus(r.stdout);
        t.figures.gpuNote = undefined;
        t.figures.at ||= this.now();
        this.fire();
        return;
      }
      note = firstLine(r.stdout) || firstLine(r.stderr) || l10n.t('nvidia-smi exited with code {0}', r.exitCode);
    } catch (err) {
      // The engine refused the exec (the container is still starting or just stopped, a timeout, the
      // engine went away): nothing is known of nvidia-smi yet, so ask again at the next poll.
      if (this.tracked.get(t.index) !== t) return;
      t.figures.gpuNote = l10n.t('not known yet: {0}', firstLine((err as Error).message));
      t.figures.at ||= this.now();
      this.fire();
      return;
    }
    t.noGpu = true;
    t.figures.at ||= this.now();
    t.figures.gpus = undefined;
    t.figures.gpuNote = l10n.t('none: nvidia-smi in the container says "{0}"', note);
    this.fire();
  }

  private markShared(): void {
    const all = [...this.tracked.values()];
    for (const t of all) {
      const uuids = new Set((t.figures.gpus ?? []).map((g) => g.uuid));
      const others = all.filter((o) => o !== t && (o.figures.gpus ?? []).some((g) => uuids.has(g.uuid))).map((o) => o.label);
      t.figures.sharesGpuWith = others.length ? others : undefined;
    }
  }

  private untrack(index: number): void {
    const t = this.tracked.get(index);
    if (!t) return;
    t.stats?.close();
    clearTimeout(t.reopen);
    this.tracked.delete(index);
    this.markShared();
    this.fire();
  }

  private stopAll(): void {
    for (const t of this.tracked.values()) {
      t.stats?.close();
      t.stats = undefined;
      clearTimeout(t.reopen);
      t.reopen = undefined;
    }
    this.stopGpuTimer();
  }

  private stopGpuTimer(): void {
    clearInterval(this.gpuTimer);
    this.gpuTimer = undefined;
  }

  private fire(): void {
    if (this.fireTimer || this.disposed) return;
    this.fireTimer = setTimeout(() => {
      this.fireTimer = undefined;
      if (!this.disposed) this.changed.fire();
    }, this.options.coalesceMs ?? 250);
  }

  dispose(): void {
    this.disposed = true;
    this.stopAll();
    this.tracked.clear();
    clearTimeout(this.fireTimer);
    this.changed.dispose();
  }
}

const firstLine = (text: string) => text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
