/**
 * A regular expression matcher whose time is linear in the line's length, for readiness patterns
 * (see linearPattern.ts). It answers one question, `new RegExp(source).test(line)`, with the same
 * answer JavaScript gives, for every pattern it accepts. Written for this extension rather than
 * shipping re2js (150 KB minified) because only `test()` is needed: no captures, no match positions.
 *
 * Syntax (JavaScript's, without flags; parsed by linearRegexSyntax.ts): literal characters; `.`;
 * `\d \D \w \W \s \S`; `\b \B`; `\t \n \r \f \v \0 \xHH \uHHHH` and escaped punctuation; classes
 * `[...]` and `[^...]` with ranges and class escapes; groups `(...)`, `(?:...)`, `(?<name>...)`;
 * `|`; `* + ? {n} {n,} {n,m}` and their lazy forms; `^ $`. Refused: backreferences, lookaround,
 * `\p{...}`, inline flags, and whatever `new RegExp` would reject.
 *
 * Why linear: the pattern becomes a Thompson NFA (character-set states, assertion states, splits),
 * and the line is read once, left to right, carrying the SET of states the NFA can be in (a Pike
 * VM without captures). Each state enters that set at most once per position, so a line of n code
 * units costs at most n + 1 rounds of at most 2 steps per state: O(n × states), whatever the
 * pattern, where a backtracking engine can take exponential time (`(a|a)*$`). Repetition counts are
 * expanded (`x{2,4}` is x x x? x?), so the number of states is bounded instead: MAX_STATES (1,000)
 * at most, checked while parsing, before anything is built.
 *
 * Why the answer is JavaScript's: without backreferences and lookaround, whether a backtracking
 * search finds a match does not depend on the order it tries alternatives in, nor on its rule that
 * an iteration of `*` must not match the empty string (such an iteration can always be left out).
 * So "some path through the NFA matches from some start position" is exactly `test()`. The unit
 * tests check it against V8 and re2js on random patterns and lines.
 */
import { type Assertion, isWordUnit, mergeRanges, parseRegex, type RegexNode } from './linearRegexSyntax';

const CHAR = 0;
const SPLIT = 1;
const ASSERT = 2;
const MATCH = 3;
const ASSERTIONS: readonly Assertion[] = ['^', '$', '\\b', '\\B'];

/** The NFA, one entry per state in each array. */
interface Program {
  readonly op: Uint8Array;
  /** CHAR, ASSERT: the next state; SPLIT: the first branch. */
  readonly out1: Int32Array;
  /** SPLIT: the second branch; ASSERT: the index of the assertion in ASSERTIONS. */
  readonly out2: Int32Array;
  /** CHAR: the code units it accepts (sorted inclusive pairs). */
  readonly sets: ReadonlyArray<Int32Array | undefined>;
  readonly start: number;
}

function compile(root: RegexNode): Program {
  const op: number[] = [];
  const out1: number[] = [];
  const out2: number[] = [];
  const sets: Array<Int32Array | undefined> = [];
  const add = (kind: number, a: number, b: number, set?: Int32Array): number => {
    op.push(kind);
    out1.push(a);
    out2.push(b);
    sets.push(set);
    return op.length - 1;
  };
  // Built back to front: each node is given the state that follows it and returns its entry state.
  const emit = (node: RegexNode, next: number): number => {
    switch (node.type) {
      case 'set':
        return add(CHAR, next, -1, node.ranges);
      case 'assert':
        return add(ASSERT, next, ASSERTIONS.indexOf(node.assertion));
      case 'seq':
        for (let i = node.items.length - 1; i >= 0; i--) next = emit(node.items[i], next);
        return next;
      case 'alt': {
        const entries = node.items.map((item) => emit(item, next));
        let entry = entries[entries.length - 1];
        for (let i = entries.length - 2; i >= 0; i--) entry = add(SPLIT, entries[i], entry);
        return entry;
      }
      case 'repeat': {
        if (node.body.size === 0) return next; // matches the empty string only, any number of times
        let entry = next;
        if (node.max === Infinity) {
          entry = add(SPLIT, -1, next);
          out1[entry] = emit(node.body, entry);
        } else {
          for (let k = node.min; k < node.max; k++) entry = add(SPLIT, emit(node.body, entry), next);
        }
        for (let k = 0; k < node.min; k++) entry = emit(node.body, entry);
        return entry;
      }
    }
  };
  const start = emit(root, add(MATCH, -1, -1));
  return { op: Uint8Array.from(op), out1: Int32Array.from(out1), out2: Int32Array.from(out2), sets, start };
}

/**
 * Where a match can begin, read from the states the start reaches without reading a character.
 * When no match is under way the matcher skips to the next code unit in `first` (with indexOf when
 * that is one code unit), and past position 0 it stops at once when every match begins with ^
 * (`anchored`). Neither is used (`first` undefined) when the pattern can match without reading.
 */
function startOf(p: Program): { first: Int32Array | undefined; anchored: boolean } {
  const reach = (caretHolds: boolean) => {
    const seen = new Set<number>();
    const chars: number[] = [];
    let match = false;
    const stack = [p.start];
    while (stack.length > 0) {
      const s = stack.pop() as number;
      if (seen.has(s)) continue;
      seen.add(s);
      if (p.op[s] === CHAR) chars.push(s);
      else if (p.op[s] === MATCH) match = true;
      else if (p.op[s] === SPLIT) stack.push(p.out1[s], p.out2[s]);
      else if (caretHolds || ASSERTIONS[p.out2[s]] !== '^') stack.push(p.out1[s]); // other assertions: may hold
    }
    return { chars, match };
  };
  const any = reach(true);
  if (any.match) return { first: undefined, anchored: false };
  const first = mergeRanges(any.chars.flatMap((s) => Array.from(p.sets[s] as Int32Array)));
  return { first: Int32Array.from(first), anchored: reach(false).chars.length === 0 };
}

function inSet(ranges: Int32Array, c: number): boolean {
  let lo = 0;
  let hi = ranges.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c > ranges[2 * mid + 1]) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length >> 1 && c >= ranges[2 * lo];
}

function holds(assertion: number, line: string, pos: number): boolean {
  if (assertion === 0) return pos === 0;
  if (assertion === 1) return pos === line.length;
  const before = pos > 0 && isWordUnit(line.charCodeAt(pos - 1));
  const after = pos < line.length && isWordUnit(line.charCodeAt(pos));
  return (before !== after) === (assertion === 2);
}

/** A compiled pattern. Not re-entrant (it reuses its buffers), which a synchronous `test` never needs. */
export class LinearRegex {
  private readonly program: Program;
  /** `mark[state] === generation` when the state is already in the set being built. */
  private readonly mark: Int32Array;
  private readonly stack: Int32Array;
  /** The CHAR states of the current position. */
  private readonly list: Int32Array;
  private generation = 0;
  private readonly first: Int32Array | undefined;
  private readonly firstUnit: string | undefined;
  private readonly anchored: boolean;
  /** States visited and character tests made since the last `test` began. */
  private steps = 0;

  /** Throws a `PatternRefusal` for a pattern it does not run. */
  constructor(source: string) {
    this.program = compile(parseRegex(source));
    ({ first: this.first, anchored: this.anchored } = startOf(this.program));
    this.firstUnit = this.first?.length === 2 && this.first[0] === this.first[1] ? String.fromCharCode(this.first[0]) : undefined;
    const n = this.program.op.length;
    this.mark = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.list = new Int32Array(n);
  }

  /** Number of NFA states. */
  get states(): number {
    return this.program.op.length;
  }

  /** What `new RegExp(source).test(line)` answers. */
  test(line: string): boolean {
    const { op, out1, out2, sets, start } = this.program;
    const { mark, stack, list } = this;
    const len = line.length;
    if (this.generation > 0x7fffffff - len - 2) {
      mark.fill(0);
      this.generation = 0;
    }
    // The states of position `pos` are marked with generation base + pos + 1: marking a state when
    // it is pushed keeps it from entering the same position's set twice.
    const base = this.generation;
    this.generation = base + len + 2;
    let steps = 0;
    let top = 0;
    const { first, firstUnit } = this;
    for (let pos = 0; ; pos++) {
      if (top === 0 && first) {
        // No match under way: one can only begin here or later, at a code unit that starts one.
        if (this.anchored && pos > 0) break;
        const from = pos;
        if (firstUnit !== undefined) pos = line.indexOf(firstUnit, pos) >>> 0;
        else while (pos < len && !inSet(first, line.charCodeAt(pos))) pos++;
        steps += Math.min(pos, len) - from;
        if (pos >= len) break;
      }
      const generation = base + pos + 1;
      // A match may start anywhere: the start state joins the set at every position.
      if (mark[start] !== generation) {
        mark[start] = generation;
        stack[top++] = start;
      }
      // Follow splits and the assertions that hold here; `list` gets the CHAR states reached.
      let count = 0;
      while (top > 0) {
        const s = stack[--top];
        steps++;
        const kind = op[s];
        if (kind === CHAR) list[count++] = s;
        else if (kind === MATCH) {
          this.steps = steps;
          return true;
        } else if (kind === SPLIT) {
          const a = out1[s];
          const b = out2[s];
          if (mark[b] !== generation) {
            mark[b] = generation;
            stack[top++] = b;
          }
          if (mark[a] !== generation) {
            mark[a] = generation;
            stack[top++] = a;
          }
        } else if (holds(out2[s], line, pos) && mark[out1[s]] !== generation) {
          mark[out1[s]] = generation;
          stack[top++] = out1[s];
        }
      }
      if (pos === len) break;
      // Read one code unit: the CHAR states that accept it lead to the next position's set.
      const c = line.charCodeAt(pos);
      const following = generation + 1;
      for (let k = 0; k < count; k++) {
        const s = list[k];
        steps++;
        if (inSet(sets[s] as Int32Array, c) && mark[out1[s]] !== following) {
          mark[out1[s]] = following;
          stack[top++] = out1[s];
        }
      }
    }
    this.steps = steps;
    return false;
  }

  /** Runs `test` and gives the number of steps it took (for the tests that check the time is linear). */
  stepsToTest(line: string): { matched: boolean; steps: number } {
    const matched = this.test(line);
    return { matched, steps: this.steps };
  }
}
