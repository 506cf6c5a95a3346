/**
 * InstanceManager: the one owner of instance state. No `vscode` here.
 *
 * Design note
 * - Nothing touches the engine until `connect()` is first called (by the view becoming visible or a
 *   command running).
 * - State is driven by the engine's event stream (no polling while events flow) and by log lines;
 *   an inspect after each of our own operations and after every (re)connect is the authoritative resync.
 * - Each instance has an operation queue, so concurrent commands on one instance run one after
 *   another and always see the engine's current truth.
 * - Log lines are read with engine timestamps, so a follower that re-attaches (after a restart or an
 *   engine outage) resumes with `since` and drops what it already delivered: no line twice, none lost.
 *   A container that stopped while the engine was away gets its missing last lines at the next resync.
 * - Only containers labelled as ours are ever stopped or removed; a foreign container in our way is
 *   reported by name and left alone.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import type { Closeable, ContainerInfo, DockerEngine, EngineEvent, LogLine } from '../docker/engine';
import { EngineError } from '../docker/errors';
import { Emitter, type Disposable, type Event } from './events';
import { portProtocol, probePort } from './doctor';
import { StartupTimes, type KeyValueStore, type StartKind } from './eta';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, containerNameFor, instanceLabel, type InstanceSnapshot, type InstanceView } from './model';
import { probeHttp, probeTcp } from './probe';
import { describePortHolder } from './portOwner';
import { DEFAULT_SIGNAL_PORT, PORT_LABELS, VERSIONS, VERSION_IDS, detectVersion, type DetectedVersion, type VersionId } from './versions';
import { LogClassifier, isErrorLine } from './readiness';
import { givePlayerItsPort, prepareVolumes, resolveVersion, type ResolvedVersion } from './prepare';
import { LogCursor } from './logCursor';
import { Redactor } from './redact';
import { DEFAULT_SETTINGS, PORT_BASE_SETTING, SettingsError, type Settings, type SettingsProblem, type SettingsResult } from './settings';
import {
  GPU_LABEL,
  PORTS_LABEL,
  SPEC_HASH_LABEL,
  VERSION_LABEL,
  buildContainerSpec,
  clientUrlFor,
  expandHome,
  gpuFor,
  hostFoldersFor,
  layoutOf,
  parsePortsLabel,
  portsFor,
} from './spec';
import { initialTracked, reduce, type StateInput, type Tracked } from './state';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type EngineStatus =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'connected'; version: string }
  | { kind: 'unreachable'; message: string };

export interface InstanceFailure {
  index: number;
  label: string;
  snapshot: InstanceSnapshot;
}

export interface LogAppend {
  index: number;
  label: string;
  /** Complete lines, in order. A separator, if any, comes first. */
  lines: string[];
}

export { SettingsError };

/** A container that is not ours stands where ours must go. It is left untouched. */
export class ForeignContainerError extends Error {
  constructor(readonly container: ContainerInfo, index: number) {
    super(
      `A container named "${container.name}" (id ${container.id.slice(0, 12)}, image ${container.image}, ${container.status}) already exists and was not created by Isaac Sim Orchestrator, so ${instanceLabel(index)} cannot use that name. It was left untouched: rename or remove it yourself (docker rename / docker rm ${container.name}).`,
    );
    this.name = 'ForeignContainerError';
  }
}

export const OWNER_FILTER = `${OWNER_LABEL}=${OWNER_VALUE}`;

/** How long an exit waits for the container's log to drain before it is classified. */
const DRAIN_MS = 500;
/** How many error lines of a run are kept for an exit that no table explains. */
const ERROR_TAIL = 5;

/** A run's start (ms) in engine ns; the last one is kept, so a line costs no BigInt arithmetic for it. */
let lastRun: { ms: number; ns: bigint } | undefined;
function runStartNs(ms: number): bigint {
  if (lastRun?.ms !== ms) lastRun = { ms, ns: BigInt(ms) * 1_000_000n };
  return lastRun.ns;
}

export function isOurs(info: Pick<ContainerInfo, 'labels'>): boolean {
  return info.labels[OWNER_LABEL] === OWNER_VALUE;
}

function indexOf(labels: Record<string, string>): number | undefined {
  const raw = labels[INDEX_LABEL];
  if (raw === undefined || !/^\d{1,4}$/.test(raw)) return undefined;
  return Number(raw);
}

interface Entry {
  index: number;
  tracked: Tracked;
  info?: ContainerInfo;
  follower?: Closeable;
  followerFor?: string;
  /** Identity of the current follower, so callbacks of a replaced one are ignored. */
  followToken?: object;
  /** What was delivered of the container's log, so a new follower resumes without repeats or gaps. */
  cursor: LogCursor;
  /** Container id the cursor belongs to. */
  logsOf?: string;
  /**
   * Container id whose log stream was cut off (the engine went away) before the container's end:
   * the next resync reads what is left, even if the container has stopped meanwhile.
   */
  logsBehind?: string;
  /** startedAt (ms) of the run whose lines were delivered last; a new run gets a separator. */
  runShown?: number;
  /** startedAt (ms) of the run that is ready (readiness line seen AND the client endpoint answered). */
  readyRun?: number;
  /** startedAt (ms) of the run whose readiness line was seen; the probe runs until it answers. */
  probingRun?: number;
  /** For 6.x: the web viewer answered when last probed. */
  webViewerUp?: boolean;
  /** The image's HEALTHCHECK state, from inspect and health_status events. */
  health?: string;
  /** Said to the user about streaming this instance (e.g. 4.2's player could not be given its port). */
  streamNote?: string;
  /** The last error lines of the current run, quoted when it exits without a known cause. */
  errorTail: string[];
  /** Resolves when the current log follower has ended (its container stopped) or was closed. */
  logEnded?: { id: string; run?: number; done: Promise<void>; resolve: () => void };
  /** Engine events of this instance, handled in order (a `die` waits for the log to drain first). */
  events: Promise<void>;
  /** The start we asked for, while it is in progress: for the phase timer and the ETA. */
  startup?: { since: number; kind: StartKind; image: string };
  /**
   * Inspects issued for engine events, and the newest one applied: replies can come back out of
   * order, and an older reply (say, from before a destroy) must not overwrite newer facts.
   */
  eventInspects: number;
  eventInspectApplied: number;
  pending: string[];
  flushScheduled: boolean;
  busy: number;
  queue: Promise<unknown>;
}

export interface ManagerOptions {
  engineFor: (dockerHost: string) => DockerEngine;
  log: Logger;
  home?: string;
  now?: () => number;
  /** Persists learned startup times (VS Code's globalState). */
  store?: KeyValueStore;
  /** Called when the configured image is missing before a start; without it, the start fails with a clear error. */
  ensureImage?: (engine: DockerEngine, image: string) => Promise<void>;
  /** How often a readiness probe is retried (ms). */
  probeIntervalMs?: number;
  /** Longest an exit waits for its log to drain before it is classified (ms; default 500). */
  drainMs?: number;
}

export class InstanceManager implements Disposable {
  private readonly changed = new Emitter<void>();
  private readonly logAppended = new Emitter<LogAppend>();
  private readonly statusChanged = new Emitter<EngineStatus>();
  /** Fires after any instance or engine status change. */
  readonly onDidChange: Event<void> = this.changed.event;
  /** Fires with new log lines of an instance, batched per engine chunk. */
  readonly onDidAppendLog: Event<LogAppend> = this.logAppended.event;
  readonly onDidChangeEngineStatus: Event<EngineStatus> = this.statusChanged.event;
  private readonly failed = new Emitter<InstanceFailure>();
  /** Fires when an instance is seen to fail (not for failures that were already there when we connected). */
  readonly onDidFail: Event<InstanceFailure> = this.failed.event;
  private readonly noticed = new Emitter<{ index: number; label: string; message: string }>();
  /** Fires with something the user must know before an instance starts (shown as a warning). */
  readonly onDidNotice: Event<{ index: number; label: string; message: string }> = this.noticed.event;
  private readonly startupTimes: StartupTimes;
  /** True after the first resync: failures seen from then on are news. */
  private synced = false;

  private readonly entries = new Map<number, Entry>();
  /** Versions read from images by starts (image reference → version and how it was found). */
  private readonly detected = new Map<string, DetectedVersion>();
  private settingsResult: SettingsResult = { ok: true, settings: { ...DEFAULT_SETTINGS } };
  private lastGood: Settings = { ...DEFAULT_SETTINGS };
  private classifier = new LogClassifier(DEFAULT_SETTINGS.readinessPatterns);
  private engine: DockerEngine | undefined;
  private events: Closeable | undefined;
  private lastEventNano: bigint | undefined;
  private connecting: Promise<void> | undefined;
  /**
   * Bumped by every disconnect (a new Docker host, Retry, dispose). A connect that started under an
   * older generation must not install its engine, events or status: it hands over to the current one.
   */
  private generation = 0;
  private connectingGeneration = -1;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = 250;
  private disposed = false;
  private status: EngineStatus = { kind: 'idle' };
  private readonly home: string;
  private readonly now: () => number;

  /** Masks secret env values (and secret-looking assignments) in everything the manager emits. */
  readonly redactor = new Redactor();
  private readonly options: ManagerOptions;

  constructor(options: ManagerOptions) {
    const log = options.log;
    const redact = (m: string) => this.redactor.redact(m);
    this.options = {
      ...options,
      log: { debug: (m) => log.debug(redact(m)), info: (m) => log.info(redact(m)), warn: (m) => log.warn(redact(m)), error: (m) => log.error(redact(m)) },
    };
    this.home = options.home ?? os.homedir();
    this.now = options.now ?? Date.now;
    this.startupTimes = new StartupTimes(options.store);
  }

  get engineStatus(): EngineStatus {
    return this.status;
  }

  /** The engine client, once connected (for diagnostics and tests). */
  get currentEngine(): DockerEngine | undefined {
    return this.engine;
  }

  get settingsProblems(): SettingsProblem[] {
    return this.settingsResult.ok ? [] : this.settingsResult.problems;
  }

  /** Applies (re)validated settings. A new docker host means a new connection. */
  updateSettings(result: SettingsResult): void {
    const previousHost = this.lastGood.dockerHost;
    this.settingsResult = result;
    if (result.ok) {
      this.lastGood = result.settings;
      this.redactor.update(result.settings.env);
      this.classifier = new LogClassifier(result.settings.readinessPatterns);
      if (this.engine && result.settings.dockerHost !== previousHost) {
        this.options.log.info(`Docker host changed to "${result.settings.dockerHost || 'default'}"; reconnecting.`);
        this.disconnect();
        this.lastEventNano = undefined; // another engine's event times mean nothing here
        void this.connect().catch(() => undefined);
      }
    }
    this.changed.fire();
  }

  private setStatus(status: EngineStatus): void {
    const same = JSON.stringify(status) === JSON.stringify(this.status);
    this.status = status;
    if (!same) {
      this.statusChanged.fire(status);
      this.changed.fire();
    }
  }

  /** Connects once (idempotent); rejects with an EngineError if the engine is unreachable. */
  connect(): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('Isaac Sim Orchestrator is shutting down.'));
    if (this.status.kind === 'connected' && this.events) return Promise.resolve();
    if (!this.connecting || this.connectingGeneration !== this.generation) {
      const attempt: Promise<void> = this.doConnect(this.generation).finally(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
      this.connecting = attempt;
      this.connectingGeneration = this.generation;
    }
    return this.connecting;
  }

  /** Drops the connection and connects again now (the "Retry" action). */
  async reconnect(): Promise<void> {
    this.disconnect();
    await this.connect();
  }

  private disconnect(): void {
    this.generation++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.events?.close();
    this.events = undefined;
    for (const entry of this.entries.values()) this.closeFollower(entry);
    this.engine = undefined;
    this.status = { kind: 'idle' };
  }

  private async doConnect(generation: number): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.status.kind !== 'unreachable') this.setStatus({ kind: 'connecting' });
    const engine = (this.engine ??= this.options.engineFor(this.lastGood.dockerHost));
    // Disposed, or the host changed (or Retry) while this attempt waited: it is not the connection any more.
    const stale = () => this.disposed || generation !== this.generation;
    const handOver = () => (this.disposed ? undefined : this.connect());
    try {
      const { version } = await engine.version();
      if (stale()) return await handOver();
      const since = this.lastEventNano;
      const events = await engine.streamEvents(OWNER_FILTER, since, (e) => this.onEngineEvent(e), (err) => this.onEventsEnded(err));
      if (stale()) {
        events.close(); // leave nothing of an old connection open
        return await handOver();
      }
      this.events = events;
      this.backoffMs = 250;
      this.setStatus({ kind: 'connected', version });
      this.options.log.info(`Connected to Docker ${version} at ${engine.address}.`);
      await this.resync();
    } catch (err) {
      // An old attempt's failure is not news about the current engine.
      if (stale()) return await handOver();
      const message = err instanceof Error ? err.message : String(err);
      this.events?.close();
      this.events = undefined;
      // One warning per outage (and per new kind of failure); the retries' repeats go to debug.
      const repeated = this.status.kind === 'unreachable' && this.status.message === message;
      this.setStatus({ kind: 'unreachable', message });
      if (repeated) this.options.log.debug(`${message} (retrying in ${this.backoffMs} ms)`);
      else this.options.log.warn(message);
      this.scheduleReconnect();
      throw err;
    }
  }

  private onEventsEnded(err?: Error): void {
    if (this.disposed || !this.events) return;
    this.events = undefined;
    this.options.log.warn(`Engine event stream ended${err ? `: ${err.message}` : ''}; reconnecting.`);
    const message = `Docker engine unreachable at ${this.engine?.address ?? 'its socket'}: the connection was lost. Reconnecting…`;
    this.setStatus({ kind: 'unreachable', message });
    void this.connect().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer) return;
    const delay = this.backoffMs;
    // 250 ms doubling to 5 s: a restarted engine is seen within 5 s, an absent one costs one
    // cheap connect attempt every 5 s (a refused unix socket, no engine work).
    this.backoffMs = Math.min(this.backoffMs * 2, 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect().catch(() => undefined);
    }, delay);
  }

  /** Reads every owned container and brings the model in line with it. */
  async resync(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    const infos = await engine.listByLabel(OWNER_FILTER);
    const seen = new Set<number>();
    for (const info of infos) {
      const index = indexOf(info.labels);
      if (index === undefined || info.name !== containerNameFor(index)) continue;
      seen.add(index);
      const entry = this.entry(index);
      this.applyInfo(entry, info);
      // It stopped while we were away from the engine: deliver the lines we missed (the read ends by itself).
      if (!info.running && entry.logsBehind === info.id && entry.logsOf === info.id) this.follow(entry, info);
    }
    for (const entry of this.entries.values()) {
      if (!seen.has(entry.index) && entry.info) this.applyInfo(entry, undefined);
    }
    this.synced = true;
    this.changed.fire();
    void this.recheckWebViewers();
  }

  /** A web viewer may have come or gone since the instance became ready (Refresh asks again). */
  private async recheckWebViewers(): Promise<void> {
    for (const entry of this.entries.values()) {
      if (entry.tracked.state.kind !== 'ready') continue;
      const s = this.snapshot(entry.index, this.count());
      if (VERSIONS[s.version].view !== 'web-viewer') continue;
      const up = await probeHttp(s.clientUrl);
      if (up !== entry.webViewerUp) {
        entry.webViewerUp = up;
        this.changed.fire();
      }
    }
  }

  private entry(index: number): Entry {
    let e = this.entries.get(index);
    if (!e) {
      e = {
        index,
        tracked: initialTracked(this.now()),
        cursor: new LogCursor(),
        eventInspects: 0,
        eventInspectApplied: 0,
        pending: [],
        flushScheduled: false,
        busy: 0,
        queue: Promise.resolve(),
        errorTail: [],
        events: Promise.resolve(),
      };
      this.entries.set(index, e);
    }
    return e;
  }

  private apply(entry: Entry, input: StateInput): void {
    // Failure reasons end up in tooltips and notifications. (opFailed messages are masked where
    // they are made, in enqueue.)
    if (input.type === 'inspect' && input.facts.error) input = { ...input, facts: { ...input.facts, error: this.redactor.redact(input.facts.error) } };
    const previous = entry.tracked;
    const next = reduce(previous, input, this.now());
    if (next === previous) return;
    entry.tracked = next;
    const kind = next.state.kind;
    if (kind !== previous.state.kind) {
      if (kind === 'ready' && entry.startup) {
        const { image, kind: startKind, since } = entry.startup;
        void this.startupTimes.record(image, startKind, this.now() - since).catch((err: unknown) => this.options.log.warn(`Could not store the startup time: ${String(err)}`));
      }
      if (kind === 'ready' || kind === 'failed' || kind === 'stopped') entry.startup = undefined;
      if (kind === 'failed' && this.synced) {
        const snapshot = this.snapshot(entry.index, this.count());
        this.options.log.error(`${snapshot.label} failed: ${next.state.reason ?? 'unknown reason'}`);
        this.failed.fire({ index: entry.index, label: snapshot.label, snapshot });
      }
    }
    this.changed.fire();
  }

  private applyInfo(entry: Entry, info: ContainerInfo | undefined): void {
    if (!info) {
      this.closeFollower(entry);
      entry.info = undefined;
      this.apply(entry, { type: 'inspect', facts: { exists: false, running: false } });
      return;
    }
    entry.info = info;
    entry.health = info.health;
    this.apply(entry, {
      type: 'inspect',
      facts: { exists: true, running: info.running, exitCode: info.exitCode, oomKilled: info.oomKilled, startedAt: info.startedAt, error: info.error },
      readySeen: info.running && entry.readyRun !== undefined && entry.readyRun === info.startedAt,
      ...(info.running ? {} : { lastErrors: entry.errorTail }),
    });
    if (info.running) this.follow(entry, info);
  }

  private onEngineEvent(e: EngineEvent): void {
    this.lastEventNano = e.timeNano;
    const index = indexOf(e.labels);
    if (index === undefined) return;
    const entry = this.entry(index);
    // In order per instance: a `die` waits (bounded) for the log to drain, and what follows waits for it.
    entry.events = entry.events.then(() => this.handleEngineEvent(entry, e)).catch((err: unknown) => this.options.log.debug(`event ${e.action} failed: ${String(err)}`));
  }

  /**
   * The log and the events are two streams: a fatal line printed just before the exit can arrive after
   * the `die`. The reducer ignores log lines of a run that has ended, so the exit is classified only
   * once the log stream of that container has ended (it ends when the container stops), or after
   * DRAIN_MS, whichever is first.
   */
  private async drained(entry: Entry, id: string): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const window = { open: true };
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.drainMs ?? DRAIN_MS)));
    await Promise.race([this.drain(entry, id, window), bound]);
    window.open = false;
    clearTimeout(timer);
  }

  /**
   * A run that died before a follower was attached to it (a start that fails within milliseconds,
   * before the inspect after `start` saw it running) has its log read now, so its fatal line still
   * counts. The read ends by itself; the cursor keeps earlier runs' lines from repeating. A reply
   * that comes after the window closed is ignored: later events own the facts by then.
   */
  private async drain(entry: Entry, id: string, window: { open: boolean }): Promise<void> {
    const info = await this.engine?.inspect(id).catch(() => undefined);
    if (!window.open || this.disposed) return;
    if (info && indexOf(info.labels) === entry.index && !(entry.logEnded?.id === id && entry.logEnded.run === info.startedAt)) {
      entry.info = info;
      this.follow(entry, info);
    }
    const ended = entry.logEnded;
    if (ended?.id === id) await ended.done;
  }

  private async handleEngineEvent(entry: Entry, e: EngineEvent): Promise<void> {
    if (this.disposed) return;
    if (e.action === 'start' && entry.tracked.running && entry.info?.id === e.id) return; // already known (inspect came first)
    if (e.action === 'health_status') {
      entry.health = e.detail;
      // NVIDIA's compose starts the viewer when this passes: for an image with a HEALTHCHECK it is a readiness signal too.
      if (e.detail === 'healthy' && entry.tracked.running && entry.info?.id === e.id && entry.info.startedAt !== undefined) {
        this.apply(entry, { type: 'log', line: { kind: 'phase', phase: 'streaming' } });
        this.startProbe(entry, entry.info.startedAt);
      }
      this.changed.fire();
      return;
    }
    if (e.action === 'die') {
      await this.drained(entry, e.id);
      if (this.disposed) return;
    }
    this.apply(entry, { type: 'engine', action: e.action, exitCode: e.exitCode, at: e.time, signal: e.signal, ...(e.action === 'die' ? { lastErrors: entry.errorTail } : {}) });
    if (e.action === 'destroy') {
      entry.eventInspectApplied = entry.eventInspects; // replies to inspects issued before this are stale
      if (entry.info?.id === e.id || !entry.info) {
        this.closeFollower(entry);
        entry.info = undefined;
        this.changed.fire();
      }
      return;
    }
    if (e.action === 'create' || e.action === 'start' || e.action === 'die' || e.action === 'oom') {
      // Fetch exact facts (startedAt, OOMKilled, labels) for the container the event is about.
      const seq = ++entry.eventInspects;
      void this.engine
        ?.inspect(e.id)
        .then((info) => {
          if (!info || this.disposed || seq <= entry.eventInspectApplied) return;
          entry.eventInspectApplied = seq;
          if (info.running && (e.action === 'start' || !entry.follower)) {
            entry.info = info;
            entry.tracked = { ...entry.tracked, startedAt: info.startedAt };
            this.follow(entry, info);
          } else if (!info.running) {
            entry.info = info;
            if (info.oomKilled && !entry.tracked.oomKilled) this.apply(entry, { type: 'inspect', facts: { exists: true, running: false, exitCode: info.exitCode, oomKilled: true, startedAt: info.startedAt }, lastErrors: entry.errorTail });
          }
          this.changed.fire();
        })
        .catch((err: unknown) => this.options.log.debug(`inspect after ${e.action} failed: ${String(err)}`));
    }
  }

  // ---- logs ---------------------------------------------------------------------------------------

  private closeFollower(entry: Entry): void {
    entry.logEnded?.resolve();
    entry.follower?.close();
    entry.follower = undefined;
    entry.followerFor = undefined;
    entry.followToken = undefined;
  }

  private follow(entry: Entry, info: ContainerInfo): void {
    const engine = this.engine;
    if (!engine || (entry.follower && entry.followerFor === info.id)) return;
    this.closeFollower(entry);
    if (entry.logsOf !== info.id) {
      entry.logsOf = info.id;
      entry.cursor.reset();
    }
    const resumeAt = entry.cursor.since;
    const alreadyDelivered = entry.cursor.replayFilter();
    const token = {};
    entry.followerFor = info.id;
    let resolveEnded = () => {};
    const done = new Promise<void>((resolve) => (resolveEnded = resolve));
    const ended = { id: info.id, run: info.startedAt, done, resolve: resolveEnded };
    entry.logEnded = ended;
    const handle: { current?: Closeable } = {};
    entry.follower = { close: () => handle.current?.close() };
    entry.followToken = token;
    const isCurrent = () => entry.followToken === token && entry.follower !== undefined;
    engine
      .followLogs(
        info.id,
        resumeAt !== undefined ? { since: resumeAt } : { tail: this.lastGood.logTailLines },
        (line) => {
          if (!isCurrent() || alreadyDelivered(line)) return;
          this.deliver(entry, line);
        },
        (err) => {
          ended.resolve();
          if (!isCurrent()) return;
          entry.follower = undefined;
          entry.followerFor = undefined;
          // A clean end means the container's log is complete (it stopped); an error means we were cut off.
          entry.logsBehind = err ? info.id : undefined;
          if (err) this.options.log.debug(`Log stream of ${instanceLabel(entry.index)} ended: ${err.message}`);
        },
      )
      .then((closeable) => {
        if (isCurrent()) handle.current = closeable;
        else closeable.close();
      })
      .catch((err: unknown) => {
        ended.resolve();
        if (!isCurrent()) return;
        entry.follower = undefined;
        entry.followerFor = undefined;
        entry.logsBehind = info.id;
        this.options.log.warn(`Could not follow logs of ${instanceLabel(entry.index)}: ${err instanceof Error ? err.message : String(err)}`);
      });
  }

  private deliver(entry: Entry, line: LogLine): void {
    entry.cursor.delivered(line);
    const run = entry.info?.startedAt;
    const inCurrentRun = run !== undefined && line.ts >= runStartNs(run);
    if (inCurrentRun && entry.runShown !== run) {
      if (entry.runShown !== undefined) {
        const at = new Date(run).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
        entry.pending.push(`──────── ${instanceLabel(entry.index)} restarted at ${at} ────────`);
      }
      entry.runShown = run;
      entry.errorTail = [];
    }
    // Classified raw (our patterns never hold a secret), shown masked.
    entry.pending.push(this.redactor.redact(line.text));
    if (inCurrentRun && isErrorLine(line.text)) {
      entry.errorTail = [...entry.errorTail.slice(-(ERROR_TAIL - 1)), this.redactor.redact(line.text.trim())];
    }
    if (inCurrentRun && entry.tracked.running) {
      const verdict = this.classifier.classify(line.text);
      if (verdict?.kind === 'ready') {
        // The line alone is not enough: the client endpoint must answer too.
        this.apply(entry, { type: 'log', line: { kind: 'phase', phase: 'streaming' } });
        this.startProbe(entry, run);
      } else if (verdict) {
        this.apply(entry, { type: 'log', line: verdict });
      }
    }
    if (!entry.flushScheduled) {
      entry.flushScheduled = true;
      setImmediate(() => this.flush(entry));
    }
  }

  /** Probes the client endpoint of run `run` until it answers, the run ends, or we shut down. */
  private startProbe(entry: Entry, run: number): void {
    if (entry.probingRun === run || entry.readyRun === run) return;
    entry.probingRun = run;
    const interval = this.options.probeIntervalMs ?? 500;
    const attempt = async (n: number): Promise<void> => {
      if (this.disposed || entry.probingRun !== run || entry.info?.startedAt !== run || !entry.tracked.running) return;
      if (await this.probeOnce(entry)) {
        if (entry.probingRun !== run || entry.info?.startedAt !== run) return;
        entry.probingRun = undefined;
        entry.readyRun = run;
        this.apply(entry, { type: 'log', line: { kind: 'ready' } });
        return;
      }
      if (n === 3) this.options.log.info(`${instanceLabel(entry.index)}: readiness line seen; waiting for its client endpoint to answer.`);
      setTimeout(() => void attempt(n + 1), Math.min(interval * (1 + Math.floor(n / 10)), 2000));
    };
    void attempt(0);
  }

  /** One readiness probe for the instance's profile; for livestream it also notes whether a web viewer answers. */
  private async probeOnce(entry: Entry): Promise<boolean> {
    const s = this.snapshot(entry.index, this.count());
    const profile = VERSIONS[s.version];
    if (profile.probe.kind === 'tcp') {
      const port = s.ports[profile.probe.port];
      if (port === undefined) return false;
      const ok = await probeTcp(this.lastGood.host, port);
      if (ok && profile.view === 'web-viewer') entry.webViewerUp = await probeHttp(s.clientUrl);
      return ok;
    }
    return probeHttp(s.clientUrl);
  }

  private flush(entry: Entry): void {
    entry.flushScheduled = false;
    if (entry.pending.length === 0) return;
    const lines = entry.pending;
    entry.pending = [];
    this.logAppended.fire({ index: entry.index, label: instanceLabel(entry.index), lines });
  }

  // ---- queries ------------------------------------------------------------------------------------

  /** One snapshot per instance: the configured count plus any owned container that exists. */
  list(): InstanceSnapshot[] {
    const count = this.count();
    const indexes = new Set<number>();
    for (let i = 0; i < count; i++) indexes.add(i);
    for (const entry of this.entries.values()) if (entry.info || entry.busy > 0 || entry.tracked.exists) indexes.add(entry.index);
    return [...indexes].sort((a, b) => a - b).map((i) => this.snapshot(i, count));
  }

  get(index: number): InstanceSnapshot | undefined {
    return this.list().find((s) => s.index === index);
  }

  private count(): number {
    return this.settingsResult.ok ? this.settingsResult.settings.instanceCount : this.lastGood.instanceCount;
  }

  /**
   * The version an instance is treated as: its container's label, else what a start read from the
   * configured image, else isaacSim.version, else the image reference's tag.
   */
  private versionOf(labels: Record<string, string>, image: string): DetectedVersion {
    const labelled = labels[VERSION_LABEL] as VersionId | undefined;
    if (labelled && VERSION_IDS.includes(labelled)) return { id: labelled, source: this.detected.get(image)?.source ?? 'its container' };
    const s = this.lastGood;
    if (s.version !== 'auto') return { id: s.version, source: 'isaacSim.version' };
    return this.detected.get(image) ?? detectVersion(image) ?? { id: '4.2', source: 'not read yet: the image is read at the first start' };
  }

  private snapshot(index: number, count: number): InstanceSnapshot {
    const entry = this.entries.get(index);
    const s = this.lastGood;
    const labels = entry?.info?.labels ?? {};
    const image = entry?.info?.image ?? s.image;
    const version = this.versionOf(labels, image);
    const profile = VERSIONS[version.id];
    const ports = parsePortsLabel(labels[PORTS_LABEL]) ?? portsFor(s, version.id, index);
    const clientUrl = clientUrlFor(s, version.id, index, ports);
    const tracked = entry?.tracked ?? initialTracked(0);
    let view: InstanceView = { kind: 'url', url: clientUrl };
    if (ports.signal !== undefined && (profile.view === 'desktop-client' || (profile.view === 'web-viewer' && entry?.webViewerUp !== true))) {
      view = {
        kind: 'desktop-client',
        version: version.id,
        host: s.host,
        port: ports.signal,
        // NVIDIA's 4.5/5.x desktop client connects to 49100 only (IsaacSim #606).
        reachable: profile.view !== 'desktop-client' || ports.signal === DEFAULT_SIGNAL_PORT,
        ...(profile.view === 'web-viewer' ? { webViewerUrl: clientUrl } : {}),
        ...(ports.stream !== undefined ? { streamPort: ports.stream } : {}),
      };
    }
    const startup = entry?.startup;
    const loadingSince = tracked.state.kind === 'loading' ? tracked.state.since : undefined;
    return {
      index,
      label: instanceLabel(index),
      containerName: containerNameFor(index),
      containerId: entry?.info?.id,
      image,
      ports,
      clientUrl,
      view,
      version: version.id,
      versionSource: version.source,
      warnings: tracked.warnings.map((w) => w.problem),
      ...(entry?.health ? { health: entry.health } : {}),
      ...(entry?.streamNote ? { streamNote: entry.streamNote } : {}),
      gpu: labels[GPU_LABEL] ?? gpuFor(s.gpus, index),
      state: tracked.state,
      startedAt: tracked.running ? tracked.startedAt : undefined,
      startup: startup
        ? { since: startup.since, kind: startup.kind, etaMs: this.startupTimes.estimate(startup.image, startup.kind) }
        : loadingSince !== undefined
          ? { since: loadingSince, kind: 'unknown', etaMs: this.startupTimes.estimate(image, 'unknown') }
          : undefined,
      exists: tracked.exists || entry?.info !== undefined,
      configured: index < count,
      busy: (entry?.busy ?? 0) > 0,
    };
  }

  // ---- operations ---------------------------------------------------------------------------------

  private requireSettings(): Settings {
    if (!this.settingsResult.ok) throw new SettingsError(this.settingsResult.problems);
    return this.settingsResult.settings;
  }

  private async requireEngine(): Promise<DockerEngine> {
    await this.connect();
    if (!this.engine) throw new EngineError('Docker engine is not connected.', true);
    return this.engine;
  }

  /** Runs `fn` in the instance's queue, after whatever is already queued for it. */
  private enqueue<T>(index: number, op: 'start' | 'stop' | 'restart' | 'remove', fn: (engine: DockerEngine, entry: Entry) => Promise<T>): Promise<T> {
    const entry = this.entry(index);
    entry.busy++;
    this.changed.fire();
    const run = async (): Promise<T> => {
      const engine = await this.requireEngine();
      this.apply(entry, { type: 'op', op });
      try {
        return await fn(engine, entry);
      } catch (err) {
        // An engine error can quote the spec (env included): no secret leaves in a message.
        if (err instanceof Error) err.message = this.redactor.redact(err.message);
        const message = err instanceof Error ? err.message : this.redactor.redact(String(err));
        this.apply(entry, { type: 'opFailed', op, message, short: shortReason(message) });
        throw err;
      } finally {
        await this.inspectInto(engine, entry).catch(() => undefined);
      }
    };
    const result = entry.queue.then(run, run);
    entry.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => {
      entry.busy--;
      this.changed.fire();
    });
  }

  private async inspectInto(engine: DockerEngine, entry: Entry): Promise<void> {
    const info = await engine.inspect(containerNameFor(entry.index));
    if (info && !isOurs(info)) {
      if (entry.info) this.applyInfo(entry, undefined);
      return;
    }
    // Our operation's own inspect can see an exit before the engine's `die` event does: classify it
    // only once that run's log has drained too, as the event path does.
    if (info && !info.running && (entry.tracked.running || entry.tracked.state.kind === 'starting')) await this.drained(entry, info.id);
    this.applyInfo(entry, info);
  }

  private async ownedOrNone(engine: DockerEngine, index: number): Promise<ContainerInfo | undefined> {
    const info = await engine.inspect(containerNameFor(index));
    if (info && !isOurs(info)) throw new ForeignContainerError(info, index);
    return info;
  }

  async start(index: number): Promise<void> {
    const settings = this.requireSettings();
    await this.enqueue(index, 'start', (engine, entry) => this.startIn(engine, entry, settings));
  }

  /** The start itself, run in the instance's queue (by start, and by restart when nothing runs). */
  private async startIn(engine: DockerEngine, entry: Entry, settings: Settings): Promise<void> {
    const index = entry.index;
    const existing = await this.ownedOrNone(engine, index);
    if (existing?.running) return;
    if (!existing && !(await engine.imagePresent(settings.image))) {
      if (!this.options.ensureImage) {
        throw new EngineError(
          `Image "${settings.image}" is not on this machine. Pull it first ("docker login nvcr.io" then "docker pull ${settings.image}"), or set isaacSim.image to an image you have. Nothing was created.`,
          false,
        );
      }
      this.options.log.info(`${instanceLabel(index)}: image ${settings.image} is missing; pulling it.`);
      await this.options.ensureImage(engine, settings.image);
    }
    const version = await resolveVersion(engine, settings);
    this.detected.set(settings.image, { id: version.id, source: version.source });
    const spec = buildContainerSpec(settings, index, { version: version.id, image: version.image, home: this.home });
    if (existing) {
      if (existing.labels[SPEC_HASH_LABEL] === spec.Labels[SPEC_HASH_LABEL]) {
        if (engine.isLocal) await this.assertPortsFree(engine, settings, version.id, index);
        entry.startup = { since: this.now(), kind: engine.isLocal ? await this.startKind(settings, version, false) : 'unknown', image: settings.image };
        await engine.start(existing.id);
        return;
      }
      this.options.log.info(`${instanceLabel(index)}: settings changed since its container was created; recreating it.`);
      await engine.remove(existing.id);
    }
    if (engine.isLocal) await this.assertPortsFree(engine, settings, version.id, index);
    let newCache = false;
    if (layoutOf({ version: version.id, image: version.image }) === 'isaac-sim') {
      const { created } = await prepareVolumes(engine, spec, index);
      newCache = created.some((name) => name.endsWith('-glcache'));
      if (created.length > 0) this.options.log.info(`${instanceLabel(index)}: made volumes ${created.join(', ')} for uid 1234.`);
    } else if (engine.isLocal) {
      await this.createHostFolders(settings, index);
    }
    entry.startup = { since: this.now(), kind: engine.isLocal || newCache ? await this.startKind(settings, version, newCache) : 'unknown', image: settings.image };
    let id: string;
    try {
      id = await engine.create(spec);
    } catch (err) {
      // Name taken since we looked: another session (a second VS Code window) created it at the same
      // moment. If it is ours, start that one (a no-op when it already runs); a foreign one is named.
      if (!(err instanceof EngineError && err.statusCode === 409)) throw err;
      // The engine reserves the name before the container can be inspected: give it a moment.
      let raced = await this.ownedOrNone(engine, index);
      for (let attempt = 0; !raced && attempt < 20; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        raced = await this.ownedOrNone(engine, index);
      }
      if (!raced) throw err;
      this.options.log.info(`${instanceLabel(index)}: another session created its container at the same moment; using that one.`);
      if (!raced.running) await engine.start(raced.id);
      return;
    }
    try {
      const ports = portsFor(settings, version.id, index);
      entry.streamNote = await givePlayerItsPort(engine, id, version.id, ports.signal, instanceLabel(index));
      if (entry.streamNote) {
        this.options.log.warn(entry.streamNote);
        this.noticed.fire({ index, label: instanceLabel(index), message: this.redactor.redact(entry.streamNote) });
      }
      await engine.start(id);
    } catch (err) {
      // Nothing half-created: a container that cannot start is removed again.
      await engine.remove(id, true).catch((e: unknown) => this.options.log.warn(`Could not remove ${spec.name} after a failed start: ${String(e)}`));
      throw err;
    }
  }

  /**
   * With host networking a taken port only shows once the simulator fails to bind it, minutes in.
   * Check every port of the instance on 127.0.0.1 before anything is created, and name who holds it
   * where that is visible: one of our instances, a container (never touched), or a process.
   */
  private async assertPortsFree(engine: DockerEngine, settings: Settings, version: VersionId, index: number): Promise<void> {
    const others = this.list().filter((s) => s.index !== index && s.startedAt !== undefined);
    const ports = portsFor(settings, version, index);
    for (const kind of VERSIONS[version].binds) {
      const port = ports[kind];
      if (port === undefined) continue;
      const protocol = portProtocol(kind);
      const probe = await probePort(port, protocol, '127.0.0.1');
      if (probe.free || probe.code !== 'EADDRINUSE') continue;
      const instance = others.find((o) => Object.values(o.ports).includes(port));
      const holder = instance ? { who: `${instance.label} (running)`, fix: `stop ${instance.label}` } : await describePortHolder(port, protocol, (id) => engine.inspect(id));
      throw new EngineError(
        `${instanceLabel(index)} cannot start: its ${PORT_LABELS[kind]} port ${port} is already in use on 127.0.0.1 by ${holder.who}. Nothing was created: ${holder.fix}, or move isaacSim.${PORT_BASE_SETTING[kind]}.`,
        false,
      );
    }
  }

  /**
   * A first start when the drivers' shader caches are empty: Kit will compile shaders. Root layout: the
   * host cache folders; isaac-sim layout: whether the shared GLCache volume was just made.
   */
  private async startKind(settings: Settings, version: ResolvedVersion, newCache: boolean): Promise<StartKind> {
    if (layoutOf({ version: version.id, image: version.image }) === 'isaac-sim') return newCache ? 'first' : 'cached';
    const root = expandHome(settings.hostDataRoot, this.home);
    for (const folder of ['cache/computecache', 'cache/glcache', 'cache/kit']) {
      const items = await readdir(path.join(root, folder)).catch(() => [] as string[]);
      if (items.length > 0) return 'cached';
    }
    return 'first';
  }

  private async createHostFolders(settings: Settings, index: number): Promise<void> {
    for (const folder of hostFoldersFor(settings, index, this.home)) {
      try {
        await mkdir(folder, { recursive: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new Error(`Could not create the host folder "${folder}" (${code}) for ${instanceLabel(index)}'s caches: set isaacSim.hostDataRoot to a folder you can write. Nothing was created.`, { cause: err });
      }
    }
  }

  async stop(index: number): Promise<void> {
    const timeout = this.lastGood.stopTimeoutSeconds;
    await this.enqueue(index, 'stop', async (engine) => {
      const info = await this.ownedOrNone(engine, index);
      if (info?.running) await engine.stop(info.id, timeout);
    });
  }

  /**
   * Restarts a running instance, or starts one that is not running. Which of the two is decided in
   * the queue, on the engine's truth at that moment: not on what we knew when the command came (a
   * stop or remove queued before it, or a session that has not looked yet, would make that wrong).
   */
  async restart(index: number): Promise<void> {
    if (!this.settingsResult.ok && !this.entries.get(index)?.info?.running) this.requireSettings();
    const timeout = this.lastGood.stopTimeoutSeconds;
    await this.enqueue(index, 'restart', async (engine, entry) => {
      const current = await this.ownedOrNone(engine, index);
      if (current?.running) {
        await engine.restart(current.id, timeout);
        return;
      }
      await this.startIn(engine, entry, this.requireSettings());
    });
  }

  async remove(index: number): Promise<void> {
    const timeout = this.lastGood.stopTimeoutSeconds;
    await this.enqueue(index, 'remove', async (engine) => {
      const info = await this.ownedOrNone(engine, index);
      if (!info) return;
      if (info.running) await engine.stop(info.id, timeout);
      await engine.remove(info.id).catch((err: unknown) => {
        // Another session removes it at this moment: the outcome we want is already under way.
        if (err instanceof EngineError && err.statusCode === 409 && /already in progress/i.test(err.message)) return;
        throw err;
      });
    });
  }

  async startAll(): Promise<void> {
    const settings = this.requireSettings();
    await this.all(
      Array.from({ length: settings.instanceCount }, (_, i) => i),
      (i) => this.start(i),
      'start',
    );
  }

  async stopAll(): Promise<void> {
    await this.connect();
    await this.all(
      // Busy ones too: a start still in flight has no container yet, but will have one before this runs.
      this.list().filter((s) => s.exists || s.busy).map((s) => s.index),
      (i) => this.stop(i),
      'stop',
    );
  }

  async removeAll(): Promise<void> {
    await this.connect();
    await this.all(
      // Busy ones too: a start still in flight has no container yet, but will have one before this runs.
      this.list().filter((s) => s.exists || s.busy).map((s) => s.index),
      (i) => this.remove(i),
      'remove',
    );
  }

  private async all(indexes: number[], fn: (i: number) => Promise<void>, verb: string): Promise<void> {
    const results = await Promise.allSettled(indexes.map(fn));
    const failures = results.flatMap((r, k) => (r.status === 'rejected' ? [`${instanceLabel(indexes[k])}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
    if (failures.length === 1) throw new Error(`Could not ${verb} ${failures[0]}`);
    if (failures.length > 1) throw new Error(`Could not ${verb} ${failures.length} of ${indexes.length} instances. ${failures.join(' ')}`);
  }

  dispose(): void {
    this.disposed = true;
    this.disconnect();
    this.changed.dispose();
    this.logAppended.dispose();
    this.statusChanged.dispose();
    this.failed.dispose();
    this.noticed.dispose();
  }
}

/** The first sentence of an error, short enough for a tree description. */
export function shortReason(message: string): string {
  const first = message.split(/(?<=[.:])\s/)[0] ?? message;
  return first.length > 120 ? `${first.slice(0, 117)}...` : first.replace(/[.:]$/, '');
}
