/**
 * Reads the isaacSim.* settings, validates them in the one place (parseSettings) and hands the
 * result to the manager, now and on every change. Each new set of problems is reported once.
 */
import * as vscode from 'vscode';
import type { FleetView } from '../instances/fleet';
import { SETTINGS_SECTION, SETTING_KEYS, describeProblems, parseSettings, type SettingsResult } from '../instances/settings';

export function readSettings(): SettingsResult {
  const cfg = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const raw: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) raw[key] = cfg.get(key);
  return parseSettings(raw);
}

/**
 * What the Settings editor is opened on for a setting id: an endpoint's field (isaacSim.endpoints[1].dockerHost)
 * opens isaacSim.endpoints, which the editor shows (it finds no setting by the longer id).
 */
export function settingsQuery(setting: string): string {
  return setting.replace(/\[\d+\].*$/, '');
}

/** isaacSim.endpoints as read, valid or not (the fleet still knows its hosts when other settings are invalid). */
export function readEndpoints(): unknown {
  return vscode.workspace.getConfiguration(SETTINGS_SECTION).get('endpoints');
}

export function watchSettings(fleet: FleetView, log: vscode.LogOutputChannel): vscode.Disposable {
  let lastReported = '';
  const apply = () => {
    const result = readSettings();
    fleet.update(result, readEndpoints());
    // Each endpoint's own problems, and endpoints that could not be named, reported like the others.
    const problems = [...(result.ok ? [] : result.problems), ...fleet.problems, ...(result.ok ? fleet.hosts.flatMap((h) => h.problems) : [])];
    if (problems.length > 0) {
      const message = describeProblems(problems);
      log.error(message);
      if (message !== lastReported) {
        lastReported = message;
        void vscode.window.showErrorMessage(message, vscode.l10n.t('Open Settings')).then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', settingsQuery(problems[0].setting));
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
