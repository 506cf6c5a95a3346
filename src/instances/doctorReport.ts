/**
 * The doctor's report as Markdown: the code-span and number helpers every check's text uses, and the
 * rendering of a whole result (a verdict, then one ✔ / ✘ / – item per check with its fix).
 */
import * as l10n from '@vscode/l10n';
import { GIB, type DoctorCheck, type DoctorResult } from './doctorTypes';

/** A code span that holds any text, backticks included. */
export function code(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim()) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

export function formatGiB(bytes: number): string {
  const gib = bytes / GIB;
  return l10n.t('{0} GiB', gib >= 100 ? gib.toFixed(0) : gib.toFixed(1));
}

/** "1 instance", "3 instances": two whole messages, so that a translation words each its own way. */
export function instances(n: number): string {
  return n === 1 ? l10n.t('1 instance') : l10n.t('{0} instances', n);
}

/** Failed checks of a report. */
export function doctorProblems(report: DoctorResult): DoctorCheck[] {
  return report.checks.filter((c) => c.ok === false);
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const SYMBOL = { true: '✔', false: '✘', skipped: '–' } as const;

/**
 * The report as Markdown: a title, when and against what it ran, a verdict, then one list item per
 * check (✔ / ✘ / –) with its detail, and under each ✘ its fix.
 */
export function renderDoctorMarkdown(report: DoctorResult): string {
  const failed = doctorProblems(report).length;
  const lines = [l10n.t('# Isaac Sim preflight doctor'), ''];
  const seconds = (report.durationMs / 1000).toFixed(1);
  lines.push(l10n.t('Checked {0} ({1} s), Docker engine {2}.', formatTime(report.startedAt), seconds, code(report.engineAddress)));
  if (report.subject) {
    const { image, instanceCount, runtime, gpus } = report.subject;
    lines.push(l10n.t('For {0} of {1}, runtime {2}, GPUs {3}.', instances(instanceCount), code(image), runtime ? code(runtime) : l10n.t('default'), code(gpus)));
  }
  lines.push('');
  lines.push(
    failed === 0
      ? l10n.t('**All checks passed.** This machine can run the configured instances.')
      : failed === 1
        ? l10n.t('**1 problem found.** Each ✘ says how to fix it; then run **Isaac Sim: Run Preflight Doctor** again.')
        : l10n.t('**{0} problems found.** Each ✘ says how to fix it; then run **Isaac Sim: Run Preflight Doctor** again.', failed),
  );
  lines.push('');
  // Hard line breaks ("\" at a line's end) keep a check's lines in its list item.
  const continued = (text: string) => text.split('\n').join('\\\n  ');
  for (const c of report.checks) {
    let item = `- ${SYMBOL[String(c.ok) as keyof typeof SYMBOL]} **${c.title}** — ${continued(c.detail)}`;
    if (c.ok === false && c.fix) item += `\\\n  ${l10n.t('**Fix:** {0}', continued(c.fix))}`;
    lines.push(item);
  }
  lines.push('', l10n.t('✔ passed · ✘ failed · – skipped'), '');
  return lines.join('\n');
}
