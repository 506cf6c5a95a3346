/**
 * Where "Run in Sim" results show: the "Sim Python" output channel (one for the window, a block per
 * run, simRunReport.ts) and the "Isaac Sim" diagnostics in the Problems panel (the raising line of a
 * run's file, until that file's next run). It owns both; the commands (src/commands/simRun.ts) hand
 * it each run's outcome.
 */
import * as vscode from 'vscode';
import type { PlainDiagnostic } from './simRunReport';

/**
 * A run's block for the channel and, for a run that replied, its Problems entry. simRunReport.ts
 * writes both, in the run's own part (the simRun part of dist/parts.js): this channel only shows them.
 */
export interface RunReport {
  block: string;
  /** Set for a reply: the entry (undefined when the run raised nowhere in the file) and the exception's name. */
  problem?: { found: PlainDiagnostic | undefined; code?: string };
}

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
  report(document: vscode.TextDocument, run: RunReport): void {
    const block = `${this.redact(run.block)}\n\n`;
    this.channel.append(block);
    this.kept = (this.kept + block).slice(-KEPT_CHARS);
    // The output is what the user ran it for: shown below the code, without taking the focus.
    this.channel.show(true);
    // A run that never reached the simulator says nothing about the file: its problems stay.
    if (run.problem) this.setDiagnostics(document, run.problem.found, run.problem.code);
  }

  show(): void {
    this.channel.show(true);
  }

  private setDiagnostics(document: vscode.TextDocument, found: PlainDiagnostic | undefined, code: string | undefined): void {
    const uri = document.uri;
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
    d.code = code;
    d.relatedInformation = found.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, lineRange(r.line)), r.message));
    this.diagnostics.set(uri, [d]);
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.channel.dispose();
  }
}
