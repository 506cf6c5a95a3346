/** The URL template setting names, template values and result checks for clientUrl.test.ts and clientUrlProperties.test.ts. */
import assert from 'node:assert/strict';
import type { ClientUrlResult, UrlTemplateSetting } from '../../src/instances/clientUrl';
import { SAMPLE_VALUES } from '../../src/instances/settings';
import type { TemplateValues } from '../../src/instances/templates';

export const CLIENT: UrlTemplateSetting = 'isaacSim.clientUrlTemplate';
export const VIEWER: UrlTemplateSetting = 'isaacSim.webViewerUrlTemplate';

export function values(overrides: Partial<TemplateValues> = {}): TemplateValues {
  return { ...SAMPLE_VALUES, ...overrides };
}

export function okUrl(result: ClientUrlResult): URL {
  assert.ok(result.ok, `expected a URL, got ${JSON.stringify(result)}`);
  return new URL(result.url);
}

export function assertRefused(result: ClientUrlResult, setting: string, what: string): void {
  assert.equal(result.ok, false, `${what}: expected an error, got ${JSON.stringify(result)}`);
  if (result.ok) return;
  assert.equal(result.setting, setting, `${what}: names ${setting}: ${result.message}`);
  assert.ok(result.message.includes(setting), `${what}: the message names ${setting}: ${result.message}`);
  assert.match(result.message, /Fix /, `${what}: the message says what to fix: ${result.message}`);
}
