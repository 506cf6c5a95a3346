/**
 * Shows the preflight doctor's report, and runs the doctor for the command and after a failed start.
 *
 * The report is a read-only virtual document (`isaac-sim-doctor:` scheme, one fixed URI) rendered by
 * VS Code's Markdown preview. Chosen over an untitled document because an untitled one is editable
 * and dirty, so closing it asks to save a report nobody wants to keep; the virtual one closes
 * quietly, and a new run updates the open preview in place instead of stacking tabs.
 */
import * as vscode from 'vscode';
import { createDockerEngine } from '../docker/createEngine';
import type { DockerEngine } from '../docker/engine';
import { doctorModule } from '../instances/doctorModule';
import type { DoctorReport } from '../instances/doctorTypes';
import { errorInfo } from '../instances/errors';
import type { Manager } from '../instances/manager';
import { readSettings } from './config';

const DOCTOR_SCHEME = 'isaac-sim-doctor';
const DOCTOR_REPORT_URI = vscode.Uri.from({ scheme: DOCTOR_SCHEME, path: '/Isaac Sim Preflight Doctor.md' });

interface DoctorViewOptions {
  manager: Manager<DockerEngine>;
  log: vscode.LogOutputChannel;
  /** Set when a start pulls a missing image by itself, so the image check's fix says so. */
  pullsOnStart?: boolean;
}

export class DoctorView implements vscode.Disposable {
  private markdown = '# Isaac Sim preflight doctor\n\nNot run yet.\n';
  private report: DoctorReport | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registration: vscode.Disposable;
  private running: Promise<DoctorReport> | undefined;

  constructor(private readonly options: DoctorViewOptions) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DOCTOR_SCHEME, {
      onDidChange: this.changed.event,
      provideTextDocumentContent: () => this.markdown,
    });
  }

  /** The last report shown, for tests. */
  get lastReport(): DoctorReport | undefined {
    return this.report;
  }

  /** Shows `report` in the Markdown preview (beside the editor when asked), or as text if there is no preview. */
  async showDoctorReport(report: DoctorReport, opts: { beside?: boolean } = {}): Promise<void> {
    this.report = report;
    this.markdown = report.markdown;
    this.changed.fire(DOCTOR_REPORT_URI);
    try {
      await vscode.commands.executeCommand(opts.beside ? 'markdown.showPreviewToSide' : 'markdown.showPreview', DOCTOR_REPORT_URI);
    } catch (err) {
      // The built-in Markdown extension can be disabled; the source is readable too.
      this.options.log.debug(`Markdown preview unavailable (${String(err)}); showing the doctor's report as text.`);
      const doc = await vscode.workspace.openTextDocument(DOCTOR_REPORT_URI);
      await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: opts.beside ? vscode.ViewColumn.Beside : undefined });
    }
  }

  /** The command: runs the doctor under a progress notification and shows the report. */
  async runAndShowDoctor(): Promise<DoctorReport> {
    const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking this machine…' }, () => this.run());
    this.logReport(report);
    await this.showDoctorReport(report);
    return report;
  }

  /**
   * After a start failed: runs the doctor quietly (status bar progress) and shows the report beside
   * the editor only if it finds a problem, so a failure the doctor cannot explain adds no noise.
   * Skipped where the error already names the whole story: invalid settings, a foreign container in
   * the way, an engine that cannot be reached.
   */
  async runAfterFailedStart(err: unknown): Promise<DoctorReport | undefined> {
    const { kind } = errorInfo(err);
    if (kind === 'settings' || kind === 'foreign-container' || kind === 'unreachable' || kind === 'cancelled') return undefined;
    try {
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Isaac Sim: checking this machine…' }, () => this.run());
      this.logReport(report);
      if (doctorModule().doctorProblems(report).length > 0) await this.showDoctorReport(report, { beside: true });
      return report;
    } catch (e) {
      this.options.log.warn(`The preflight doctor could not run after a failed start: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** One run at a time: a second request while one runs gets the same report. */
  private run(): Promise<DoctorReport> {
    this.running ??= this.runOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runOnce(): Promise<DoctorReport> {
    const { manager } = this.options;
    const { hostDoctorDeps, invalidSettingsReport, runDoctor } = doctorModule();
    const settings = readSettings();
    if (!settings.ok) {
      return invalidSettingsReport(settings.problems, manager.currentEngine?.address ?? 'not connected');
    }
    // Connecting lets the manager report which instances run (their ports are then not a conflict);
    // if the engine is unreachable the doctor says so itself.
    await manager.connect().catch(() => undefined);
    let engine: DockerEngine | undefined = manager.currentEngine;
    let engineUnavailable: string | undefined;
    if (!engine) {
      try {
        engine = createDockerEngine({ dockerHost: settings.settings.dockerHost, dockerContext: settings.settings.dockerContext });
      } catch (err) {
        engineUnavailable = err instanceof Error ? err.message : String(err);
      }
    }
    return runDoctor(hostDoctorDeps({ settings: settings.settings, engine, instances: manager.list(), engineUnavailable, pullsOnStart: this.options.pullsOnStart }));
  }

  private logReport(report: DoctorReport): void {
    const problems = doctorModule().doctorProblems(report);
    const summary = report.checks.map((c) => `${c.ok === true ? '✔' : c.ok === false ? '✘' : '–'} ${c.title}`).join(', ');
    if (problems.length === 0) this.options.log.info(`Preflight doctor: all checks passed (${summary}).`);
    else this.options.log.warn(`Preflight doctor: ${problems.length} problem(s): ${problems.map((p) => `${p.title}: ${p.detail.replace(/\n/g, ' ')}`).join(' | ')}`);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
