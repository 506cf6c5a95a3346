/**
 * One output channel per instance container, fed by the manager's log events. Appends are batched
 * (one append per instance per 100 ms) because Isaac Sim logs thousands of lines while it starts.
 */
import * as vscode from 'vscode';
import type { Manager, LogAppend } from '../instances/manager';

export class LogChannels implements vscode.Disposable {
  private readonly channels = new Map<number, vscode.OutputChannel>();
  private readonly pending = new Map<number, string[]>();
  /** Full text appended per channel, for tests and "copy logs"; bounded. */
  private readonly texts = new Map<number, string[]>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(manager: Manager, private readonly keepLines = 20000) {
    this.subscription = manager.onDidAppendLog((e) => this.onAppend(e));
  }

  static channelName(label: string): string {
    return `Isaac Sim: ${label}`;
  }

  private channel(index: number, label: string): vscode.OutputChannel {
    let channel = this.channels.get(index);
    if (!channel) {
      channel = vscode.window.createOutputChannel(LogChannels.channelName(label));
      this.channels.set(index, channel);
    }
    return channel;
  }

  private onAppend(e: LogAppend): void {
    this.channel(e.index, e.label);
    const list = this.pending.get(e.index) ?? [];
    list.push(...e.lines);
    this.pending.set(e.index, list);
    this.timer ??= setTimeout(() => this.flush(), 100);
  }

  /** Writes everything pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [index, lines] of this.pending) {
      if (lines.length === 0) continue;
      this.channels.get(index)?.append(lines.join('\n') + '\n');
      const kept = this.texts.get(index) ?? [];
      kept.push(...lines);
      if (kept.length > this.keepLines) kept.splice(0, kept.length - this.keepLines);
      this.texts.set(index, kept);
    }
    this.pending.clear();
  }

  /** Shows the instance's channel (creating an empty one if no line has arrived yet). */
  show(index: number, label: string): void {
    this.flush();
    this.channel(index, label).show(true);
  }

  /** The lines written to an instance's channel so far (the last `keepLines`). */
  linesOf(index: number): readonly string[] {
    this.flush();
    return this.texts.get(index) ?? [];
  }

  dispose(): void {
    this.flush();
    this.subscription.dispose();
    for (const c of this.channels.values()) c.dispose();
    this.channels.clear();
  }
}
