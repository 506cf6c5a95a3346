/**
 * Reads the simulator's log lines: which line means "ready", which lines mean it failed and why.
 * The failure table is data; each entry names the problem in the user's words.
 */

export interface FailurePattern {
  pattern: RegExp;
  /** Short reason shown in the tree and the tooltip. */
  reason: string;
}

/** Known fatal lines of Isaac Sim (see ENVIRONMENT.md). "OmniHub: Hub encountered error" is harmless and absent on purpose. */
export const FAILURE_PATTERNS: readonly FailurePattern[] = [
  { pattern: /CUDA libs are present, but no suitable CUDA GPU was found!/, reason: 'no suitable CUDA GPU found' },
  { pattern: /Failed to acquire rtx::resourcemanager::ResourceManager!/, reason: 'RTX resource manager unavailable' },
  { pattern: /\[gpu\.foundation\.plugin\] No device could be created/, reason: 'no GPU device could be created' },
  { pattern: /Failed to initialize NVML: Unknown Error/, reason: 'NVML failed to initialize' },
];

export type LineClass = { kind: 'ready' } | { kind: 'failure'; reason: string } | undefined;

export class LogClassifier {
  private readonly ready: RegExp;

  /** @param readinessPattern a regular expression source, already validated by the settings schema. */
  constructor(readinessPattern: string, private readonly failures: readonly FailurePattern[] = FAILURE_PATTERNS) {
    this.ready = new RegExp(readinessPattern);
  }

  classify(line: string): LineClass {
    if (this.ready.test(line)) return { kind: 'ready' };
    for (const f of this.failures) {
      if (f.pattern.test(line)) return { kind: 'failure', reason: f.reason };
    }
    return undefined;
  }
}
