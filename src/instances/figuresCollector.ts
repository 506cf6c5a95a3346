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
 *   - else: `nvidia-smi --query-gpu --loop` in each container (one exec, followed like the stats
 *     stream: no engine request per answer), which gives the GPUs it sees. The engine keeps an exec
 *     running after its client has gone, so hiding the view ends each loop with a `kill` of its pid
 *     (and `timeout` ends one left behind: nvidiaSmi.ts gpuLoopCommand). A container where it
 *     failed before any answer (no GPU, no nvidia-smi) is asked once per run, and says why; one where
 *     the engine refused the exec (still starting, say), or whose loop ended after answering, is
 *     asked again later.
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
import { APPS_QUERY_ARGS, GPU_QUERY_ARGS, gpuLoopCommand, loopPid, parseComputeApps, parseGpus, stopLoopCommand, vramByContainer, type GpuFigure } from './nvidiaSmi';

export type FiguresEngine = Pick<InstanceEngine, 'isLocal' | 'followStats' | 'followExec'>;

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
  /** nvidia-smi --loop in the container, while it runs. */
  gpu?: Closeable;
  gpuOpening?: boolean;
  gpuReopen?: ReturnType<typeof setTimeout>;
  /** The pid of the loop in the container (its first line), to end it with. */
  gpuPid?: number;
  /** The last line it printed that is not a GPU's answer (its error, if it then exits). */
  gpuOther?: string;
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
    if (this.tracked.size === 0) {
      this.stopGpuTimer();
      return;
    }
    if (this.options.engine()?.isLocal && !this.hostGpuOff) {
      if (!this.gpuTimer) {
        this.gpuTimer = setInterval(() => void this.pollHostGpus(), this.gpuIntervalMs);
        void this.pollHostGpus();
      }
    } else {
      for (const t of this.tracked.values()) this.openGpu(t);
    }
  }

  private get gpuIntervalMs(): number {
    return this.options.gpuIntervalMs ?? 5_000;
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
    this.later(t, 'reopen', this.options.reopenMs ?? 2_000, () => this.openStats(t));
  }

  /** Runs `open` for `t` after `ms`, once (the timer in `t[timer]`), if `t` is still followed then. */
  private later(t: Tracked, timer: 'reopen' | 'gpuReopen', ms: number, open: () => void): void {
    if (!this.active || this.tracked.get(t.index) !== t || t[timer]) return;
    t[timer] = setTimeout(() => {
      t[timer] = undefined;
      if (this.active && this.tracked.get(t.index) === t) open();
    }, ms);
  }

  private async pollHostGpus(): Promise<void> {
    if (this.polling || !this.active || this.tracked.size === 0) return;
    this.polling = true;
    try {
      // No usable nvidia-smi here: from now on each container's own, followed.
      if (!(await this.pollHost())) {
        this.stopGpuTimer();
        if (this.active) this.reconcile();
      }
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

  /** Follows nvidia-smi --loop in `t`'s container: each line is one GPU's answer. */
  private openGpu(t: Tracked): void {
    const engine = this.options.engine();
    if (!engine || t.noGpu || t.gpu || t.gpuOpening || t.gpuReopen) return;
    t.gpuOpening = true;
    const seen = new Map<string, GpuFigure>();
    const mine = () => this.tracked.get(t.index) === t && this.active;
    t.gpuPid = undefined;
    engine
      .followExec(
        t.containerId,
        gpuLoopCommand(this.gpuIntervalMs / 1000),
        (line) => {
          if (!mine() || line.trim() === '') return;
          const pid = seen.size === 0 && t.gpuPid === undefined ? loopPid(line) : undefined;
          if (pid !== undefined) {
            t.gpuPid = pid;
            return;
          }
          let gpus: GpuFigure[];
          try {
            gpus = parseGpus(line);
          } catch {
            t.gpuOther = line.trim();
            return;
          }
          for (const g of gpus) seen.set(g.uuid, g);
          t.figures.gpus = [...seen.values()].sort((a, b) => a.index - b.index);
          t.figures.gpuNote = undefined;
          t.figures.at ||= this.now();
          this.markShared();
          this.fire();
        },
        (end) => {
          t.gpu = undefined;
          t.gpuPid = undefined;
          if (!mine()) return;
          // It failed before any answer: no usable nvidia-smi in this container.
          if (seen.size === 0 && end.exitCode !== undefined && end.exitCode !== 0) {
            this.noGpu(t, t.gpuOther || firstLine(end.stderr) || l10n.t('nvidia-smi exited with code {0}', end.exitCode));
            return;
          }
          // It broke off (the engine went away, say) or ended after answering (its timeout): again later.
          if (end.error) this.options.log.debug(`nvidia-smi in ${t.label} ended: ${end.error.message}`);
          this.scheduleGpuReopen(t);
        },
      )
      .then(
        (stream) => {
          t.gpuOpening = false;
          if (mine()) t.gpu = stream;
          else stream.close();
        },
        (err: Error) => {
          // The engine refused the exec (the container is still starting or just stopped, the
          // engine went away): nothing is known of nvidia-smi yet, so ask again later.
          t.gpuOpening = false;
          if (this.tracked.get(t.index) !== t) return;
          t.figures.gpuNote = l10n.t('not known yet: {0}', firstLine(err.message));
          t.figures.at ||= this.now();
          this.fire();
          this.scheduleGpuReopen(t);
        },
      );
  }

  private scheduleGpuReopen(t: Tracked): void {
    this.later(t, 'gpuReopen', this.gpuIntervalMs, () => this.openGpu(t));
  }

  /** Drops the loop's connection and, since the engine would keep it running, kills it in the container. */
  private endLoop(t: Tracked): void {
    const pid = t.gpuPid;
    t.gpu?.close();
    t.gpu = undefined;
    t.gpuPid = undefined;
    const engine = this.options.engine();
    if (pid === undefined || !engine) return;
    engine.followExec(t.containerId, stopLoopCommand(pid), () => undefined, () => undefined).then(
      () => undefined,
      (err: Error) => this.options.log.debug(`could not end nvidia-smi in ${t.label}: ${err.message}`),
    );
  }

  private noGpu(t: Tracked, note: string): void {
    t.noGpu = true;
    t.figures.at ||= this.now();
    t.figures.gpus = undefined;
    t.figures.gpuNote = l10n.t('none: nvidia-smi in the container says "{0}"', note);
    this.markShared();
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
    t.gpu?.close();
    clearTimeout(t.reopen);
    clearTimeout(t.gpuReopen);
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
      this.endLoop(t);
      clearTimeout(t.gpuReopen);
      t.gpuReopen = undefined;
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
