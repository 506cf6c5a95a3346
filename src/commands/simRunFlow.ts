/**
 * What "Run File in Sim", "Run Selection in Sim" and "Choose Sim Target" do once invoked: the
 * editor's Python (its text as edited, saved or not) sent to an instance's code server through the
 * manager (runCode), under a cancellable progress notification. The result goes to the "Sim Python"
 * channel and the Problems panel (SimPythonOutput); a raising script gets an error notification
 * with "Show Output"; a run that could not happen goes through the registry's one error path, with
 * "Start Instance" where starting the instance is the fix.
 *
 * This runs from the simRun part of dist/parts.js, loaded on the first run (simRunModule.ts); simRun.ts holds the
 * SimRunner that the commands and the API see, and hands it here.
 *
 * Arguments, for menus, tests and other extensions: VS Code passes the editor's Uri (editor title
 * and context menus); or `{ index, host?, uri?, token? }`, where `token` (a CancellationToken)
 * cancels the run like the notification's Cancel does.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { OrchestratorError, isCancelled } from '../instances/errors';
import type { FleetView } from '../instances/fleet';
import { SimPythonError, type SimRunResult } from '../instances/simPython';
import type { SimPythonOutput } from '../views/simPythonOutput';
import { dedent, diagnosticOf, formatDuration, formatRun, type RunHeader, type RunOutcome } from '../views/simRunReport';
import type { SimTarget } from '../views/simTarget';
import type { SimTargetRef } from '../views/simTargetChoice';
import { targetsFromArgs } from './hosts';

export type RunKind = 'file' | 'selection';

/** An extra button on an error notification. */
export interface ErrorAction {
  title: string;
  run: () => unknown;
}

/** Hands a failure to the registry's one error path, with extra buttons. */
export type ReportError = (err: unknown, extra: readonly ErrorAction[]) => void;

/** What the last run did, for tests and the API. */
export interface SimRunRecord {
  target?: SimTargetRef;
  /** "instance-0", or "host/instance-0". */
  label?: string;
  /** The file's path (what the traceback's frames are mapped to). */
  file?: string;
  lines?: { first: number; last: number };
  outcome: 'ok' | 'raised' | 'failed' | 'cancelled' | 'no-target';
  result?: SimRunResult;
  /** For a run that failed or was cancelled: the message shown. */
  message?: string;
  error?: unknown;
}

export interface SimRunDeps {
  fleet: FleetView;
  target: SimTarget;
  output: SimPythonOutput;
}

/** A run's view of its SimRunner: the objects it works with, and where the record of the run goes. */
export interface SimRunContext {
  deps: SimRunDeps;
  record(r: SimRunRecord): void;
}

/** The code a run sends and where it came from. */
interface RunSource {
  document: vscode.TextDocument;
  code: string;
  firstLine: number;
  lines?: { first: number; last: number };
}

function isToken(t: unknown): t is vscode.CancellationToken {
  return !!t && typeof t === 'object' && typeof (t as vscode.CancellationToken).onCancellationRequested === 'function';
}

/** The Uri and token among the arguments, if any. */
function parseArgs(args: readonly unknown[]): { uri?: vscode.Uri; token?: vscode.CancellationToken } {
  const first = args[0];
  if (first instanceof vscode.Uri) return { uri: first };
  if (!first || typeof first !== 'object') return {};
  const { uri, token } = first as { uri?: unknown; token?: unknown };
  return {
    ...(uri instanceof vscode.Uri ? { uri } : typeof uri === 'string' ? { uri: vscode.Uri.file(uri) } : {}),
    ...(isToken(token) ? { token } : {}),
  };
}

/** Runs the file or the selection (the current line when nothing is selected). */
export async function runInSim(ctx: SimRunContext, kind: RunKind, args: readonly unknown[], report: ReportError): Promise<void> {
  const { deps } = ctx;
  const { uri, token } = parseArgs(args);
  const source = await sourceOf(kind, uri);
  const target = await chooseFor(ctx, args);
  if (!target) return;
  deps.target.remember(target);
  const label = deps.target.label(target);
  const manager = deps.fleet.require(target.host);
  const file = source.document.uri.fsPath;
  const shown = vscode.workspace.asRelativePath(source.document.uri, false);
  const started = Date.now();
  const header = (): RunHeader => ({ instance: label, file: shown, ...(source.lines ? { lines: source.lines } : {}), startedAt: new Date(started).toTimeString().slice(0, 8), durationMs: Date.now() - started });
  // The channel's block and, for a reply, the Problems entry of the file's raising line.
  const show = (outcome: RunOutcome) =>
    deps.output.report(source.document, {
      block: formatRun(header(), outcome),
      ...(outcome.kind === 'reply' ? { problem: { found: diagnosticOf(outcome.result, file, label), code: outcome.result.error?.ename } } : {}),
    });
  const record = (r: Omit<SimRunRecord, 'target' | 'label' | 'file' | 'lines'>) => {
    ctx.record({ target, label, file, ...(source.lines ? { lines: source.lines } : {}), ...r });
  };
  let result: SimRunResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Running {0} in {1}…', path.basename(file), label), cancellable: true },
      (_progress, progressToken) => {
        const controller = new AbortController();
        const cancel = () => controller.abort();
        const subs = [progressToken.onCancellationRequested(cancel), ...(token ? [token.onCancellationRequested(cancel)] : [])];
        if (token?.isCancellationRequested) cancel();
        return manager.runCode(target.index, source.code, { signal: controller.signal, origin: { file, firstLine: source.firstLine } }).finally(() => subs.forEach((s) => s.dispose()));
      },
    );
  } catch (err) {
    const message = deps.fleet.redactor.redact(err instanceof Error ? err.message : String(err));
    const cancelled = isCancelled(err);
    show(cancelled ? { kind: 'cancelled', message } : { kind: 'failed', message });
    record({ outcome: cancelled ? 'cancelled' : 'failed', message, error: err });
    report(err, actionsFor(err, target));
    return;
  }
  show({ kind: 'reply', result });
  record({ outcome: result.ok ? 'ok' : 'raised', result });
  if (result.ok) {
    vscode.window.setStatusBarMessage(vscode.l10n.t('$(pass) Ran {0} in {1} ({2})', path.basename(file), label, formatDuration(Date.now() - started)), 5000);
    return;
  }
  const e = result.error;
  // The exception's name and value are Python's own, not words of ours.
  const what = e ? `${e.ename}${e.evalue ? `: ${e.evalue}` : ''}` : undefined;
  const name = path.basename(file);
  const line = e?.location?.source?.line;
  const text =
    what === undefined
      ? vscode.l10n.t('{0} raised an error in {1}. The traceback is in the Sim Python output: fix the code and run it again.', name, label)
      : line !== undefined
        ? vscode.l10n.t('{0} raised {1} at line {2} in {3}. The traceback is in the Sim Python output, and the line is marked in the Problems panel: fix the code and run it again.', name, what, line, label)
        : vscode.l10n.t('{0} raised {1} in {2}. The traceback is in the Sim Python output: fix the code and run it again.', name, what, label);
  const message = deps.fleet.redactor.redact(text);
  const showOutput = vscode.l10n.t('Show Output');
  void vscode.window.showErrorMessage(message, showOutput).then((choice) => {
    if (choice === showOutput) deps.output.show();
  });
}

/** Choose Sim Target: a pick of the ready instances; the choice is where code goes from now on. */
export async function chooseSimTarget(deps: SimRunDeps): Promise<void> {
  await deps.fleet.connectAll();
  const items = deps.target.readyItems();
  if (items.length === 0) {
    noneReady(vscode.l10n.t('No Isaac Sim instance is ready to run code in. Start one (Isaac Sim: Start Instance) and wait until it is ready, then choose it.'));
    return;
  }
  const current = deps.target.current;
  const chosen = await vscode.window.showQuickPick(
    items.map((i) => ({ ...i, picked: current?.host === i.target.host && current.index === i.target.index })),
    { title: vscode.l10n.t('Run in Sim: target'), placeHolder: vscode.l10n.t('The Isaac Sim instance that Run File / Run Selection in Sim send code to'), ignoreFocusOut: true },
  );
  if (chosen) deps.target.remember(chosen.target);
}

/** The instance given in the arguments, else the target or a pick (undefined: nothing chosen). */
async function chooseFor(ctx: SimRunContext, args: readonly unknown[]): Promise<SimTargetRef | undefined> {
  const { deps } = ctx;
  const first = args[0];
  const explicit = first && typeof first === 'object' && !(first instanceof vscode.Uri) ? targetsFromArgs(deps.fleet, args) : undefined;
  if (explicit?.[0]) return { host: explicit[0].host, index: explicit[0].snapshot.index };
  await deps.fleet.connectAll();
  const plan = deps.target.plan();
  if (plan.kind === 'use') return plan.target;
  if (plan.kind === 'none') {
    ctx.record({ outcome: 'no-target', message: plan.message });
    noneReady(plan.message);
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(plan.items, {
    title: vscode.l10n.t('Run in Sim'),
    placeHolder: plan.why ? vscode.l10n.t('{0}: choose a ready instance', plan.why) : vscode.l10n.t('Choose the Isaac Sim instance to run the code in'),
    ignoreFocusOut: true,
  });
  return chosen?.target;
}

function noneReady(message: string): void {
  const start = vscode.l10n.t('Start Instance');
  void vscode.window.showInformationMessage(message, start).then((choice) => {
    if (choice === start) void vscode.commands.executeCommand('isaacSim.startInstance');
  });
}

/** "Start Instance" where starting the instance is the fix. */
function actionsFor(err: unknown, target: SimTargetRef): ErrorAction[] {
  if (err instanceof SimPythonError && (err.reason === 'not-ready' || err.reason === 'refused')) {
    return [{ title: vscode.l10n.t('Start Instance'), run: () => vscode.commands.executeCommand('isaacSim.startInstance', { host: target.host, index: target.index }) }];
  }
  return [];
}

/** The document and the code: the whole text, or the selection (the cursor's line when empty). */
async function sourceOf(kind: RunKind, uri: vscode.Uri | undefined): Promise<RunSource> {
  const active = vscode.window.activeTextEditor;
  const document = uri ? await vscode.workspace.openTextDocument(uri) : active?.document;
  if (!document) throw new OrchestratorError(vscode.l10n.t('No file is open in the editor, so there is no code to run: open a Python file, then run the command again.'), 'other');
  if (kind === 'file') return { document, code: document.getText(), firstLine: 1 };
  const editor = active?.document === document ? active : vscode.window.visibleTextEditors.find((e) => e.document === document);
  if (!editor) throw new OrchestratorError(vscode.l10n.t('{0} is not shown in an editor, so it has no selection: show it, select the lines, then run Run Selection in Sim again.', path.basename(document.uri.fsPath)), 'other');
  const sel = editor.selection;
  if (sel.isEmpty) {
    const line = sel.active.line;
    return { document, code: dedent(document.lineAt(line).text), firstLine: line + 1, lines: { first: line + 1, last: line + 1 } };
  }
  // A selection that ends at the start of a line does not take that line.
  const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
  // One that starts after a line's indentation takes the indentation, so the block dedents as one.
  const before = document.lineAt(sel.start.line).text.slice(0, sel.start.character);
  const start = before.trim() === '' ? new vscode.Position(sel.start.line, 0) : sel.start;
  const range = new vscode.Range(start, endLine === sel.end.line ? sel.end : document.lineAt(endLine).range.end);
  return { document, code: dedent(document.getText(range)), firstLine: sel.start.line + 1, lines: { first: sel.start.line + 1, last: endLine + 1 } };
}
