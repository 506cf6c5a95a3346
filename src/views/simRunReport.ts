/**
 * "Run in Sim" results as text and plain diagnostics, without VS Code: the block the "Sim Python"
 * channel gets per run (a header naming the instance, the file, the lines of a selection and the
 * duration; then the output, and for an error the traceback with its frames in the sent code shown
 * at their place in the file), and the Problems entry of a raising run. simPythonOutput.ts writes
 * them; the unit tests read them directly.
 */
import * as l10n from '@vscode/l10n';
import type { SimRunResult } from '../instances/simPython';
import { tracebackFrames, type MappedFrame } from '../instances/simPythonProtocol';

export interface RunHeader {
  /** "instance-0", or "host/instance-0" with several endpoints. */
  instance: string;
  /** The file as the user knows it (workspace-relative). */
  file: string;
  /** For a selection: its first and last line in the file (1-based). */
  lines?: { first: number; last: number };
  /** When the run started, as the channel shows it ("12:00:01"). */
  startedAt: string;
  durationMs: number;
}

export type RunOutcome =
  | { kind: 'reply'; result: SimRunResult }
  /** The code was not run, or its reply never came: refused, not ready, a timeout, a bad token… */
  | { kind: 'failed'; message: string }
  | { kind: 'cancelled'; message: string };

/** "0.21 s", "12.4 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function verdict(outcome: RunOutcome, duration: string): string {
  switch (outcome.kind) {
    case 'reply':
      if (outcome.result.ok) return l10n.t('ok in {0}', duration);
      // Python's exception name is not a word of ours.
      return outcome.result.error?.ename ? l10n.t('{0} after {1}', outcome.result.error.ename, duration) : l10n.t('error after {0}', duration);
    case 'failed':
      return l10n.t('not run ({0})', duration);
    case 'cancelled':
      return l10n.t('cancelled after {0}', duration);
  }
}

/** The header line of a run. */
export function runHeader(h: RunHeader, outcome: RunOutcome): string {
  const where = h.lines ? (h.lines.first === h.lines.last ? l10n.t('{0}, line {1}', h.file, h.lines.first) : l10n.t('{0}, lines {1}-{2}', h.file, h.lines.first, h.lines.last)) : h.file;
  return `[${h.startedAt}] ${h.instance} ← ${where} — ${verdict(outcome, formatDuration(h.durationMs))}`;
}

/**
 * The server's traceback with each frame in the sent code ("<string>", line L) rewritten to the
 * file and line it came from, so the channel's link detection opens the right place.
 */
export function mappedTraceback(traceback: string, frames: readonly MappedFrame[]): string {
  let next = 0;
  return traceback
    .split(/\r?\n/)
    .map((line) => {
      if (tracebackFrames(line).length === 0) return line;
      const frame = frames[next++];
      if (!frame?.source) return line;
      return `  File "${frame.source.file}", line ${frame.source.line}, in ${frame.function}`;
    })
    .join('\n')
    .replace(/\n+$/, '');
}

/** The whole block the channel gets for one run (without a trailing newline). */
export function formatRun(h: RunHeader, outcome: RunOutcome): string {
  const lines = [runHeader(h, outcome)];
  if (outcome.kind !== 'reply') {
    lines.push(outcome.message);
    return lines.join('\n');
  }
  const r = outcome.result;
  const output = r.output.replace(/\n+$/, '');
  if (output) lines.push(output);
  if (r.hasResult && r.result !== null && r.result !== undefined) lines.push(`→ ${JSON.stringify(r.result)}`);
  if (r.error) {
    const tb = mappedTraceback(r.error.traceback, r.error.frames);
    if (tb) lines.push(tb);
    if (!tb.includes(`${r.error.ename}`)) lines.push(`${r.error.ename}${r.error.evalue ? `: ${r.error.evalue}` : ''}`);
    const at = r.error.location?.source;
    if (at) lines.push(`  at ${at.file}:${at.line}`);
  }
  return lines.join('\n');
}

/** A Problems entry as plain data: 1-based lines of one file. */
export interface PlainDiagnostic {
  line: number;
  message: string;
  /** The other frames of the traceback in the same file, outermost first. */
  related: Array<{ line: number; message: string }>;
}

/**
 * The Problems entry of a run of `file`: one error at the innermost traceback frame in the sent
 * code, with the file's other frames as related information. Undefined when the run did not raise,
 * or raised outside the sent code.
 */
export function diagnosticOf(result: SimRunResult, file: string, instance: string): PlainDiagnostic | undefined {
  const err = result.error;
  const at = err?.location;
  if (!err || !at?.source || at.source.file !== file) return undefined;
  const n = err.frames.length;
  // The location is the innermost frame in the sent code: every other frame in the file is related.
  const inFile = err.frames.flatMap((f, i) => (f.source?.file === file ? [{ f, i }] : []));
  const related = inFile.slice(0, -1).map(({ f, i }) => ({ line: f.source!.line, message: l10n.t('traceback frame {0} of {1}: in {2}', i + 1, n, f.function) }));
  // The exception's name and value are Python's.
  return { line: at.source.line, message: l10n.t('{0} (raised in {1})', `${err.ename}${err.evalue ? `: ${err.evalue}` : ''}`, instance), related };
}

/**
 * A selection as it is sent: an indented block (the body of a function or loop) loses the
 * indentation its lines share, as textwrap.dedent does, so Python can compile it on its own. Lines
 * stay where they are, so the traceback's line numbers still map onto the file.
 */
export function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0]);
  if (indents.length === 0) return text;
  let common = indents[0];
  for (const i of indents) while (!i.startsWith(common)) common = common.slice(0, -1);
  if (!common) return text;
  return lines.map((l) => (l.startsWith(common) ? l.slice(common.length) : l.trim() === '' ? '' : l)).join('\n');
}
