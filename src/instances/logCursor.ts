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

export class LogCursor {
  private newest: bigint | undefined;
  /**
   * The lines delivered within WINDOW of the newest, in the order they were delivered, oldest at
   * `head`: three parallel arrays of what the engine already allocated for the line (its stamp and
   * text), so keeping a line allocates nothing and hashes nothing. (A key string and a Map entry
   * per line cost ~3 µs a line at 100,000 lines/s, and the Map's rehashes held the event loop.)
   * Eviction only looks at the front, so each line costs O(1) amortised however large the window
   * is. A line whose stamp is older than the one in front of it (stderr stamped earlier) may stay
   * until the front passes it; that is harmless: a replay drops every line older than `since`
   * before it looks at the window, and such a line is older than `since` by then.
   */
  private stamps: bigint[] = [];
  private texts: string[] = [];
  private streams: LogLine['stream'][] = [];
  private head = 0;

  constructor(private readonly probe?: (step: CursorStep) => void) {}

  /** Forget everything (a different container). */
  reset(): void {
    this.newest = undefined;
    this.stamps = [];
    this.texts = [];
    this.streams = [];
    this.head = 0;
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
    this.stamps.push(ts);
    this.texts.push(line.text);
    this.streams.push(line.stream);
    this.probe?.('kept');
  }

  private evictBefore(floor: bigint): void {
    const stamps = this.stamps;
    let head = this.head;
    while (head < stamps.length) {
      this.probe?.('examined');
      if (stamps[head] >= floor) break;
      head++;
      this.probe?.('evicted');
    }
    this.head = head;
    // Drop the evicted front once it is most of the arrays: amortised O(1) per line.
    if (head > 1024 && head * 2 > stamps.length) {
      this.stamps = stamps.slice(head);
      this.texts = this.texts.slice(head);
      this.streams = this.streams.slice(head);
      this.head = 0;
    }
  }

  /**
   * A filter for one resumed follower: true for a line it must drop (already delivered, or older
   * than the window, which only an engine ignoring `since` would send). Each delivered copy is
   * dropped once. Call `delivered` for every line the filter lets through.
   */
  replayFilter(): (line: LogLine) => boolean {
    const since = this.since;
    if (since === undefined) return () => false;
    // The window's lines by stamp (stamps are all but unique; a text may repeat endlessly). The
    // arrays are only ever appended to in place (compaction and reset replace them), so the
    // indexes taken now stay valid while the follower delivers more lines.
    const { stamps, texts, streams, head } = this;
    const end = stamps.length;
    let byStamp: Map<bigint, number | number[]> | undefined = new Map();
    for (let i = head; i < end; i++) {
      const at = byStamp.get(stamps[i]);
      if (at === undefined) byStamp.set(stamps[i], i);
      else if (typeof at === 'number') byStamp.set(stamps[i], [at, i]);
      else at.push(i);
    }
    const used = new Uint8Array(end - head);
    let left = end - head;
    const take = (i: number, line: LogLine): boolean => {
      if (used[i - head] === 1 || texts[i] !== line.text || streams[i] !== line.stream) return false;
      used[i - head] = 1;
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
      for (const i of at) if (take(i, line)) return true;
      return false;
    };
  }
}
