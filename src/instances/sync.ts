/**
 * Keeps the store in line with the engine: engine events, the full resync after every (re)connect,
 * one log follower per running container, the classification of its lines, and readiness probing.
 *
 * Design note
 * - Events of one instance are handled in order (a chain per instance): a `die` waits, bounded, for
 *   the run's log to drain first, so a fatal line printed just before the exit still names the
 *   cause, and what follows the `die` waits for it. A stop is shown at the `die` already (the
 *   reducer's `exiting`): the drain can only turn it into a failure, never hold it back.
 * - An inspect after an event fetches exact facts (startedAt, OOMKilled). Replies can come back out
 *   of order; an older reply (say, from before a destroy) must not overwrite newer facts.
 * - Only containers labelled as ours, named as ours, are looked at.
 */
import type { ContainerInfo, EngineEvent, InstanceEngine } from './engineApi';
import type { Logger } from './logger';
import { LogFollower } from './logFollower';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, containerNameFor, instanceLabel } from './model';
import { LogClassifier } from './readiness';
import { probeInstance, probeUntilReady } from './readinessProbe';
import type { InstanceStore } from './store';
import { VERSIONS } from './versions';

/** How long an exit waits for the container's log to drain before it is classified. */
const DRAIN_MS = 500;
/**
 * A `start` event within this much of a known run's StartedAt is about that run (the engine stamps
 * both within milliseconds); a new run of the same container starts later than its predecessor ended.
 */
const STALE_START_MS = 250;
/**
 * Our one-shot helpers: the reader of an image's player file (player.ts) and the volume owner fix
 * (prepare.ts), each named with a random suffix so that two windows never share one (the volume
 * helper's old fixed name, without one, is matched too). Each removes itself when done; one left
 * behind by an extension host that died meanwhile is removed at the next resync once it is older
 * than HELPER_STALE_MS, so a helper another window is using right now is never touched.
 */
const HELPER_NAME = /^isaac-sim-orchestrator-(?:read|volumes)-\d{1,4}(?:-[0-9a-f]{8})?$/;
const HELPER_STALE_MS = 120_000;
/** How often a running container's cut-off log stream is followed again before we give up (see followAgainLater). */
const REFOLLOW_ATTEMPTS = 8;

export const OWNER_FILTER = `${OWNER_LABEL}=${OWNER_VALUE}`;

export function isOurs(info: Pick<ContainerInfo, 'labels'>): boolean {
  return info.labels[OWNER_LABEL] === OWNER_VALUE;
}

export function indexOf(labels: Record<string, string>): number | undefined {
  const raw = labels[INDEX_LABEL];
  if (raw === undefined || !/^\d{1,4}$/.test(raw)) return undefined;
  return Number(raw);
}

export interface SyncOptions {
  log: Logger;
  redact: (text: string) => string;
  /** The connected engine, if any. */
  engine: () => InstanceEngine | undefined;
  onAppend: (index: number, lines: string[]) => void;
  /** A raw line that may carry the 6.x code server's token, before it is masked; `run` if it is of the current run. */
  onTokenLine?: (index: number, text: string, run: number | undefined) => void;
  probeIntervalMs?: number;
  drainMs?: number;
  refollowBaseMs?: number;
  /** Tests: the age from which a leftover helper container is removed (default HELPER_STALE_MS). */
  helperStaleMs?: number;
  now?: () => number;
}

interface EventState {
  chain: Promise<void>;
  inspects: number;
  applied: number;
}

export class EngineSync {
  private readonly followers = new Map<number, LogFollower>();
  private readonly eventStates = new Map<number, EventState>();
  private readonly refollows = new Map<number, { id: string; attempts: number; timer?: ReturnType<typeof setTimeout> }>();
  private classifier: LogClassifier;
  private disposed = false;

  constructor(
    private readonly store: InstanceStore,
    private readonly options: SyncOptions,
    readinessPatterns: readonly string[],
  ) {
    this.classifier = new LogClassifier(readinessPatterns);
  }

  setReadinessPatterns(patterns: readonly string[]): void {
    this.classifier = new LogClassifier(patterns);
  }

  /** The run's last error lines (masked), for an exit that no table explains. */
  errorTail(index: number): readonly string[] {
    return this.followers.get(index)?.errorTail ?? [];
  }

  /** Closes every log follower (the connection went away). */
  closeAll(): void {
    for (const f of this.followers.values()) f.close();
    // A reconnect resyncs (and follows) everything again: pending attempts and their counts start anew.
    for (const r of this.refollows.values()) if (r.timer) clearTimeout(r.timer);
    this.refollows.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.closeAll();
  }

  // ---- resync -------------------------------------------------------------------------------------

  /** Reads every owned container and brings the store in line with it; resolves with them all (web viewers too). */
  async resync(engine: InstanceEngine): Promise<ContainerInfo[]> {
    const infos = await engine.listByLabel(OWNER_FILTER);
    const seen = new Set<number>();
    for (const info of infos) {
      const index = indexOf(info.labels);
      if (index === undefined || info.name !== containerNameFor(index)) continue;
      seen.add(index);
      this.applyInfo(index, info);
      // It stopped while we were away from the engine: deliver the lines we missed (the read ends by itself).
      if (!info.running && this.follower(index).isBehind(info.id)) this.follow(index, info);
    }
    for (const index of this.store.indexes()) if (!seen.has(index) && this.store.info(index)) this.applyInfo(index, undefined);
    this.sweepHelpers(engine, infos);
    this.store.synced = true;
    void this.recheckWebViewers();
    return infos;
  }

  /** Removes our one-shot helpers that an earlier extension host left behind (see HELPER_NAME). */
  private sweepHelpers(engine: InstanceEngine, infos: readonly ContainerInfo[]): void {
    const now = (this.options.now ?? Date.now)();
    const stale = this.options.helperStaleMs ?? HELPER_STALE_MS;
    for (const info of infos) {
      if (!isOurs(info) || !HELPER_NAME.test(info.name) || info.running || info.createdAt === undefined || now - info.createdAt < stale) continue;
      this.options.log.info(`Removing ${info.name}, a helper container an earlier session left behind.`);
      void engine.remove(info.id, true).catch((err: unknown) => this.options.log.debug(`could not remove ${info.name}: ${String(err)}`));
    }
  }

  /** Inspects instance `index`'s container after an operation of ours, and applies what it says. */
  async inspectInto(engine: InstanceEngine, index: number): Promise<void> {
    const info = await engine.inspect(containerNameFor(index));
    if (info && !isOurs(info)) {
      if (this.store.info(index)) this.applyInfo(index, undefined);
      return;
    }
    // Our operation's own inspect can see an exit before the engine's `die` event does: classify it
    // only once that run's log has drained too, as the event path does.
    const t = this.store.tracked(index);
    if (info && !info.running && (t.running || t.state.kind === 'starting')) {
      // A run that ended before its `start` event was handled: it did run, so its lines count.
      if (!t.running && info.startedAt !== undefined) this.store.apply(index, { type: 'engine', action: 'start', at: info.startedAt });
      await this.drained(index, info.id);
    }
    this.applyInfo(index, info);
  }

  /** A web viewer may have come or gone since the instance became ready (Refresh asks again). */
  private async recheckWebViewers(): Promise<void> {
    for (const index of this.store.indexes()) {
      if (this.store.tracked(index).state.kind !== 'ready') continue;
      const s = this.store.live(index);
      if (VERSIONS[s.version].view !== 'web-viewer') continue;
      const { webViewerUp } = await probeInstance(s, this.store.lastGood.host);
      if (webViewerUp !== undefined) this.store.apply(index, { type: 'webViewer', up: webViewerUp });
    }
  }

  private applyInfo(index: number, info: ContainerInfo | undefined): void {
    if (!info) {
      this.followers.get(index)?.close();
      this.store.setInfo(index, undefined);
      this.store.apply(index, { type: 'inspect', facts: { exists: false, running: false } });
      return;
    }
    this.store.setInfo(index, info);
    this.store.apply(index, { type: 'health', status: info.health });
    this.store.apply(index, {
      type: 'inspect',
      facts: { exists: true, running: info.running, exitCode: info.exitCode, oomKilled: info.oomKilled, startedAt: info.startedAt, error: info.error, errorKind: info.errorKind },
      ...(info.running ? {} : { lastErrors: this.errorTail(index) }),
    });
    if (info.running) this.follow(index, info);
  }

  // ---- events -------------------------------------------------------------------------------------

  onEvent(e: EngineEvent): void {
    const index = indexOf(e.labels);
    if (index === undefined) return;
    const s = this.eventState(index);
    s.chain = s.chain.then(() => this.handle(index, e)).catch((err: unknown) => this.options.log.debug(`event ${e.action} failed: ${String(err)}`));
  }

  private eventState(index: number): EventState {
    let s = this.eventStates.get(index);
    if (!s) {
      s = { chain: Promise.resolve(), inspects: 0, applied: 0 };
      this.eventStates.set(index, s);
    }
    return s;
  }

  private async handle(index: number, e: EngineEvent): Promise<void> {
    if (this.disposed) return;
    const t = this.store.tracked(index);
    const info = this.store.info(index);
    if (e.action === 'start' && info?.id === e.id) {
      if (t.running) return; // already known (inspect came first)
      // The run this event announces has already ended, and an inspect told us (a start that dies
      // within milliseconds): replaying it would forget why it died.
      if (!info.running && info.startedAt !== undefined && Math.abs(e.time - info.startedAt) <= STALE_START_MS) return;
    }
    if (e.action === 'health_status') {
      this.store.apply(index, { type: 'health', status: e.detail });
      // NVIDIA's compose starts the viewer when this passes: for an image with a HEALTHCHECK it is a readiness signal too.
      if (e.detail === 'healthy' && t.running && info?.id === e.id && info.startedAt !== undefined) this.readinessSeen(index, info.startedAt);
      return;
    }
    if (e.action === 'die') {
      // A stop shows at once; the drain below can still turn it into a failure (state.ts, `exiting`).
      if (info?.id === e.id) this.store.apply(index, { type: 'exiting', exitCode: e.exitCode });
      await this.drained(index, e.id);
      if (this.disposed) return;
    }
    this.store.apply(index, { type: 'engine', action: e.action, exitCode: e.exitCode, at: e.time, signal: e.signal, ...(e.action === 'die' ? { lastErrors: this.errorTail(index) } : {}) });
    const es = this.eventState(index);
    if (e.action === 'destroy') {
      es.applied = es.inspects; // replies to inspects issued before this are stale
      const current = this.store.info(index);
      if (current?.id === e.id || !current) {
        this.followers.get(index)?.close();
        this.store.setInfo(index, undefined);
      }
      return;
    }
    if (e.action === 'create' || e.action === 'start' || e.action === 'die' || e.action === 'oom') {
      // Fetch exact facts (startedAt, OOMKilled, labels) for the container the event is about.
      const seq = ++es.inspects;
      void this.options
        .engine()
        ?.inspect(e.id)
        .then((fresh) => {
          if (!fresh || this.disposed || seq <= es.applied) return;
          es.applied = seq;
          if (fresh.running && (e.action === 'start' || !this.follower(index).isFollowing())) {
            this.store.setInfo(index, fresh);
            this.store.apply(index, { type: 'startedAt', at: fresh.startedAt });
            this.follow(index, fresh);
          } else if (!fresh.running) {
            this.store.setInfo(index, fresh);
            if (fresh.oomKilled && !this.store.tracked(index).oomKilled) {
              this.store.apply(index, { type: 'inspect', facts: { exists: true, running: false, exitCode: fresh.exitCode, oomKilled: true, startedAt: fresh.startedAt }, lastErrors: this.errorTail(index) });
            }
          }
        })
        .catch((err: unknown) => this.options.log.debug(`inspect after ${e.action} failed: ${String(err)}`));
    }
  }

  /**
   * The log and the events are two streams: a fatal line printed just before the exit can arrive after
   * the `die`. The reducer ignores log lines of a run that has ended, so the exit is classified only
   * once the log stream of that container has ended (it ends when the container stops), or after
   * drainMs, whichever is first.
   */
  private async drained(index: number, id: string): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const window = { open: true };
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.drainMs ?? DRAIN_MS)));
    await Promise.race([this.drain(index, id, window), bound]);
    window.open = false;
    clearTimeout(timer);
  }

  /**
   * A run that died before a follower was attached to it (a start that fails within milliseconds,
   * before the inspect after `start` saw it running) has its log read now, so its fatal line still
   * counts. The read ends by itself; the cursor keeps earlier runs' lines from repeating. A reply
   * that comes after the window closed is ignored: later events own the facts by then.
   *
   * A follower still attached to the container, or whose stream of this very run has ended cleanly,
   * needs no inspect: that stream ends when the log is complete. The inspect must not be waited for
   * then: the engine answers it only once it has cleaned up after the exit (measured with
   * test/bench/dieTimeline.ts: 25-140 ms after the `die`, once 3.4 s; the stream ended 2-27 ms after).
   */
  private async drain(index: number, id: string, window: { open: boolean }): Promise<void> {
    const attached = this.follower(index);
    const run = this.store.tracked(index).startedAt;
    if (attached.isFollowing(id) || (run !== undefined && attached.hasEnded(id, run) && !attached.isBehind(id))) return attached.whenEnded(id);
    const info = await this.options
      .engine()
      ?.inspect(id)
      .catch(() => undefined);
    if (!window.open || this.disposed) return;
    const follower = this.follower(index);
    if (info && indexOf(info.labels) === index && !follower.hasEnded(id, info.startedAt)) {
      this.store.setInfo(index, info);
      this.follow(index, info);
    }
    await follower.whenEnded(id);
  }

  // ---- logs and readiness -------------------------------------------------------------------------

  private follower(index: number): LogFollower {
    let f = this.followers.get(index);
    if (!f) {
      f = new LogFollower(index, {
        log: this.options.log,
        redact: this.options.redact,
        currentRun: () => this.store.info(index)?.startedAt,
        onRunLine: (text, run) => this.classify(index, text, run),
        onTokenLine: (text, run) => this.options.onTokenLine?.(index, text, run),
        onAppend: (lines) => this.options.onAppend(index, lines),
        onCutOff: (info) => this.followAgainLater(index, info.id),
      });
      this.followers.set(index, f);
    }
    return f;
  }

  /**
   * A running container's log stream was cut off or could not attach (a busy engine can refuse or
   * drop one; before, such an instance stayed "loading" until the next reconnect): follow it again,
   * from where it left off, after 250 ms, 500 ms, ... up to 5 s, at most REFOLLOW_ATTEMPTS times per
   * container. A reconnect's resync follows again by itself and starts the count anew.
   */
  private followAgainLater(index: number, id: string): void {
    if (this.disposed) return;
    let r = this.refollows.get(index);
    if (!r || r.id !== id) {
      if (r?.timer) clearTimeout(r.timer);
      this.refollows.set(index, (r = { id, attempts: 0 }));
    }
    if (r.timer) return;
    if (r.attempts >= REFOLLOW_ATTEMPTS) {
      this.options.log.warn(`${instanceLabel(index)}: its log could not be followed after ${REFOLLOW_ATTEMPTS} attempts; Refresh tries again.`);
      return;
    }
    const entry = r;
    const delay = Math.min((this.options.refollowBaseMs ?? 250) * 2 ** entry.attempts, 5000);
    entry.attempts++;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      const info = this.store.info(index);
      if (this.disposed || !info || info.id !== id || !info.running || this.follower(index).isFollowing(id)) return;
      this.follow(index, info);
    }, delay);
  }

  private follow(index: number, info: ContainerInfo): void {
    const engine = this.options.engine();
    if (engine) this.follower(index).follow(engine, info, this.store.lastGood.logTailLines);
  }

  private classify(index: number, text: string, run: number): void {
    const verdict = this.classifier.classify(text);
    const t = this.store.tracked(index);
    // The run has ended (its exit waits for this drain): only a fatal line can still say something.
    if (t.exiting && verdict?.kind !== 'failure') return;
    if (!t.running) {
      // A fatal line of this run that lagged behind its exit still names the cause (the reducer decides).
      if (verdict?.kind === 'failure') this.store.apply(index, { type: 'lateFailure', diagnosis: verdict.diagnosis });
      return;
    }
    if (verdict?.kind === 'ready') this.readinessSeen(index, run);
    else if (verdict) this.store.apply(index, { type: 'log', line: verdict });
  }

  /** The readiness line (or a passing HEALTHCHECK) of run `run`: the client endpoint must answer too. */
  private readinessSeen(index: number, run: number): void {
    this.store.apply(index, { type: 'log', line: { kind: 'phase', phase: 'streaming' } });
    const before = this.store.tracked(index);
    if (before.probingRun === run || before.readyRun === run) return;
    this.store.apply(index, { type: 'probing', run });
    const wanted = () => {
      const t = this.store.tracked(index);
      return !this.disposed && t.running && t.probingRun === run && this.store.info(index)?.startedAt === run;
    };
    probeUntilReady({
      wanted,
      probe: () => probeInstance(this.store.live(index), this.store.lastGood.host),
      onResult: (r) => {
        if (r.webViewerUp !== undefined) this.store.apply(index, { type: 'webViewer', up: r.webViewerUp });
        if (r.ok) this.store.apply(index, { type: 'probed', run });
      },
      onSlow: () => this.options.log.info(`${instanceLabel(index)}: readiness line seen; waiting for its client endpoint to answer.`),
      intervalMs: this.options.probeIntervalMs ?? 500,
    });
  }
}
