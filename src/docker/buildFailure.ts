/**
 * What a failed build's error says: the step that failed and what it printed, not the engine's
 * whole message. No `vscode` here.
 *
 * BuildKit fails a RUN step with `executor failed running [/bin/sh -c <the whole command>]: exit
 * code: 1` (engine 20.10; newer engines say `process "/bin/sh -c …" did not complete successfully:
 * exit code: 1`), and its `--progress=plain` lines (buildkitStatus.ts) are `#N [stage i/n] STEP`,
 * then `#N <output>` and `#N ERROR: <the same message>`. The classic builder prints `Step i/n :
 * STEP`, the output, and fails with `The command '/bin/sh -c …' returned a non-zero code: 1`. Either
 * way the command is in the message once more than a reader needs: the summary names the step
 * (shortened), the exit code, and the step's own output lines, which say why.
 */

/** Longest step text the summary quotes. */
import * as l10n from '@vscode/l10n';
const STEP_CHARS = 72;
/** How many of the failed step's output lines the summary quotes. */
const OUTPUT_LINES = 6;

export interface BuildFailure {
  /** E.g. `failed at step [builder 5/6] with exit code 1: RUN sed -i "s/…`: up to its first ": " it reads as a short reason. */
  summary: string;
  /** The failed step's last output lines (without BuildKit's `#N ` prefix), else the build's last lines. */
  lines: string[];
}

const shorten = (text: string) => (text.length > STEP_CHARS ? `${text.slice(0, STEP_CHARS - 1).trimEnd()}…` : text);

/** The exit code in the engine's failure message, if it names one. */
function exitCode(failure: string): string | undefined {
  return /exit code: (\d+)\s*$/.exec(failure)?.[1] ?? /returned a non-zero code: (\d+)\s*$/.exec(failure)?.[1];
}

function stepSummary(stage: string, command: string, code: string | undefined, message: string): string {
  return code ? l10n.t('failed at step {0} with exit code {1}: {2}', stage, code, shorten(command)) : l10n.t('failed at step {0} ({1}): {2}', stage, shorten(message), shorten(command));
}

/** Summarises `failure` (the engine's error) with `tail` (the build's last lines, oldest first). */
export function summarizeBuildFailure(failure: string, tail: readonly string[]): BuildFailure {
  const message = failure.trim().replace(/\.$/, '');
  const code = exitCode(message);
  // BuildKit: the last vertex that has an ERROR line is the step that failed.
  for (let i = tail.length - 1; i >= 0; i--) {
    const error = /^#(\d+) ERROR: /.exec(tail[i]);
    if (!error) continue;
    const vertex = `#${error[1]} `;
    const named = tail.find((l) => l.startsWith(vertex) && /^#\d+ \[[^\]]+\] /.test(l));
    if (!named) continue;
    const [, stage, command] = /^\[([^\]]+)\] (.*)$/.exec(named.slice(vertex.length)) ?? [];
    const output = tail
      .slice(0, i)
      .filter((l) => l.startsWith(vertex) && l !== named && !/^(DONE|CACHED)\b/.test(l.slice(vertex.length)))
      .map((l) => l.slice(vertex.length));
    return { summary: stepSummary(`[${stage}]`, command, code, message), lines: output.slice(-OUTPUT_LINES) };
  }
  // The classic builder: the last "Step i/n : …" line and what came after it.
  for (let i = tail.length - 1; i >= 0; i--) {
    const step = /^Step (\d+\/\d+) : (.*)$/.exec(tail[i]);
    if (step) {
      const output = tail.slice(i + 1).filter((l) => l.trim() !== '' && !/^ ---> /.test(l) && !/^Removing intermediate container /.test(l));
      return { summary: stepSummary(step[1], step[2], code, message), lines: output.slice(-OUTPUT_LINES) };
    }
  }
  return { summary: l10n.t('failed: {0}', shorten(message)), lines: tail.slice(-OUTPUT_LINES) };
}
