import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileLinear, linearPatternProblem, literalOf } from '../../src/instances/linearPattern';
import { LogClassifier } from '../../src/instances/readiness';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';

const repo = path.resolve(__dirname, '../../..');
const escapeRegex = (text: string) => text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

describe('readiness patterns run in linear time', () => {
  test('every default pattern is plain text: letters, digits, spaces and "\\." only, no quantifier, class, group or alternation', () => {
    for (const p of DEFAULT_SETTINGS.readinessPatterns) {
      assert.match(p, /^(?:[A-Za-z0-9 ]|\\\.)+$/, p);
      assert.equal(literalOf(p), p.replace(/\\\./g, '.'), p);
    }
  });

  test('with the default patterns, classifying lines never loads re2js', () => {
    const readiness = path.join(repo, 'out/src/instances/readiness.js');
    const settings = path.join(repo, 'out/src/instances/settings.js');
    const script = `
      const { LogClassifier } = require(${JSON.stringify(readiness)});
      const { DEFAULT_SETTINGS, parseSettings } = require(${JSON.stringify(settings)});
      if (!parseSettings({ readinessPatterns: DEFAULT_SETTINGS.readinessPatterns }).ok) throw new Error('defaults refused');
      const c = new LogClassifier(DEFAULT_SETTINGS.readinessPatterns);
      const ready = c.classify('[39.413s] Isaac Sim Full Streaming App is loaded.');
      const other = c.classify('[1.0s] something else');
      const loaded = Object.keys(require.cache).filter((f) => f.includes('re2js'));
      process.stdout.write(JSON.stringify({ ready, other: other ?? null, loaded }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { ready: unknown; other: unknown; loaded: string[] };
    assert.deepEqual(out, { ready: { kind: 'ready' }, other: null, loaded: [] });
    // The same script with a pattern that is not plain text does load it (the check above can fail).
    const customScript = script.replaceAll('DEFAULT_SETTINGS.readinessPatterns', () => "['Full Streaming App is loaded\\\\.$']");
    const custom = JSON.parse(execFileSync(process.execPath, ['-e', customScript], { encoding: 'utf8' })) as { ready: unknown; loaded: string[] };
    assert.deepEqual(custom.ready, { kind: 'ready' });
    assert.notDeepEqual(custom.loaded, []);
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

  test('ordinary patterns give the same answer on RE2 as on JS RegExp', () => {
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

  test('a backreference or a lookaround is refused with a message naming the setting and the fix', () => {
    for (const [pattern, detail] of [
      ['(ready)\\1', 'invalid escape sequence: `\\1`'],
      ['(?=App)App is loaded', 'invalid or unsupported Perl syntax: `(?=`'],
      ['(?<=Isaac )Sim', 'RE2 syntax'],
    ]) {
      const result = parseSettings({ readinessPatterns: ['App is loaded\\.', pattern] });
      assert.equal(result.ok, false, pattern);
      const [problem] = result.ok ? [] : result.problems;
      assert.equal(problem.setting, 'isaacSim.readinessPatterns');
      assert.ok(problem.message.startsWith('Setting isaacSim.readinessPatterns is '), problem.message);
      assert.ok(problem.message.includes(`(pattern 2: it is not a valid regular expression in RE2 syntax`), problem.message);
      assert.ok(problem.message.includes(detail), problem.message);
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

describe('re2js is a file of its own, outside the main bundle', () => {
  test('dist/extension.js requires ./re2.js and does not contain re2js; dist/re2.js is it; the .vsix ships it', () => {
    const main = readFileSync(path.join(repo, 'dist/extension.js'), 'utf8');
    assert.match(main, /require\("\.\/re2\.js"\)/);
    assert.doesNotMatch(main, /class RE2JSSyntaxException|invalid or unsupported Perl syntax/);
    assert.ok(existsSync(path.join(repo, 'dist/re2.js')));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const re2 = require(path.join(repo, 'dist/re2.js')) as { RE2JS?: { compile(p: string): { test(s: string): boolean } } };
    assert.equal(re2.RE2JS?.compile('^(a|a)*$').test('aaa'), true);
    const ignore = readFileSync(path.join(repo, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!dist/re2.js') || ignore.includes('!dist/*.js'), '.vscodeignore lets dist/re2.js into the .vsix');
  });
});
