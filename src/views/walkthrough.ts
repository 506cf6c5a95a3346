/**
 * The first-run walkthrough's progress (package.json `contributes.walkthroughs`).
 *
 * Design note
 * - Each step completes on the event that matches it: the doctor made a report; it found the
 *   container runtime ready; the image or version setting changed; an instance became ready; a sim
 *   view opened; code ran in a sim. The manifest names these as completion events (commands,
 *   settings, and two context keys set here), but VS Code's walkthrough service only hears them
 *   while it exists, and it is created lazily: with `workbench.startupEditor` other than the
 *   welcome page, not before the walkthrough is first opened. Events before that are lost, and a
 *   context key that is already true when the service starts never completes its step (seen in
 *   VS Code 1.10x, code-server 4.139). So this class hears the events itself and completes each
 *   step through VS Code's `welcome.markStepComplete` command, which creates the service if need be.
 * - A step completed stays completed (VS Code keeps it in the profile); this window's record of
 *   what it has seen is `state`, for tests.
 */
import * as vscode from 'vscode';
import type { DoctorReport } from '../instances/doctorTypes';
import type { FleetView } from '../instances/fleet';
import { EXTENSION_ID, WALKTHROUGH_CONTEXT, WALKTHROUGH_ID, WALKTHROUGH_STEPS, runtimeReady, type WalkthroughStep } from './walkthroughReady';

type WalkthroughFleet = Pick<FleetView, 'hosts' | 'onDidChange'>;

export interface WalkthroughEvents {
  onDidReport: vscode.Event<{ host: string; report: DoctorReport }>;
  /** A sim view opened (or became active). */
  onDidOpenSimView: vscode.Event<unknown>;
  /** Code reached an instance's code server and ran (its outcome ok or raised). */
  onDidRunInSim: vscode.Event<unknown>;
}

export class WalkthroughProgress implements vscode.Disposable {
  private readonly done = Object.fromEntries(WALKTHROUGH_STEPS.map((s) => [s, false])) as Record<WalkthroughStep, boolean>;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly fleet: WalkthroughFleet,
    events: WalkthroughEvents,
  ) {
    this.subscriptions.push(
      events.onDidReport(({ report }) => {
        this.mark('doctor');
        if (runtimeReady(report)) this.mark('toolkit');
      }),
      events.onDidOpenSimView(() => this.mark('simView')),
      events.onDidRunInSim(() => this.mark('runInSim')),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('isaacSim.image') || e.affectsConfiguration('isaacSim.version')) this.mark('image');
      }),
      fleet.onDidChange(() => this.checkReady()),
    );
    this.checkReady();
  }

  /** The steps this window has seen happen, for tests. */
  get state(): Readonly<Record<WalkthroughStep, boolean>> {
    return { ...this.done };
  }

  private checkReady(): void {
    if (this.done.start) return;
    if (this.fleet.hosts.some((h) => h.manager?.list().some((s) => s.state.kind === 'ready'))) this.mark('start');
  }

  private mark(step: WalkthroughStep): void {
    if (this.done[step]) return;
    this.done[step] = true;
    const key = step === 'toolkit' ? WALKTHROUGH_CONTEXT.runtimeReady : step === 'start' ? WALKTHROUGH_CONTEXT.instanceReady : undefined;
    if (key) void vscode.commands.executeCommand('setContext', key, true);
    // A VS Code without the command (or without walkthroughs) keeps the manifest's completion events.
    void Promise.resolve(vscode.commands.executeCommand('welcome.markStepComplete', `${EXTENSION_ID}#${WALKTHROUGH_ID}#${step}`)).catch(() => undefined);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
