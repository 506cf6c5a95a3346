/**
 * The instance state machine, as a pure reducer.
 *
 * Inputs are what we learn: our own operations beginning, Docker events, classified log lines and
 * inspect results (the authoritative resync). The output is the state the user sees. Keeping this
 * pure lets every transition be unit-tested without an engine.
 *
 *   (none) --op:start--> starting --engine:start--> loading --log:ready--> ready
 *   running --op:stop--> stopping --engine:die--> stopped
 *   running --engine:die (not requested, code != 0)--> failed(reason)
 *   any --log:failure--> failed(diagnosis)           any --engine:destroy--> stopped (no container)
 */
import type { InstanceState } from './model';

export interface Tracked {
  state: InstanceState;
  /** A container exists for the instance. */
  exists: boolean;
  /** The container is running (per the engine). */
  running: boolean;
  /** Epoch ms the current or last run started. */
  startedAt?: number;
  /** We asked it to stop; a non-zero exit is then not a failure. */
  stopRequested: boolean;
  /** The kernel OOM killer hit the current run. */
  oomKilled: boolean;
  /** A failure line was seen in the current run. */
  diagnosis?: string;
}

export interface InspectFacts {
  exists: boolean;
  running: boolean;
  exitCode?: number;
  oomKilled?: boolean;
  startedAt?: number;
  error?: string;
}

export type StateInput =
  | { type: 'op'; op: 'start' | 'stop' | 'restart' | 'remove' }
  | { type: 'opFailed'; message: string }
  | { type: 'engine'; action: string; exitCode?: number; at?: number; signal?: number }
  | { type: 'log'; line: { kind: 'ready' } | { kind: 'failure'; reason: string } }
  | { type: 'inspect'; facts: InspectFacts; readySeen?: boolean };

export function initialTracked(now: number): Tracked {
  return { state: { kind: 'stopped', since: now }, exists: false, running: false, stopRequested: false, oomKilled: false };
}

/** Human reason for an exit the user did not ask for. */
export function exitReason(exitCode: number, oomKilled: boolean): string {
  if (oomKilled) return `out of memory (OOM killed, exit ${exitCode})`;
  switch (exitCode) {
    case 137:
      return 'killed (SIGKILL, exit 137)';
    case 139:
      return 'crashed (segmentation fault, exit 139)';
    case 143:
      return 'terminated (SIGTERM, exit 143)';
    default:
      return `exited with code ${exitCode}`;
  }
}

function enter(t: Tracked, state: Omit<InstanceState, 'since'>, now: number): Tracked {
  const same = t.state.kind === state.kind && t.state.reason === state.reason && t.state.exitCode === state.exitCode;
  return { ...t, state: same ? t.state : { ...state, since: now } };
}

function exited(t: Tracked, exitCode: number, now: number): Tracked {
  const base: Tracked = { ...t, running: false, exists: true };
  if (t.diagnosis) return enter({ ...base, stopRequested: false }, { kind: 'failed', reason: `${t.diagnosis} (exit ${exitCode})`, exitCode }, now);
  // SIGTERM (143) is how every stop ends a process that does not handle it: a stop, not a failure.
  if (t.stopRequested || ((exitCode === 0 || exitCode === 143) && !t.oomKilled)) {
    return enter({ ...base, stopRequested: false }, { kind: 'stopped', exitCode }, now);
  }
  return enter({ ...base, stopRequested: false }, { kind: 'failed', reason: exitReason(exitCode, t.oomKilled), exitCode }, now);
}

export function reduce(t: Tracked, input: StateInput, now: number): Tracked {
  switch (input.type) {
    case 'op':
      switch (input.op) {
        case 'start':
          return t.running ? t : enter({ ...t, stopRequested: false }, { kind: 'starting' }, now);
        case 'stop':
        case 'remove':
          return t.running ? enter({ ...t, stopRequested: true }, { kind: 'stopping' }, now) : t;
        case 'restart':
          return t.running ? enter({ ...t, stopRequested: true }, { kind: 'stopping' }, now) : enter(t, { kind: 'starting' }, now);
      }
      return t;
    case 'opFailed':
      // The operation did not happen; an inspect follows and sets the real state. Until then, show why.
      if (t.state.kind === 'starting' && !t.running) return enter({ ...t, stopRequested: false }, { kind: 'failed', reason: input.message }, now);
      if (t.state.kind === 'stopping' && t.running) return enter({ ...t, stopRequested: false }, { kind: 'loading' }, now);
      return t;
    case 'engine':
      switch (input.action) {
        case 'create':
          return t.exists ? t : { ...t, exists: true };
        case 'start':
          return enter(
            { ...t, exists: true, running: true, startedAt: input.at ?? now, stopRequested: false, oomKilled: false, diagnosis: undefined },
            { kind: 'loading' },
            now,
          );
        case 'kill':
          // SIGTERM/SIGINT is a stop (ours or `docker stop` from outside); SIGKILL alone is a kill.
          if (!t.running) return t;
          if (input.signal === 15 || input.signal === 2) return t.state.kind === 'failed' ? { ...t, stopRequested: true } : enter({ ...t, stopRequested: true }, { kind: 'stopping' }, now);
          return t;
        case 'oom':
          return { ...t, oomKilled: true };
        case 'die':
          return exited(t, input.exitCode ?? 0, now);
        case 'destroy':
          return enter({ ...t, exists: false, running: false, stopRequested: false, diagnosis: undefined }, { kind: 'stopped' }, now);
        default:
          return t;
      }
    case 'log':
      if (!t.running) return t;
      if (input.line.kind === 'ready') {
        return t.state.kind === 'loading' || t.state.kind === 'starting' ? enter(t, { kind: 'ready' }, now) : t;
      }
      // The first failure line is the root cause; later ones are usually its consequences.
      if (t.diagnosis) return t;
      return enter({ ...t, diagnosis: input.line.reason }, { kind: 'failed', reason: input.line.reason }, now);
    case 'inspect': {
      const f = input.facts;
      if (!f.exists) {
        return t.state.kind === 'starting' ? { ...t, exists: false, running: false } : enter({ ...initialTracked(now), state: t.state }, { kind: 'stopped' }, now);
      }
      if (f.running) {
        const sameRun = t.running && t.startedAt === f.startedAt;
        const next: Tracked = { ...t, exists: true, running: true, startedAt: f.startedAt, oomKilled: sameRun ? t.oomKilled : false, diagnosis: sameRun ? t.diagnosis : undefined };
        if (next.diagnosis) return enter(next, { kind: 'failed', reason: next.diagnosis }, now);
        if (sameRun && t.state.kind === 'stopping') return next;
        if (input.readySeen) return enter(next, { kind: 'ready' }, now);
        if (sameRun && t.state.kind === 'ready') return next;
        return enter(next, { kind: 'loading' }, now);
      }
      if (t.running || t.state.kind === 'starting' || t.state.kind === 'stopping' || t.state.kind === 'loading' || t.state.kind === 'ready' || !t.exists) {
        const base = { ...t, exists: true, running: true, oomKilled: t.oomKilled || !!f.oomKilled };
        if (f.error && !t.stopRequested) {
          return enter({ ...base, running: false, stopRequested: false }, { kind: 'failed', reason: f.error, exitCode: f.exitCode }, now);
        }
        return exited(base, f.exitCode ?? 0, now);
      }
      return { ...t, exists: true, running: false };
    }
  }
}
