/**
 * "Run in Sim"'s target: the one owner of which instance code goes to, and its status bar item
 * ("$(play) Sim: instance-0", a click changes it). The target is the instance whose sim view was
 * active last, or the one a run or the pick chose last; simTargetChoice.ts plans what happens when
 * it is gone or not ready. The item shows only while a Python editor is active and an engine is
 * connected.
 */
import * as vscode from 'vscode';
import type { FleetView } from '../instances/fleet';
import { planSimTarget, readyItems, targetLabel, targetStatus, type SimTargetRef, type TargetHost, type TargetPickItem, type TargetPlan } from './simTargetChoice';

export class SimTarget implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('isaacSim.simTarget', vscode.StatusBarAlignment.Left, 49);
  private readonly subscriptions: vscode.Disposable[];
  private remembered: SimTargetRef | undefined;
  private visible = false;

  constructor(private readonly fleet: FleetView) {
    this.item.name = vscode.l10n.t('Isaac Sim: Run in Sim Target');
    this.item.command = 'isaacSim.chooseSimTarget';
    this.subscriptions = [fleet.onDidChange(() => this.update()), vscode.window.onDidChangeActiveTextEditor(() => this.update())];
    this.update();
  }

  /** The remembered target, ready or not. */
  get current(): SimTargetRef | undefined {
    return this.remembered;
  }

  /** What the item shows now, and whether it is shown (for tests). */
  get status(): { text: string; visible: boolean } {
    return { text: this.item.text, visible: this.visible };
  }

  /** A sim view became active, or a run or the pick chose an instance: code goes there from now on. */
  remember(target: SimTargetRef): void {
    this.remembered = { host: target.host, index: target.index };
    this.update();
  }

  /** Where code goes now (simTargetChoice.ts). */
  plan(): TargetPlan {
    return planSimTarget(this.hosts(), this.remembered, this.fleet.multiple);
  }

  /** The ready instances, as the pick offers them. */
  readyItems(): TargetPickItem[] {
    return readyItems(this.hosts(), this.fleet.multiple);
  }

  label(target: SimTargetRef): string {
    return targetLabel(target, this.fleet.multiple);
  }

  /** Every host with its instances while its engine is connected. */
  private hosts(): TargetHost[] {
    return this.fleet.hosts.map((h) => ({ name: h.name, instances: h.manager?.engineStatus.kind === 'connected' ? h.manager.list() : undefined }));
  }

  private update(): void {
    const editor = vscode.window.activeTextEditor;
    const connected = this.fleet.hosts.some((h) => h.manager?.engineStatus.kind === 'connected');
    this.visible = connected && editor?.document.languageId === 'python';
    if (!this.visible) {
      this.item.hide();
      return;
    }
    const { text, tooltip, label } = targetStatus(this.hosts(), this.remembered, this.fleet.multiple);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label };
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
