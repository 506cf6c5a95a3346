/**
 * One notification per failure, with the diagnosis and two ways on: "Show Fix" and "Show Logs";
 * and one warning per notice the manager gives before a start (e.g. a 4.2 page that cannot reach
 * its own signalling port).
 */
import * as vscode from 'vscode';
import type { InstanceFailure, Manager } from '../instances/manager';
import { NO_HOST, type HostOf } from './hostOf';

export class FailureNotifier implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  private readonly notices: vscode.Disposable;

  constructor(
    private readonly manager: Manager,
    private readonly host: HostOf = NO_HOST,
  ) {
    this.subscription = manager.onDidFail((f) => void this.notify(f));
    this.notices = manager.onDidNotice((n) => void vscode.window.showWarningMessage(`Isaac Sim ${this.host.label(n.label)}: ${n.message}`));
  }

  private async notify({ index, label: plain, snapshot }: InstanceFailure): Promise<void> {
    const label = this.host.label(plain);
    // Show Logs opens this host's channel of the instance, not the first host's.
    const target = { index, host: this.host.name };
    const { reason, fix } = snapshot.state;
    const actions = fix ? ['Show Fix', 'Show Logs'] : ['Show Logs'];
    const choice = await vscode.window.showErrorMessage(`Isaac Sim ${label} failed: ${reason ?? 'unknown reason'}.`, ...actions);
    if (choice === 'Show Logs') await vscode.commands.executeCommand('isaacSim.showLogs', target);
    if (choice === 'Show Fix' && fix) {
      // The cause can become clearer after the notification (a fatal line read after the exit): show the latest.
      const now = this.manager.get(index)?.state;
      const latest = now?.kind === 'failed' && now.fix && now.diagnosisId !== snapshot.state.diagnosisId ? now : snapshot.state;
      const next = await vscode.window.showInformationMessage(`How to fix "${latest.reason ?? reason}" (${label})`, { modal: true, detail: latest.fix ?? fix }, 'Show Logs', 'Run Preflight Doctor');
      if (next === 'Show Logs') await vscode.commands.executeCommand('isaacSim.showLogs', target);
      if (next === 'Run Preflight Doctor') await vscode.commands.executeCommand('isaacSim.doctor');
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.notices.dispose();
  }
}
