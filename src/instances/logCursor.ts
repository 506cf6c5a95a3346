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
 * A flat string: `join` copies the parts, where a template literal would make a rope that keeps
 * the line's text, and with it the whole engine chunk the text was sliced from, alive. This key
 * is most of what the window holds (~80 bytes a line against ~370 with a rope and an object).
 */
function keyOf(line: LogLine): string {
  return [line.ts, line.stream, line.text].join('\u0000');
}

function stampOf(key: string): bigint {
  return BigInt(key.slice(0, key.indexOf('\u0000')));
}

/**
 * What a cursor does with its window, reported to an optional probe (the unit tests count the
 * work with it): `kept` a new key, `examined` the oldest key to see if it has left the window,
 * `evicted` it.
 */
export type CursorStep = 'kept' | 'examined' | 'evicted';

export class LogCursor {
  private newest: bigint | undefined;
  /** Lines delivered within WINDOW of the newest, by key, with how many times each was delivered. */
  private readonly recent = new Map<string, number>();
  /**
   * The same keys in the order they were first delivered, oldest at `head`. Eviction only looks
   * at the front, so each line costs O(1) amortised however large the window is. A line whose
   * stamp is older than the one in front of it (stderr stamped earlier) may stay until the front
   * passes it; that is harmless: a replay drops every line older than `since` before it looks at
   * the window, and such a line is older than `since` by then.
   */
  private order: string[] = [];
  private head = 0;
  /** The stamp of `order[head]`, read from its key once. */
  private headStamp: bigint | undefined;

  constructor(private readonly probe?: (step: CursorStep) => void) {}

  /** Forget everything (a different container). */
  reset(): void {
    this.newest = undefined;
    this.recent.clear();
    this.order = [];
    this.head = 0;
    this.headStamp = undefined;
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
    if (line.ts === 0n) return;
    // A line newer than every other cannot be one already kept (the key holds the stamp).
    let newer = false;
    if (this.newest === undefined || line.ts > this.newest) {
      this.newest = line.ts;
      this.evictBefore(this.newest - RESUME_WINDOW_NS);
      newer = true;
    } else if (line.ts < this.newest - RESUME_WINDOW_NS) {
      return;
    }
    const key = keyOf(line);
    const count = newer ? undefined : this.recent.get(key);
    if (count !== undefined) {
      this.recent.set(key, count + 1);
      return;
    }
    this.recent.set(key, 1);
    this.order.push(key);
    this.probe?.('kept');
  }

  private evictBefore(floor: bigint): void {
    const order = this.order;
    while (this.head < order.length) {
      this.probe?.('examined');
      this.headStamp ??= stampOf(order[this.head]);
      if (this.headStamp >= floor) break;
      this.recent.delete(order[this.head]);
      this.head++;
      this.headStamp = undefined;
      this.probe?.('evicted');
    }
    // Drop the evicted front once it is most of the array: amortised O(1) per line.
    if (this.head > 1024 && this.head * 2 > order.length) {
      this.order = order.slice(this.head);
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
    const left = new Map(this.recent);
    return (line) => {
      if (line.ts === 0n) return false;
      if (line.ts < since) return true;
      const key = keyOf(line);
      const n = left.get(key) ?? 0;
      if (n === 0) return false;
      left.set(key, n - 1);
      return true;
    };
  }
}
