/**
 * Every text of src/docker and src/instances that reaches a person goes through @vscode/l10n's t
 * (issue 14, point 4), and does so when it is said, not when its module loads: the scan of
 * l10nScan.ts finds no literal left, it can find one (planted examples), and with a bundle that
 * marks every message the domain's outputs come out marked.
 */
import * as l10n from '@vscode/l10n';
import { getL10nJson } from '@vscode/l10n-dev';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeEngineError } from '../../src/docker/errors';
import { resolveEndpoint } from '../../src/docker/endpoint';
import { initialPullProgress } from '../../src/docker/pullProgress';
import { describeState } from '../../src/instances/describe';
import { diagnoseErrorKind, diagnoseExit, diagnoseLine } from '../../src/instances/diagnosis';
import { runDoctor } from '../../src/instances/doctor';
import { renderDoctorMarkdown } from '../../src/instances/doctorReport';
import { PHASE_LABELS } from '../../src/instances/readiness';
import { DEFAULT_SETTINGS, SettingsError, parseSettings } from '../../src/instances/settings';
import { PORT_LABELS, VERSIONS } from '../../src/instances/versions';
import { hardCodedStrings, importTimeTranslations } from './l10nScan';
import { emptyDoctorInput } from './doctorFixture';
import { fixtureSnapshot } from './snapshotFixture';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const DOMAIN = ['src/docker', 'src/instances'].flatMap((d) => sources(path.join(ROOT, d)));
const where = (found: { file: string; line: number; text: string }[]) => found.map((f) => `${path.relative(ROOT, f.file)}:${f.line}: ${f.text}`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'l10n-scan-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let planted = 0;
/** A source file holding `code`, for the scanner. */
function plant(code: string): string {
  const file = path.join(tmp, `planted-${planted++}.ts`);
  writeFileSync(file, code);
  return file;
}
const scan = (code: string) => hardCodedStrings([plant(code)]).map((f) => f.text);

describe('the domain says everything through l10n.t', () => {
  test('no literal of src/docker or src/instances that reads like text is left outside l10n.t', () => {
    assert.ok(DOMAIN.length > 50, `${DOMAIN.length} source files`);
    assert.deepEqual(where(hardCodedStrings(DOMAIN)), []);
  });

  test('no l10n.t of src/docker or src/instances runs when its module loads', () => {
    assert.deepEqual(where(importTimeTranslations(DOMAIN)), []);
  });
});

describe('the scanner (test/unit/l10nScan.ts)', () => {
  test('flags a thrown message, a message property, a template literal, a sentence and the other arguments of l10n.t', () => {
    assert.deepEqual(scan("throw new Error('Some message');"), ['Some message']);
    assert.deepEqual(scan("export const p = { message: 'Something went wrong here' };"), ['Something went wrong here']);
    assert.deepEqual(scan('export const f = (x: string) => `Could not start ${x}`;'), ['Could not start {0}']);
    assert.deepEqual(scan('export const f = (x: string) => `${x} is not running`;'), ['{0} is not running']);
    assert.deepEqual(scan("export const s = () => 'Stopped.';"), ['Stopped.']);
    assert.deepEqual(scan("export const f = (ok: boolean) => l10n.t('Port {0}', ok ? 'is free' : 'is taken');"), ['is free', 'is taken']);
    assert.deepEqual(scan("export const f = () => call({ fix: 'Start Docker first' });"), ['Start Docker first']);
    assert.deepEqual(scan("// l10n-ignore does not reach two lines down\n\nthrow new Error('Some message');"), ['Some message']);
  });

  test('does not flag what is translated, matched, logged, typed, keyed or marked l10n-ignore', () => {
    const code = [
      "import * as l10n from '@vscode/l10n';",
      "import { thing } from './some module';",
      "export { other } from './other module';",
      "export type Kind = 'context setting' | 'current context';",
      'export function f(x: string, log: { info(m: string): void }, self: { options: { log?: { warn(m: string): void } } }, m: Record<string, number>) {',
      "  l10n.t('Some message {0}', x);",
      "  vscode.l10n.t('Another message');",
      "  l10n.t({ message: 'A message with a comment', args: [x], comment: ['What the message is for'] });",
      "  log.info('a log line for the output channel');",
      '  self.options.log?.warn(`a ${x} warning line`);',
      "  console.error('a console line here');",
      "  if (x.includes('no such container')) return new RegExp('a b c');",
      "  if (x === 'some text here' || 'more text' !== x) return m['a key here'];",
      "  switch (x) { case 'a case label': return 1; }",
      "  const o = { 'a key with spaces': 1 };",
      "  code('docker context ls');",
      "  run(['sh', '-c', 'echo hello world']); // l10n-ignore: argv",
      '  // l10n-ignore: the next line is code sent to a container',
      "  run('for d in a b; do echo $d; done');",
      "  return 'single-word-id' + 'stopped' + 'isaacSim.dockerHost';",
      '}',
    ].join('\n');
    assert.deepEqual(scan(code), []);
  });

  test('importTimeTranslations flags a message translated when its module loads, not one in a function or getter', () => {
    const file = plant(
      [
        "export const LABEL = l10n.t('loaded too early');",
        "export const TABLE = { a: l10n.t('also too early') };",
        "export const LATER = { get a() { return l10n.t('when read'); } };",
        "export const rule = () => l10n.t('when called');",
        "export class C { static s = l10n.t('static, too early'); field = l10n.t('when constructed'); }",
      ].join('\n'),
    );
    assert.deepEqual(
      importTimeTranslations([file]).map((f) => f.line),
      [1, 2, 5],
    );
  });
});

/**
 * Pseudo-localisation: a bundle of every message l10n-dev extracts from the domain (as the l10n/
 * bundle is made), each mapped to "⟦message⟧". Configured after every module above was imported, so
 * a text that comes out marked was translated when it was said.
 */
describe('pseudo-localised, the domain speaks the bundle', () => {
  const marked = (s: string | undefined) => assert.match(s ?? '', /^⟦[\s\S]*⟧$/, `not marked: ${s}`);

  before(async () => {
    const extracted = await getL10nJson(DOMAIN.map((f) => ({ extension: '.ts', contents: readFileSync(f, 'utf8') })));
    const bundle = Object.fromEntries(Object.entries(extracted).map(([key, value]) => [key, `⟦${typeof value === 'string' ? value : value.message}⟧`]));
    assert.ok(Object.keys(bundle).length > 400, `${Object.keys(bundle).length} messages extracted`);
    l10n.config({ contents: bundle });
  });
  after(() => l10n.config({ contents: {} }));

  test('engine errors and their fixes', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    marked(describeEngineError(refused, 'list containers', 'unix:///var/run/docker.sock').message);
    const result = resolveEndpoint({ setting: 'ftp://nowhere', env: {}, home: tmp });
    assert.equal(result.ok, false);
    marked(!result.ok ? result.error.message : undefined);
  });

  test('diagnoses of log lines, engine errors and exits', () => {
    const line = diagnoseLine('[Error] [gpu.foundation.plugin] No device could be created. Some functionality will be disabled.');
    marked(line?.problem);
    marked(line?.fix());
    marked(diagnoseErrorKind('no-runtime')?.fix());
    for (const d of [diagnoseExit(137, false), diagnoseExit(1, true, 16), diagnoseExit(1, true), diagnoseExit(3, false, undefined, ['boom'])]) {
      marked(d.problem);
      marked(d.fix());
    }
  });

  test('settings problems', () => {
    const parsed = parseSettings({ ...DEFAULT_SETTINGS, instanceCount: 99 });
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    marked(parsed.problems[0].message);
    marked(new SettingsError(parsed.problems).message);
  });

  test('state, phase, port and version labels', () => {
    const now = 1_000_000;
    marked(describeState(fixtureSnapshot(0, { kind: 'ready' }, now), now));
    marked(describeState(fixtureSnapshot(0, { kind: 'loading', phase: 'shaders' }, now), now + 5_000));
    marked(describeState(fixtureSnapshot(0, { kind: 'stopped', exitCode: 3 }, now), now));
    for (const label of [...Object.values(PHASE_LABELS), ...Object.values(PORT_LABELS)]) marked(label);
    for (const version of Object.values(VERSIONS)) marked(version.title);
    marked(initialPullProgress('nvcr.io/nvidia/isaac-sim:4.2.0').message);
  });

  test("the doctor's report", async () => {
    const report = await runDoctor(emptyDoctorInput(tmp));
    for (const c of report.checks) {
      marked(c.title);
      marked(c.detail);
      if (c.fix) marked(c.fix);
    }
    // Every word of the Markdown is inside a marked message: only its markup ("- ✘ **…** — …") is not.
    const markdown = renderDoctorMarkdown(report);
    let rest = markdown;
    for (let before = ''; before !== rest; ) [before, rest] = [rest, rest.replace(/⟦[^⟦⟧]*⟧/g, '')];
    assert.doesNotMatch(rest, /\p{L}/u, markdown);
    assert.ok(markdown.includes('⟦'), markdown);
  });
});
