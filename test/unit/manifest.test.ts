import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { toJSONSchema } from 'zod/mini';
import { VERSION_SETTINGS } from '../../src/instances/versions';
import { DEFAULT_SETTINGS, SETTING_KEYS, SETTINGS_SECTION, parseSettings, settingsSchema, type SettingKey } from '../../src/instances/settings';
import { TEMPLATE_PLACEHOLDERS } from '../../src/instances/templates';
import { ENDPOINT_KEYS, ENDPOINT_NAME, ENDPOINT_OVERRIDES } from '../../src/instances/fleetSettings';
import { resolvedManifest } from './manifestNls';

// Tests run from out/test/unit; the repository root is three levels up.
const ROOT = path.resolve(__dirname, '../../..');
// Its texts as VS Code shows them in English: package.nls.json's for each %key% (test/unit/manifestNls.ts).
const manifest = resolvedManifest<{
  contributes: {
    configuration: {
      title?: string;
      properties: Record<
        string,
        {
          type?: string | string[];
          default?: unknown;
          minimum?: number;
          maximum?: number;
          enum?: unknown[];
          markdownEnumDescriptions?: string[];
          minItems?: number;
          items?: { type?: string };
          additionalProperties?: { type?: string };
          markdownDescription?: string;
        }
      >;
    };
    commands: Array<{ command: string; title: string; category?: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    viewsWelcome?: Array<{ view: string; contents: string; when?: string }>;
    views?: Record<string, Array<{ id: string }>>;
  };
  capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: string[] } };
  activationEvents?: string[];
}>(ROOT);
const { contributes } = manifest;
const properties = contributes.configuration.properties;
const commandIds = contributes.commands.map((c) => c.command);
const commandSet = new Set(commandIds);

function keyOf(property: string): string {
  assert.ok(property.startsWith(`${SETTINGS_SECTION}.`), `${property} is not under ${SETTINGS_SECTION}.`);
  return property.slice(SETTINGS_SECTION.length + 1);
}

/** A JSON Schema property, as package.json writes one and as zod's toJSONSchema makes one. */
interface JsonProperty {
  type?: string | string[];
  anyOf?: JsonProperty[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  minItems?: number;
  items?: { type?: string };
  additionalProperties?: { type?: string } | boolean;
}

/**
 * What both sides can declare about a setting, in one shape: zod writes a nullable setting as
 * `anyOf: [{ type, minimum, ... }, { type: "null" }]`, package.json as `type: [type, "null"]` with the
 * bounds beside it.
 */
function declared(p: JsonProperty) {
  const branches = p.anyOf ?? [p];
  const types = branches.flatMap((b) => (b.type === undefined ? [] : Array.isArray(b.type) ? b.type : [b.type])).sort();
  const merged = Object.assign({}, ...branches.filter((b) => b.type !== 'null')) as JsonProperty;
  const additional = typeof merged.additionalProperties === 'object' ? merged.additionalProperties.type : undefined;
  return {
    types,
    default: p.default,
    minimum: merged.minimum,
    maximum: merged.maximum,
    enum: merged.enum,
    minItems: merged.minItems,
    itemsType: merged.items?.type,
    additionalPropertiesType: additional,
  };
}

/** The settings schema as JSON Schema (what VS Code's settings editor would need to know). */
const schemaProperties = (toJSONSchema(settingsSchema()) as { properties: Record<string, JsonProperty> }).properties;

describe('package.json configuration matches the settings schema', () => {
  test('every contributed isaacSim.* setting is a key of the schema, and vice versa', () => {
    const contributed = Object.keys(properties).map(keyOf).sort();
    assert.deepEqual(contributed, [...SETTING_KEYS].sort());
    assert.deepEqual(Object.keys(schemaProperties).sort(), [...SETTING_KEYS].sort());
  });

  for (const key of SETTING_KEYS) {
    test(`isaacSim.${key}: type, default, bounds, enum and item types equal the schema's`, () => {
      const prop = properties[`${SETTINGS_SECTION}.${key}`];
      assert.ok(prop, `isaacSim.${key} is not contributed`);
      assert.ok('default' in prop, `isaacSim.${key} has no default`);
      const fromSchema = declared(schemaProperties[key]);
      const fromManifest = declared(prop);
      // isaacSim.endpoints: the schema takes any list (each endpoint is checked on its own, fleetSettings.ts); the manifest describes its objects for the editor (tested below).
      if (key === 'endpoints') fromManifest.itemsType = fromSchema.itemsType;
      // The schema always says more than a JSON type: compare the parts package.json can state too.
      assert.ok(fromSchema.types.length > 0, `the schema of ${key} has no JSON type`);
      assert.deepEqual(fromManifest, fromSchema);
      assert.deepEqual(fromSchema.default, DEFAULT_SETTINGS[key]);
    });
  }

  test('the contributed defaults, taken together, are valid settings', () => {
    const raw = Object.fromEntries(Object.entries(properties).map(([k, v]) => [keyOf(k), v.default]));
    const r = parseSettings(raw);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.settings, { ...DEFAULT_SETTINGS });
  });

  test('declared minimum/maximum agree with what the schema accepts', () => {
    let checked = 0;
    for (const [id, prop] of Object.entries(properties)) {
      const key = keyOf(id) as SettingKey;
      if (prop.minimum !== undefined) {
        assert.ok(parseSettings({ [key]: prop.minimum }).ok, `${id} minimum ${prop.minimum} should be accepted`);
        const r = parseSettings({ [key]: prop.minimum - 1 });
        assert.ok(!r.ok && r.problems.some((p) => p.setting === id), `${id} below minimum should be rejected`);
        checked++;
      }
      if (prop.maximum !== undefined) {
        // A port base at the maximum only fits with a single instance.
        assert.ok(parseSettings({ [key]: prop.maximum, instanceCount: 1 }).ok, `${id} maximum ${prop.maximum} should be accepted`);
        const r = parseSettings({ [key]: prop.maximum + 1 });
        assert.ok(!r.ok && r.problems.some((p) => p.setting === id), `${id} above maximum should be rejected`);
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} bounds checked`);
  });

  test('isaacSim.version: its enum is exactly VERSION_SETTINGS, each value described, default "auto"', () => {
    const prop = properties['isaacSim.version'];
    assert.equal(prop.type, 'string');
    assert.deepEqual(prop.enum, [...VERSION_SETTINGS]);
    assert.equal(prop.markdownEnumDescriptions?.length, VERSION_SETTINGS.length);
    for (const d of prop.markdownEnumDescriptions ?? []) assert.ok(d.trim().length > 0);
    assert.equal(prop.default, 'auto');
    assert.equal(prop.default, DEFAULT_SETTINGS.version);
    // Every value of the enum is accepted by the schema; something else is not.
    for (const id of VERSION_SETTINGS) assert.ok(parseSettings({ version: id }).ok, id);
    for (const bad of ['legacy-webrtc', 'livestream', '4.2.0', '5.x']) assert.equal(parseSettings({ version: bad }).ok, false, bad);
  });

  test('the streaming profile settings are gone', () => {
    for (const id of ['isaacSim.streamingProfile', 'isaacSim.webrtcPortBase', 'isaacSim.nativePortBase']) assert.ok(!(id in properties), id);
    for (const [id, prop] of Object.entries(properties)) {
      assert.ok(!/\{(?:webrtcPort|nativePort)\}/.test(prop.markdownDescription ?? ''), `${id} documents a removed placeholder`);
      assert.ok(!/streamingProfile/.test(prop.markdownDescription ?? ''), `${id} mentions isaacSim.streamingProfile`);
    }
  });

  test('isaacSim.httpPortBase: nullable, null by default (the version\'s own Kit HTTP port)', () => {
    const prop = properties['isaacSim.httpPortBase'];
    assert.equal(prop.default, null);
    assert.ok(parseSettings({ httpPortBase: null }).ok);
    assert.ok(parseSettings({ httpPortBase: 8211 }).ok);
  });

  test('isaacSim.endpoints: objects with exactly the endpoint fields, name and one of dockerHost and dockerContext required, each override declared as its top-level setting', () => {
    const prop = properties['isaacSim.endpoints'] as { type?: string; default?: unknown; items?: { type?: string; required?: string[]; oneOf?: Array<{ required?: string[] }>; properties?: Record<string, JsonProperty & { pattern?: string }>; additionalProperties?: boolean } };
    assert.equal(prop.type, 'array');
    assert.deepEqual(prop.default, []);
    assert.equal(prop.items?.type, 'object');
    assert.deepEqual(prop.items?.required, ['name']);
    assert.deepEqual(prop.items?.oneOf, [{ required: ['dockerHost'] }, { required: ['dockerContext'] }]);
    assert.equal(prop.items?.additionalProperties, false);
    const fields = prop.items?.properties ?? {};
    assert.deepEqual(Object.keys(fields).sort(), [...ENDPOINT_KEYS].sort());
    assert.equal(fields.name.pattern, ENDPOINT_NAME.source);
    for (const key of ENDPOINT_OVERRIDES) {
      const top = declared(properties[`${SETTINGS_SECTION}.${key}`]);
      const own = declared(fields[key]);
      assert.deepEqual([own.types, own.minimum, own.maximum], [top.types, top.minimum, top.maximum], key);
    }
  });

  test('isaacSim.privacyConsent: a boolean, false by default', () => {
    const prop = properties['isaacSim.privacyConsent'];
    assert.equal(prop.type, 'boolean');
    assert.equal(prop.default, false);
    assert.match(prop.markdownDescription ?? '', /PRIVACY_CONSENT/);
  });

  test('isaacSim.readinessPatterns: a list of strings, at least one, as the schema requires', () => {
    const prop = properties['isaacSim.readinessPatterns'];
    assert.equal(prop.type, 'array');
    assert.equal(prop.items?.type, 'string');
    assert.equal(prop.minItems, 1);
    assert.equal(parseSettings({ readinessPatterns: [] }).ok, false);
    assert.ok(!('isaacSim.readinessPattern' in properties), 'the old single-pattern setting is gone');
  });

  test('array settings declare string items', () => {
    for (const [id, prop] of Object.entries(properties)) {
      if (prop.type === 'array' && id !== 'isaacSim.endpoints') assert.equal(prop.items?.type, 'string', id);
    }
  });

  test('the template settings document every placeholder', () => {
    for (const id of ['isaacSim.portArgs', 'isaacSim.clientUrlTemplate']) {
      const text = properties[id].markdownDescription ?? '';
      for (const name of TEMPLATE_PLACEHOLDERS) assert.ok(text.includes(`{${name}}`), `${id} does not mention {${name}}`);
    }
    assert.ok((properties['isaacSim.webViewerUrlTemplate'].markdownDescription ?? '').includes('{webViewerPort}'));
  });

  test('restricted configurations in untrusted workspaces are real settings', () => {
    const restricted = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [];
    assert.ok(restricted.length > 0);
    for (const id of restricted) assert.ok(id in properties, `${id} is not a contributed setting`);
    assert.equal(new Set(restricted).size, restricted.length, 'duplicates');
    // The settings that decide what runs or what the sim view loads.
    for (const key of ['image', 'version', 'entrypoint', 'portArgs', 'extraArgs', 'env', 'runtime', 'gpus', 'hostDataRoot', 'dockerHost', 'clientUrlTemplate', 'webViewerUrlTemplate']) {
      assert.ok(restricted.includes(`isaacSim.${key}`), `isaacSim.${key} must be restricted in untrusted workspaces`);
    }
  });
});

describe('package.json commands', () => {
  test('command ids are unique and every command is in the "Isaac Sim" category with a title', () => {
    assert.equal(commandSet.size, commandIds.length, `duplicate command ids: ${commandIds.join(', ')}`);
    assert.ok(commandIds.length > 0);
    for (const c of contributes.commands) {
      assert.equal(c.category, 'Isaac Sim', `${c.command} category`);
      assert.ok(c.title && c.title.trim().length > 0, `${c.command} title`);
      assert.match(c.command, /^isaacSim\.[A-Za-z]+$/);
    }
  });

  test('every command referenced in menus exists', () => {
    let referenced = 0;
    for (const [menu, items] of Object.entries(contributes.menus)) {
      for (const item of items) {
        assert.ok(commandSet.has(item.command), `menu ${menu} references unknown command ${item.command}`);
        referenced++;
      }
    }
    assert.ok(referenced > 0);
  });

  test('every command linked from viewsWelcome exists', () => {
    const links = (contributes.viewsWelcome ?? []).flatMap((w) => [...w.contents.matchAll(/\(command:([A-Za-z0-9_.-]+)(?:\?[^)]*)?\)/g)].map((m) => m[1]));
    assert.ok(links.length > 0, 'viewsWelcome has command links');
    for (const id of links) assert.ok(commandSet.has(id), `viewsWelcome links to unknown command ${id}`);
  });

  test('viewsWelcome and menus only target contributed views', () => {
    const viewIds = new Set(Object.values(contributes.views ?? {}).flatMap((vs) => vs.map((v) => v.id)));
    for (const w of contributes.viewsWelcome ?? []) assert.ok(viewIds.has(w.view), `viewsWelcome for unknown view ${w.view}`);
    for (const items of Object.values(contributes.menus)) {
      for (const item of items) {
        for (const m of (item.when ?? '').matchAll(/\bview == ([A-Za-z0-9_.-]+)/g)) assert.ok(viewIds.has(m[1]), `menu when-clause names unknown view ${m[1]}`);
      }
    }
  });

  test('the command ids registered in src/commands/registry.ts equal the contributed commands exactly', () => {
    const source = fs.readFileSync(path.join(ROOT, 'src/commands/registry.ts'), 'utf8');
    const registered = [...source.matchAll(/\bid: '(isaacSim\.[A-Za-z0-9_]+)'/g)].map((m) => m[1]);
    assert.ok(registered.length > 0, 'no ids found in registry.ts');
    assert.equal(new Set(registered).size, registered.length, `duplicate registrations: ${registered.join(', ')}`);
    assert.deepEqual([...registered].sort(), [...commandSet].sort());
  });
});
