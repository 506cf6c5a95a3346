import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { LinearRegex } from '../../src/instances/linearRegex';
import { MAX_STATES, PatternRefusal, type RefusalKind } from '../../src/instances/linearRegexSyntax';

// The oracles: V8 (`new RegExp(p).test`, the answer users expect) and re2js (another linear-time
// engine, a devDependency kept for this). RE2's syntax differs from JavaScript's in `.` (RE2's
// matches \r, \u2028, \u2029) and `\s` (ASCII only in RE2), so the same pattern is written for RE2
// with those spelt out; a pattern with something RE2 cannot say the same way is checked on V8 only.

/** JavaScript's \s, as the inside of an RE2 class. */
const RE2_SPACE = '\\t\\n\\x0B\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';

/** A generated pattern: its JavaScript source and, when RE2 can say the same, its RE2 source. */
type Pattern = { js: string; re2: string | undefined; atom: boolean };
const both = (js: string, re2 = js): Pattern => ({ js, re2, atom: true });

const literal = fc.constantFrom(both('a'), both('b'), both(' '), both('1'), both('-'), both('_'), both('\\.', '\\.'), both('\\u00a0', '\\x{a0}'), both('\\x61', '\\x61'), both('\\t'), both('\\n'));
const classEscape = fc.constantFrom(both('\\d'), both('\\D'), both('\\w'), both('\\W'), both('\\s', `[${RE2_SPACE}]`), both('\\S', `[^${RE2_SPACE}]`), both('.', '[^\\n\\r\\x{2028}\\x{2029}]'));
/** What goes inside a class: [js, re2 or undefined]. */
const classItem = fc.constantFrom<[string, string | undefined]>(
  ['a', 'a'],
  ['b', 'b'],
  ['0-9', '0-9'],
  ['a-c', 'a-c'],
  [' ', ' '],
  ['.', '.'],
  ['_', '_'],
  ['\\-', '\\-'],
  ['\\n', '\\n'],
  ['\\u00a0', '\\x{a0}'],
  ['\\d', '\\d'],
  ['\\W', '\\W'],
  ['\\s', RE2_SPACE],
  ['\\S', undefined],
  ['\\b', undefined],
);
const charClass = fc.tuple(fc.boolean(), fc.array(classItem, { minLength: 0, maxLength: 4 })).map(([negated, items]): Pattern => {
  const js = `[${negated ? '^' : ''}${items.map((i) => i[0]).join('')}]`;
  // RE2 has no empty class; `[]` and `[^]` are JavaScript's "nothing" and "anything".
  const re2 = items.length > 0 && items.every((i) => i[1] !== undefined) ? `[${negated ? '^' : ''}${items.map((i) => i[1]).join('')}]` : undefined;
  return { js, re2, atom: true };
});
const assertion = fc.constantFrom<Pattern>(...['^', '$', '\\b', '\\B'].map((a) => ({ js: a, re2: a, atom: false })));
const quantifier = fc.tuple(fc.constantFrom('*', '+', '?', '{2}', '{0,2}', '{1,}', '{1,3}', '{0}'), fc.boolean()).map(([q, lazy]) => q + (lazy ? '?' : ''));

const asAtom = (p: Pattern): Pattern => (p.atom ? p : { js: `(?:${p.js})`, re2: p.re2 === undefined ? undefined : `(?:${p.re2})`, atom: true });
const join = (parts: Pattern[], sep: string): Pattern => ({
  js: parts.map((p) => p.js).join(sep),
  re2: parts.every((p) => p.re2 !== undefined) ? parts.map((p) => p.re2).join(sep) : undefined,
  atom: false,
});

let groupNames = 0;
const { pattern } = fc.letrec<{ pattern: Pattern; seq: Pattern; alt: Pattern; group: Pattern; repeat: Pattern }>((tie) => ({
  pattern: fc.oneof({ depthSize: 'small', maxDepth: 4 }, literal, classEscape, charClass, assertion, tie('seq'), tie('alt'), tie('group'), tie('repeat')),
  seq: fc.array(tie('pattern'), { minLength: 0, maxLength: 4 }).map((parts) => join(parts.map((p) => (p.js.includes('|') ? asAtom(p) : p)), '')),
  alt: fc.array(tie('pattern'), { minLength: 2, maxLength: 3 }).map((parts) => join(parts, '|')),
  group: fc.tuple(fc.constantFrom('(', '(?:', '(?<name>'), tie('pattern')).map(([open, p]): Pattern => ({
    js: `${open === '(?<name>' ? `(?<g${groupNames++}>` : open}${p.js})`,
    re2: p.re2 === undefined ? undefined : `(?:${p.re2})`,
    atom: true,
  })),
  repeat: fc.tuple(tie('pattern'), quantifier).map(([p, q]): Pattern => {
    const body = asAtom(p);
    return { js: body.js + q, re2: body.re2 === undefined ? undefined : body.re2 + q, atom: false };
  }),
}));

const lineChar = fc.constantFrom('a', 'b', 'A', ' ', '1', '9', '-', '.', '_', '!', '\u00a0', '\u2028', '\ufeff', 'é', '\n', '\r', '\t');
/** Lines over the whole alphabet, and lines of a few letters, where counted repetitions show. */
const line = fc.oneof(fc.array(lineChar, { maxLength: 10 }), fc.array(fc.constantFrom('a', 'b', '1'), { maxLength: 8 })).map((cs) => cs.join(''));
/** Anchored at one end or both, sometimes: then the length of what matches counts. */
const anchored = fc.tuple(fc.boolean(), pattern, fc.boolean()).map(([start, p, end]): Pattern => {
  const inner = p.js.includes('|') ? asAtom(p) : p;
  return { js: `${start ? '^' : ''}${inner.js}${end ? '$' : ''}`, re2: inner.re2 === undefined ? undefined : `${start ? '^' : ''}${inner.re2}${end ? '$' : ''}`, atom: false };
});

function refusalOf(source: string): PatternRefusal | undefined {
  try {
    new LinearRegex(source);
    return undefined;
  } catch (err) {
    if (err instanceof PatternRefusal) return err;
    throw err;
  }
}

describe('the linear-time matcher gives the answer of new RegExp(p).test(line)', () => {
  test('property: random patterns of the supported syntax, on random lines, answer as V8 and as re2js do', () => {
    let checkedOnRe2 = 0;
    fc.assert(
      fc.property(anchored, fc.array(line, { minLength: 1, maxLength: 8 }), (p, lines) => {
        const ours = new LinearRegex(p.js);
        const v8 = new RegExp(p.js);
        const re2 = p.re2 === undefined ? undefined : RE2JS.compile(p.re2);
        if (re2) checkedOnRe2++;
        for (const l of lines) {
          const answer = ours.test(l);
          assert.equal(answer, v8.test(l), `${p.js} on ${JSON.stringify(l)}: V8`);
          if (re2) assert.equal(answer, re2.test(l), `${p.js} (RE2: ${p.re2}) on ${JSON.stringify(l)}: re2js`);
        }
      }),
      { numRuns: 4000 },
    );
    // Most patterns are also checked on re2js (the generator can make that false).
    assert.ok(checkedOnRe2 > 2000, `${checkedOnRe2} of 4000 patterns checked on re2js`);
  });

  test('property: random strings of regular expression characters are refused when V8 refuses them, and answer as V8 does when accepted', () => {
    const piece = fc.constantFrom('a', 'b', '(', ')', '|', '*', '+', '?', '{', '}', '1', '2', ',', '[', ']', '^', '-', '\\', 'd', 's', 'b', 'B', '.', '$', ':', '<', '>', '=', '!', 'k', 'x', 'u', '0', 'n');
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 14 }).map((ps) => ps.join('')), fc.array(line, { maxLength: 6 }), (source, lines) => {
        let v8: RegExp | undefined;
        try {
          v8 = new RegExp(source);
        } catch {
          v8 = undefined;
        }
        const refusal = refusalOf(source);
        if (v8 === undefined) {
          assert.ok(refusal, `${source}: V8 refuses it, so must we`);
          return;
        }
        if (refusal) return; // a superset of V8's refusals: backreferences, lookaround, \p, \z ...
        accepted++;
        const ours = new LinearRegex(source);
        for (const l of [...lines, 'ab', 'a1b', '{1}', '']) assert.equal(ours.test(l), v8.test(l), `${source} on ${JSON.stringify(l)}`);
      }),
      { numRuns: 5000 },
    );
    assert.ok(accepted > 500, `${accepted} accepted`);
  });

  test('., \\s, \\S, \\w, \\W, \\d, \\D, \\b, \\B and negated classes agree with V8 on every UTF-16 code unit', () => {
    const patterns = ['^.$', '^\\s$', '^\\S$', '^\\w$', '^\\W$', '^\\d$', '^\\D$', '^[^a-z\\d]$', '^[\\s\\w]$', 'a\\b', 'a\\B', '\\b'].map((p) => [p, new LinearRegex(p), new RegExp(p)] as const);
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const [p, ours, v8] of patterns) {
        const l = p.startsWith('a') ? `a${ch}` : ch;
        if (ours.test(l) !== v8.test(l)) assert.fail(`${p} on U+${c.toString(16).padStart(4, '0')}: ours ${ours.test(l)}, V8 ${v8.test(l)}`);
      }
    }
  });

  test('each construct, by hand: the answer expected here is also V8\'s', () => {
    const cases: Array<[string, string, boolean]> = [
      ['ab', 'xaby', true],
      ['ab', 'a b', false],
      ['a.c', 'abc', true],
      ['a.c', 'a\nc', false],
      ['a.c', 'a\rc', false],
      ['a.c', 'a\u2028c', false],
      ['a.c', 'a\u00a0c', true],
      ['\\d\\d', 'x12', true],
      ['\\D', '123', false],
      ['^\\w+$', 'ab_9', true],
      ['\\W', 'ab_9', false],
      ['a\\sb', 'a\u00a0b', true],
      ['a\\sb', 'a\u3000b', true],
      ['a\\Sb', 'a b', false],
      ['\\bApp\\b', 'the App.', true],
      ['\\bApp\\b', 'MyApp', false],
      ['\\Bpp', 'App', true],
      ['\\Bpp', 'pp', false],
      ['a\\.b', 'a.b', true],
      ['a\\.b', 'axb', false],
      ['\\(\\)\\[\\]\\{\\}\\*\\+\\?\\|\\^\\$\\\\\\/\\-', '()[]{}*+?|^$\\/-', true],
      ['a\\tb\\nc\\rd\\fe\\vf\\0g', 'a\tb\nc\rd\fe\vf\0g', true],
      ['\\x41\\u00e9', 'Aé', true],
      ['[abc]', 'xbx', true],
      ['[^abc]', 'abc', false],
      ['[a-c]+x', 'abcx', true],
      ['[\\d_]', '_', true],
      ['[\\s]', '\u2029', true],
      ['[^\\w]', 'aa', false],
      ['[a-]', '-', true],
      ['[-a]', '-', true],
      ['[\\b]', '\b', true],
      ['[.]', 'a', false],
      ['[]', 'anything', false],
      ['[^]', '\n', true],
      ['(ab)+c', 'ababc', true],
      ['(?:ab)+c', 'ac', false],
      ['(?<word>ab)c', 'abc', true],
      ['cat|dog', 'hotdog', true],
      ['^(cat|dog)$', 'cats', false],
      ['a|', 'zzz', true],
      ['a*', '', true],
      ['^a+$', '', false],
      ['^ab?c$', 'ac', true],
      ['^a{3}$', 'aaa', true],
      ['^a{3}$', 'aaaa', false],
      ['^a{2,}$', 'aaaaa', true],
      ['^a{2,3}$', 'aaaa', false],
      ['^a{2,3}$', 'aaa', true],
      ['^(?:ab){0,2}$', 'abab', true],
      ['^a{0}$', '', true],
      ['^a*?b+?c??d{2}?e{1,}?$', 'bbdde', true],
      ['a{', 'a{', true],
      ['a{1', 'xa{1', true],
      ['a{,2}', 'a{,2}', true],
      ['}]', '}]', true],
      ['^$', '', true],
      ['^$', '\n', false],
      ['a$', 'a\n', false],
      ['a^', 'a', false],
      ['(^|x)a', 'a', true],
      ['(a|$)', 'b', true],
      ['(?:)*', '', true],
      ['(a*)*b', 'aaab', true],
      ['(\\b)+a', 'a', true],
    ];
    for (const [p, l, expected] of cases) {
      assert.equal(refusalOf(p), undefined, p);
      assert.equal(new RegExp(p).test(l), expected, `V8: ${p} on ${JSON.stringify(l)}`);
      assert.equal(new LinearRegex(p).test(l), expected, `ours: ${p} on ${JSON.stringify(l)}`);
    }
  });
});

describe('the matcher refuses what it does not run, naming the construct and the fix', () => {
  // [pattern, kind, part of the message, whether V8 refuses it too]
  const cases: Array<[string, RefusalKind, string, boolean]> = [
    ['(a)\\1', 'backreference', '\\1 at character 4 is a backreference', false],
    ['(?<x>a)\\k<x>', 'backreference', '\\k at character 8 is a backreference to a named group', false],
    ['(?=a)', 'lookaround', '(?= at character 1 is a lookahead', false],
    ['(?!a)', 'lookaround', '(?! at character 1 is a lookahead', false],
    ['(?<=a)b', 'lookaround', '(?<= at character 1 is a lookbehind', false],
    ['(?<!a)b', 'lookaround', '(?<! at character 1 is a lookbehind', false],
    ['\\p{L}', 'unicode-property', '\\p at character 1 is a Unicode property escape, which needs the u flag', false],
    ['\\P{L}', 'unicode-property', '\\P at character 1 is a Unicode property escape', false],
    ['(?i)ready', 'inline-flags', '(?i at character 1 sets flags inline', true],
    ['(?P<x>a)', 'group-syntax', "(?P at character 1 is Python's named group syntax", true],
    ['(?#x)', 'group-syntax', '(? at character 1 starts no group JavaScript knows', true],
    ['(?<1a>x)', 'group-syntax', 'needs a name of ASCII letters', true],
    ['(?<a>x)(?<a>y)', 'group-syntax', 'the group name a appears twice', true],
    ['\\z', 'unknown-escape', '\\z at character 1 is not an escape in JavaScript (it would match the letter z): write z for the letter, or $ for the end of the line', false],
    ['\\A', 'unknown-escape', 'or ^ for the start of the line', false],
    ['[\\q]', 'unknown-escape', '\\q at character 2 is not an escape', false],
    ['\\01', 'octal-escape', '\\01 at character 1 is a legacy octal escape', false],
    ['[\\1]', 'octal-escape', '\\1 at character 2 in a class is a legacy octal escape', false],
    ['\\cA', 'control-escape', '\\c at character 1 (a control character) is not supported', false],
    ['\\x4', 'bad-hex-escape', '\\x at character 1 needs exactly 2 hex digits', false],
    ['\\x{41}', 'bad-hex-escape', '\\x{...} is not JavaScript syntax', false],
    ['\\u{41}', 'bad-hex-escape', '\\u{...} needs the u flag', false],
    ['ab\\', 'trailing-backslash', 'it ends with a lone \\', true],
    ['a**', 'nothing-to-repeat', 'the quantifier * at character 3 has nothing to repeat', true],
    ['a*??', 'nothing-to-repeat', 'the quantifier ? at character 4 has nothing to repeat', true],
    ['+a', 'nothing-to-repeat', 'the quantifier + at character 1 has nothing to repeat', true],
    ['a|?', 'nothing-to-repeat', 'the quantifier ? at character 3', true],
    ['{2}', 'nothing-to-repeat', 'the quantifier {2} at character 1 has nothing to repeat', true],
    ['a{2}{3}', 'nothing-to-repeat', 'the quantifier {3} at character 5', true],
    ['^*', 'nothing-to-repeat', 'the quantifier * at character 2', true],
    ['\\b+', 'nothing-to-repeat', 'the quantifier + at character 3', true],
    ['a{3,2}', 'quantifier-order', 'the quantifier {3,2} at character 2 has its numbers out of order: write the smaller first, {2,3}', true],
    ['a)', 'unmatched-paren', 'the ) at character 2 closes no group', true],
    ['(a', 'unclosed-group', 'the group opened at character 1 is not closed', true],
    ['((a)', 'unclosed-group', 'the group opened at character 1 is not closed', true],
    ['[ab', 'unclosed-class', 'the class opened with [ at character 1 is not closed', true],
    ['[z-a]', 'range-order', 'the range z-a at character 2 is out of order', true],
    ['[\\d-z]', 'range-of-class', 'has a class such as \\d as an end', false],
    ['[[:digit:]]', 'posix-class', '[:digit:] at character 2 is a POSIX class', false],
    ['a{10000}', 'too-many-states', 'more than 1,000 matcher states', false],
    ['(?:a{100}){100}', 'too-many-states', 'lower the repetition counts', false],
    ['((a{10}){10}){10}b{99999999999999999999}', 'too-many-states', 'more than 1,000', false],
  ];

  for (const [p, kind, message, v8Refuses] of cases) {
    test(`${p}: ${kind}`, () => {
      const refusal = refusalOf(p);
      assert.ok(refusal, `${p} is refused`);
      assert.equal(refusal.kind, kind, refusal.message);
      assert.ok(refusal.message.includes(message), `${refusal.message}\nshould include\n${message}`);
      let v8Threw = false;
      try {
        new RegExp(p);
      } catch {
        v8Threw = true;
      }
      assert.equal(v8Threw, v8Refuses, `V8 ${v8Refuses ? 'refuses' : 'accepts'} ${p}`);
    });
  }

  test(`the state limit (${MAX_STATES.toLocaleString('en-US')}) counts the expanded repetitions, and an empty body repeated any number of times costs nothing`, () => {
    assert.equal(new LinearRegex(`a{${MAX_STATES - 1}}`).states, MAX_STATES);
    assert.equal(refusalOf(`a{${MAX_STATES}}`)?.kind, 'too-many-states');
    assert.equal(new LinearRegex('(?:){1000000000}x').test('x'), true);
  });
});

describe('the matcher takes time linear in the line: its steps, counted, grow as the line does', () => {
  const cases: Array<[string, string, (n: number) => string]> = [
    ['(a|a)*$', 'a', (n) => 'a'.repeat(n) + '!'],
    ['(a*)*b', 'a', (n) => 'a'.repeat(n)],
    ['\\d+x', '1', (n) => '1'.repeat(n)],
    ['(.*){1,20}z', 'a', (n) => 'a'.repeat(n)],
    ['^(a+)+$', 'a', (n) => 'a'.repeat(n) + '!'],
    ['(x+x+)+y', 'x', (n) => 'x'.repeat(n)],
  ];
  for (const [source, , lineOf] of cases) {
    test(`${source}: 4 times the line, at most 4.5 times the steps, within 2 steps per state per character; the answer is re2js's`, () => {
      const ours = new LinearRegex(source);
      const re2 = RE2JS.compile(source);
      const short = ours.stepsToTest(lineOf(1000));
      const long = ours.stepsToTest(lineOf(4000));
      assert.equal(short.matched, re2.test(lineOf(1000)), source);
      assert.equal(long.matched, re2.test(lineOf(4000)), source);
      assert.ok(short.steps >= 1000, `${short.steps} steps for 1,000 characters`);
      const ratio = long.steps / short.steps;
      assert.ok(ratio <= 4.5, `${source}: ${short.steps} steps on 1,000 characters, ${long.steps} on 4,000 (x${ratio.toFixed(2)})`);
      assert.ok(long.steps <= 2 * ours.states * 4002, `${long.steps} steps for ${ours.states} states`);
    });
  }

  test('the answers on 100,000-character lines, where V8 would backtrack for ever, are re2js\'s', () => {
    const lines = ['a'.repeat(100_000) + '!', 'a'.repeat(100_000), 'x'.repeat(100_000), '1'.repeat(100_000) + 'x'];
    for (const [source] of cases) {
      const ours = new LinearRegex(source);
      const re2 = RE2JS.compile(source);
      for (const l of lines) assert.equal(ours.test(l), re2.test(l), `${source} on ${l.slice(0, 3)}… (${l.length})`);
    }
    assert.equal(new LinearRegex('(a|a)*$').test('a'.repeat(100_000) + '!'), true);
    assert.equal(new LinearRegex('^(a|a)*$').test('a'.repeat(100_000) + '!'), false);
    assert.equal(new LinearRegex('^(a|a)*!$').test('a'.repeat(100_000) + '!'), true);
  });
});
