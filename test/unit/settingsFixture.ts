/** The problems or the settings of a parseSettings result, failing the test when it is the other kind. */
import assert from 'node:assert/strict';
import type { Settings, SettingsProblem, SettingsResult } from '../../src/instances/settings';

export function problemsOf(result: SettingsResult): SettingsProblem[] {
  assert.equal(result.ok, false, `expected invalid settings, got ${JSON.stringify(result)}`);
  return result.ok ? [] : result.problems;
}

export function settingsOf(result: SettingsResult): Settings {
  assert.equal(result.ok, true, `expected valid settings, got ${JSON.stringify(result)}`);
  return result.ok ? result.settings : (undefined as never);
}
