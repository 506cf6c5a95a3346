/** Settings and a spec context for the container spec tests. */
import assert from 'node:assert/strict';
import { parseSettings, type Settings } from '../../src/instances/settings';
import type { VersionId } from '../../src/instances/versions';

export const HOME = '/home/u';
/** The default image is NVIDIA's 4.2; most tests build for it. */
const V42: VersionId = '4.2';

export function ctx(home = HOME, version: VersionId = V42, user?: string) {
  return { version, home, ...(user !== undefined ? { image: { user } } : {}) };
}

export function settings(overrides: Partial<Settings> = {}): Settings {
  const r = parseSettings({ ...overrides });
  assert.ok(r.ok, `test settings must be valid: ${JSON.stringify(r)}`);
  return r.settings;
}
