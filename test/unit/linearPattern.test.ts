import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileLinear, linearPatternProblem, literalOf } from '../../src/instances/linearPattern';
import { LogClassifier } from '../../src/instances/readiness';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';
import { partSources } from './partsFixture';

const repo = path.resolve(__dirname, '../../..');
const escapeRegex = (text: string) => text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

describe('readiness patterns run in linear time', () => {
  test('every default pattern is plain text: letters, digits, spaces and "\\." only, no quantifier, class, group or alternation', () => {
    for (const p of DEFAULT_SETTINGS.readinessPatterns) {
      assert.match(p, /^(?:[A-Za-z0-9 ]|\\\.)+$/, p);
      assert.equal(literalOf(p), p.replace(/\\\./g, '.'), p);
    }
  });

  test('no module of the extension loads re2js (it is a devDependency, the tests\' oracle): classifying lines with default and custom patterns', () => {
    const readiness = path.join(repo, 'out/src/instances/readiness.js');
    const settings = path.join(repo, 'out/src/instances/settings.js');
    const script = (extra: string) => `
      ${extra}
      const { LogClassifier } = require(${JSON.stringify(readiness)});
      const { DEFAULT_SETTINGS, parseSettings } = require(${JSON.stringify(settings)});
      const patterns = [...DEFAULT_SETTINGS.readinessPatterns, '^\\[[0-9.]+s\\] Isaac Sim (?:Full Streaming|Headless WebRTC) App is loaded\\.$'];
      if (!parseSettings({ readinessPatterns: patterns }).ok) throw new Error('patterns refused');
      const c = new LogClassifier(patterns);
      const ready = c.classify('[39.413s] Isaac Sim Full Streaming App is loaded.');
      const other = c.classify('[1.0s] something else');
      const loaded = Object.keys(require.cache).filter((f) => f.includes('re2js'));
      process.stdout.write(JSON.stringify({ ready, other: other ?? null, loaded }));`;
    const run = (extra: string) => JSON.parse(execFileSync(process.execPath, ['-e', script(extra)], { encoding: 'utf8', cwd: repo })) as { ready: unknown; other: unknown; loaded: string[] };
    assert.deepEqual(run(''), { ready: { kind: 'ready' }, other: null, loaded: [] });
    // The same script that requires re2js itself shows it (the check above can fail).
    assert.notDeepEqual(run(`require(${JSON.stringify(path.join(repo, 'node_modules/re2js'))});`).loaded, []);
    const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    assert.equal(manifest.dependencies.re2js, undefined);
    assert.ok(manifest.devDependencies.re2js);
  });

  test('property: a plain-text pattern matches exactly what JS RegExp matches', () => {
    const char = fc.constantFrom('a', 'b', ' ', '.', '*', '(', ')', '[', ']', '\\', '$', '^', '|', '?', '+', '{', '}', '-', '/', ':');
    const text = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, fc.array(text, { maxLength: 6 }), (literal, lines) => {
        const source = escapeRegex(literal);
        assert.equal(literalOf(source), literal);
        const ours = compileLinear(source);
        const js = new RegExp(source);
        for (const line of [...lines, `x${literal}y`, lines.join(literal)]) assert.equal(ours(line), js.test(line), `${source} on ${JSON.stringify(line)}`);
      }),
      { numRuns: 500 },
    );
  });

  test('a pattern with an operator is not plain text', () => {
    for (const p of ['a.b', 'a*', '(a)', 'a|b', '[ab]', '^a', 'a$', 'a{2}', '\\d', '\\bword', 'a\\', 'a+', 'a?']) assert.equal(literalOf(p), undefined, p);
  });

  test('ordinary patterns give the same answer on the linear-time matcher as on JS RegExp', () => {
    const patterns = ['^Isaac Sim .* App is loaded\\.$', '(Full|Headless) Streaming', 'ready \\d+ms', '\\[ext: [^\\][]+\\] startup', '^\\s*done$', '\\bApp\\b', '[0-9]{2,3}s'];
    const lines = ['Isaac Sim Full Streaming App is loaded.', 'x Isaac Sim App is loaded.', 'ready 12ms', 'ready ms', '[ext: omni.kit-1] startup', '  done', 'doneness', 'MyApp is', 'App', '12s', '1s', ''];
    for (const p of patterns) {
      assert.equal(linearPatternProblem(p), undefined, p);
      const ours = compileLinear(p);
      for (const line of lines) assert.equal(ours(line), new RegExp(p).test(line), `${p} on ${JSON.stringify(line)}`);
    }
  });

  test('(a|a)*$ and other nested repetitions are accepted and a 100,000-character hostile line gets the right answer', () => {
    const hostile = 'a'.repeat(100_000) + '!';
    for (const [pattern, ready] of [
      ['(a|a)*$', true], // matches the empty string at the end of any line
      ['^(a|a)*$', false],
      ['^(a+)+$', false],
      ['(x+x+)+y', false],
      ['^(a|a)*!$', true],
    ] as Array<[string, boolean]>) {
      assert.equal(parseSettings({ readinessPatterns: [pattern] }).ok, true, pattern);
      const c = new LogClassifier([pattern]);
      assert.deepEqual(c.classify(hostile), ready ? { kind: 'ready' } : undefined, pattern);
      assert.deepEqual(c.classify('x'.repeat(100_000)), pattern === '(a|a)*$' ? { kind: 'ready' } : undefined, pattern);
    }
  });

  test('a backreference, a lookaround or anything else the matcher does not run is refused with a message naming the setting, the construct and the fix', () => {
    for (const [pattern, detail] of [
      ['(ready)\\1', '\\1 at character 8 is a backreference'],
      ['(?=App)App is loaded', '(?= at character 1 is a lookahead'],
      ['(?<=Isaac )Sim', '(?<= at character 1 is a lookbehind'],
      ['(?i)app is loaded', '(?i at character 1 sets flags inline'],
      ['\\p{L}+ loaded', '\\p at character 1 is a Unicode property escape'],
      ['(ready', 'the group opened at character 1 is not closed'],
    ]) {
      const result = parseSettings({ readinessPatterns: ['App is loaded\\.', pattern] });
      assert.equal(result.ok, false, pattern);
      const [problem] = result.ok ? [] : result.problems;
      assert.equal(problem.setting, 'isaacSim.readinessPatterns');
      assert.ok(problem.message.startsWith('Setting isaacSim.readinessPatterns is '), problem.message);
      assert.ok(problem.message.includes(`(pattern 2: it is not a regular expression the linear-time matcher can run: ${detail}`), problem.message);
      assert.ok(problem.message.includes('JavaScript regular expressions without flags'), problem.message);
      assert.ok(problem.message.includes('no backreferences such as \\1 and no lookaround'), problem.message);
      assert.ok(problem.message.includes('match the text of the line itself instead'), problem.message);
    }
  });

  test('property: the settings accept a pattern exactly when the classifier can compile it', () => {
    const piece = fc.constantFrom('a', 'b', '(', ')', '|', '*', '+', '?', '\\', '1', 'd', '[', ']', '.', '^', '$', '{', '2', '}', '=', '<', '!', ',');
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 16 }), (pieces) => {
        const pattern = pieces.join('');
        const accepted = parseSettings({ readinessPatterns: [pattern] }).ok;
        let compiled = true;
        try {
          new LogClassifier([pattern]).classify('aab ab 1 {2}');
        } catch {
          compiled = false;
        }
        assert.equal(accepted, compiled, pattern);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the matcher ships in the extension; re2js is not shipped', () => {
  test('dist/ has no re2.js, the linearRegex part of dist/parts.js (loaded by dist/extension.js with the first pattern that is not plain text) has the matcher, neither has any of re2js, and package.json does not depend on re2js', () => {
    const dist = readdirSync(path.join(repo, 'dist'));
    assert.ok(dist.includes('extension.js'), dist.join(', '));
    assert.deepEqual(
      dist.filter((f) => /re2/i.test(f)),
      [],
    );
    const main = readFileSync(path.join(repo, 'dist/extension.js'), 'utf8');
    const matcher = partSources().get('linearRegex') ?? '';
    for (const file of [main, matcher]) assert.doesNotMatch(file, /RE2JSSyntaxException|invalid or unsupported Perl syntax|re2js/);
    assert.match(matcher, /which a linear-time matcher does not have/);
    assert.match(main, /require\(["']\.\/parts\.js["']\)\.load\(["']linearRegex["']\)/);
    assert.doesNotMatch(main, /require\("\.\/re2(\.js)?"\)/);
  });
});
