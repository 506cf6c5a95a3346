/**
 * Every user-facing text of package.json is localisable (issue 14, point 4): a `%key%` whose English
 * is in package.nls.json, which VS Code (and a language pack's package.nls.<locale>.json) puts in its
 * place. The walk classifies every string of `contributes` and `capabilities` by the name of the
 * field that holds it: a text field must hold a `%key%`; an id, a path, a when clause, a JSON type,
 * a default or an enum value must not be translated; a string in a field of neither kind fails too,
 * so a new kind of contribution is decided on, not missed. The keys used and package.nls.json's keys
 * must be the same set. Planted manifests show that each of these checks can fail.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NLS_KEY, rawManifest, readNls, resolvedManifest } from './manifestNls';

/** Fields whose strings VS Code shows to the user (or, for the tools, to the model): each must be a `%key%`. */
const TEXT_FIELDS = new Set([
  'displayName',
  'description',
  'markdownDescription',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'enumItemLabels',
  'deprecationMessage',
  'markdownDeprecationMessage',
  'patternErrorMessage',
  'title',
  'shortTitle',
  'category',
  'label',
  'contextualTitle',
  'contents',
  'altText',
  'userDescription',
  'modelDescription',
]);

/** `name` is a text where it names a view or a view container (the view's header); elsewhere an id (a tool's, an endpoint field's). */
const NAMED_CONTRIBUTIONS = new Set(['views', 'viewsContainers']);

/**
 * Fields that hold no text, with everything under them: ids and references (`id`, `command`, `view`,
 * `name` outside views, `toolReferenceName`, `tags`), conditions (`when`, `completionEvents`), menu
 * placement (`group`), files and icons (`icon`, `markdown`, `image`), JSON Schema (`type`, `required`,
 * `pattern`), values (`default`, `enum`) and the trust capability's `supported` and `restrictedConfigurations`.
 */
const NOT_TEXT_FIELDS = new Set(['id', 'name', 'command', 'view', 'toolReferenceName', 'tags', 'when', 'completionEvents', 'group', 'icon', 'markdown', 'image', 'type', 'required', 'pattern', 'default', 'enum', 'supported', 'restrictedConfigurations']);

/** Fields whose value is a value of a setting or input, objects and arrays included. */
const VALUE_FIELDS = new Set(['default', 'enum']);
/** The field name given to each entry of a `properties` map: a schema, which is no string (a string there is unclassified). */
const PROPERTY = '(a property of properties)';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Every `%key%` string anywhere in `value`, with where it is. */
function usedKeys(value: Json, at = '$', out = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'string') {
    const m = NLS_KEY.exec(value);
    if (m && !out.has(m[1])) out.set(m[1], at);
  } else if (Array.isArray(value)) value.forEach((v, i) => usedKeys(v, `${at}[${i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) usedKeys(v, `${at}.${k}`, out);
  return out;
}

/** What is wrong with a manifest's localisation, one line a problem; [] for none. */
function l10nProblems(manifest: Record<string, Json>, nls: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const text = (value: string, at: string) => {
    const m = NLS_KEY.exec(value);
    if (!m) problems.push(`${at}: hard-coded text "${value.slice(0, 60)}": make it a %key% in package.nls.json`);
  };
  // `field`: the name of the field that holds `value` (for an array's entries, the array's); `section`: the contribution point.
  const walk = (value: Json, field: string, section: string, at: string) => {
    if (typeof value === 'string') {
      if (TEXT_FIELDS.has(field) || (field === 'name' && NAMED_CONTRIBUTIONS.has(section))) text(value, at);
      else if (!NOT_TEXT_FIELDS.has(field)) problems.push(`${at}: a string in "${field}", which is neither a text field nor a field known to hold none: add it to TEXT_FIELDS or NOT_TEXT_FIELDS`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, field, section, `${at}[${i}]`));
    } else if (value && typeof value === 'object') {
      // A value (a setting's default, an enum's) holds no text, whatever its keys.
      if (VALUE_FIELDS.has(field)) return;
      // A JSON Schema's `properties` (the settings, a tool's input, an endpoint's fields) are named by
      // the property, not by a field: "name" there is a property called name, whose description is a text.
      for (const [k, v] of Object.entries(value)) walk(v, field === 'properties' ? PROPERTY : k, section, `${at}.${k}`);
    }
  };
  for (const field of ['displayName', 'description']) {
    const value = manifest[field];
    if (typeof value !== 'string') problems.push(`$.${field}: missing`);
    else text(value, `$.${field}`);
  }
  if (manifest.capabilities !== undefined) walk(manifest.capabilities, 'capabilities', 'capabilities', '$.capabilities');
  const contributes = manifest.contributes;
  if (contributes && typeof contributes === 'object' && !Array.isArray(contributes)) {
    for (const [section, value] of Object.entries(contributes)) walk(value, section, section, `$.contributes.${section}`);
  }

  const used = usedKeys(manifest);
  for (const [key, at] of used) {
    if (typeof nls[key] !== 'string') problems.push(`${at}: %${key}% is not in package.nls.json`);
  }
  for (const [key, value] of Object.entries(nls)) {
    if (!used.has(key)) problems.push(`package.nls.json: "${key}" is used nowhere in package.json`);
    if (!/^[\w.-]+$/.test(key)) problems.push(`package.nls.json: "${key}" is not a dotted key`);
    if (typeof value !== 'string' || value.trim() === '') problems.push(`package.nls.json: "${key}" has no text`);
    else if (NLS_KEY.test(value)) problems.push(`package.nls.json: "${key}" is itself a %key%`);
  }
  return problems;
}

const manifest = rawManifest<Record<string, Json>>();
const nls = readNls();
const copy = (): Record<string, Json> => structuredClone(manifest);
type Obj = { [k: string]: Json };
const contributes = (m: Record<string, Json>) => m.contributes as Obj;

describe('package.json texts are localisable through package.nls.json', () => {
  test('the real manifest: every text a %key%, every key in package.nls.json, every entry of it used', () => {
    assert.deepEqual(l10nProblems(manifest, nls), []);
    // The walk saw the texts: the keys cover each kind of contribution that has some.
    const keys = Object.keys(nls);
    for (const prefix of ['extension.', 'capabilities.', 'commands.', 'views.', 'viewsContainers.', 'viewsWelcome.', 'walkthroughs.', 'languageModelTools.', 'configuration.', 'isaacSim.']) {
      assert.ok(keys.some((k) => k.startsWith(prefix)), `no key starts with ${prefix}`);
    }
    assert.ok(keys.length >= 100, `${keys.length} keys`);
  });

  test('VS Code declares the bundle folder of the code strings, l10n/, and the English of the manifest reads as before', () => {
    assert.equal(manifest.l10n, './l10n');
    const resolved = resolvedManifest<{ displayName: string; contributes: { commands: Array<{ command: string; title: string; category: string }> } }>();
    assert.equal(resolved.displayName, 'Isaac Sim Orchestrator');
    const start = resolved.contributes.commands.find((c) => c.command === 'isaacSim.startInstance');
    assert.deepEqual([start?.category, start?.title], ['Isaac Sim', 'Start Instance']);
    assert.deepEqual(usedKeys(resolved as unknown as Json).size, 0, 'no %key% is left once resolved');
  });

  test('planted: a hard-coded command title, setting description, enum description, view name and display name are each found', () => {
    const m = copy();
    const c = contributes(m);
    ((c.commands as Obj[])[0] as Obj).title = 'Start Instance';
    const props = (c.configuration as Obj).properties as Obj;
    (props['isaacSim.image'] as Obj).markdownDescription = 'Container image to run.';
    ((props['isaacSim.version'] as Obj).markdownEnumDescriptions as Json[])[1] = 'Isaac Sim 4.2';
    (((c.views as Obj).isaacSim as Obj[])[0] as Obj).name = 'Instances';
    m.displayName = 'Isaac Sim Orchestrator';
    const problems = l10nProblems(m, nls);
    for (const at of ['$.contributes.commands[0].title', "$.contributes.configuration.properties.isaacSim.image.markdownDescription", '$.contributes.configuration.properties.isaacSim.version.markdownEnumDescriptions[1]', '$.contributes.views.isaacSim[0].name', '$.displayName']) {
      assert.ok(problems.some((p) => p.startsWith(`${at}: hard-coded text`)), `${at} not flagged: ${problems.join('\n')}`);
    }
    // Their keys are no longer used either.
    for (const key of ['commands.startInstance.title', 'isaacSim.image.markdownDescription', 'views.instances.name', 'extension.displayName']) {
      assert.ok(problems.includes(`package.nls.json: "${key}" is used nowhere in package.json`), key);
    }
  });

  test('planted: hard-coded texts in a walkthrough step, a welcome view, a tool and its input schema, an endpoint field and the trust capability are found', () => {
    const m = copy();
    const c = contributes(m);
    const step = ((c.walkthroughs as Obj[])[0].steps as Obj[])[0];
    step.description = 'Check this machine.';
    (step.media as Obj).altText = 'A checklist';
    ((c.viewsWelcome as Obj[])[0] as Obj).contents = 'No engine.\n[Retry](command:isaacSim.retry)';
    const tool = (c.languageModelTools as Obj[])[0];
    tool.modelDescription = 'Lists the instances.';
    ((tool.inputSchema as Obj).properties as Obj).host = { type: 'string', description: 'A host.' };
    ((m.capabilities as Obj).untrustedWorkspaces as Obj).description = 'Restricted.';
    const endpoint = (((c.configuration as Obj).properties as Obj)['isaacSim.endpoints'] as Obj).items as Obj;
    ((endpoint.properties as Obj).name as Obj).description = 'A unique name.';
    const problems = l10nProblems(m, nls);
    for (const at of ['$.contributes.walkthroughs[0].steps[0].description', '$.contributes.walkthroughs[0].steps[0].media.altText', '$.contributes.viewsWelcome[0].contents', '$.contributes.languageModelTools[0].modelDescription', '$.contributes.languageModelTools[0].inputSchema.properties.host.description', '$.capabilities.untrustedWorkspaces.description', '$.contributes.configuration.properties.isaacSim.endpoints.items.properties.name.description']) {
      assert.ok(problems.some((p) => p.startsWith(`${at}: hard-coded text`)), `${at} not flagged: ${problems.join('\n')}`);
    }
  });

  test('planted: a string in a field of neither kind fails; ids, when clauses, enum values and defaults do not', () => {
    const m = copy();
    const c = contributes(m);
    ((c.commands as Obj[])[0] as Obj).tooltip = 'Starts it';
    const problems = l10nProblems(m, nls);
    assert.deepEqual(problems, ['$.contributes.commands[0].tooltip: a string in "tooltip", which is neither a text field nor a field known to hold none: add it to TEXT_FIELDS or NOT_TEXT_FIELDS']);
    // A default that happens to have a text-like key holds no text.
    const d = copy();
    ((contributes(d).configuration as Obj).properties as Obj)['isaacSim.env'] = { type: 'object', default: { title: 'x', description: 'y' }, markdownDescription: '%isaacSim.env.markdownDescription%' };
    assert.deepEqual(l10nProblems(d, nls), []);
  });

  test('planted: a key package.nls.json lacks, an entry nothing uses, an empty text and a key that is not dotted are found', () => {
    const m = copy();
    ((contributes(m).commands as Obj[])[0] as Obj).title = '%commands.startInstnace.title%';
    const problems = l10nProblems(m, { ...nls, 'commands.gone.title': 'Gone', 'empty.text': ' ', 'a key': 'x' });
    assert.ok(problems.includes('$.contributes.commands[0].title: %commands.startInstnace.title% is not in package.nls.json'), problems.join('\n'));
    assert.ok(problems.includes('package.nls.json: "commands.startInstance.title" is used nowhere in package.json'));
    assert.ok(problems.includes('package.nls.json: "commands.gone.title" is used nowhere in package.json'));
    assert.ok(problems.includes('package.nls.json: "empty.text" has no text'));
    assert.ok(problems.includes('package.nls.json: "a key" is not a dotted key'));
  });
});
