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
import type { SettingsProblem } from '../instances/settings';
import { readSettings } from './config';

const DOCTOR_SCHEME = 'isaac-sim-doctor';
const DOCTOR_REPORT_URI = vscode.Uri.from({ scheme: DOCTOR_SCHEME, path: '/Isaac Sim Preflight Doctor.md' });

/** The hosts the doctor checks (fleet.ts): each with its manager, or the problems that keep it from having one. */
interface DoctorFleet {
  readonly hosts: readonly { readonly name: string; readonly manager: Manager<DockerEngine> | undefined; readonly problems: readonly SettingsProblem[] }[];
  readonly multiple: boolean;
}

interface DoctorViewOptions {
  fleet: DoctorFleet;
  log: vscode.LogOutputChannel;
  /** Set when a start pulls a missing image by itself, so the image check's fix says so. */
  pullsOnStart?: boolean;
}

export class DoctorView implements vscode.Disposable {
  private markdown = `# ${vscode.l10n.t('Isaac Sim preflight doctor')}\n\n${vscode.l10n.t('Not run yet.')}\n`;
  private report: DoctorReport | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly reported = new vscode.EventEmitter<{ host: string; report: DoctorReport }>();
  /** Each host's report as soon as it is made (the walkthrough's toolkit step listens). */
  readonly onDidReport = this.reported.event;
  private readonly registration: vscode.Disposable;
  /** One run per host at a time: a second request while one runs gets the same report. */
  private readonly running = new Map<string, Promise<DoctorReport>>();
  private readonly reports = new Map<string, DoctorReport>();

  constructor(private readonly options: DoctorViewOptions) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DOCTOR_SCHEME, {
      onDidChange: this.changed.event,
      provideTextDocumentContent: () => this.markdown,
    });
  }

  /** The last report shown, for tests (with several hosts: the last host's). */
  get lastReport(): DoctorReport | undefined {
    return this.report;
  }

  /** The last report of each host, for tests. */
  get lastReports(): ReadonlyMap<string, DoctorReport> {
    return this.reports;
  }

  /**
   * Shows the reports in the Markdown preview (beside the editor when asked), or as text if there is
   * no preview. With several hosts each report is headed by its host's name.
   */
  async showDoctorReport(reports: ReadonlyArray<{ host: string; report: DoctorReport }>, opts: { beside?: boolean } = {}): Promise<void> {
    const last = reports[reports.length - 1];
    if (!last) return;
    this.report = last.report;
    const named = this.options.fleet.multiple;
    this.markdown = reports.map(({ host, report }) => (named ? `> ${vscode.l10n.t('**Host `{0}`** (an isaacSim.endpoints entry)', host)}\n\n${report.markdown}` : report.markdown)).join('\n\n---\n\n');
    // An earlier report's document may be open (its preview's). The change event reaches its text
    // only if this extension host knows the document already: one the workbench opened a moment
    // ago may not be known yet, and the change would be dropped, leaving the preview on the old
    // report. Opening it here makes it known (or reads it afresh); then the text is compared.
    const doc = await vscode.workspace.openTextDocument(DOCTOR_REPORT_URI);
    if (doc.getText() !== this.markdown) this.changed.fire(DOCTOR_REPORT_URI);
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

  /** The command: runs the doctor for `hosts` (default: every host) under a progress notification and shows the reports. */
  async runAndShowDoctor(hosts: readonly string[] = this.options.fleet.hosts.map((h) => h.name)): Promise<DoctorReport | undefined> {
    const title = this.options.fleet.multiple ? (hosts.length === 1 ? vscode.l10n.t('Checking host {0}…', hosts[0]) : vscode.l10n.t('Checking {0} hosts…', hosts.length)) : vscode.l10n.t('Checking this machine…');
    const reports = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => this.runAll(hosts));
    await this.showDoctorReport(reports);
    return reports[reports.length - 1]?.report;
  }

  /**
   * After a start failed: runs the doctor quietly (status bar progress) and shows the report beside
   * the editor only if it finds a problem, so a failure the doctor cannot explain adds no noise.
   * Skipped where the error already names the whole story: invalid settings, a foreign container in
   * the way, an engine that cannot be reached.
   */
  async runAfterFailedStart(err: unknown, hosts: readonly string[] = this.options.fleet.hosts.slice(0, 1).map((h) => h.name)): Promise<DoctorReport | undefined> {
    const { kind } = errorInfo(err);
    if (kind === 'settings' || kind === 'foreign-container' || kind === 'unreachable' || kind === 'cancelled' || hosts.length === 0) return undefined;
    try {
      const reports = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Isaac Sim: checking this machine…') }, () => this.runAll(hosts));
      const withProblems = reports.filter((r) => doctorModule().doctorProblems(r.report).length > 0);
      if (withProblems.length > 0) await this.showDoctorReport(withProblems, { beside: true });
      return reports[reports.length - 1]?.report;
    } catch (e) {
      this.options.log.warn(`The preflight doctor could not run after a failed start: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** The hosts' reports, checked at once, each logged. */
  private runAll(hosts: readonly string[]): Promise<Array<{ host: string; report: DoctorReport }>> {
    return Promise.all(
      hosts.map(async (host) => {
        const report = await this.run(host);
        this.reports.set(host, report);
        this.logReport(host, report);
        this.reported.fire({ host, report });
        return { host, report };
      }),
    );
  }

  private run(host: string): Promise<DoctorReport> {
    let running = this.running.get(host);
    if (!running) {
      running = this.runOnce(host).finally(() => this.running.delete(host));
      this.running.set(host, running);
    }
    return running;
  }

  private async runOnce(host: string): Promise<DoctorReport> {
    const { hostDoctorDeps, invalidSettingsReport, runDoctor } = doctorModule();
    const member = this.options.fleet.hosts.find((h) => h.name === host);
    const manager = member?.manager;
    // The host's own settings (an endpoint's, merged with the top-level ones); with one engine, the top-level ones.
    const settings = manager?.settings ?? (member && member.problems.length > 0 ? { ok: false as const, problems: [...member.problems] } : readSettings());
    if (!settings.ok || !manager) {
      return invalidSettingsReport(settings.ok ? [] : settings.problems, manager?.currentEngine?.address ?? vscode.l10n.t('not connected'));
    }
    // Connecting lets the manager report which instances run (their ports are then not a conflict);
    // if the engine is unreachable the doctor says so itself.
    await manager.connect().catch(() => undefined);
    let engine: DockerEngine | undefined = manager.currentEngine;
    let engineUnavailable: string | undefined;
    if (!engine) {
      try {
        engine = createDockerEngine({ dockerHost: settings.settings.dockerHost, dockerContext: settings.settings.dockerContext, settingIds: manager.engineSettingIds });
      } catch (err) {
        engineUnavailable = err instanceof Error ? err.message : String(err);
      }
    }
    return runDoctor(hostDoctorDeps({ settings: settings.settings, settingIds: manager.engineSettingIds, settingId: (key) => manager.settingId(key), engine, instances: manager.list(), engineUnavailable, pullsOnStart: this.options.pullsOnStart }));
  }

  private logReport(host: string, report: DoctorReport): void {
    const problems = doctorModule().doctorProblems(report);
    const summary = report.checks.map((c) => `${c.ok === true ? '✔' : c.ok === false ? '✘' : '–'} ${c.title}`).join(', ');
    const who = this.options.fleet.multiple ? `Preflight doctor (host ${host})` : 'Preflight doctor';
    if (problems.length === 0) this.options.log.info(`${who}: all checks passed (${summary}).`);
    else this.options.log.warn(`${who}: ${problems.length} problem(s): ${problems.map((p) => `${p.title}: ${p.detail.replace(/\n/g, ' ')}`).join(' | ')}`);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.reported.dispose();
  }
}
