/**
 * Follows one instance's container log: where it was read up to, resuming without repeats or gaps,
 * a separator line between runs, the run's last error lines, and masking of secrets before any line
 * leaves. Lines go out in batches, one per engine chunk.
 *
 * Design note
 * - One follower at a time per instance. A replaced follower's callbacks are ignored (a token).
 * - Lines carry engine timestamps; the cursor (logCursor.ts) lets a new follower resume with
 *   `since` and drop what was already delivered.
 * - The stream ends cleanly when the container stops: then the log is complete. An error means we
 *   were cut off (`behind`), and the owner reads the rest at its next resync.
 * - Lines are classified raw (our patterns never hold a secret) and shown masked: `redact` is
 *   applied here and nowhere else on the log path. A 6.x code server's token line is handed over
 *   raw first, so that its token is known to the redactor before the line itself is masked.
 */
import * as l10n from '@vscode/l10n';
import type { Closeable, ContainerInfo, InstanceEngine, LogLine } from './engineApi';
import { LogCursor } from './logCursor';
import type { Logger } from './logger';
import { instanceLabel } from './model';
import { isErrorLine } from './readiness';
import { TOKEN_LINE_PREFIX } from './simPythonProtocol';

/** How many error lines of a run are kept for an exit that no table explains. */
const ERROR_TAIL = 5;

/**
 * How long before its StartedAt a line still belongs to a run. The engine stamps StartedAt once the
 * runtime reports the start, after the process is already running: a process that prints and dies
 * at once has lines stamped before it (seen: 0.5 ms before, on this machine's dockerd 20.10), and
 * without the slack its fatal line was not classified. A restart of the same container leaves far
 * more than this between the old run's last line and the new StartedAt (the old process's exit,
 * then the runtime's teardown and a new create and start).
 */
export const RUN_START_SLACK_MS = 100;

/** Where a run's lines begin (ms of its StartedAt) in engine ns; the last one is kept, so a line costs no BigInt arithmetic for it. */
let lastRun: { ms: number; ns: bigint } | undefined;
function runStartNs(ms: number): bigint {
  if (lastRun?.ms !== ms) lastRun = { ms, ns: BigInt(ms - RUN_START_SLACK_MS) * 1_000_000n };
  return lastRun.ns;
}

export interface FollowerHost {
  log: Logger;
  redact(text: string): string;
  /** startedAt (ms) of the instance's current run, as the owner knows it now. */
  currentRun(): number | undefined;
  /** A line of the current run, raw, for classification. */
  onRunLine(text: string, run: number): void;
  /** A raw line with the 6.x code server's token line prefix, before it is masked (so the token can be); `run` if it is of the current run. */
  onTokenLine?(text: string, run: number | undefined): void;
  /** Masked lines to show, in order (a separator, if any, first). */
  onAppend(lines: string[]): void;
  /** The stream of `info` was cut off (an error) or could not attach: the owner may follow it again. */
  onCutOff?(info: ContainerInfo): void;
}

interface Ended {
  id: string;
  run?: number;
  done: Promise<void>;
  resolve: () => void;
}

export class LogFollower {
  private follower: Closeable | undefined;
  private followerFor: string | undefined;
  private token: object | undefined;
  private readonly cursor = new LogCursor();
  /** Container id the cursor belongs to. */
  private logsOf: string | undefined;
  /** Container id whose stream was cut off before the container's end. */
  private logsBehind: string | undefined;
  /** startedAt of the run whose lines were delivered last; a new run gets a separator. */
  private runShown: number | undefined;
  private ended: Ended | undefined;
  private pending: string[] = [];
  private flushScheduled = false;
  private tail: string[] = [];

  constructor(
    private readonly index: number,
    private readonly host: FollowerHost,
  ) {}

  /** The last error lines of the current run (masked), quoted when it exits without a known cause. */
  get errorTail(): readonly string[] {
    return this.tail;
  }

  /** A follower is attached to container `id`. */
  isFollowing(id?: string): boolean {
    return this.follower !== undefined && (id === undefined || this.followerFor === id);
  }

  /** The stream of container `id` (and of its run `run`, if given) has already ended. */
  hasEnded(id: string, run?: number): boolean {
    return this.ended?.id === id && (run === undefined || this.ended.run === run);
  }

  /** Resolves when the follower of container `id` has ended (or was closed); undefined if there is none. */
  whenEnded(id: string): Promise<void> | undefined {
    return this.ended?.id === id ? this.ended.done : undefined;
  }

  /** Container `id` was cut off before its end: its remaining lines are still to be read. */
  isBehind(id: string): boolean {
    return this.logsBehind === id && this.logsOf === id;
  }

  close(): void {
    this.ended?.resolve();
    this.follower?.close();
    this.follower = undefined;
    this.followerFor = undefined;
    this.token = undefined;
  }

  /** Follows `info`'s log, resuming after what was delivered of it (or from the last `tail` lines). */
  follow(engine: InstanceEngine, info: ContainerInfo, tail: number): void {
    if (this.follower && this.followerFor === info.id) return;
    this.close();
    if (this.logsOf !== info.id) {
      this.logsOf = info.id;
      this.cursor.reset();
    }
    const resumeAt = this.cursor.since;
    const alreadyDelivered = this.cursor.replayFilter();
    const token = {};
    this.followerFor = info.id;
    let resolve = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    const ended: Ended = { id: info.id, run: info.startedAt, done, resolve };
    this.ended = ended;
    const handle: { current?: Closeable } = {};
    this.follower = { close: () => handle.current?.close() };
    this.token = token;
    const isCurrent = () => this.token === token && this.follower !== undefined;
    const lost = (behind: boolean) => {
      ended.resolve();
      if (!isCurrent()) return false;
      this.follower = undefined;
      this.followerFor = undefined;
      this.logsBehind = behind ? info.id : undefined;
      return true;
    };
    engine
      .followLogs(
        info.id,
        resumeAt !== undefined ? { since: resumeAt } : { tail },
        (line) => {
          if (isCurrent() && !alreadyDelivered(line)) this.deliver(line);
        },
        // A clean end means the container's log is complete (it stopped); an error means we were cut off.
        (err) => {
          if (lost(err !== undefined) && err) {
            this.host.log.debug(`Log stream of ${instanceLabel(this.index)} ended: ${err.message}`);
            this.host.onCutOff?.(info);
          }
        },
      )
      .then((closeable) => {
        if (isCurrent()) handle.current = closeable;
        else closeable.close();
      })
      .catch((err: unknown) => {
        if (!lost(true)) return;
        this.host.log.warn(`Could not follow logs of ${instanceLabel(this.index)}: ${err instanceof Error ? err.message : String(err)}`);
        this.host.onCutOff?.(info);
      });
  }

  private deliver(line: LogLine): void {
    this.cursor.delivered(line);
    const run = this.host.currentRun();
    const inCurrentRun = run !== undefined && line.ts >= runStartNs(run);
    if (inCurrentRun && this.runShown !== run) {
      if (this.runShown !== undefined) {
        const at = new Date(run).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
        this.pending.push(l10n.t('──────── {0} restarted at {1} ────────', instanceLabel(this.index), at));
      }
      this.runShown = run;
      this.tail = [];
    }
    if (line.text.includes(TOKEN_LINE_PREFIX)) this.host.onTokenLine?.(line.text, inCurrentRun ? run : undefined);
    this.pending.push(this.host.redact(line.text));
    if (inCurrentRun && isErrorLine(line.text)) this.tail = [...this.tail.slice(-(ERROR_TAIL - 1)), this.host.redact(line.text.trim())];
    if (inCurrentRun) this.host.onRunLine(line.text, run);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.host.onAppend(lines);
  }
}
