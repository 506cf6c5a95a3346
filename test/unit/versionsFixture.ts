/** Settings, a spec context and image facts for the per-version tests. */
import assert from 'node:assert/strict';
import type { ImageFacts, VersionId } from '../../src/instances/versions';
import { parseSettings, type Settings } from '../../src/instances/settings';
import type { SpecContext } from '../../src/instances/spec';

const HOME = '/home/u';

export function settings(overrides: Partial<Settings> = {}): Settings {
  const r = parseSettings({ ...overrides });
  assert.ok(r.ok, `test settings must be valid: ${JSON.stringify(r)}`);
  return r.settings;
}

export function ctx(version: VersionId, user?: string): SpecContext {
  return { version, home: HOME, ...(user !== undefined ? { image: { user } } : {}) };
}

export function facts(overrides: Partial<ImageFacts> = {}): ImageFacts {
  return { user: '', entrypoint: [], env: [], tags: [], ...overrides };
}
