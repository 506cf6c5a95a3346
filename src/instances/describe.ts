import * as l10n from '@vscode/l10n';
import type { InstanceSnapshot } from './model';
import { PHASE_LABELS } from './readiness';

/** Two digits: "05". */
const two = (n: number) => String(n).padStart(2, '0');

/** "1:05", "12:03:09": compact elapsed time for descriptions. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/**
 * A moment in local time, for a tooltip: "14:05:09" today, "2026-12-01 14:05" another day. Built by
 * hand: Date's toLocaleString sets up ICU's formats on its first call (33 ms measured here), and the
 * first tree rows would wait for it.
 */
export function formatClock(at: number, now: number): string {
  const d = new Date(at);
  const n = new Date(now);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? `${time}:${two(d.getSeconds())}` : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`;
}

/** Short state text used by the tree description, the sim view badge and the status bar. */
export function describeState(snapshot: InstanceSnapshot, now = Date.now()): string {
  const { state } = snapshot;
  switch (state.kind) {
    case 'stopped':
      if (!snapshot.exists) return l10n.t('not created');
      return state.exitCode !== undefined ? l10n.t('stopped (exit {0})', state.exitCode) : l10n.t('stopped');
    case 'starting':
      return l10n.t('starting');
    case 'loading': {
      const elapsed = formatElapsed(now - (snapshot.startup?.since ?? state.since));
      const eta = snapshot.startup?.etaMs;
      const timing = eta ? l10n.t({ message: '{0} of ~{1}', args: [elapsed, formatElapsed(eta)], comment: ['Elapsed time of a start out of the expected total, e.g. "1:12 of ~2:40".'] }) : elapsed;
      if (!state.phase || state.phase === 'container') return l10n.t('loading {0}', timing);
      // NVIDIA's own progress words, e.g. "compiling shaders (30 seconds so far) 0:42".
      return state.phaseDetail ? l10n.t('{0} ({1}) {2}', PHASE_LABELS[state.phase], state.phaseDetail, timing) : l10n.t('{0} {1}', PHASE_LABELS[state.phase], timing);
    }
    case 'ready':
      return l10n.t('ready');
    case 'stopping':
      return l10n.t('stopping');
    case 'failed':
      return state.reason ? l10n.t('failed: {0}', state.reason) : l10n.t('failed');
  }
}
