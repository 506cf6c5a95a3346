/**
 * isaacSim.endpoints: which engines the fleet runs (fleet.ts), each with its own settings. No `vscode`.
 *
 * An endpoint is `{ name, dockerHost }` or `{ name, dockerContext }` plus optional overrides of the per-engine settings
 * (ENDPOINT_OVERRIDES); everything else comes from the top-level settings. Each endpoint is checked
 * on its own: its merged settings go through parseSettings (the one validator), which names each field
 * it overrides isaacSim.endpoints[i].<field>, so that the message names what to fix. A bad endpoint
 * gets its own problems and keeps none of the others from running.
 *
 * An endpoint's engine is its own dockerHost or dockerContext, never the top-level one (the merge
 * clears both top-level values): so the errors about where its engine is name
 * isaacSim.endpoints[i].dockerHost / .dockerContext (EndpointPlan.settingIds), and those of the
 * implicit endpoint the top-level settings. Its other settings are its own only where it sets them
 * (EndpointPlan.origin): settingIdOf names isaacSim.endpoints[i].<key> for those and isaacSim.<key> for
 * the rest, so that a message about a value in force (a taken port's base) names the setting that holds it.
 */
import * as l10n from '@vscode/l10n';
import { TOP_LEVEL_ENGINE_SETTINGS, type EngineSettingIds } from '../docker/errors';
import type { NamedSetting } from './diagnosis';
import { SETTINGS_SECTION, TOP_LEVEL_SETTING_ID, parseSettings, type Settings, type SettingKey, type SettingsProblem, type SettingsResult } from './settings';

/** The settings an endpoint may set for itself. */
export const ENDPOINT_OVERRIDES = ['instanceCount', 'httpPortBase', 'signalPortBase', 'streamPortBase', 'webViewerPortBase', 'pythonServerPortBase', 'gpus', 'host'] as const satisfies readonly SettingKey[];
export type EndpointOverride = (typeof ENDPOINT_OVERRIDES)[number];
/** Every key an endpoint object may have. */
export const ENDPOINT_KEYS: readonly string[] = ['name', 'dockerHost', 'dockerContext', ...ENDPOINT_OVERRIDES];

export const ENDPOINT_NAME = /^[A-Za-z0-9._-]+$/;
const nameRule = () => l10n.t('a unique name of letters, digits, ".", "_" and "-", such as "gpu-box-1"');
const EXAMPLE = '{ "name": "gpu-box", "dockerHost": "tcp://127.0.0.1:2375" }';

/** One engine of the fleet: its name ("" for the implicit one of the top-level settings) and its settings. */
export interface EndpointPlan {
  name: string;
  /** Its position in isaacSim.endpoints; -1 for the implicit endpoint. */
  position: number;
  result: SettingsResult;
  /** The settings its engine's dockerHost and dockerContext come from, for messages about where the engine is. */
  settingIds: EngineSettingIds;
  /** Which of its settings it sets itself: settingIdOf(origin, key) is the id of the setting that holds `key` for it. */
  origin: SettingOrigin;
}

/** Where a host's settings are read from: its position in isaacSim.endpoints (-1: the implicit endpoint) and the overrides it sets itself. */
export interface SettingOrigin {
  readonly position: number;
  readonly own: readonly EndpointOverride[];
}

/** The implicit endpoint (no isaacSim.endpoints): every setting is the top-level one. */
export const TOP_LEVEL_ORIGIN: SettingOrigin = Object.freeze({ position: -1, own: Object.freeze([]) });

/** The id of the setting that holds `key` for a host: isaacSim.endpoints[i].<key> where the endpoint sets it itself, else isaacSim.<key>. */
export function settingIdOf(origin: SettingOrigin, key: SettingKey): string {
  return origin.position >= 0 && (origin.own as readonly string[]).includes(key) ? id(origin.position, key) : TOP_LEVEL_SETTING_ID(key);
}

/**
 * How a failure's fix (diagnosis.ts) names a setting for a host: as settingIdOf, and the port bases
 * as isaacSim.endpoints[i].*PortBase when the endpoint sets any of them itself.
 */
export function fixSettingName(origin: SettingOrigin, key: NamedSetting): string {
  if (key !== '*PortBase') return settingIdOf(origin, key);
  return origin.position >= 0 && origin.own.some((k) => k.endsWith('PortBase')) ? id(origin.position, key) : `${SETTINGS_SECTION}.${key}`;
}

export interface FleetPlan {
  /** True when isaacSim.endpoints is empty: one engine, from the top-level settings, exactly as without the setting. */
  implicit: boolean;
  endpoints: EndpointPlan[];
  /** Endpoints that could not be named (no valid, unique name): they run nowhere. */
  problems: SettingsProblem[];
}

function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function id(position: number, key?: string): string {
  return `${SETTINGS_SECTION}.endpoints[${position}]${key ? `.${key}` : ''}`;
}

/** The overrides an endpoint object sets (a key whose value is undefined is not set). */
function ownOverrides(raw: Record<string, unknown>): EndpointOverride[] {
  return ENDPOINT_OVERRIDES.filter((k) => Object.prototype.hasOwnProperty.call(raw, k) && raw[k] !== undefined);
}

/**
 * The merged settings' problems name the endpoint's own fields isaacSim.endpoints[i].<field> (parseSettings
 * takes the namer); one on a top-level setting it inherits says which endpoint it spoils.
 */
function endpointProblems(merged: Record<string, unknown>, position: number, name: string, own: readonly string[]): SettingsResult {
  const parsed = parseSettings(merged, (key) => (own.includes(key) ? id(position, key) : TOP_LEVEL_SETTING_ID(key)));
  if (parsed.ok) return parsed;
  const mine = `${id(position)}.`;
  return { ok: false, problems: parsed.problems.map((p) => (p.setting.startsWith(mine) ? p : { setting: p.setting, message: l10n.t('Endpoint "{0}" ({1}): {2}', name, id(position), p.message) })) };
}

/** An endpoint's own settings: the top-level ones with its dockerHost and overrides, validated as one. */
function endpointResult(top: Settings, raw: Record<string, unknown>, position: number, name: string): SettingsResult {
  const problems: SettingsProblem[] = [];
  for (const key of Object.keys(raw)) {
    if (!ENDPOINT_KEYS.includes(key)) {
      problems.push({ setting: id(position, key), message: l10n.t('Setting {0} is not an endpoint field: use only {1}, and set the others at the top level.', id(position, key), ENDPOINT_KEYS.join(', ')) });
    }
  }
  const byContext = raw.dockerHost === undefined && raw.dockerContext !== undefined;
  const engineKey = byContext ? 'dockerContext' : 'dockerHost';
  if (typeof raw[engineKey] !== 'string') {
    problems.push({
      setting: id(position, engineKey),
      message: l10n.t('Setting {0} is {1}, which is not allowed: {2}.', id(position, engineKey), raw[engineKey] === undefined ? 'missing' : show(raw[engineKey]), byContext ? l10n.t('use the name of a docker context, as "docker context ls" lists it') : l10n.t('use the engine of this endpoint, such as "unix:///var/run/docker.sock" or "tcp://127.0.0.1:2375", or name a docker context in dockerContext instead')),
    });
  }
  const given = ['dockerHost', 'dockerContext'].filter((k) => typeof raw[k] === 'string');
  const own = [...given, ...ownOverrides(raw)];
  // The endpoint's engine replaces the top-level one whole: a dockerHost here clears a top-level dockerContext, and the other way round.
  const merged: Record<string, unknown> = { ...top, dockerHost: '', dockerContext: '' };
  for (const key of own) merged[key] = raw[key];
  const parsed = endpointProblems(merged, position, name, own);
  if (!parsed.ok) problems.push(...parsed.problems);
  return problems.length > 0 ? { ok: false, problems } : parsed;
}

/**
 * The engines to run for these settings. `rawEndpoints` is isaacSim.endpoints as read (used when
 * the top-level settings are invalid, so that every endpoint is still known and shows the problem).
 */
export function planEndpoints(top: SettingsResult, rawEndpoints: unknown = top.ok ? top.settings.endpoints : []): FleetPlan {
  const list = Array.isArray(rawEndpoints) ? (rawEndpoints as unknown[]) : [];
  if (list.length === 0) return { implicit: true, endpoints: [{ name: '', position: -1, result: top, settingIds: TOP_LEVEL_ENGINE_SETTINGS, origin: TOP_LEVEL_ORIGIN }], problems: [] };
  const problems: SettingsProblem[] = [];
  const endpoints: EndpointPlan[] = [];
  const names = new Map<string, number>();
  const hosts = new Map<string, number>();
  list.forEach((entry, position) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push({ setting: id(position), message: l10n.t('Setting {0} is {1}, which is not allowed: use an object such as {2}.', id(position), show(entry), EXAMPLE) });
      return;
    }
    const raw = entry as Record<string, unknown>;
    const name = raw.name;
    if (typeof name !== 'string' || !ENDPOINT_NAME.test(name)) {
      problems.push({ setting: id(position, 'name'), message: l10n.t('Setting {0} is {1}, which is not allowed: use {2}.', id(position, 'name'), name === undefined ? 'missing' : show(name), nameRule()) });
      return;
    }
    const earlier = names.get(name);
    if (earlier !== undefined) {
      problems.push({ setting: id(position, 'name'), message: l10n.t('Setting {0} is "{1}", already the name of {2}: use {3}.', id(position, 'name'), name, id(earlier), nameRule()) });
      return;
    }
    names.set(name, position);
    let result: SettingsResult = top.ok ? endpointResult(top.settings, raw, position, name) : { ok: false, problems: top.problems };
    // Two endpoints on one engine would both own its containers (the same names and labels).
    if (result.ok) {
      const { dockerHost, dockerContext } = result.settings;
      const key = dockerContext ? l10n.t('context {0}', dockerContext) : dockerHost;
      const field = dockerContext ? 'dockerContext' : 'dockerHost';
      const same = hosts.get(key);
      if (same !== undefined) {
        result = {
          ok: false,
          problems: [{ setting: id(position, field), message: l10n.t('Setting {0} is "{1}", the engine of {2} too: use one endpoint per engine.', id(position, field), dockerContext || dockerHost, id(same)) }],
        };
      } else {
        hosts.set(key, position);
      }
    }
    // Both the endpoint's own, also the one it leaves out: the top-level value does not apply to it (endpointResult clears it).
    endpoints.push({ name, position, result, settingIds: { host: id(position, 'dockerHost'), context: id(position, 'dockerContext'), portBases: id(position, '*PortBase'), gpus: id(position, 'gpus') }, origin: { position, own: ownOverrides(raw) } });
  });
  return { implicit: false, endpoints, problems };
}
