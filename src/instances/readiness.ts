/**
 * Reads the simulator's log lines: which line means "loaded", which startup phase a line belongs to,
 * and which lines mean it failed and why (see diagnosis.ts).
 */
import { diagnoseLine, type Diagnosis } from './diagnosis';
import { compileLinear, type LineTest } from './linearPattern';

/** Startup phases, in order. `streaming` = the readiness line appeared; waiting for the client endpoint. */
export type StartupPhase = 'container' | 'extensions' | 'shaders' | 'streaming';

export const PHASE_LABELS: Readonly<Record<StartupPhase, string>> = {
  container: 'container started',
  extensions: 'loading extensions',
  shaders: 'compiling shaders',
  streaming: 'starting streaming',
};

/**
 * Lines that mark a phase, as real logs print them. Data, so a new Isaac Sim release only needs a line here.
 * `detail` takes NVIDIA's own progress words ("30 seconds so far") for the tree.
 */
export const PHASE_PATTERNS: ReadonlyArray<{ phase: StartupPhase; pattern: RegExp; detail?: (m: RegExpExecArray) => string; source: string }> = [
  {
    phase: 'shaders',
    pattern: /Waiting for compilation of ray tracing shaders by GPU driver: (\d+) seconds so far/,
    detail: (m) => `${m[1]} seconds so far`,
    source: '[gpu.foundation.plugin] Warning, ../shared/ISAAC-SIM.md',
  },
  {
    phase: 'shaders',
    pattern: /Ray tracing shader compilation finished after (\d+) seconds/,
    detail: (m) => `finished after ${m[1]} seconds`,
    source: '../shared/ISAAC-SIM.md',
  },
  { phase: 'shaders', pattern: /Waiting for RtPso async group async compilation/, source: 'Info on stdout with -v, ../shared/ISAAC-SIM.md' },
  // 4.x: "Streaming server started." (IsaacLab #949); 5.x: "omni.services.livestream.nvcf rtx_ready for streaming".
  { phase: 'streaming', pattern: /Streaming server started\.|rtx_ready for streaming/, source: 'IsaacLab #949; ../shared/ISAAC-SIM.md' },
  // [^\][]: no nested brackets, so a long junk line cannot make the match quadratic.
  { phase: 'extensions', pattern: /\[ext: [^\][]+\] startup/, source: 'IsaacSim #523, IsaacLab #949' },
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

export class LogClassifier {
  private readonly ready: LineTest[];

  /**
   * @param readinessPatterns regular expression sources, already validated by the settings schema;
   * each runs in linear time (plain text, or RE2: see linearPattern.ts).
   */
  constructor(readinessPatterns: readonly string[]) {
    this.ready = readinessPatterns.map(compileLinear);
  }

  classify(line: string): LineClass {
    if (this.ready.some((test) => test(line))) return { kind: 'ready' };
    const diagnosis = diagnoseLine(line);
    if (diagnosis) return { kind: 'failure', diagnosis };
    for (const p of PHASE_PATTERNS) {
      const m = p.pattern.exec(line);
      if (m) return p.detail ? { kind: 'phase', phase: p.phase, detail: p.detail(m) } : { kind: 'phase', phase: p.phase };
    }
    return undefined;
  }
}
