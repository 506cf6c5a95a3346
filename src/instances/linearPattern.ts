/**
 * Readiness patterns are user input, and every log line runs through them on the extension host,
 * so no pattern may take more than linear time on a line. A backtracking engine (JS RegExp) cannot
 * promise that: `(a|a)*$` takes seconds on a 26-character line. So:
 * - a pattern that is plain text (letters, spaces and escaped punctuation only, as every built-in
 *   default is) is matched with `String.includes`, which is linear;
 * - any other pattern runs on the extension's own matcher (linearRegex.ts), which gives the answer
 *   JS RegExp gives, in time linear in the line's length. It has no backreferences or lookaround;
 *   such patterns are refused by the settings check, with what to write instead. The matcher loads
 *   with the first such pattern (linearRegexModule.ts: the linearRegex part of dist/parts.js, off the activation path).
 * No `vscode` here.
 */
import * as l10n from '@vscode/l10n';
import { linearRegexModule } from './linearRegexModule';

/** Tests one log line. */
export type LineTest = (line: string) => boolean;

/** Characters with a meaning in a regular expression when not escaped. */
const META = new Set('\\^$.|?*+()[]{}');
/** `\` followed by ASCII punctuation means that character itself. */
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

/** Why a readiness pattern cannot run in linear time, or undefined when it can. */
export function linearPatternProblem(source: string): string | undefined {
  if (literalOf(source) !== undefined) return undefined;
  const { LinearRegex, PatternRefusal } = linearRegexModule();
  try {
    new LinearRegex(source);
    return undefined;
  } catch (err) {
    if (!(err instanceof PatternRefusal)) throw err;
    return (
      l10n.t('it is not a regular expression the linear-time matcher can run: {0}. Readiness patterns are JavaScript regular expressions without flags, matched in time linear in the line\'s length, ', err.message) +
      l10n.t('so they have no backreferences such as \\1 and no lookaround such as (?=...), (?!...), (?<=...) or (?<!...): match the text of the line itself instead, e.g. "App is loaded\\."')
    );
  }
}

/** Compiles a pattern that `linearPatternProblem` accepted (it throws for one it refuses). */
export function compileLinear(source: string): LineTest {
  const literal = literalOf(source);
  if (literal !== undefined) return (line) => line.includes(literal);
  const pattern = new (linearRegexModule().LinearRegex)(source);
  return (line) => pattern.test(line);
}
