/**
 * Readiness patterns are user input, and every log line runs through them on the extension host,
 * so no pattern may take more than linear time on a line. A backtracking engine (JS RegExp) cannot
 * promise that: `(a|a)*$` takes seconds on a 26-character line. So:
 * - a pattern that is plain text (letters, spaces and escaped punctuation only, as every built-in
 *   default is) is matched with `String.includes`, which is linear;
 * - any other pattern runs on RE2 (re2js), whose matching time is linear in the line's length.
 *   RE2 has no backreferences or lookaround; such patterns are refused by the settings check.
 *
 * re2js is ~150 KB minified, more than half the extension's bundle budget. The extension's build
 * (scripts/build.mjs) makes it a file of its own, dist/re2.js, and turns the `require('re2js')`
 * below into `require('./re2.js')`: it is loaded only when a pattern that is not plain text must be
 * checked or compiled. No `vscode` here.
 */
import type * as Re2 from 're2js';

/** Tests one log line. */
export type LineTest = (line: string) => boolean;

/** Characters with a meaning in a regular expression (JS and RE2 alike) when not escaped. */
const META = new Set('\\^$.|?*+()[]{}');
/** `\` followed by ASCII punctuation means that character itself, in JS and in RE2. */
const ESCAPED_PUNCTUATION = /[!-/:-@[-`{-~]/;

/**
 * The text a pattern matches if it is plain text, else undefined. `Isaac Sim App is loaded\.` is
 * the text "Isaac Sim App is loaded."; `\d`, `a+` or `(x)` are not plain text.
 */
export function literalOf(source: string): string | undefined {
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined || !ESCAPED_PUNCTUATION.test(next)) return undefined;
      text += next;
      i++;
    } else if (META.has(c)) {
      return undefined;
    } else {
      text += c;
    }
  }
  return text;
}

let engine: typeof Re2.RE2JS | undefined;
function re2(): typeof Re2.RE2JS {
  // Loaded on first use only (see the note at the top): a plain `import` would load it at activation.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= (require('re2js') as typeof Re2).RE2JS;
  return engine;
}

/** Why a readiness pattern cannot run in linear time, or undefined when it can. */
export function linearPatternProblem(source: string): string | undefined {
  if (literalOf(source) !== undefined) return undefined;
  let compile: (source: string) => unknown;
  try {
    const engine = re2();
    compile = (p) => engine.compile(p);
  } catch (err) {
    // A broken installation, not the user's pattern.
    return `the RE2 engine (dist/re2.js) could not be loaded to check it (${err instanceof Error ? err.message : String(err)}): reinstall the extension`;
  }
  try {
    compile(source);
    return undefined;
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).replace(/^error parsing regexp: /, '');
    return (
      `it is not a valid regular expression in RE2 syntax (${detail}); readiness patterns run on RE2, which matches in time linear in the line's length ` +
      'and so has no backreferences such as \\1 and no lookaround such as (?=...), (?!...), (?<=...) or (?<!...): match the text of the line itself instead, e.g. "App is loaded\\."'
    );
  }
}

/** Compiles a pattern that `linearPatternProblem` accepted (it throws for one it refuses). */
export function compileLinear(source: string): LineTest {
  const literal = literalOf(source);
  if (literal !== undefined) return (line) => line.includes(literal);
  const pattern = re2().compile(source);
  return (line) => pattern.test(line);
}
