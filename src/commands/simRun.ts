/**
 * "Run File in Sim", "Run Selection in Sim" and "Choose Sim Target": the SimRunner the command
 * table and the API hold. What a run does (the editor's code, the target, the progress, the
 * Sim Python channel and the Problems panel, the notifications) is in simRunFlow.ts, which loads
 * from the simRun part of dist/parts.js on the first run (simRunModule.ts): activation neither reads nor compiles it.
 * The runner owns the record of the last run.
 */
import * as vscode from 'vscode';
import { simRunModule } from './simRunModule';
import type { ReportError, RunKind, SimRunDeps, SimRunRecord } from './simRunFlow';

export type { ErrorAction, ReportError, RunKind, SimRunDeps, SimRunRecord } from './simRunFlow';

export class SimRunner {
  private lastRecord: SimRunRecord | undefined;
  private readonly ran = new vscode.EventEmitter<SimRunRecord>();
  /** A run whose code reached the instance and ran there (ok or raised). */
  readonly onDidRun = this.ran.event;

  constructor(private readonly deps: SimRunDeps) {}

  get last(): SimRunRecord | undefined {
    return this.lastRecord;
  }

  /** Runs the file or the selection (the current line when nothing is selected). */
  async run(kind: RunKind, args: readonly unknown[], report: ReportError): Promise<void> {
    const ctx = {
      deps: this.deps,
      record: (r: SimRunRecord) => {
        this.lastRecord = r;
        if (r.outcome === 'ok' || r.outcome === 'raised') this.ran.fire(r);
      },
    };
    await simRunModule().runInSim(ctx, kind, args, report);
  }

  /** Choose Sim Target: a pick of the ready instances; the choice is where code goes from now on. */
  async chooseTarget(): Promise<void> {
    await simRunModule().chooseSimTarget(this.deps);
  }

  dispose(): void {
    this.ran.dispose();
  }
}
