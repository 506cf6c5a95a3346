import type { InstanceSnapshot } from './model';
import { PHASE_LABELS } from './readiness';

/** "1:05", "12:03:09": compact elapsed time for descriptions. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** Short state text used by the tree description, the sim view badge and the status bar. */
export function describeState(snapshot: InstanceSnapshot, now = Date.now()): string {
  const { state } = snapshot;
  switch (state.kind) {
    case 'stopped':
      if (!snapshot.exists) return 'not created';
      return state.exitCode !== undefined ? `stopped (exit ${state.exitCode})` : 'stopped';
    case 'starting':
      return 'starting';
    case 'loading': {
      const elapsed = formatElapsed(now - (snapshot.startup?.since ?? state.since));
      const eta = snapshot.startup?.etaMs;
      const timing = eta ? `${elapsed} of ~${formatElapsed(eta)}` : elapsed;
      if (!state.phase || state.phase === 'container') return `loading ${timing}`;
      // NVIDIA's own progress words, e.g. "compiling shaders (30 seconds so far) 0:42".
      return `${PHASE_LABELS[state.phase]}${state.phaseDetail ? ` (${state.phaseDetail})` : ''} ${timing}`;
    }
    case 'ready':
      return 'ready';
    case 'stopping':
      return 'stopping';
    case 'failed':
      return state.reason ? `failed: ${state.reason}` : 'failed';
  }
}
