/**
 * The web viewers' notifications: a cancellable progress notification while a viewer's image is
 * built (its lines go to the instance's log channel), and an error when a viewer fails, with the
 * build's last lines and a way on (Show Logs, and the setting to open where one applies).
 */
import * as vscode from 'vscode';
import type { Manager } from '../instances/manager';
import type { WebViewerState } from '../instances/model';
import { NO_HOST, type HostOf } from './hostOf';

export class WebViewerNotifier implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  /** Per instance: the viewer state last seen, so each build and each failure is told once. */
  private readonly seen = new Map<number, WebViewerState | undefined>();

  constructor(
    private readonly manager: Manager,
    private readonly host: HostOf = NO_HOST,
  ) {
    this.subscription = manager.onDidChange((snapshot) => {
      for (const s of snapshot.instances) {
        const before = this.seen.get(s.index);
        const now = s.webViewer;
        this.seen.set(s.index, now);
        if (!now || now === before) continue;
        if (now.kind === 'building' && before?.kind !== 'building') this.followBuild(s.index, this.host.label(s.label));
        if (now.kind === 'failed' && (before?.kind !== 'failed' || before.reason !== now.reason) && now.errorKind !== 'cancelled') void this.tellFailure(s.index, this.host.label(s.label), now);
      }
    });
  }

  private followBuild(index: number, label: string): void {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Isaac Sim {0}: building its web viewer', label), cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          progress.report({ message: vscode.l10n.t('the build log is in its log channel') });
          const done = () => {
            sub.dispose();
            cancel.dispose();
            resolve();
          };
          const sub = this.manager.onDidChange(() => {
            if (this.manager.get(index)?.webViewer?.kind !== 'building') done();
          });
          const cancel = token.onCancellationRequested(() => {
            this.manager.cancelWebViewer(index);
            done();
          });
        }),
    );
  }

  private async tellFailure(index: number, label: string, v: WebViewerState): Promise<void> {
    // A failed build's reason ends with the build's last lines: they are the error.
    const showLogs = vscode.l10n.t('Show Logs');
    const openSetting = vscode.l10n.t('Open Setting');
    const actions = v.setting ? [showLogs, openSetting] : [showLogs];
    const choice = await vscode.window.showErrorMessage(vscode.l10n.t('Isaac Sim {0}: {1}', label, v.reason ?? vscode.l10n.t('unknown reason')), ...actions);
    if (choice === showLogs) await vscode.commands.executeCommand('isaacSim.showLogs', { index, host: this.host.name });
    if (choice === openSetting && v.setting) await vscode.commands.executeCommand('workbench.action.openSettings', v.setting);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
