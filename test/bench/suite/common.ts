/** Extension-host side of the benchmark: what both entry points (activation.ts, main.ts) need. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as vscode from 'vscode';
import type { IsaacSimApi } from '../../../src/extension';
import { ASK_PREFIX, BENCH_PREFIX, delay, nowMs, waitFor, type BenchConfig } from '../shared';
import { EXTENSION_ID, countingProxy } from '../../e2e/suite/helpers';

export { EXTENSION_ID };

/** config.json, written by the driver next to the bundled entry points. */
export function readConfig(): BenchConfig {
  return JSON.parse(readFileSync(path.join(__dirname, 'config.json'), 'utf8')) as BenchConfig;
}

/** One result line for the driver. */
export function report(kind: string, data: Record<string, unknown>): void {
  console.log(BENCH_PREFIX + JSON.stringify({ kind, ...data }));
}

/** Asks the driver to do something in the workbench page and waits for its answer (see ASK_PREFIX). */
export async function ask(cfg: BenchConfig, question: string): Promise<Record<string, unknown>> {
  const file = path.join(cfg.answersDir, `${question}.json`);
  console.log(ASK_PREFIX + question);
  await waitFor(`the driver's answer to "${question}"`, () => existsSync(file), 60_000);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export interface RecordingProxy {
  /** Requests so far. */
  count(): number;
  /** `METHOD /path` of every request so far, with the time it was seen. */
  requests(): Array<{ at: number; line: string }>;
  close(): void;
}

/** The extension-host suite's counting proxy (test/e2e/suite/helpers.ts), stamped with the benchmark's clock. */
export async function recordingProxy(listenPath: string, upstreamPath: string): Promise<RecordingProxy> {
  const proxy = await countingProxy(listenPath, upstreamPath, nowMs);
  return { count: proxy.requests, requests: proxy.lines, close: proxy.close };
}

/** A full GC where it can be had (V8 flag set at run time), so heap figures are comparable. */
const gc: (() => void) | undefined = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    if (typeof fn === 'function') return fn as () => void;
  } catch {
    // not allowed here: figures are taken without a forced GC
  }
  return undefined;
})();

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  /** Whether a full GC ran right before. */
  gc: boolean;
}

export async function memory(): Promise<Memory> {
  gc?.();
  await delay(50);
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, gc: gc !== undefined };
}

export interface Activation {
  api: IsaacSimApi;
  /** Wall time of `ext.activate()` here. */
  ms: number;
  /** What VS Code's Running Extensions editor shows ("Activation: N ms" = code loading + activate call). */
  vscodeMs?: number;
  vscodeText?: string;
  /**
   * The extension host's own performance marks around our extension: `require` of our bundle alone
   * (willLoadExtensionCode → didLoadExtensionCode) and the activate call (willActivateExtension →
   * didActivateExtension). VS Code's "code loading" also holds what it awaits before the require
   * (its localization set-up), which these leave out.
   */
  marks?: { requireMs?: number; activateMs?: number; loadStartToActivatedMs?: number };
  wasActive: boolean;
  /** How long the extension host was left to settle before activation. */
  settleMs: number;
  requestsBeforeView: number;
  requestLinesBeforeView: string[];
  memBefore: Memory;
  memAfter: Memory;
}

/**
 * Lets the fresh extension host settle, activates the extension (installed from the .vsix) and
 * times it: `ext.activate()` loads the bundle and calls its activate(). Then waits `beforeViewMs`
 * with the view still hidden and counts the engine requests of all that time. Finally reads VS
 * Code's own figure from Developer: Show Running Extensions (through the driver) and closes it.
 */
export async function activateAndCount(proxy: RecordingProxy, cfg: BenchConfig): Promise<Activation> {
  const ext = vscode.extensions.getExtension<IsaacSimApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this code-server`);
  await delay(cfg.settleMs);
  const wasActive = ext.isActive;
  const memBefore = await memory();
  const t0 = performance.now();
  const api = await ext.activate();
  const ms = performance.now() - t0;
  const marks = extHostMarks();
  await delay(cfg.beforeViewMs);
  const memAfter = await memory();
  const requestsBeforeView = proxy.count();
  const requestLinesBeforeView = proxy.requests().map((r) => r.line);
  await vscode.commands.executeCommand('workbench.action.showRuntimeExtensions');
  const answer = await ask(cfg, 'running-extensions');
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  const text = typeof answer.text === 'string' ? answer.text : undefined;
  const match = text ? /(\d+(?:\.\d+)?)\s*ms/.exec(text) : null;
  return { api, ms, vscodeMs: match ? Number(match[1]) : undefined, vscodeText: text ?? String(answer.error ?? ''), marks, wasActive, settleMs: cfg.settleMs, requestsBeforeView, requestLinesBeforeView, memBefore, memAfter };
}

/** The extension host's marks for our extension (see Activation.marks); undefined where a mark is missing. */
function extHostMarks(): Activation['marks'] {
  // VS Code keeps the extension host's marks in a store of its own (vs/base/common/performance).
  const store = (globalThis as { MonacoPerformanceMarks?: { getMarks(): Array<{ name: string; startTime: number }> } }).MonacoPerformanceMarks;
  const all = store?.getMarks() ?? [];
  const at = (name: string) => all.filter((m) => m.name === `code/extHost/${name}/${EXTENSION_ID}`).at(-1)?.startTime;
  const span = (from?: number, to?: number) => (from !== undefined && to !== undefined ? Math.round((to - from) * 10) / 10 : undefined);
  const [willLoad, didLoad, willActivate, didActivate] = ['willLoadExtensionCode', 'didLoadExtensionCode', 'willActivateExtension', 'didActivateExtension'].map(at);
  return { requireMs: span(willLoad, didLoad), activateMs: span(willActivate, didActivate), loadStartToActivatedMs: span(willLoad, didActivate) };
}

export function reportActivation(a: Activation): void {
  report('activation', {
    ms: a.ms,
    vscodeMs: a.vscodeMs,
    vscodeText: a.vscodeText,
    marks: a.marks,
    wasActive: a.wasActive,
    settleMs: a.settleMs,
    requestsBeforeView: a.requestsBeforeView,
    requestLinesBeforeView: a.requestLinesBeforeView,
    heapDeltaBytes: a.memAfter.heapUsed - a.memBefore.heapUsed,
    rssDeltaBytes: a.memAfter.rss - a.memBefore.rss,
    gc: a.memAfter.gc,
  });
}
