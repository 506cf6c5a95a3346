/**
 * The web viewers of Isaac Sim 6.x instances: one container per instance, built and run as NVIDIA's
 * compose file does it (webViewerPlan.ts), kept in step with its instance. No `vscode` here.
 *
 * Design note
 * - It follows the store. For each run of an instance (a run is its container's StartedAt) it runs
 *   one pipeline: the image (reused, or built while the simulator loads), then, once the instance is
 *   ready (compose waits for the healthcheck), the container, then a probe until its page answers,
 *   which is when the sim view shows it.
 * - An instance that stops takes its viewer down (stopped); one that is removed takes the viewer's
 *   container with it. Only containers labelled as the viewer of that instance are touched; a foreign
 *   container on the name, or anything on the port, is named in the viewer's failure and left alone.
 * - The viewer's state lives in the store (setViewer), the one publisher; this class decides.
 * - What one run does (image, wait, container, probe) is webViewerPipeline.ts, loaded with the first
 *   viewer; making, reusing and replacing the container is webViewerContainer.ts's job.
 * - After a reload the viewers found on the engine are adopted: one whose spec matches keeps running.
 */
import * as l10n from '@vscode/l10n';
import { BuildError } from '../docker/buildErrors';
import type { ContainerInfo, EngineEvent, InstanceEngine } from './engineApi';
import { errorInfo, OrchestratorError } from './errors';
import type { Logger } from './logger';
import type { WebViewerState } from './model';
import type { SettingKey, Settings } from './settings';
import type { InstanceStore } from './store';
import { rareModule } from './rareModule';
import {
  viewerContainerName,
  viewerIndexOf,
  viewerLabel,
  viewerPlan,
  type ViewerPlan,
} from './webViewerPlan';

export interface WebViewersOptions {
  log: Logger;
  home: string;
  /** The connected engine, if any. */
  engine: () => InstanceEngine | undefined;
  /** The valid settings, or undefined while they are invalid (then nothing is changed). */
  settings: () => Settings | undefined;
  /** The id of the setting that holds `key` for this host (an endpoint's own, or the top-level one), for messages. */
  settingId: (key: SettingKey) => string;
  /** A line of a viewer's build, for its instance's log channel. */
  onBuildLine: (index: number, line: string) => void;
  probeIntervalMs?: number;
}

interface Run {
  run: number;
  /** The plan it follows: a changed setting (a port moved, another folder) starts it over. */
  plan: string;
  controller: AbortController;
  done: Promise<void>;
}

export class WebViewers {
  private readonly runs = new Map<number, Run>();
  private readonly ending = new Set<number>();
  private readonly waiters = new Set<() => void>();
  private disposed = false;

  constructor(
    private readonly store: InstanceStore,
    private readonly options: WebViewersOptions,
  ) {}

  /** Cancels instance `index`'s viewer build or start, if one is under way. */
  cancel(index: number): boolean {
    const r = this.runs.get(index);
    if (!r || r.controller.signal.aborted) return false;
    r.controller.abort();
    const v = this.store.viewer(index);
    if (v && (v.kind === 'building' || v.kind === 'waiting' || v.kind === 'starting')) {
      this.fail(index, new OrchestratorError(l10n.t('The build of {0} was cancelled: restart the instance to build it again.', viewerLabel(index)), 'cancelled'));
    }
    return true;
  }

  dispose(): void {
    this.disposed = true;
    for (const r of this.runs.values()) r.controller.abort();
    this.runs.clear();
  }

  /** After a (re)connect, with every owned container the resync read: the viewers among them are adopted rather than made again. */
  resync(infos: readonly ContainerInfo[]): void {
    const seen = new Set<number>();
    for (const info of infos) {
      const index = viewerIndexOf(info.labels);
      if (index === undefined || info.name !== viewerContainerName(index)) continue;
      seen.add(index);
      this.applyInfo(index, info);
    }
    for (const index of this.store.indexes()) {
      const v = this.store.viewer(index);
      if (!seen.has(index) && v?.containerId && !this.runs.has(index)) this.store.setViewer(index, { ...v, kind: 'stopped', containerId: undefined, health: undefined, answers: undefined });
    }
    this.reconcile();
  }

  /** An engine event about one of our containers: only viewers are handled here. */
  onEvent(e: EngineEvent): void {
    const index = viewerIndexOf(e.labels);
    if (index === undefined || this.disposed) return;
    const v = this.store.viewer(index);
    if (e.action === 'health_status') {
      if (v && v.containerId === e.id) this.store.setViewer(index, { ...v, health: e.detail });
      return;
    }
    if (e.action === 'destroy') {
      if (v?.containerId === e.id) this.store.setViewer(index, { ...v, kind: v.kind === 'failed' ? 'failed' : 'stopped', containerId: undefined, health: undefined, answers: undefined });
      return;
    }
    if (e.action !== 'die' && e.action !== 'start') return;
    void this.options
      .engine()
      ?.inspect(e.id)
      .then((info) => {
        if (info && !this.disposed) this.applyInfo(index, info, e.action === 'die');
      })
      .catch((err: unknown) => this.options.log.debug(`inspect of ${viewerLabel(index)} failed: ${String(err)}`));
  }

  /** Brings every viewer in line with its instance. Called on every change of the store. */
  reconcile(): void {
    if (this.disposed) return;
    for (const wake of [...this.waiters]) wake();
    const settings = this.options.settings();
    if (!settings) return;
    // Called on every change of the store: with no viewer configured and none known, there is nothing to look at.
    if (!settings.webViewerBuildContext && !settings.webViewerImage && this.runs.size === 0 && !this.store.indexes().some((i) => this.store.viewer(i))) return;
    // An instance beyond the configured count drops out of the list once removed: its viewer still goes with it.
    const listed = this.store.liveList();
    const extra = this.store.indexes().filter((i) => this.store.viewer(i) && !listed.some((s) => s.index === i));
    for (const s of [...listed, ...extra.map((i) => this.store.live(i))]) {
      const plan = viewerPlan(settings, s.version, s.index, this.options.home, s.ports);
      const current = this.runs.get(s.index);
      if (plan && s.startedAt !== undefined) {
        if (!current || current.run !== s.startedAt || current.plan !== JSON.stringify(plan)) this.begin(s.index, s.startedAt, plan);
        continue;
      }
      if (current) {
        current.controller.abort();
        this.runs.delete(s.index);
      }
      const v = this.store.viewer(s.index);
      if (!v) continue;
      if (v.containerId && (v.kind === 'running' || v.kind === 'starting' || !s.exists)) this.end(s.index, s.exists, v.containerId, current?.done);
      else if (v.kind === 'building' || v.kind === 'waiting' || v.kind === 'starting') this.store.setViewer(s.index, { ...v, kind: 'stopped' });
      else if (!plan && !v.containerId) this.store.setViewer(s.index, undefined);
    }
  }

  // ---- the pipeline of one run --------------------------------------------------------------------

  private begin(index: number, run: number, plan: ViewerPlan): void {
    this.runs.get(index)?.controller.abort();
    const controller = new AbortController();
    const entry: Run = { run, plan: JSON.stringify(plan), controller, done: Promise.resolve() };
    this.runs.set(index, entry);
    // A viewer that served an earlier run serves no page for this one until it answers again.
    this.store.apply(index, { type: 'webViewer', up: false });
    entry.done = this.pipeline(run, plan, controller.signal).catch((err: unknown) => {
      if (controller.signal.aborted || this.disposed) return;
      this.fail(index, err);
    });
  }

  /** The image, the wait for the instance, the container and the probe of its page: the rare part of dist/parts.js, loaded with the first viewer. */
  private pipeline(run: number, plan: ViewerPlan, signal: AbortSignal): Promise<void> {
    const engine = this.options.engine();
    if (!engine) return Promise.resolve();
    return rareModule().runViewerPipeline(
      {
        store: this.store,
        log: this.options.log,
        onBuildLine: this.options.onBuildLine,
        settingId: this.options.settingId,
        untilReady: (i: number, r: number, sig: AbortSignal) => this.untilReady(i, r, sig),
        sleep: (ms: number, sig: AbortSignal) => this.sleep(ms, sig),
        probeIntervalMs: this.options.probeIntervalMs ?? 500,
      },
      engine,
      plan,
      run,
      signal,
    );
  }

  /** Resolves once instance `index` is ready in run `run`. */
  private untilReady(index: number, run: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (signal.aborted) return done(signal.reason);
        const s = this.store.live(index);
        if (s.state.kind === 'ready' && s.startedAt === run) done();
      };
      const done = (err?: unknown) => {
        this.waiters.delete(check);
        signal.removeEventListener('abort', check);
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      this.waiters.add(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  // ---- taking a viewer down with its instance -----------------------------------------------------

  private end(index: number, instanceExists: boolean, id: string, pipeline: Promise<void> | undefined): void {
    if (this.ending.has(index)) return;
    const engine = this.options.engine();
    if (!engine) return;
    this.ending.add(index);
    void (async () => {
      await pipeline;
      const info = await engine.inspect(id);
      if (info && viewerIndexOf(info.labels) === index) {
        if (instanceExists) {
          if (info.running) await engine.stop(info.id, 10);
        } else {
          await engine.remove(info.id, true);
        }
      }
      const after = instanceExists && info ? await engine.inspect(id) : undefined;
      const v = this.store.viewer(index);
      if (v) this.store.setViewer(index, { ...v, kind: 'stopped', containerId: after?.id, health: undefined, answers: undefined });
      this.store.apply(index, { type: 'webViewer', up: false });
    })()
      .catch((err: unknown) => this.options.log.warn(`Could not take ${viewerLabel(index)} down with its instance: ${String(err)}`))
      .finally(() => this.ending.delete(index));
  }

  private applyInfo(index: number, info: ContainerInfo, died = false): void {
    const v = this.store.viewer(index);
    const base = { name: info.name, port: v?.port ?? this.portOf(index), image: info.image, containerId: info.id, ...(info.health ? { health: info.health } : {}) };
    if (info.running) {
      this.store.setViewer(index, { ...v, ...base, kind: v?.kind === 'starting' ? 'starting' : 'running' });
      return;
    }
    const instanceRuns = this.store.live(index).startedAt !== undefined;
    if (died && instanceRuns && v?.kind === 'running' && !this.ending.has(index)) {
      this.store.setViewer(index, { ...base, kind: 'failed', reason: l10n.t('{0} exited with code {1} while its instance runs: its output is in `docker logs {2}`; restart the instance to start it again.', viewerLabel(index), info.exitCode ?? '?', info.name), errorKind: 'other' });
      this.store.apply(index, { type: 'webViewer', up: false });
      return;
    }
    this.store.setViewer(index, { ...v, ...base, kind: v?.kind === 'failed' ? 'failed' : 'stopped', answers: undefined });
  }

  private fail(index: number, err: unknown): void {
    const info = errorInfo(err);
    const message = err instanceof Error ? err.message : String(err);
    const v = this.store.viewer(index);
    const state: WebViewerState = {
      name: viewerContainerName(index),
      port: v?.port ?? this.portOf(index),
      ...(v?.image ? { image: v.image } : {}),
      kind: 'failed',
      reason: message,
      errorKind: info.kind,
      ...(info.setting ? { setting: info.setting } : {}),
      ...(err instanceof BuildError ? { lastLines: err.lastLines } : {}),
    };
    this.store.setViewer(index, state);
    this.options.log.error(message);
  }

  /** The viewer port of instance `index` under the current settings (0 when they give none). */
  private portOf(index: number): number {
    const settings = this.options.settings();
    return settings ? (viewerPlan(settings, '6.x', index, this.options.home)?.port ?? 0) : 0;
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
