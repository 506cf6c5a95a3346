/**
 * Reads the isaacSim.* settings, validates them in the one place (parseSettings) and hands the
 * result to the manager, now and on every change. Each new set of problems is reported once.
 */
import * as vscode from 'vscode';
import type { Manager } from '../instances/manager';
import { SETTINGS_SECTION, SETTING_KEYS, describeProblems, parseSettings, type SettingsResult } from '../instances/settings';

export function readSettings(): SettingsResult {
  const cfg = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const raw: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) raw[key] = cfg.get(key);
  return parseSettings(raw);
}

export function watchSettings(manager: Manager, log: vscode.LogOutputChannel): vscode.Disposable {
  let lastReported = '';
  const apply = () => {
    const result = readSettings();
    manager.updateSettings(result);
    if (!result.ok) {
      const message = describeProblems(result.problems);
      log.error(message);
      if (message !== lastReported) {
        lastReported = message;
        void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', result.problems[0].setting);
        });
      }
    } else {
      lastReported = '';
    }
  };
  apply();
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTINGS_SECTION)) apply();
    }),
    // Trusting the workspace lets its restricted settings apply: read them again.
    vscode.workspace.onDidGrantWorkspaceTrust(apply),
  );
}
