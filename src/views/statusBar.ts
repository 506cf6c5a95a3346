/**
 * "Isaac Sim: 2/3 ready" in the status bar: a spinner while any instance starts, the error colour
 * while any has failed; a click focuses the Isaac Sim view. Shown once the engine has answered, so
 * it never claims a count it does not know.
 */
import * as vscode from 'vscode';
import type { Manager } from '../instances/manager';

export class InstancesStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('isaacSim.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly manager: Manager) {
    this.item.name = 'Isaac Sim Instances';
    this.item.command = 'isaacSim.instances.focus';
    this.subscription = manager.onDidChange(() => this.update());
    this.update();
  }

  /** The text it shows now, for tests. */
  get text(): string {
    return this.item.text;
  }

  private update(): void {
    if (this.manager.engineStatus.kind !== 'connected') {
      this.item.hide();
      return;
    }
    const list = this.manager.list();
    const ready = list.filter((s) => s.state.kind === 'ready').length;
    const starting = list.filter((s) => s.state.kind === 'starting' || s.state.kind === 'loading').length;
    const failed = list.filter((s) => s.state.kind === 'failed');
    const icon = starting > 0 ? '$(loading~spin)' : failed.length > 0 ? '$(error)' : '$(vm)';
    this.item.text = `${icon} Isaac Sim: ${ready}/${list.length} ready`;
    this.item.backgroundColor = failed.length > 0 ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const lines = list.map((s) => `${s.label}: ${s.state.kind}${s.state.kind === 'failed' && s.state.reason ? ` — ${s.state.reason}` : ''}`);
    this.item.tooltip = `${lines.join('\n')}\n\nClick to show the Isaac Sim view.`;
    this.item.accessibilityInformation = { label: `Isaac Sim: ${ready} of ${list.length} instances ready${failed.length ? `, ${failed.length} failed` : ''}${starting ? `, ${starting} starting` : ''}` };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
