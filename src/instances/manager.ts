/**
 * InstanceManager: the domain's one entry point for the views and commands. No `vscode` here.
 *
 * Design note — it only wires four parts, each with one job, behind the InstanceEngine interface
 * (engineApi.ts):
 * - EngineConnection (connection.ts): which engine, whether it answers, generation and backoff, the
 *   event stream;
 * - EngineSync (sync.ts): events, resync, log following (logFollower.ts) and readiness probing
 *   (readinessProbe.ts) into the store;
 * - Operations (operations.ts): the queues, start/stop/restart/remove, port checks, cancellation;
 * - InstanceStore (store.ts): the one owner of instance state, and the publisher of one immutable,
 *   coalesced snapshot that every view reads.
 */
import * as l10n from '@vscode/l10n';
import os from 'node:os';
import { TOP_LEVEL_ENGINE_SETTINGS, type EngineSettingIds } from '../docker/errors';
import { EngineConnection, type EngineStatus } from './connection';
import type { InstanceEngine } from './engineApi';
import type { KeyValueStore } from './eta';
import { Emitter, type Disposable, type Event } from './events';
import type { Logger } from './logger';
import { instanceLabel, type InstanceSnapshot } from './model';
import { Operations } from './operations';
import { Redactor } from './redact';
import { DEFAULT_SETTINGS, SettingsError, type Settings, type SettingKey, type SettingsProblem, type SettingsResult } from './settings';
import { InstanceStore, type InstanceFailure, type Snapshot } from './store';
import { EngineSync, OWNER_FILTER } from './sync';
import { TOP_LEVEL_ORIGIN, fixSettingName, settingIdOf, type SettingOrigin } from './fleetSettings';
import { WebViewers } from './webViewers';
import { runCodeIn } from './codeRun';
import { OrchestratorError } from './errors';
import type { RunOptions, SimRunResult } from './simPython';
import { tokenFromLogLine } from './simPythonProtocol';

export type { EngineStatus, InstanceFailure, Logger, Snapshot };
export { SettingsError };

export interface LogAppend {
  index: number;
  label: string;
  /** Complete lines, in order. A separator, if any, comes first. */
  lines: string[];
}

export interface Notice {
  index: number;
  label: string;
  message: string;
}

export interface ManagerOptions<E extends InstanceEngine> {
  /** The engine client for a dockerHost / dockerContext, whose messages name `settingIds` (where the two came from). */
  engineFor: (dockerHost: string, dockerContext: string, settingIds: EngineSettingIds) => E;
  log: Logger;
  home?: string;
  now?: () => number;
  /** Persists learned startup times (VS Code's globalState). */
  store?: KeyValueStore;
  /** Called when the configured image is missing before a start; without it, the start fails with a clear error. */
  ensureImage?: (engine: E, image: string, signal: AbortSignal) => Promise<void>;
  /** How often a readiness probe is retried (ms). */
  probeIntervalMs?: number;
  /** Longest an exit waits for its log to drain before it is classified (ms; default 500). */
  drainMs?: number;
  /** Tests: the first wait before a cut-off log stream is followed again (doubling from there; default 250 ms). */
  refollowBaseMs?: number;
  /** Tests: the age from which a leftover helper container is removed at a resync (default 2 min). */
  helperStaleMs?: number;
  /** Given by the fleet: claims the engine's ID for this manager's host (connection.ts). */
  claimEngine?: (engineId: string) => string | undefined;
}

export class InstanceManager<E extends InstanceEngine = InstanceEngine> implements Disposable {
  /** Masks secret env values (and secret-looking assignments) in everything the manager emits. */
  readonly redactor = new Redactor();
  private readonly logAppended = new Emitter<LogAppend>();
  private readonly statusChanged = new Emitter<EngineStatus>();
  private readonly noticed = new Emitter<Notice>();
  /** Fires with new log lines of an instance, batched per engine chunk. */
  readonly onDidAppendLog: Event<LogAppend> = this.logAppended.event;
  readonly onDidChangeEngineStatus: Event<EngineStatus> = this.statusChanged.event;
  /** Fires with something the user must know before an instance starts (shown as a warning). */
  readonly onDidNotice: Event<Notice> = this.noticed.event;
  /** Fires (coalesced) with the new snapshot after any instance or engine status change. */
  readonly onDidChange: Event<Snapshot>;
  /** Fires when an instance is seen to fail (not for failures that were already there when we connected). */
  readonly onDidFail: Event<InstanceFailure>;

  private readonly store: InstanceStore;
  private readonly connection: EngineConnection<E>;
  private readonly sync: EngineSync;
  private readonly operations: Operations<E>;
  private readonly viewers: WebViewers;
  private settingsResult: SettingsResult = { ok: true, settings: { ...DEFAULT_SETTINGS } };
  private lastGood: Settings = { ...DEFAULT_SETTINGS };
  private lastSettingIds: EngineSettingIds = TOP_LEVEL_ENGINE_SETTINGS;
  private lastOrigin: SettingOrigin = TOP_LEVEL_ORIGIN;

  constructor(options: ManagerOptions<E>) {
    const redact = (m: string) => this.redactor.redact(m);
    const raw = options.log;
    const log: Logger = { debug: (m) => raw.debug(redact(m)), info: (m) => raw.info(redact(m)), warn: (m) => raw.warn(redact(m)), error: (m) => raw.error(redact(m)) };
    const now = options.now ?? Date.now;
    this.store = new InstanceStore({ log, now, store: options.store, redact, settingId: (key) => this.settingId(key), fixNames: (key) => fixSettingName(this.lastOrigin, key) });
    this.onDidChange = this.store.onDidChange;
    this.onDidFail = this.store.onDidFail;
    this.sync = new EngineSync(
      this.store,
      {
        log,
        redact,
        engine: () => (this.connection.status.kind === 'connected' ? this.connection.client : undefined),
        onAppend: (index, lines) => this.logAppended.fire({ index, label: instanceLabel(index), lines }),
        onTokenLine: (index, text, run) => {
          const token = tokenFromLogLine(text);
          if (token === undefined) return;
          // Masked from now on, this line included; remembered only for the run that printed it.
          this.redactor.addSecret(token);
          if (run !== undefined) this.store.setCodeToken(index, token, run);
        },
        probeIntervalMs: options.probeIntervalMs,
        drainMs: options.drainMs,
        refollowBaseMs: options.refollowBaseMs,
        helperStaleMs: options.helperStaleMs,
        now: options.now,
      },
      DEFAULT_SETTINGS.readinessPatterns,
    );
    this.connection = new EngineConnection<E>(
      {
        engineFor: options.engineFor,
        log,
        filter: OWNER_FILTER,
        onEvent: (e) => {
          this.sync.onEvent(e);
          this.viewers.onEvent(e);
        },
        onConnected: async (engine) => {
          this.viewers.resync(await this.sync.resync(engine));
        },
        onDisconnected: () => this.sync.closeAll(),
        ...(options.claimEngine ? { claimEngine: options.claimEngine } : {}),
        onStatus: (status) => {
          this.store.setEngineStatus(status);
          this.statusChanged.fire(status);
        },
      },
      this.lastGood.dockerHost,
      this.lastGood.dockerContext,
    );
    this.viewers = new WebViewers(this.store, {
      log,
      home: options.home ?? os.homedir(),
      engine: () => (this.connection.status.kind === 'connected' ? this.connection.client : undefined),
      settings: () => (this.settingsResult.ok ? this.settingsResult.settings : undefined),
      settingId: (key) => this.settingId(key),
      onBuildLine: (index, line) => this.logAppended.fire({ index, label: instanceLabel(index), lines: [redact(line)] }),
      probeIntervalMs: options.probeIntervalMs,
    });
    this.store.onDidChange(() => this.viewers.reconcile());
    this.operations = new Operations<E>(this.store, {
      log,
      home: options.home ?? os.homedir(),
      now,
      redact,
      engine: () => this.connection.require(),
      settings: () => this.requireSettings(),
      settingId: (key) => this.settingId(key),
      inspectInto: (engine, index) => this.sync.inspectInto(engine, index),
      ensureImage: options.ensureImage,
      notice: (index, message) => this.noticed.fire({ index, label: instanceLabel(index), message }),
    });
  }

  /** The one immutable snapshot every view reads; replaced (and onDidChange fired) when something shown changes. */
  get snapshot(): Snapshot {
    return this.store.current;
  }

  get engineStatus(): EngineStatus {
    return this.connection.status;
  }

  /** The engine client, once one was made (for diagnostics and tests). */
  get currentEngine(): E | undefined {
    return this.connection.client;
  }

  get settingsProblems(): SettingsProblem[] {
    return this.settingsResult.ok ? [] : this.settingsResult.problems;
  }

  /** The settings this manager was last given (an endpoint's own, merged with the top-level ones). */
  get settings(): SettingsResult {
    return this.settingsResult;
  }

  /** The settings its engine's dockerHost and dockerContext came from (an endpoint's own in a fleet). */
  get engineSettingIds(): EngineSettingIds {
    return this.lastSettingIds;
  }

  /**
   * The id of the setting that holds `key` for this host's settings in force: its endpoint's own
   * (isaacSim.endpoints[i].<key>) where the endpoint sets it, else the top-level isaacSim.<key>.
   */
  settingId(key: SettingKey): string {
    return settingIdOf(this.lastOrigin, key);
  }

  /**
   * Applies (re)validated settings. A new docker host means a new connection; so do new `settingIds`
   * (an endpoint moved in isaacSim.endpoints), which the engine's messages name. `origin`: which of
   * them the endpoint sets itself (settingId), as the fleet planned it.
   */
  updateSettings(result: SettingsResult, settingIds: EngineSettingIds = TOP_LEVEL_ENGINE_SETTINGS, origin: SettingOrigin = TOP_LEVEL_ORIGIN): void {
    this.settingsResult = result;
    if (result.ok) {
      this.lastGood = result.settings;
      this.lastSettingIds = settingIds;
      this.lastOrigin = origin;
      this.redactor.update(result.settings.env);
      if (result.settings.pythonServerToken) this.redactor.addSecret(result.settings.pythonServerToken);
      this.sync.setReadinessPatterns(result.settings.readinessPatterns);
      this.connection.setHost(result.settings.dockerHost, result.settings.dockerContext, settingIds);
    }
    this.store.setSettings(result.ok ? result.settings : undefined, this.lastGood.instanceCount);
    // A viewer setting shows in no snapshot until a viewer acts on it: look now, not at the next change.
    this.viewers.reconcile();
  }

  /** Connects once (idempotent); rejects with an EngineError if the engine is unreachable. */
  connect(): Promise<void> {
    return this.connection.connect();
  }

  /** Drops the connection and connects again now (the "Retry" action). */
  reconnect(): Promise<void> {
    return this.connection.reconnect();
  }

  /** Reads every owned container again (the "Refresh" action). */
  async resync(): Promise<void> {
    const engine = this.connection.status.kind === 'connected' ? this.connection.client : undefined;
    if (!engine) return;
    this.viewers.resync(await this.sync.resync(engine));
  }

  /**
   * "Run in Sim": sends Python code to instance `index`'s code server and returns its reply, the
   * traceback's frames mapped onto `origin`. Rejects with a SimPythonError that names the fix, or
   * with a CancelledError when `signal` aborts (the code already running in the simulator goes on).
   */
  runCode(index: number, code: string, opts: RunOptions = {}): Promise<SimRunResult> {
    const engine = this.connection.status.kind === 'connected' ? this.connection.client : undefined;
    return runCodeIn({ snapshot: this.store.live(index), engine, token: this.store.codeToken(index) }, code, opts);
  }

  /** The last `lines` lines of instance `index`'s container log (all runs), secrets masked. */
  async logTail(index: number, lines: number): Promise<string[]> {
    const engine = await this.connection.require();
    const info = this.store.info(index);
    if (!info) throw new OrchestratorError(l10n.t('{0} has no container, so it has no log: start it first.', instanceLabel(index)), 'other');
    const out: string[] = [];
    await new Promise<void>((resolve, reject) => {
      engine.followLogs(info.id, { tail: lines, follow: false }, (line) => out.push(this.redactor.redact(line.text)), (err) => (err ? reject(err) : resolve())).catch(reject);
    });
    return out.slice(-lines);
  }

  /** Cancels the build (or the start) of instance `index`'s web viewer; false when none is under way. */
  cancelWebViewer(index: number): boolean {
    return this.viewers.cancel(index);
  }

  /** The published snapshots: the configured count plus any owned container that exists. */
  list(): readonly InstanceSnapshot[] {
    return this.store.current.instances;
  }

  get(index: number): InstanceSnapshot | undefined {
    return this.store.current.byIndex.get(index);
  }

  /** Starts instance `index`; `signal` (a cancelled notification) aborts it while it is pending or pulling. */
  async start(index: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.operations.start(index, options.signal);
  }

  async stop(index: number): Promise<void> {
    await this.operations.stop(index);
  }

  async restart(index: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.operations.restart(index, options.signal);
  }

  async remove(index: number): Promise<void> {
    await this.operations.remove(index);
  }

  async startAll(options: { signal?: AbortSignal } = {}): Promise<void> {
    const settings = this.requireSettings();
    const indexes = Array.from({ length: settings.instanceCount }, (_, i) => i);
    await this.operations.all(indexes, (i) => this.operations.start(i, options.signal), 'start');
  }

  async stopAll(): Promise<void> {
    await this.connect();
    await this.operations.all(this.existingOrBusy(), (i) => this.operations.stop(i), 'stop');
  }

  async removeAll(): Promise<void> {
    await this.connect();
    await this.operations.all(this.existingOrBusy(), (i) => this.operations.remove(i), 'remove');
  }

  dispose(): void {
    this.connection.dispose();
    this.viewers.dispose();
    this.sync.dispose();
    this.store.dispose();
    this.logAppended.dispose();
    this.statusChanged.dispose();
    this.noticed.dispose();
  }

  /** Busy ones too: a start still in flight has no container yet, but will have one before a stop runs. */
  private existingOrBusy(): number[] {
    return this.store
      .liveList()
      .filter((s) => s.exists || s.busy)
      .map((s) => s.index);
  }

  private requireSettings(): Settings {
    if (!this.settingsResult.ok) throw new SettingsError(this.settingsResult.problems);
    return this.settingsResult.settings;
  }
}

/**
 * What the views and commands use of the manager: its public members only. Views take this, not the
 * class, so a manager of any engine type (DockerEngine in the extension, a fake in tests) fits.
 */
export type Manager<E extends InstanceEngine = InstanceEngine> = { [K in keyof InstanceManager<E>]: InstanceManager<E>[K] };
