/**
 * Reads the simulator's log lines: which line means "loaded", which startup phase a line belongs to,
 * and which lines mean it failed and why (see diagnosis.ts).
 */
import * as l10n from '@vscode/l10n';
import { LOG_DIAGNOSES, diagnoseLine, type Diagnosis } from './diagnosis';
import { compileLinear, type LineTest } from './linearPattern';

/** Startup phases, in order. `streaming` = the readiness line appeared; waiting for the client endpoint. */
export type StartupPhase = 'container' | 'extensions' | 'shaders' | 'streaming';

/** Getters: each label is translated when it is read, after activation configured l10n's bundle. */
export const PHASE_LABELS: Readonly<Record<StartupPhase, string>> = {
  get container() {
    return l10n.t('container started');
  },
  get extensions() {
    return l10n.t('loading extensions');
  },
  get shaders() {
    return l10n.t('compiling shaders');
  },
  get streaming() {
    return l10n.t('starting streaming');
  },
};

/**
 * Lines that mark a phase, as real logs print them. Data, so a new Isaac Sim release only needs a line here.
 * `detail` takes NVIDIA's own progress words ("30 seconds so far") for the tree.
 */
export const PHASE_PATTERNS: ReadonlyArray<{ phase: StartupPhase; pattern: RegExp; detail?: (m: RegExpExecArray) => string; source: string }> = [
  {
    phase: 'shaders',
    pattern: /Waiting for compilation of ray tracing shaders by GPU driver: (\d+) seconds so far/,
    detail: (m) => l10n.t('{0} seconds so far', m[1]),
    source: '[gpu.foundation.plugin] Warning, ../shared/ISAAC-SIM.md', // l10n-ignore: the source cited, not shown
  },
  {
    phase: 'shaders',
    pattern: /Ray tracing shader compilation finished after (\d+) seconds/,
    detail: (m) => l10n.t('finished after {0} seconds', m[1]),
    source: '../shared/ISAAC-SIM.md', // l10n-ignore: the source cited, not shown
  },
  { phase: 'shaders', pattern: /Waiting for RtPso async group async compilation/, source: 'Info on stdout with -v, ../shared/ISAAC-SIM.md' }, // l10n-ignore: the source cited, not shown
  // 4.x: "Streaming server started." (IsaacLab #949); 5.x: "omni.services.livestream.nvcf rtx_ready for streaming".
  { phase: 'streaming', pattern: /Streaming server started\.|rtx_ready for streaming/, source: 'IsaacLab #949; ../shared/ISAAC-SIM.md' }, // l10n-ignore: the source cited, not shown
  // [^\][]: no nested brackets, so a long junk line cannot make the match quadratic.
  { phase: 'extensions', pattern: /\[ext: [^\][]+\] startup/, source: 'IsaacSim #523, IsaacLab #949' }, // l10n-ignore: the source cited, not shown
];

export type LineClass =
  | { kind: 'ready' }
  | { kind: 'failure'; diagnosis: Diagnosis }
  | { kind: 'phase'; phase: StartupPhase; detail?: string }
  | undefined;

/** A line worth quoting when a run exits without a known cause: Kit's error and fatal lines. */
export function isErrorLine(line: string): boolean {
  return /\[(?:Error|Fatal)\]/.test(line);
}

/**
 * A line no pattern of the diagnosis and phase tables can match, told in one regex run: their
 * sources joined as alternatives (a match of `a|b` exists iff one of `a` or `b` matches), grouped
 * by flags. Most log lines match nothing, and one joined run costs a fifth of the ~20 separate
 * ones. A pattern with a backreference (its group numbers would shift) or a named group (two
 * would clash) is tested on its own.
 */
export function anyMatcher(patterns: readonly RegExp[]): (line: string) => boolean {
  const byFlags = new Map<string, string[]>();
  const alone: RegExp[] = [];
  for (const p of patterns) {
    if (/\\[1-9]|\\k<|\(\?<[^=!]/.test(p.source)) {
      alone.push(new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
      continue;
    }
    const flags = p.flags.replace(/[gy]/g, '');
    byFlags.set(flags, [...(byFlags.get(flags) ?? []), `(?:${p.source})`]);
  }
  const tests = [...[...byFlags].map(([flags, sources]) => new RegExp(sources.join('|'), flags)), ...alone];
  return (line) => tests.some((t) => t.test(line));
}

const maybeClassified = anyMatcher([...LOG_DIAGNOSES.map((d) => d.pattern), ...PHASE_PATTERNS.map((p) => p.pattern)]);

export class LogClassifier {
  private readonly ready: LineTest[];

  /**
   * @param readinessPatterns regular expression sources, already validated by the settings schema;
   * each runs in linear time (plain text, or the linear-time matcher: see linearPattern.ts).
   */
  constructor(readinessPatterns: readonly string[]) {
    this.ready = readinessPatterns.map(compileLinear);
  }

  classify(line: string): LineClass {
    if (this.ready.some((test) => test(line))) return { kind: 'ready' };
    if (!maybeClassified(line)) return undefined;
    const diagnosis = diagnoseLine(line);
    if (diagnosis) return { kind: 'failure', diagnosis };
    for (const p of PHASE_PATTERNS) {
      const m = p.pattern.exec(line);
      if (m) return p.detail ? { kind: 'phase', phase: p.phase, detail: p.detail(m) } : { kind: 'phase', phase: p.phase };
    }
    return undefined;
  }
}
