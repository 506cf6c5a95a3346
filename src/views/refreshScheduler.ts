/**
 * When the instances tree asks VS Code to refresh: the tree's one refresh owner.
 *
 * Design note
 * - VS Code's extension host debounces a tree's `onDidChangeTreeData`: 200 ms, leading edge
 *   (`extHostTreeViews.ts`, `Event.debounce(…, 200, true)`). A refresh that comes within 200 ms of
 *   the one before is held until 200 ms after itself. So when the live figures refreshed the rows
 *   once a second, a `docker stop` that landed in such a window showed *stopped* ~200 ms late
 *   (the benchmark's p95: 214 ms after the last event, against a target of 50).
 * - Two kinds of refresh, then. A *state* refresh (a row's state, its ports, a host's status) fires
 *   at once. A *cosmetic* one (figures, a loading row's elapsed time) only freshens numbers, so it
 *   waits: at most one per `periodMs` (the caller's), and never within `quietMs` after a state
 *   refresh, when the next state change of the same burst is likeliest (stopping → stopped, the
 *   loading phases). Each cosmetic refresh leaves a 200 ms window where a state change would be
 *   held, so the period bounds how often that can happen: once in 5 s is a 4 % chance per state
 *   change, where once a second was 20 %.
 * - A refresh rebuilds every row from what is known now, so one refresh serves every pending
 *   request. No `vscode` here: the unit tests drive it with a clock of their own.
 */

/** How often the live figures may refresh the rows: the GPU figures' own period (nvidia-smi --loop=5). */
export const FIGURES_REFRESH_MS = 5_000;
/** How often a loading row's elapsed time ticks. */
export const TICKER_REFRESH_MS = 1_000;
/** How long after a state refresh no cosmetic one fires. */
export const QUIET_AFTER_STATE_MS = 1_000;

export interface SchedulerClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: SchedulerClock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class RefreshScheduler {
  private lastCosmeticAt = -Infinity;
  private lastStateAt = -Infinity;
  /** When the pending cosmetic refresh fires, if one is pending. */
  private due: number | undefined;
  private timer: unknown;
  private disposed = false;
  private readonly clock: SchedulerClock;
  private readonly quietMs: number;

  constructor(
    private readonly fire: () => void,
    options: { clock?: SchedulerClock; quietMs?: number } = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.quietMs = options.quietMs ?? QUIET_AFTER_STATE_MS;
  }

  /** What the rows show changed: refresh now. A pending cosmetic refresh moves out of its way. */
  state(): void {
    if (this.disposed) return;
    this.lastStateAt = this.clock.now();
    this.fire();
    if (this.due !== undefined && this.due < this.lastStateAt + this.quietMs) this.schedule(this.lastStateAt + this.quietMs);
  }

  /** Only numbers changed: refresh no sooner than `periodMs` after the last cosmetic refresh, and out of the way of state. */
  cosmetic(periodMs: number): void {
    if (this.disposed) return;
    const at = Math.max(this.lastCosmeticAt + periodMs, this.lastStateAt + this.quietMs, this.clock.now());
    if (this.due !== undefined && this.due <= at) return;
    if (at <= this.clock.now()) this.runCosmetic();
    else this.schedule(at);
  }

  private schedule(at: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.due = at;
    this.timer = this.clock.setTimeout(() => this.runCosmetic(), Math.max(0, at - this.clock.now()));
  }

  private runCosmetic(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.due = undefined;
    if (this.disposed) return;
    this.lastCosmeticAt = this.clock.now();
    this.fire();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.due = undefined;
  }
}
