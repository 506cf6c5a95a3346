/**
 * Real Isaac Sim logs (test/fixtures/isaac-logs, sources in test/fixtures/SOURCES.md) through the classifier.
 *
 * Each fixture starts with header lines (`# source:`, `# version:`, `# form:`, `# expect:`, `# note:`); every
 * other line is a log line as a user posted it. The classes the default classifier finds in a fixture must be
 * exactly its `# expect:` lines: `ready`, `fatal:<id>`, `warning:<id>`, `phase:<name>`; `none` says nothing else
 * is expected (and nothing at all when it is the only one).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LOG_DIAGNOSES } from '../../src/instances/diagnosis';
import { LogClassifier, PHASE_LABELS, type LineClass } from '../../src/instances/readiness';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';

/** The compiled test runs from out/test/unit. */
const ROOT = path.resolve(__dirname, '../../..');
const DIR = path.join(ROOT, 'test/fixtures/isaac-logs');

interface Fixture {
  name: string;
  headers: Array<{ key: string; value: string }>;
  lines: string[];
}

function readFixture(name: string): Fixture {
  const text = readFileSync(path.join(DIR, name), 'utf8');
  const headers: Fixture['headers'] = [];
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^# ([a-z]+):\s*(.*)$/.exec(line);
    if (m) headers.push({ key: m[1], value: m[2].trim() });
    else if (line.startsWith('# ')) assert.fail(`${name}: a header line that is not "# key: value": ${JSON.stringify(line)}`);
    else lines.push(line);
  }
  return { name, headers, lines };
}

const header = (f: Fixture, key: string): string[] => f.headers.filter((h) => h.key === key).map((h) => h.value);

/** The class of a verdict in the fixtures' words; undefined for an ordinary line. */
function classOf(v: LineClass): string | undefined {
  if (!v) return undefined;
  if (v.kind === 'ready') return 'ready';
  if (v.kind === 'phase') return `phase:${v.phase}`;
  return `${v.diagnosis.severity ?? 'fatal'}:${v.diagnosis.id}`;
}

const classifier = new LogClassifier(DEFAULT_SETTINGS.readinessPatterns);

/** Every class the classifier finds in the fixture's log lines, with the first line that gave it. */
function classesFound(f: Fixture): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of f.lines) {
    const c = classOf(classifier.classify(line));
    if (c && !found.has(c)) found.set(c, line);
  }
  return found;
}

/** The expected classes (without `none`). */
const expected = (f: Fixture): Set<string> => new Set(header(f, 'expect').filter((e) => e !== 'none'));

/** The version family of a `# version:` value or a file name prefix: 4.2, 4.5/5.x or 6.x. */
function family(version: string): '4.2' | '4.5/5.x' | '6.x' | undefined {
  const m = /^v?(\d+)\.(\d+|x)\b/.exec(version.trim());
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = m[2] === 'x' ? undefined : Number(m[2]);
  if (major === 4 && minor !== undefined && minor <= 2) return '4.2';
  if ((major === 4 && minor !== undefined && minor >= 5) || major === 5) return '4.5/5.x';
  if (major === 6) return '6.x';
  return undefined;
}

const names = readdirSync(DIR)
  .filter((n) => n.endsWith('.log'))
  .sort();
const fixtures = names.map(readFixture);

const known = new Map(LOG_DIAGNOSES.map((d) => [d.id, d.severity ?? 'fatal']));

/** Why an expect value is not well formed or names nothing the classifier can give, or undefined. */
function expectProblem(e: string): string | undefined {
  if (e === 'ready' || e === 'none') return undefined;
  const m = /^(fatal|warning|phase):(.+)$/.exec(e);
  if (!m) return `"${e}" is not ready | fatal:<id> | warning:<id> | phase:<name> | none`;
  const [, kind, id] = m;
  if (kind === 'phase') return id in PHASE_LABELS ? undefined : `no phase "${id}"`;
  const severity = known.get(id);
  if (!severity) return `no diagnosis "${id}"`;
  return severity === kind ? undefined : `"${id}" is a ${severity}, not a ${kind}`;
}

describe('fixtures: real Isaac Sim logs', () => {
  test('there are fixtures, and at least one per version family (4.2, 4.5/5.x, 6.x)', () => {
    assert.ok(fixtures.length >= 10, `${fixtures.length} fixtures`);
    const families = new Set(fixtures.map((f) => family(header(f, 'version')[0] ?? '')));
    for (const fam of ['4.2', '4.5/5.x', '6.x'] as const) assert.ok(families.has(fam), `no fixture of Isaac Sim ${fam}`);
  });

  test('every fixture is in test/fixtures/isaac-logs/*.log and was not emptied', () => {
    assert.deepEqual(
      readdirSync(DIR).filter((n) => !n.endsWith('.log')),
      [],
      'only .log files here',
    );
    for (const f of fixtures) assert.ok(f.lines.some((l) => l.trim() !== ''), `${f.name} has no log line`);
  });

  for (const f of fixtures) {
    describe(f.name, () => {
      test('has one # source: line (an address), one # version:, one # form:, and at least one # expect:', () => {
        const sources = header(f, 'source');
        assert.equal(sources.length, 1, 'one # source: line');
        assert.match(sources[0], /^https:\/\/\S+$/, 'the source is an address');
        assert.equal(header(f, 'version').length, 1, 'one # version: line');
        assert.equal(header(f, 'form').length, 1, 'one # form: line');
        assert.ok(header(f, 'expect').length >= 1, 'at least one # expect: line');
        for (const h of f.headers) assert.ok(['source', 'version', 'form', 'expect', 'note'].includes(h.key), `unknown header "${h.key}"`);
        assert.deepEqual(f.lines.filter((l) => l.startsWith('#')), [], 'header lines come first and start with "# "');
      });

      test('the version header, when it names one, is the family of the file name', () => {
        const fromHeader = family(header(f, 'version')[0] ?? '');
        const fromName = family(f.name.split('-')[0]);
        assert.ok(fromName, `${f.name} starts with a version family`);
        if (fromHeader) assert.equal(fromHeader, fromName);
      });

      test(
        'each # expect: line names a class the classifier can give; none is never combined with fatal or warning',
        () => {
          for (const e of header(f, 'expect')) assert.equal(expectProblem(e), undefined, e);
          const ex = header(f, 'expect');
          if (ex.includes('none')) assert.ok(!ex.some((e) => /^(fatal|warning):/.test(e)), '"none" with a failure expected');
        },
      );

      test('the classes found in its lines are exactly its # expect: lines', () => {
        const found = classesFound(f);
        assert.deepEqual([...found.keys()].sort(), [...expected(f)].sort(), JSON.stringify(Object.fromEntries(found), null, 1));
      });

    });
  }

});
