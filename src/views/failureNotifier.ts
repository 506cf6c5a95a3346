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
    this.notices = manager.onDidNotice((n) => void vscode.window.showWarningMessage(vscode.l10n.t('Isaac Sim {0}: {1}', this.host.label(n.label), n.message)));
  }

  private async notify({ index, label: plain, snapshot }: InstanceFailure): Promise<void> {
    const label = this.host.label(plain);
    // Show Logs opens this host's channel of the instance, not the first host's.
    const target = { index, host: this.host.name };
    const { reason, fix } = snapshot.state;
    const showFix = vscode.l10n.t('Show Fix');
    const showLogs = vscode.l10n.t('Show Logs');
    const actions = fix ? [showFix, showLogs] : [showLogs];
    const choice = await vscode.window.showErrorMessage(vscode.l10n.t('Isaac Sim {0} failed: {1}.', label, reason ?? vscode.l10n.t('unknown reason')), ...actions);
    if (choice === showLogs) await vscode.commands.executeCommand('isaacSim.showLogs', target);
    if (choice === showFix && fix) {
      // The cause can become clearer after the notification (a fatal line read after the exit): show the latest.
      const now = this.manager.get(index)?.state;
      const latest = now?.kind === 'failed' && now.fix && now.diagnosisId !== snapshot.state.diagnosisId ? now : snapshot.state;
      const runDoctor = vscode.l10n.t('Run Preflight Doctor');
      const next = await vscode.window.showInformationMessage(vscode.l10n.t('How to fix "{0}" ({1})', String(latest.reason ?? reason), label), { modal: true, detail: latest.fix ?? fix }, showLogs, runDoctor);
      if (next === showLogs) await vscode.commands.executeCommand('isaacSim.showLogs', target);
      if (next === runDoctor) await vscode.commands.executeCommand('isaacSim.doctor');
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.notices.dispose();
  }
}
