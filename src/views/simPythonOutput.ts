/**
 * Where "Run in Sim" results show: the "Sim Python" output channel (one for the window, a block per
 * run, simRunReport.ts) and the "Isaac Sim" diagnostics in the Problems panel (the raising line of a
 * run's file, until that file's next run). It owns both; the commands (src/commands/simRun.ts) hand
 * it each run's outcome.
 */
import * as vscode from 'vscode';
import { diagnosticOf, formatRun, type RunHeader, type RunOutcome } from './simRunReport';

/** The channel's text is kept for the tests and the API up to this many characters (the newest). */
const KEPT_CHARS = 200_000;

export class SimPythonOutput implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Sim Python');
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('Isaac Sim');
  private kept = '';

  /** `redact` masks secrets (a 6.x token a script prints) before anything is shown. */
  constructor(private readonly redact: (text: string) => string) {}

  /** What the channel shows (its newest part), for tests and the API. */
  get text(): string {
    return this.kept;
  }

  /** Writes a run's block; for a reply, replaces the diagnostics of `document` with the run's. */
  report(document: vscode.TextDocument, header: RunHeader, outcome: RunOutcome): void {
    const block = `${this.redact(formatRun(header, outcome))}\n\n`;
    this.channel.append(block);
    this.kept = (this.kept + block).slice(-KEPT_CHARS);
    // The output is what the user ran it for: shown below the code, without taking the focus.
    this.channel.show(true);
    // A run that never reached the simulator says nothing about the file: its problems stay.
    if (outcome.kind === 'reply') this.setDiagnostics(document, header.instance, outcome);
  }

  show(): void {
    this.channel.show(true);
  }

  private setDiagnostics(document: vscode.TextDocument, instance: string, outcome: Extract<RunOutcome, { kind: 'reply' }>): void {
    const uri = document.uri;
    const found = diagnosticOf(outcome.result, document.uri.fsPath, instance);
    if (!found) {
      this.diagnostics.delete(uri);
      return;
    }
    const lineRange = (line: number) => {
      const at = Math.min(Math.max(line - 1, 0), Math.max(document.lineCount - 1, 0));
      const text = document.lineAt(at);
      return new vscode.Range(at, text.firstNonWhitespaceCharacterIndex, at, text.range.end.character);
    };
    const d = new vscode.Diagnostic(lineRange(found.line), this.redact(found.message), vscode.DiagnosticSeverity.Error);
    d.source = 'Isaac Sim';
    d.code = outcome.result.error?.ename;
    d.relatedInformation = found.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, lineRange(r.line)), r.message));
    this.diagnostics.set(uri, [d]);
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.channel.dispose();
  }
}
