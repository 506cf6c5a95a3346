/**
 * Batches the lines of one log channel into few writes. Every `OutputChannel.append` is a message
 * from the extension host to the window, and Isaac Sim prints thousands of lines while it starts
 * (a user's training loop far more), so lines that arrive in a burst are joined and written once,
 * at the next tick. A burst larger than `maxChars` is written as soon as it reaches that size, so
 * what waits is bounded. No `vscode` here: the benchmark and the unit tests use it as it is.
 */

/** How long lines wait for more to join them (ms): one write per channel per this time at most. */
export const CHANNEL_BATCH_MS = 100;
/** Most characters one write holds (1 MiB); a longer burst is written in several. */
export const CHANNEL_BATCH_MAX_CHARS = 1 << 20;

export interface ChannelBatchOptions {
  /** Ms to wait for more lines; 0 = the next turn of the event loop (setImmediate). */
  delayMs?: number;
  maxChars?: number;
}

export class ChannelBatch {
  private parts: string[] = [];
  private chars = 0;
  private timer: { cancel(): void } | undefined;
  private disposed = false;
  private readonly delayMs: number;
  private readonly maxChars: number;

  /** @param write receives whole lines, each ending in "\n", in the order they were pushed. */
  constructor(private readonly write: (text: string) => void, options: ChannelBatchOptions = {}) {
    this.delayMs = options.delayMs ?? CHANNEL_BATCH_MS;
    this.maxChars = Math.max(1, options.maxChars ?? CHANNEL_BATCH_MAX_CHARS);
  }

  /** Adds complete lines (without their "\n"); ignored once disposed. */
  push(lines: readonly string[]): void {
    if (this.disposed) return;
    for (const line of lines) {
      this.parts.push(line);
      this.chars += line.length + 1;
      if (this.chars >= this.maxChars) this.flush();
    }
    if (this.parts.length > 0 && !this.timer) this.timer = this.schedule(() => this.flush());
  }

  /** Writes everything pending now, in one write. */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.parts.length === 0) return;
    const text = this.parts.join('\n') + '\n';
    this.parts = [];
    this.chars = 0;
    this.write(text);
  }

  /** Writes what is pending; later lines are dropped. */
  dispose(): void {
    this.flush();
    this.disposed = true;
  }

  private schedule(run: () => void): { cancel(): void } {
    if (this.delayMs <= 0) {
      const handle = setImmediate(run);
      return { cancel: () => clearImmediate(handle) };
    }
    const handle = setTimeout(run, this.delayMs);
    return { cancel: () => clearTimeout(handle) };
  }
}
