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

function keyOf(line: LogLine): string {
  return `${line.ts}\u0000${line.stream}\u0000${line.text}`;
}

export class LogCursor {
  private newest: bigint | undefined;
  /** Lines delivered within WINDOW of the newest, by key, with how many times each was delivered. */
  private readonly recent = new Map<string, { ts: bigint; count: number }>();

  /** Forget everything (a different container). */
  reset(): void {
    this.newest = undefined;
    this.recent.clear();
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

  /** Records a delivered line. Lines without an engine timestamp (ts 0) cannot be matched and are not kept. */
  delivered(line: LogLine): void {
    if (line.ts === 0n) return;
    const key = keyOf(line);
    const known = this.recent.get(key);
    if (known) known.count++;
    else this.recent.set(key, { ts: line.ts, count: 1 });
    if (this.newest === undefined || line.ts > this.newest) {
      this.newest = line.ts;
      const floor = this.newest - RESUME_WINDOW_NS;
      for (const [k, v] of this.recent) if (v.ts < floor) this.recent.delete(k);
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
    const left = new Map<string, number>();
    for (const [k, v] of this.recent) left.set(k, v.count);
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
