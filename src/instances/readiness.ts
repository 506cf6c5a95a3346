/**
 * Reads the simulator's log lines: which line means "loaded", which startup phase a line belongs to,
 * and which lines mean it failed and why (see diagnosis.ts).
 */
import { diagnoseLine, type Diagnosis } from './diagnosis';

/** Startup phases, in order. `streaming` = the readiness line appeared; waiting for the client endpoint. */
export type StartupPhase = 'container' | 'extensions' | 'shaders' | 'streaming';

export const PHASE_LABELS: Readonly<Record<StartupPhase, string>> = {
  container: 'container started',
  extensions: 'loading extensions',
  shaders: 'compiling shaders',
  streaming: 'starting streaming',
};

/** Lines that mark the start of a phase. Data, so new Isaac Sim versions only need a line here. */
export const PHASE_PATTERNS: ReadonlyArray<{ phase: StartupPhase; pattern: RegExp }> = [
  { phase: 'shaders', pattern: /[Cc]ompiling shaders|shader cache|[Ss]hader compilation|Shader cache hit/ },
  // [^\][]: no nested brackets, so a long junk line cannot make the match quadratic.
  { phase: 'extensions', pattern: /\[ext: [^\][]+\] startup/ },
];

export type LineClass = { kind: 'ready' } | { kind: 'failure'; diagnosis: Diagnosis } | { kind: 'phase'; phase: StartupPhase } | undefined;

export class LogClassifier {
  private readonly ready: RegExp[];

  /** @param readinessPatterns regular expression sources, already validated by the settings schema. */
  constructor(readinessPatterns: readonly string[]) {
    this.ready = readinessPatterns.map((p) => new RegExp(p));
  }

  classify(line: string): LineClass {
    if (this.ready.some((r) => r.test(line))) return { kind: 'ready' };
    const diagnosis = diagnoseLine(line);
    if (diagnosis) return { kind: 'failure', diagnosis };
    const phase = PHASE_PATTERNS.find((p) => p.pattern.test(line));
    return phase ? { kind: 'phase', phase: phase.phase } : undefined;
  }
}
