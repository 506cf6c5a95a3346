/**
 * Isaac Sim's stream takes one browser connection at a time: "Only one browser tab/window can be
 * connected to Isaac Sim at a time" (isaac-sim/IsaacSim tools/docker/README.md, "Single browser
 * connection"; 4.2's web client streams to one viewer too). So before a browser is sent to an
 * instance whose sim view holds that connection, the user is warned and can close the sim view first.
 */
import * as vscode from 'vscode';
import type { InstanceSnapshot } from '../instances/model';

/**
 * Asks before opening `s`'s client in a browser while its sim view is open. Resolves true to go on
 * (after closing the sim view, if the user chose that).
 */
export async function confirmBrowserConnection(s: InstanceSnapshot, simView: vscode.WebviewPanel | undefined): Promise<boolean> {
  if (!simView || s.view.kind !== 'url') return true;
  const close = vscode.l10n.t('Close Sim View and Open');
  const anyway = vscode.l10n.t('Open Anyway');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t("{0}'s stream is open in its sim view, and Isaac Sim takes one browser connection at a time: a browser tab opened now will not connect while the sim view holds it.", s.label),
    { modal: true },
    close,
    anyway,
  );
  if (choice === close) simView.dispose();
  return choice === close || choice === anyway;
}
