/**
 * The store: the one owner of what is known about each instance (its tracked state and its
 * container), and the one publisher of snapshots.
 *
 * Design note
 * - Every change goes through `apply` (the pure reducer, state.ts) or `setInfo`. Nothing else
 *   writes an instance's state.
 * - Snapshots are immutable and built lazily, per instance, only when that instance's inputs
 *   changed. `live()` is the truth now, for operations. `current` is what views read.
 * - Publication is coalesced: many changes in one turn give one `onDidChange`, and none when the
 *   published snapshot would be the same.
 * - A transient state (starting, stopping, or just "an operation is queued") is published only once
 *   it has lasted HOLD_MS. A `docker stop` of the stand-in goes kill → die → stopped within a few
 *   ms: showing *stopping* at `kill` costs a second tree refresh, which VS Code's extension host
 *   holds back for ~200 ms, so the row would show *stopped* late. Held, the row goes straight to
 *   *stopped*. A real Isaac Sim takes seconds to stop, so it still shows *stopping*.
 */
import type { ContainerInfo } from './engineApi';
import type { EngineStatus } from './connection';
import type { SettingNamer } from './diagnosis';
import { StartupTimes, type KeyValueStore } from './eta';
import { Emitter, type Event } from './events';
import type { Logger } from './logger';
import { instanceLabel, type InstanceSnapshot, type WebViewerState } from './model';
import { DEFAULT_SETTINGS, type Settings, type SettingKey } from './settings';
import { buildSnapshot } from './snapshot';
import { initialTracked, reduce, type StateInput, type Tracked } from './state';
import type { DetectedVersion } from './versions';

/** How long a transient state must last before it is shown. */
export const HOLD_MS = 250;

export interface Snapshot {
  readonly engine: EngineStatus;
  /** The configured instances plus any of ours that exist or are busy, by index. */
  readonly instances: readonly InstanceSnapshot[];
  readonly byIndex: ReadonlyMap<number, InstanceSnapshot>;
}

export interface InstanceFailure {
  index: number;
  label: string;
  snapshot: InstanceSnapshot;
}

interface Entry {
  tracked: Tracked;
  info?: ContainerInfo;
  /** Its web viewer's state (webViewers.ts writes it). */
  viewer?: WebViewerState;
  /** The 6.x code server's token of a run (its startedAt), as the log printed it. */
  codeToken?: { token: string; run: number };
  /** The live snapshot, while it is up to date. */
  built?: InstanceSnapshot;
  /** The last one built, and its JSON: a rebuild that comes out the same keeps the old object. */
  last?: { snapshot: InstanceSnapshot; json: string };
}

export interface StoreOptions {
  log: Logger;
  now: () => number;
  store?: KeyValueStore;
  redact: (text: string) => string;
  /** The id of the setting that holds `key` for this engine (Manager.settingId), for what snapshots say; default the top-level ids. */
  settingId?: (key: SettingKey) => string;
  /** How a failure's fix names settings for this engine (fleetSettings.ts fixSettingName); default the top-level ids. */
  fixNames?: SettingNamer;
}

function isTransient(s: InstanceSnapshot, previous: InstanceSnapshot): boolean {
  // A container that came or went is news, whatever the state says.
  if (s.exists !== previous.exists || s.containerId !== previous.containerId) return false;
  if (s.state.kind === 'starting' || s.state.kind === 'stopping') return true;
  // Only the busy flag changed.
  return s.busy && !previous.busy && s.state === previous.state;
}

export class InstanceStore {
  private readonly entries = new Map<number, Entry>();
  private readonly detected = new Map<string, DetectedVersion>();
  private settings: Settings = { ...DEFAULT_SETTINGS };
  private count = DEFAULT_SETTINGS.instanceCount;
  private engine: EngineStatus = { kind: 'idle' };
  private published: Snapshot = Object.freeze({ engine: this.engine, instances: Object.freeze([]), byIndex: new Map() });
  private publishScheduled = false;
  private disposed = false;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private holdUntil = Infinity;
  private readonly startupTimes: StartupTimes;
  private readonly changed = new Emitter<Snapshot>();
  private readonly failed = new Emitter<InstanceFailure>();
  /** Fires (coalesced) with the new snapshot after anything the views show changed. */
  readonly onDidChange: Event<Snapshot> = this.changed.event;
  /** Fires when an instance is seen to fail, once `synced` (not for failures that were there when we connected). */
  readonly onDidFail: Event<InstanceFailure> = this.failed.event;
  /** True after the first resync: failures seen from then on are news. */
  synced = false;

  constructor(private readonly options: StoreOptions) {
    this.startupTimes = new StartupTimes(options.store);
  }

  /**
   * What views read: immutable, the same object until something shown changes. A read never sees
   * a stale snapshot: a publication still pending is done now (and the coalesced event fires now).
   */
  get current(): Snapshot {
    if (this.publishScheduled) this.publish();
    return this.published;
  }

  get lastGood(): Settings {
    return this.settings;
  }

  setSettings(settings: Settings | undefined, count: number): void {
    if (settings) this.settings = settings;
    this.count = count;
    this.invalidateAll();
  }

  setEngineStatus(status: EngineStatus): void {
    this.engine = status;
    this.schedule();
  }

  /** A start read `image`'s version. */
  setDetected(image: string, version: DetectedVersion): void {
    const known = this.detected.get(image);
    if (known?.id === version.id && known.source === version.source) return;
    this.detected.set(image, version);
    this.invalidateAll();
  }

  indexes(): number[] {
    return [...this.entries.keys()];
  }

  tracked(index: number): Tracked {
    return this.entry(index).tracked;
  }

  info(index: number): ContainerInfo | undefined {
    return this.entries.get(index)?.info;
  }

  setInfo(index: number, info: ContainerInfo | undefined): void {
    const entry = this.entry(index);
    if (entry.info === info) return;
    entry.info = info;
    this.invalidate(entry);
  }

  viewer(index: number): WebViewerState | undefined {
    return this.entries.get(index)?.viewer;
  }

  /** The web viewer of `index` is now `viewer` (undefined: it has none). */
  setViewer(index: number, viewer: WebViewerState | undefined): void {
    const entry = this.entry(index);
    if (entry.viewer === viewer) return;
    entry.viewer = viewer && Object.freeze({ ...viewer });
    this.invalidate(entry);
  }

  /** Run `run` of `index` printed its code server token. */
  setCodeToken(index: number, token: string, run: number): void {
    const entry = this.entry(index);
    if (entry.codeToken?.token === token && entry.codeToken.run === run) return;
    entry.codeToken = { token, run };
    this.invalidate(entry);
  }

  /** The code server token of the instance's current run: the one its log printed, else isaacSim.pythonServerToken. */
  codeToken(index: number): string | undefined {
    const entry = this.entries.get(index);
    const run = entry?.info?.startedAt;
    if (entry?.codeToken && run !== undefined && entry.codeToken.run === run) return entry.codeToken.token;
    return this.settings.pythonServerToken || undefined;
  }

  apply(index: number, input: StateInput): void {
    // Failure reasons end up in tooltips and notifications.
    if (input.type === 'inspect' && input.facts.error) input = { ...input, facts: { ...input.facts, error: this.options.redact(input.facts.error) } };
    const entry = this.entry(index);
    const previous = entry.tracked;
    const now = this.options.now();
    const next = reduce(previous, input, now, this.options.fixNames);
    if (next === previous) return;
    entry.tracked = next;
    this.invalidate(entry);
    const kind = next.state.kind;
    if (kind === 'failed' && previous.state.kind === 'failed' && next.state.diagnosisId !== previous.state.diagnosisId && this.synced) {
      this.options.log.error(`${instanceLabel(index)} failed: ${next.state.reason ?? 'unknown reason'} (its log named the cause after the exit)`);
    }
    if (kind === previous.state.kind) return;
    if (kind === 'ready' && previous.startup) {
      const { image, kind: startKind, since } = previous.startup;
      void this.startupTimes.record(image, startKind, now - since).catch((err: unknown) => this.options.log.warn(`Could not store the startup time: ${String(err)}`));
    }
    if (kind === 'failed' && this.synced) {
      const snapshot = this.live(index);
      this.options.log.error(`${snapshot.label} failed: ${next.state.reason ?? 'unknown reason'}`);
      this.failed.fire({ index, label: snapshot.label, snapshot });
    }
  }

  /** The instance as it is now (not held back), for operations. */
  live(index: number): InstanceSnapshot {
    const entry = this.entry(index);
    if (entry.built) return entry.built;
    let built: InstanceSnapshot = Object.freeze(
      buildSnapshot({
        index,
        count: this.count,
        settings: this.settings,
        tracked: entry.tracked,
        info: entry.info,
        viewer: entry.viewer,
        codeTokenKnown: this.codeToken(index) !== undefined,
        detected: this.detected.get(entry.info?.image ?? this.settings.image),
        settingId: this.options.settingId,
        estimate: (image, kind) => this.startupTimes.estimate(image, kind),
      }),
    );
    // Facts that no view shows (an OOM flag before the exit, a probe in flight) change nothing here.
    const json = JSON.stringify(built);
    if (entry.last?.json === json) built = entry.last.snapshot;
    else entry.last = { snapshot: built, json };
    entry.built = built;
    return built;
  }

  /** Every instance as it is now: the configured count plus any that exist or are busy. */
  liveList(): InstanceSnapshot[] {
    const indexes = new Set<number>();
    for (let i = 0; i < this.count; i++) indexes.add(i);
    for (const [index, e] of this.entries) if (e.info || e.tracked.busy > 0 || e.tracked.exists) indexes.add(index);
    return [...indexes].sort((a, b) => a - b).map((i) => this.live(i));
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.holdTimer);
    this.changed.dispose();
    this.failed.dispose();
  }

  private entry(index: number): Entry {
    let e = this.entries.get(index);
    if (!e) {
      e = { tracked: initialTracked(this.options.now()) };
      this.entries.set(index, e);
    }
    return e;
  }

  private invalidate(entry: Entry): void {
    entry.built = undefined;
    this.schedule();
  }

  private invalidateAll(): void {
    for (const e of this.entries.values()) e.built = undefined;
    this.schedule();
  }

  private schedule(): void {
    if (this.publishScheduled || this.disposed) return;
    this.publishScheduled = true;
    queueMicrotask(() => {
      if (this.publishScheduled) this.publish();
    });
  }

  private publish(): void {
    this.publishScheduled = false;
    const now = this.options.now();
    let nextHold = Infinity;
    const before = this.published;
    const instances = this.liveList().map((s) => {
      const shown = before.byIndex.get(s.index);
      if (!shown || shown === s || !isTransient(s, shown)) return s;
      const since = s.state.kind === 'starting' || s.state.kind === 'stopping' ? s.state.since : (this.entries.get(s.index)?.tracked.busySince ?? now);
      if (now - since >= HOLD_MS) return s;
      nextHold = Math.min(nextHold, since + HOLD_MS);
      return shown;
    });
    if (nextHold < this.holdUntil) {
      clearTimeout(this.holdTimer);
      this.holdUntil = nextHold;
      this.holdTimer = setTimeout(() => {
        this.holdUntil = Infinity;
        this.schedule();
      }, Math.max(0, nextHold - now));
    }
    const same = before.engine === this.engine && before.instances.length === instances.length && instances.every((s, i) => before.instances[i] === s);
    if (same) return;
    this.published = Object.freeze({ engine: this.engine, instances: Object.freeze(instances), byIndex: new Map(instances.map((s) => [s.index, s])) });
    this.changed.fire(this.published);
  }
}
