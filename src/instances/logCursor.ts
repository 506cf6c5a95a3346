/**
 * Where a container's log was read up to, so that a follower which re-attaches (after a restart of
 * the container, a cut stream, or an engine outage) goes on with no line repeated and none lost.
 * No `vscode` here.
 *
 * Why a window and not just "the last timestamp": the engine stamps stdout and stderr lines in two
 * separate readers, so in its log file a line can follow another one that carries a LATER
 * timestamp. Resuming at the last delivered timestamp would drop such a line if the cut fell between
 * the two. So a resumed follower asks for everything since `newest - WINDOW` and drops exactly the
 * lines it already delivered, recognised by (timestamp, stream, text) and counted, so that two
 * identical lines with the same timestamp are both kept when both are new.
 */
import type { LogLine } from '../docker/engine';

/** How far back a resume reaches: far more than the engine's reordering between streams (microseconds to milliseconds). */
export const RESUME_WINDOW_NS = 2_000_000_000n;

/**
 * What a cursor does with its window, reported to an optional probe (the unit tests count the
 * work with it): `kept` a new line, `examined` the oldest line to see if it has left the window,
 * `evicted` it.
 */
export type CursorStep = 'kept' | 'examined' | 'evicted';

/** The smallest ring a cursor keeps; it doubles when full and halves when mostly empty. */
const MIN_CAPACITY = 1024;

export class LogCursor {
  private newest: bigint | undefined;
  /**
   * The lines delivered within WINDOW of the newest, in the order they were delivered: a ring of
   * `count` lines from `start`, in three parallel arrays (stamps and streams in typed arrays, the
   * texts the engine already allocated). Keeping a line allocates nothing and hashes nothing, and
   * a line costs its text and 9 bytes. (A key string and a Map entry per line cost ~3 µs a line at
   * 100,000 lines/s, and the Map's rehashes held the event loop.) Eviction only looks at the
   * oldest line, so each line costs O(1) amortised however large the window is. A line whose
   * stamp is older than the one before it (stderr stamped earlier) may stay until the oldest
   * passes it; that is harmless: a replay drops every line older than `since` before it looks at
   * the window, and such a line is older than `since` by then.
   */
  private stamps = new BigInt64Array(MIN_CAPACITY);
  private streams = new Uint8Array(MIN_CAPACITY);
  private texts: (string | undefined)[] = new Array<string | undefined>(MIN_CAPACITY).fill(undefined);
  private start = 0;
  private count = 0;

  constructor(private readonly probe?: (step: CursorStep) => void) {}

  /** Forget everything (a different container). */
  reset(): void {
    this.newest = undefined;
    this.resize(MIN_CAPACITY, 0);
  }

  /** Nothing delivered yet: a follower starts from the tail, not from `since`. */
  get empty(): boolean {
    return this.newest === undefined;
  }

  /** The `since` for a resumed follower (engine timestamps, ns), or undefined when nothing was delivered. */
  get since(): bigint | undefined {
    if (this.newest === undefined) return undefined;
    const since = this.newest - RESUME_WINDOW_NS;
    return since > 0n ? since : 0n;
  }

  /**
   * Records a delivered line. Lines without an engine timestamp (ts 0) cannot be matched and are
   * not kept; nor are lines older than `since`, which a replay drops by their time alone.
   */
  delivered(line: LogLine): void {
    const ts = line.ts;
    if (ts === 0n) return;
    if (this.newest === undefined || ts > this.newest) {
      this.newest = ts;
      this.evictBefore(ts - RESUME_WINDOW_NS);
    } else if (ts < this.newest - RESUME_WINDOW_NS) {
      return;
    }
    if (this.count === this.texts.length) this.resize(this.texts.length * 2, this.count);
    const i = (this.start + this.count) & (this.texts.length - 1);
    this.stamps[i] = ts;
    this.streams[i] = line.stream === 'stderr' ? 1 : 0;
    this.texts[i] = line.text;
    this.count++;
    this.probe?.('kept');
  }

  private evictBefore(floor: bigint): void {
    const mask = this.texts.length - 1;
    while (this.count > 0) {
      this.probe?.('examined');
      if (this.stamps[this.start] >= floor) break;
      this.texts[this.start] = undefined;
      this.start = (this.start + 1) & mask;
      this.count--;
      this.probe?.('evicted');
    }
    if (this.texts.length > MIN_CAPACITY && this.count * 8 < this.texts.length) this.resize(this.texts.length / 2, this.count);
  }

  /** Moves the newest `keep` lines, oldest first, into rings of `capacity` (a power of two). */
  private resize(capacity: number, keep: number): void {
    const stamps = new BigInt64Array(capacity);
    const streams = new Uint8Array(capacity);
    const texts = new Array<string | undefined>(capacity).fill(undefined);
    const mask = this.texts.length - 1;
    for (let k = 0; k < keep; k++) {
      const i = (this.start + this.count - keep + k) & mask;
      stamps[k] = this.stamps[i];
      streams[k] = this.streams[i];
      texts[k] = this.texts[i];
    }
    this.stamps = stamps;
    this.streams = streams;
    this.texts = texts;
    this.start = 0;
    this.count = keep;
  }

  /**
   * A filter for one resumed follower: true for a line it must drop (already delivered, or older
   * than the window, which only an engine ignoring `since` would send). Each delivered copy is
   * dropped once. Call `delivered` for every line the filter lets through.
   */
  replayFilter(): (line: LogLine) => boolean {
    const since = this.since;
    if (since === undefined) return () => false;
    // A copy of the window (the ring goes on changing as the follower delivers), indexed by stamp:
    // stamps are all but unique, while a text may repeat endlessly.
    const n = this.count;
    const texts: string[] = new Array<string>(n);
    const streams = new Uint8Array(n);
    let byStamp: Map<bigint, number | number[]> | undefined = new Map();
    const mask = this.texts.length - 1;
    for (let k = 0; k < n; k++) {
      const i = (this.start + k) & mask;
      const ts = this.stamps[i];
      texts[k] = this.texts[i]!;
      streams[k] = this.streams[i];
      const at = byStamp.get(ts);
      if (at === undefined) byStamp.set(ts, k);
      else if (typeof at === 'number') byStamp.set(ts, [at, k]);
      else at.push(k);
    }
    const used = new Uint8Array(n);
    let left = n;
    const take = (k: number, line: LogLine): boolean => {
      if (used[k] === 1 || texts[k] !== line.text || streams[k] !== (line.stream === 'stderr' ? 1 : 0)) return false;
      used[k] = 1;
      // Every delivered copy is dropped: the rest can only be new.
      if (--left === 0) byStamp = undefined;
      return true;
    };
    return (line) => {
      if (line.ts === 0n) return false;
      if (line.ts < since) return true;
      const at = byStamp?.get(line.ts);
      if (at === undefined) return false;
      if (typeof at === 'number') return take(at, line);
      for (const k of at) if (take(k, line)) return true;
      return false;
    };
  }
}
