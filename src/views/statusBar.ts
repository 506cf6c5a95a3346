/**
 * "Isaac Sim: 2/3 ready" in the status bar: a spinner while any instance starts, the error colour
 * while any has failed; a click focuses the Isaac Sim view. Shown once the engine has answered, so
 * it never claims a count it does not know. With several endpoints it names each host:
 * "Isaac Sim: a 2/3 · b unreachable".
 */
import * as vscode from 'vscode';
import type { FleetView } from '../instances/fleet';
import type { Manager } from '../instances/manager';

/** "Isaac Sim: 2 of 3 instances ready, 1 failed, 1 starting", for screen readers: each variant a whole message. */
function readyLabel(ready: number, total: number, failed: number, starting: number): string {
  if (failed && starting) return vscode.l10n.t('Isaac Sim: {0} of {1} instances ready, {2} failed, {3} starting', ready, total, failed, starting);
  if (failed) return vscode.l10n.t('Isaac Sim: {0} of {1} instances ready, {2} failed', ready, total, failed);
  if (starting) return vscode.l10n.t('Isaac Sim: {0} of {1} instances ready, {2} starting', ready, total, starting);
  return vscode.l10n.t('Isaac Sim: {0} of {1} instances ready', ready, total);
}

export class InstancesStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('isaacSim.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly fleet: FleetView) {
    this.item.name = vscode.l10n.t('Isaac Sim Instances');
    this.item.command = 'isaacSim.instances.focus';
    this.subscription = fleet.onDidChange(() => this.update());
    this.update();
  }

  /** The text it shows now, for tests. */
  get text(): string {
    return this.item.text;
  }

  private update(): void {
    if (this.fleet.multiple) return this.updateHosts();
    const manager = this.fleet.hosts[0]?.manager;
    if (manager?.engineStatus.kind !== 'connected') {
      this.item.hide();
      return;
    }
    const list = manager.list();
    const ready = list.filter((s) => s.state.kind === 'ready').length;
    const starting = list.filter((s) => s.state.kind === 'starting' || s.state.kind === 'loading').length;
    const failed = list.filter((s) => s.state.kind === 'failed');
    const icon = starting > 0 ? '$(loading~spin)' : failed.length > 0 ? '$(error)' : '$(vm)';
    this.item.text = vscode.l10n.t('{0} Isaac Sim: {1}/{2} ready', icon, ready, list.length);
    this.item.backgroundColor = failed.length > 0 ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const lines = list.map((s) => `${s.label}: ${s.state.kind}${s.state.kind === 'failed' && s.state.reason ? ` — ${s.state.reason}` : ''}`);
    this.item.tooltip = `${lines.join('\n')}\n\n${vscode.l10n.t('Click to show the Isaac Sim view.')}`;
    this.item.accessibilityInformation = { label: readyLabel(ready, list.length, failed.length, starting) };
    this.item.show();
  }

  /** Several endpoints: each host's count (or why it has none), shown once any host answered. */
  private updateHosts(): void {
    const hosts = this.fleet.hosts.map((h) => ({ name: h.name, manager: h.manager as Manager | undefined, status: this.fleet.status(h.name) }));
    if (!hosts.some((h) => h.status?.engine === 'connected')) {
      this.item.hide();
      return;
    }
    const all = hosts.flatMap((h) => (h.status?.engine === 'connected' && h.manager ? h.manager.list().map((s) => ({ host: h.name, s })) : []));
    const starting = all.some(({ s }) => s.state.kind === 'starting' || s.state.kind === 'loading');
    const failed = all.filter(({ s }) => s.state.kind === 'failed');
    const down = hosts.filter((h) => h.status?.engine !== 'connected');
    const icon = starting ? '$(loading~spin)' : failed.length > 0 || down.length > 0 ? '$(error)' : '$(vm)';
    const part = (h: (typeof hosts)[number]) =>
      h.status?.engine === 'connected' ? `${h.name} ${h.status.ready}/${h.status.total}` : h.status?.engine === 'invalid' ? vscode.l10n.t('{0} invalid', h.name) : vscode.l10n.t('{0} unreachable', h.name);
    this.item.text = vscode.l10n.t('{0} Isaac Sim: {1} ready', icon, hosts.map(part).join(' · '));
    this.item.backgroundColor = failed.length > 0 ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const lines = all.map(({ host, s }) => `${host}/${s.label}: ${s.state.kind}${s.state.kind === 'failed' && s.state.reason ? ` — ${s.state.reason}` : ''}`);
    for (const h of down) lines.push(`${h.name}: ${h.status?.message ?? vscode.l10n.t('unreachable')}`);
    this.item.tooltip = `${lines.join('\n')}\n\n${vscode.l10n.t('Click to show the Isaac Sim view.')}`;
    this.item.accessibilityInformation = { label: vscode.l10n.t('Isaac Sim: {0} ready', hosts.map(part).join(', ')) };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
