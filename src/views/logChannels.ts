/**
 * One output channel per instance container, fed by the manager's log events. Writes are batched
 * by a ChannelBatch per channel (one append per 100 ms at most, bounded in size) because Isaac Sim
 * logs thousands of lines while it starts. With several endpoints each host has its own LogChannels,
 * and its channels are named "Isaac Sim: <host>/instance-N".
 */
import * as vscode from 'vscode';
import type { Manager, LogAppend } from '../instances/manager';
import { ChannelBatch } from './channelBatch';

interface Channel {
  readonly output: vscode.OutputChannel;
  readonly batch: ChannelBatch;
  /** The last lines written, for tests and "copy logs": up to 2 × keepLines, trimmed to keepLines when read. */
  kept: string[];
}

export class LogChannels implements vscode.Disposable {
  private readonly channels = new Map<number, Channel>();
  private readonly subscription: vscode.Disposable;

  /** `host`: the endpoint's name in channel names ("" with one endpoint: "Isaac Sim: instance-N", as of old). */
  constructor(manager: Manager, private readonly keepLines = 20000, private readonly host: () => string = () => '') {
    this.subscription = manager.onDidAppendLog((e) => this.onAppend(e));
  }

  static channelName(label: string): string {
    return `Isaac Sim: ${label}`;
  }

  private channel(index: number, label: string): Channel {
    let channel = this.channels.get(index);
    if (!channel) {
      const host = this.host();
      const output = vscode.window.createOutputChannel(LogChannels.channelName(host ? `${host}/${label}` : label));
      channel = { output, batch: new ChannelBatch((text) => output.append(text)), kept: [] };
      this.channels.set(index, channel);
    }
    return channel;
  }

  private onAppend(e: LogAppend): void {
    const channel = this.channel(e.index, e.label);
    channel.batch.push(e.lines);
    for (const line of e.lines) channel.kept.push(line);
    // Trimmed in bulk, so a long log costs O(1) per line.
    if (channel.kept.length > 2 * this.keepLines) channel.kept = channel.kept.slice(-this.keepLines);
  }

  /** Writes everything pending now. */
  flush(): void {
    for (const channel of this.channels.values()) channel.batch.flush();
  }

  /** Shows the instance's channel (creating an empty one if no line has arrived yet). */
  show(index: number, label: string): void {
    const channel = this.channel(index, label);
    channel.batch.flush();
    channel.output.show(true);
  }

  /** The lines written to an instance's channel so far (the last `keepLines`). */
  linesOf(index: number): readonly string[] {
    const channel = this.channels.get(index);
    if (!channel) return [];
    channel.batch.flush();
    if (channel.kept.length > this.keepLines) channel.kept = channel.kept.slice(-this.keepLines);
    return channel.kept;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const c of this.channels.values()) {
      c.batch.dispose();
      c.output.dispose();
    }
    this.channels.clear();
  }
}
