/**
 * The parser of the linear-time matcher (linearRegex.ts): it reads a readiness pattern as
 * `new RegExp(source)` does (JavaScript syntax, no flags, so UTF-16 code units, not code points) and
 * gives a tree of the parts a Thompson NFA is made of: character sets, position assertions,
 * sequences, alternations and counted repetitions. Captures are dropped: `test()` needs none.
 *
 * It refuses, with a `PatternRefusal` naming the construct and the fix, everything `new RegExp`
 * rejects and, on top of that, what has no place in a linear-time matcher (backreferences,
 * lookaround) or means something else in JavaScript than it looks like (`(?i)`, `\p{L}`, `\z`,
 * `[[:digit:]]`, `\x{41}`: JavaScript reads the last four as literal text). It also refuses a tree of
 * more than MAX_STATES NFA states, so that compiling and matching stay bounded.
 */

/** Most NFA states a pattern may compile to. A line costs at most about 2 steps per state per character. */
import * as l10n from '@vscode/l10n';
export const MAX_STATES = 1_000;

export type RefusalKind =
  | 'backreference'
  | 'lookaround'
  | 'unicode-property'
  | 'inline-flags'
  | 'group-syntax'
  | 'unknown-escape'
  | 'octal-escape'
  | 'control-escape'
  | 'bad-hex-escape'
  | 'trailing-backslash'
  | 'nothing-to-repeat'
  | 'quantifier-order'
  | 'unmatched-paren'
  | 'unclosed-group'
  | 'unclosed-class'
  | 'range-order'
  | 'range-of-class'
  | 'posix-class'
  | 'too-many-states';

/** A pattern the matcher will not run: `kind` for code, `message` (what and how to fix it) for the user. */
export class PatternRefusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
    this.name = 'PatternRefusal';
  }
}

export type Assertion = '^' | '$' | '\\b' | '\\B';

/**
 * A node of the tree; `size` is the number of NFA states it compiles to (see linearRegex.ts).
 * `ranges` are sorted, disjoint, inclusive pairs of UTF-16 code units: [lo0, hi0, lo1, hi1, …].
 */
export type RegexNode =
  | { readonly type: 'set'; readonly ranges: Int32Array; readonly size: number }
  | { readonly type: 'assert'; readonly assertion: Assertion; readonly size: number }
  | { readonly type: 'seq' | 'alt'; readonly items: readonly RegexNode[]; readonly size: number }
  | { readonly type: 'repeat'; readonly body: RegexNode; readonly min: number; readonly max: number; readonly size: number };

const MAX_UNIT = 0xffff;

/** Sorted, merged ranges from any list of inclusive pairs. */
export function mergeRanges(pairs: readonly number[]): number[] {
  const list: Array<[number, number]> = [];
  for (let i = 0; i < pairs.length; i += 2) list.push([pairs[i], pairs[i + 1]]);
  list.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of list) {
    if (out.length > 0 && lo <= out[out.length - 1] + 1) out[out.length - 1] = Math.max(out[out.length - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

/** Every code unit not in the (normalized) ranges. */
function complement(ranges: readonly number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i] > next) out.push(next, ranges[i] - 1);
    next = ranges[i + 1] + 1;
  }
  if (next <= MAX_UNIT) out.push(next, MAX_UNIT);
  return out;
}

const DIGIT = [0x30, 0x39];
const WORD = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
/** JavaScript's \s: WhiteSpace (tab, VT, FF, ZWNBSP and the Zs spaces) and LineTerminator. */
const SPACE = [0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff];
/** What `.` matches without the s flag: anything but a line terminator. */
const NOT_LINE_END = complement([0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029]);

const CLASS_ESCAPES: Record<string, readonly number[]> = {
  d: DIGIT,
  D: complement(DIGIT),
  w: WORD,
  W: complement(WORD),
  s: SPACE,
  S: complement(SPACE),
};
const CONTROL_ESCAPES: Record<string, number> = { t: 0x09, n: 0x0a, v: 0x0b, f: 0x0c, r: 0x0d };

/** Whether a code unit is a word character for \b and \B (ASCII, as in JavaScript without flags). */
export function isWordUnit(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

function sized<T extends { size: number }>(node: T, at: number): T {
  if (node.size + 1 > MAX_STATES) { // + 1: the final state, which every pattern has
    throw new PatternRefusal(
      'too-many-states',
      l10n.t('it needs more than {0} matcher states (the part ending at character {1}; a {n,m} repeats what it follows m times): lower the repetition counts', MAX_STATES.toLocaleString('en-US'), at),
    );
  }
  return node;
}

const setNode = (ranges: readonly number[]): RegexNode => ({ type: 'set', ranges: Int32Array.from(ranges), size: 1 });

/** `{n}`, `{n,}` or `{n,m}` at `at`, or undefined when the text there is not one (then `{` is a literal). */
const BRACED = /\{(\d+)(,(\d*))?\}/y;
function bracedQuantifier(src: string, at: number): { min: number; max: number; end: number } | undefined {
  BRACED.lastIndex = at;
  const m = BRACED.exec(src);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return { min, max, end: at + m[0].length };
}

const GROUP_NAME = /\?<([A-Za-z_$][\w$]*)>/y;

class Parser {
  private i = 0;
  private readonly names = new Set<string>();

  constructor(private readonly src: string) {}

  parse(): RegexNode {
    const node = this.alternation();
    if (this.i < this.src.length) {
      throw new PatternRefusal('unmatched-paren', l10n.t('the ) at character {0} closes no group: escape it as \\) to match a parenthesis', this.i + 1));
    }
    return node;
  }

  private alternation(): RegexNode {
    const items = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      items.push(this.sequence());
    }
    if (items.length === 1) return items[0];
    return sized({ type: 'alt', items, size: items.reduce((n, x) => n + x.size, items.length - 1) }, this.i);
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    let size = 0;
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const term = this.term();
      items.push(term);
      size += term.size;
      sized({ size }, this.i);
    }
    return items.length === 1 ? items[0] : { type: 'seq', items, size };
  }

  /** A quantifier at the cursor (consumed, with its lazy `?`), or undefined. */
  private quantifier(): { min: number; max: number } | undefined {
    const c = this.src[this.i];
    const start = this.i;
    let q: { min: number; max: number } | undefined;
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    if (q) this.i++;
    else if (c === '{') {
      const braced = bracedQuantifier(this.src, this.i);
      if (!braced) return undefined;
      if (braced.min > braced.max) {
        const text = this.src.slice(start, braced.end);
        throw new PatternRefusal('quantifier-order', l10n.t('the quantifier {0} at character {1} has its numbers out of order: write the smaller first, {2}', text, start + 1, `{${braced.max},${braced.min}}`));
      }
      q = braced;
      this.i = braced.end;
    } else return undefined;
    if (this.src[this.i] === '?') this.i++; // lazy: the same answer for test()
    return q;
  }

  private nothingToRepeat(at: number): never {
    const c = this.src[at];
    throw new PatternRefusal(
      'nothing-to-repeat',
      l10n.t('the quantifier {0} at character {1} has nothing to repeat: escape it (\\{2}) to match the character itself', c === '{' ? this.src.slice(at, bracedQuantifier(this.src, at)?.end) : c, at + 1, c),
    );
  }

  private term(): RegexNode {
    const at = this.i;
    const c = this.src[at];
    let atom: RegexNode;
    if (c === '*' || c === '+' || c === '?' || (c === '{' && bracedQuantifier(this.src, at))) this.nothingToRepeat(at);
    if (c === '^' || c === '$') {
      this.i++;
      atom = { type: 'assert', assertion: c, size: 1 };
    } else if (c === '\\') atom = this.escape();
    else if (c === '(') atom = this.group();
    else if (c === '[') atom = this.charClass();
    else if (c === '.') {
      this.i++;
      atom = setNode(NOT_LINE_END);
    } else {
      this.i++;
      const unit = c.charCodeAt(0);
      atom = setNode([unit, unit]);
    }
    const quantifierAt = this.i;
    // ^, $, \b and \B cannot be quantified, but a group holding one can: (\b)* is valid JavaScript.
    if (atom.type === 'assert' && c !== '(') {
      if (this.quantifier()) this.nothingToRepeat(quantifierAt);
      return atom;
    }
    const q = this.quantifier();
    if (!q) return atom;
    const secondAt = this.i;
    if (this.quantifier()) this.nothingToRepeat(secondAt);
    const s = atom.size;
    const size = s === 0 ? 0 : q.max === Infinity ? q.min * s + s + 1 : q.min * s + (q.max - q.min) * (s + 1);
    return sized({ type: 'repeat', body: atom, min: q.min, max: q.max, size }, this.i);
  }

  private group(): RegexNode {
    const open = this.i;
    this.i++;
    if (this.src[this.i] === '?') {
      const rest = this.src.slice(this.i, this.i + 3);
      if (rest.startsWith('?:')) this.i += 2;
      else if (rest.startsWith('?=') || rest.startsWith('?!') || rest.startsWith('?<=') || rest.startsWith('?<!')) {
        const kind = rest.startsWith('?<') ? 'lookbehind' : 'lookahead';
        const text = `(${rest.startsWith('?<') ? rest : rest.slice(0, 2)}`;
        throw new PatternRefusal('lookaround', l10n.t('{0} at character {1} is a {2}, which a linear-time matcher does not have: match the text itself', text, open + 1, kind));
      } else if (rest.startsWith('?<')) {
        GROUP_NAME.lastIndex = this.i;
        const m = GROUP_NAME.exec(this.src);
        if (!m) throw new PatternRefusal('group-syntax', l10n.t('the named group at character {0} needs a name of ASCII letters, digits, _ or $ and a closing >, as in (?<name>...)', open + 1));
        if (this.names.has(m[1])) throw new PatternRefusal('group-syntax', l10n.t('the group name {0} appears twice (again at character {1}): give each group its own name', m[1], open + 1));
        this.names.add(m[1]);
        this.i += m[0].length;
      } else if (rest.startsWith('?P')) {
        throw new PatternRefusal('group-syntax', l10n.t('(?P at character {0} is Python\'s named group syntax: write (?<name>...) or (?:...)', open + 1));
      } else if (/^\?[a-zA-Z-]/.test(rest)) {
        throw new PatternRefusal(
          'inline-flags',
          l10n.t('{0} at character {1} sets flags inline, which readiness patterns (JavaScript syntax, no flags) do not have: write both cases, e.g. [Rr]eady', this.src.slice(open, open + 3), open + 1),
        );
      } else {
        throw new PatternRefusal('group-syntax', l10n.t('(? at character {0} starts no group JavaScript knows: write (...), (?:...) or (?<name>...), or escape the ( as \\(', open + 1));
      }
    }
    const body = this.alternation();
    if (this.src[this.i] !== ')') throw new PatternRefusal('unclosed-group', l10n.t('the group opened at character {0} is not closed: add a ), or escape the ( as \\( to match a parenthesis', open + 1));
    this.i++;
    return body;
  }

  /** A `\` escape outside a class: a set, an assertion (\b, \B) or one code unit. */
  private escape(): RegexNode {
    const at = this.i;
    const c = this.src[at + 1];
    if (c === 'b' || c === 'B') {
      this.i += 2;
      return { type: 'assert', assertion: c === 'b' ? '\\b' : '\\B', size: 1 };
    }
    if (c >= '1' && c <= '9') {
      throw new PatternRefusal('backreference', l10n.t('\\{0} at character {1} is a backreference, which a linear-time matcher does not have: match the repeated text itself', c, at + 1));
    }
    if (c === 'k') {
      throw new PatternRefusal('backreference', l10n.t('\\k at character {0} is a backreference to a named group, which a linear-time matcher does not have: match the repeated text itself', at + 1));
    }
    const unit = this.atomEscape(false);
    return typeof unit === 'number' ? setNode([unit, unit]) : setNode(unit);
  }

  /** The escape at the cursor, as one code unit or a set (\d, \w, \s and their negations); consumes it. */
  private atomEscape(inClass: boolean): number | readonly number[] {
    const at = this.i;
    const c = this.src[at + 1];
    if (c === undefined) throw new PatternRefusal('trailing-backslash', l10n.t('it ends with a lone \\: write \\\\ to match a backslash'));
    this.i += 2;
    if (c in CLASS_ESCAPES) return CLASS_ESCAPES[c];
    if (c in CONTROL_ESCAPES) return CONTROL_ESCAPES[c];
    if (c === '0' && !/[0-9]/.test(this.src[this.i] ?? '')) return 0;
    if (c >= '0' && c <= '9') {
      // Only inside a class, or after \0: outside one, \1 to \9 were refused as backreferences.
      const text = `\\${this.src.slice(at + 1, at + 4).replace(/[^0-7].*$/, '')}`;
      throw new PatternRefusal('octal-escape', l10n.t('{0} at character {1}{2} is a legacy octal escape: write \\xHH (two hex digits) instead', text, at + 1, inClass ? l10n.t(' in a class') : ''));
    }
    if (c === 'x' || c === 'u') {
      const digits = c === 'x' ? 2 : 4;
      const hex = this.src.slice(this.i, this.i + digits);
      if (hex.length === digits && /^[0-9a-fA-F]+$/.test(hex)) {
        this.i += digits;
        return parseInt(hex, 16);
      }
      const braces = this.src[this.i] === '{' ? (c === 'u' ? l10n.t(' (\\u{...} needs the u flag, which readiness patterns do not have)') : l10n.t(' (\\x{...} is not JavaScript syntax)')) : '';
      throw new PatternRefusal('bad-hex-escape', l10n.t('\\{0} at character {1} needs exactly {2} hex digits, as in {3}{4}', c, at + 1, digits, c === 'x' ? '\\x41' : '\\u00a0', braces));
    }
    if (c === 'p' || c === 'P') {
      throw new PatternRefusal(
        'unicode-property',
        l10n.t('\\{0} at character {1} is a Unicode property escape, which needs the u flag that readiness patterns do not have: use a class such as [A-Za-z], \\d or \\s', c, at + 1),
      );
    }
    if (c === 'c') throw new PatternRefusal('control-escape', l10n.t('\\c at character {0} (a control character) is not supported: write \\xHH (two hex digits) instead', at + 1));
    if (c === 'b' && inClass) return 0x08; // [\b] is a backspace
    if (/[A-Za-z]/.test(c)) {
      const hint = c === 'A' ? l10n.t(', or ^ for the start of the line') : c === 'z' || c === 'Z' ? l10n.t(', or $ for the end of the line') : '';
      throw new PatternRefusal(
        'unknown-escape',
        l10n.t('\\{0} at character {1} is not an escape in JavaScript (it would match the letter {2}): write {3} for the letter{4}', c, at + 1, c, c, hint),
      );
    }
    return c.charCodeAt(0); // \. \* \\ \  and any other non-alphanumeric: the character itself
  }

  private charClass(): RegexNode {
    const open = this.i;
    this.i++;
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const pairs: number[] = [];
    for (;;) {
      if (this.i >= this.src.length) {
        throw new PatternRefusal('unclosed-class', l10n.t('the class opened with [ at character {0} is not closed: add a ], or escape the [ as \\[ to match a bracket', open + 1));
      }
      if (this.src[this.i] === ']') break;
      const posix = /^\[:([a-z]+):\]/.exec(this.src.slice(this.i, this.i + 20));
      if (posix) {
        throw new PatternRefusal(
          'posix-class',
          l10n.t('[:{0}:] at character {1} is a POSIX class, which JavaScript does not have (it would match the characters of its name): use \\d, \\s, \\w or a range such as A-Za-z', posix[1], this.i + 1),
        );
      }
      const atAtom = this.i;
      const first = this.classAtom();
      if (this.src[this.i] === '-' && this.i + 1 < this.src.length && this.src[this.i + 1] !== ']') {
        this.i++;
        const last = this.classAtom();
        if (typeof first !== 'number' || typeof last !== 'number') {
          throw new PatternRefusal(
            'range-of-class',
            l10n.t('the range at character {0} has a class such as \\d as an end: put the - first or last in the class, or escape it as \\-', atAtom + 1),
          );
        }
        if (first > last) {
          const text = this.src.slice(atAtom, this.i);
          throw new PatternRefusal('range-order', l10n.t('the range {0} at character {1} is out of order: write the lower end first', text, atAtom + 1));
        }
        pairs.push(first, last);
      } else if (typeof first === 'number') pairs.push(first, first);
      else pairs.push(...first);
    }
    this.i++;
    const ranges = mergeRanges(pairs);
    return setNode(negated ? complement(ranges) : ranges);
  }

  private classAtom(): number | readonly number[] {
    if (this.src[this.i] === '\\') return this.atomEscape(true);
    return this.src.charCodeAt(this.i++);
  }
}

/** The tree of a pattern, or a `PatternRefusal`. */
export function parseRegex(source: string): RegexNode {
  return new Parser(source).parse();
}
