/**
 * The instance state machine, as a pure reducer.
 *
 * Inputs are what we learn: our own operations beginning, Docker events, classified log lines and
 * inspect results (the authoritative resync). The output is the state the user sees. Keeping this
 * pure lets every transition be unit-tested without an engine.
 *
 *   (none) --op:start--> starting --engine:start--> loading --log:ready--> ready
 *   running --op:stop--> stopping --engine:die--> stopped
 *   running --exiting (a die that is a stop, log still draining)--> stopped --log:failure--> failed
 *   running --engine:die (not requested, code != 0)--> failed(reason)
 *   any --log:failure--> failed(diagnosis)           any --engine:destroy--> stopped (no container)
 */
import * as l10n from '@vscode/l10n';
import { TOP_LEVEL_NAMES, diagnoseErrorKind, diagnoseExit, type Diagnosis, type SettingNamer } from './diagnosis';
import type { StartKind } from './eta';
import type { ErrorKind } from './errors';
import type { InstanceState } from './model';
import type { StartupPhase } from './readiness';

const PHASE_ORDER: readonly StartupPhase[] = ['container', 'extensions', 'shaders', 'streaming'];

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
  /**
   * The engine reported the current run's exit, and what is known already makes it a stop, so it
   * shows *stopped* at once; the run's log is still draining (sync.ts), and a fatal line of it can
   * still make it *failed* until the `die` is applied.
   */
  exiting?: boolean;
  /** The kernel OOM killer hit the current run. */
  oomKilled: boolean;
  /** A fatal line was seen in the current run. */
  diagnosis?: Diagnosis;
  /** Lines of the current run that are often harmless; one of them is the reason if the run then exits. */
  warnings: Diagnosis[];
  /**
   * Our start failed before the simulator ran (e.g. no NVIDIA runtime). The failure stays shown while
   * the half-made container is cleaned up (its destroy event must not turn it into "not created"),
   * until the next operation.
   */
  startFailed?: boolean;
  /** startedAt of the run whose readiness was confirmed (line seen AND the client endpoint answered). */
  readyRun?: number;
  /** startedAt of the run whose readiness line was seen; its endpoint is being probed. */
  probingRun?: number;
  /** 6.x: the web viewer answered when last probed. */
  webViewerUp?: boolean;
  /** The image's HEALTHCHECK state ("starting", "healthy", "unhealthy"), from inspect and health_status events. */
  health?: string;
  /** Said to the user about streaming this instance (e.g. 4.2's player could not be given its port). */
  streamNote?: string;
  /** The start we asked for, while it is in progress: for the phase timer and the ETA. */
  startup?: { since: number; kind: StartKind; image: string };
  /** Operations of ours queued or running for the instance, and since when there have been any. */
  busy: number;
  busySince?: number;
}

export interface InspectFacts {
  exists: boolean;
  running: boolean;
  exitCode?: number;
  oomKilled?: boolean;
  startedAt?: number;
  error?: string;
  /** What `error` means, classified where the engine's words are read (src/docker/errors.ts). */
  errorKind?: ErrorKind;
}

export type StateInput =
  | { type: 'op'; op: 'start' | 'stop' | 'restart' | 'remove' }
  /** `message` is the whole error (matched against the diagnosis table); `short` is what the tree shows otherwise. */
  | { type: 'opFailed'; message: string; short?: string; op?: 'start' | 'stop' | 'restart' | 'remove'; kind?: ErrorKind }
  /** Our operation was cancelled (Stop, Remove, a cancelled notification) before it changed anything. */
  | { type: 'opCancelled'; op: 'start' | 'stop' | 'restart' | 'remove' }
  /** An operation of ours was queued (+1) or has finished (-1). */
  | { type: 'busy'; delta: 1 | -1 }
  | { type: 'startup'; startup: NonNullable<Tracked['startup']> }
  /** The readiness line of run `run` was seen (or its HEALTHCHECK passed): its endpoint is probed now. */
  | { type: 'probing'; run: number }
  /** The endpoint of run `run` answered. */
  | { type: 'probed'; run: number }
  | { type: 'webViewer'; up: boolean }
  | { type: 'health'; status?: string }
  | { type: 'note'; streamNote?: string }
  /** The exact start time of the current run, from an inspect after its `start` event. */
  | { type: 'startedAt'; at?: number }
  /** The engine's `die`, before the run's log has drained: shown at once if it is a stop whatever comes next. */
  | { type: 'exiting'; exitCode?: number }
  /** `lastErrors`: for a `die`, the run's last error lines, read after its log drained. */
  | { type: 'engine'; action: string; exitCode?: number; at?: number; signal?: number; lastErrors?: readonly string[] }
  | { type: 'log'; line: { kind: 'ready' } | { kind: 'failure'; diagnosis: Diagnosis } | { kind: 'phase'; phase: StartupPhase; detail?: string } }
  /**
   * A fatal line of the last run (the log follower passes only the current run's lines), read only
   * after that run's exit was classified: the log stream can lag the engine's events by more than
   * the drain waits (a loaded machine). It names the cause that the plain exit could not.
   */
  | { type: 'lateFailure'; diagnosis: Diagnosis }
  /** `readySeen`: readiness of this run is known from elsewhere (else `readyRun` decides). */
  | { type: 'inspect'; facts: InspectFacts; readySeen?: boolean; lastErrors?: readonly string[] };

export function initialTracked(now: number): Tracked {
  return { state: { kind: 'stopped', since: now }, exists: false, running: false, stopRequested: false, oomKilled: false, warnings: [], busy: 0 };
}

/** Human reason for an exit the user did not ask for. */
export function exitReason(exitCode: number, oomKilled: boolean): string {
  return diagnoseExit(exitCode, oomKilled).problem;
}

function enter(t: Tracked, state: Omit<InstanceState, 'since'>, now: number, newRun = false): Tracked {
  const same =
    !newRun && t.state.kind === state.kind && t.state.reason === state.reason && t.state.exitCode === state.exitCode && t.state.phase === state.phase && t.state.phaseDetail === state.phaseDetail;
  if (same) return { ...t, state: t.state };
  // A new phase of the same loading keeps its start time: the tree shows time since the run began.
  const since = !newRun && state.kind === 'loading' && t.state.kind === 'loading' ? t.state.since : now;
  return { ...t, state: { ...state, since } };
}

function failedWith(t: Tracked, d: Diagnosis, n: SettingNamer, now: number, exitCode?: number): Tracked {
  const mentioned = exitCode !== undefined && new RegExp(`\\b(exit|code) ${exitCode}\\b`).test(d.problem);
  const reason = exitCode !== undefined && !mentioned ? l10n.t('{0} (exit {1})', d.problem, exitCode) : d.problem;
  return enter(t, { kind: 'failed', reason, exitCode, diagnosisId: d.id, fix: d.fix(n) }, now);
}

function exited(t: Tracked, exitCode: number, n: SettingNamer, now: number, lastErrors: readonly string[] = []): Tracked {
  const base: Tracked = { ...t, running: false, exists: true, stopRequested: false, exiting: undefined };
  if (t.diagnosis) return failedWith(base, t.diagnosis, n, now, exitCode);
  // SIGTERM (143) is how every stop ends a process that does not handle it: a stop, not a failure.
  if (t.stopRequested || ((exitCode === 0 || exitCode === 143) && !t.oomKilled)) {
    return enter(base, { kind: 'stopped', exitCode }, now);
  }
  // An often harmless line becomes the reason once the process exits after it; an OOM kill, a SIGKILL,
  // a segfault or an abort says more.
  const warning = t.oomKilled || [134, 137, 139].includes(exitCode) ? undefined : t.warnings[0];
  if (warning) return failedWith(base, { ...warning, severity: 'fatal' }, n, now, exitCode);
  return failedWith(base, diagnoseExit(exitCode, t.oomKilled, undefined, lastErrors), n, now, exitCode);
}

/**
 * The reducer. Returns `t` itself when nothing changed, so callers can skip publishing. A start in
 * progress ends with its run: entering ready, failed or stopped clears `startup`. `names`: the ids
 * of the settings a failure's fix names, as they hold for the instance's engine (the store's).
 */
export function reduce(t: Tracked, input: StateInput, now: number, names: SettingNamer = TOP_LEVEL_NAMES): Tracked {
  const next = step(t, input, now, names);
  if (next !== t && next.startup && next.state.kind !== t.state.kind && (next.state.kind === 'ready' || next.state.kind === 'failed' || next.state.kind === 'stopped')) {
    return { ...next, startup: undefined };
  }
  return next;
}

function step(t: Tracked, input: StateInput, now: number, n: SettingNamer): Tracked {
  switch (input.type) {
    case 'opCancelled':
      // A start that never got to run: back to what the container is (the inspect that follows says
      // whether one exists); a stop or remove that was cancelled changed nothing.
      if (t.state.kind === 'starting' && !t.running) return enter({ ...t, stopRequested: false, startup: undefined }, { kind: 'stopped' }, now);
      return t;
    case 'busy': {
      const busy = Math.max(0, t.busy + input.delta);
      return busy === t.busy ? t : { ...t, busy, busySince: busy === 0 ? undefined : (t.busySince ?? now) };
    }
    case 'startup':
      return { ...t, startup: input.startup };
    case 'probing':
      if (!t.running || t.probingRun === input.run || t.readyRun === input.run) return t;
      return { ...t, probingRun: input.run };
    case 'probed': {
      if (!t.running || t.readyRun === input.run) return t;
      const confirmed: Tracked = { ...t, readyRun: input.run, probingRun: undefined };
      return t.state.kind === 'loading' || t.state.kind === 'starting' ? enter(confirmed, { kind: 'ready' }, now) : confirmed;
    }
    case 'webViewer':
      return t.webViewerUp === input.up ? t : { ...t, webViewerUp: input.up };
    case 'health':
      return t.health === input.status ? t : { ...t, health: input.status };
    case 'note':
      return t.streamNote === input.streamNote ? t : { ...t, streamNote: input.streamNote };
    case 'startedAt':
      return t.startedAt === input.at ? t : { ...t, startedAt: input.at };
    case 'op':
      if (t.startFailed) t = { ...t, startFailed: false };
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
      // A start can also fail after the engine already reported the container's death and even its
      // removal (an exec error makes it die at once; we remove what cannot start): the engine's
      // message says more than the exit code, and it must not end as a plain "stopped".
      if ((t.state.kind === 'starting' || input.op === 'start' || input.op === 'restart') && !t.running) {
        const d = input.kind ? diagnoseErrorKind(input.kind) : undefined;
        const base = { ...t, stopRequested: false, startFailed: true };
        return d ? failedWith(base, d, n, now) : enter(base, { kind: 'failed', reason: input.short ?? input.message }, now);
      }
      if (t.state.kind === 'stopping' && t.running) return enter({ ...t, stopRequested: false }, { kind: 'loading' }, now);
      return t;
    case 'engine':
      switch (input.action) {
        case 'create':
          return t.exists ? t : { ...t, exists: true };
        case 'start':
          return enter(
            { ...t, exists: true, running: true, startedAt: input.at ?? now, stopRequested: false, oomKilled: false, diagnosis: undefined, warnings: [], exiting: undefined },
            { kind: 'loading', phase: 'container' },
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
          return exited(t, input.exitCode ?? 0, n, now, input.lastErrors);
        case 'destroy':
          if (t.startFailed) return { ...t, exists: false, running: false };
          return enter({ ...t, exists: false, running: false, stopRequested: false, diagnosis: undefined }, { kind: 'stopped' }, now);
        default:
          return t;
      }
    case 'log':
      if (!t.running) return t;
      if (input.line.kind === 'ready') {
        return t.state.kind === 'loading' || t.state.kind === 'starting' ? enter(t, { kind: 'ready' }, now) : t;
      }
      if (input.line.kind === 'phase') {
        if (t.state.kind !== 'loading') return t;
        const current = t.state.phase ? PHASE_ORDER.indexOf(t.state.phase) : -1;
        const next = PHASE_ORDER.indexOf(input.line.phase);
        // Phases only move forward: a late "[ext: …] startup" line does not undo "compiling shaders".
        // Within a phase, NVIDIA's progress words ("60 seconds so far") replace the earlier ones.
        if (next > current || (next === current && input.line.detail !== undefined)) {
          return enter(t, { kind: 'loading', phase: input.line.phase, ...(input.line.detail !== undefined ? { phaseDetail: input.line.detail } : {}) }, now);
        }
        return t;
      }
      if (input.line.diagnosis.severity === 'warning') {
        const warning = input.line.diagnosis;
        if (t.warnings.some((w) => w.id === warning.id)) return t;
        return { ...t, warnings: [...t.warnings, warning] };
      }
      // The first fatal line is the root cause; later ones are usually its consequences.
      if (t.diagnosis) return t;
      return failedWith({ ...t, diagnosis: input.line.diagnosis }, input.line.diagnosis, n, now);
    case 'exiting': {
      // Only a stop is shown early: the exit's verdict as known now. A failure waits for the drained
      // log, whose last error lines it quotes. `running` stays set, so the run's lines still count.
      if (!t.running || t.exiting) return t;
      const verdict = exited(t, input.exitCode ?? 0, n, now);
      if (verdict.state.kind !== 'stopped') return t;
      return enter({ ...t, exiting: true }, { kind: 'stopped', exitCode: verdict.state.exitCode }, now);
    }
    case 'lateFailure':
      if (t.running || t.diagnosis || input.diagnosis.severity !== 'fatal') return t;
      // A start whose run died within milliseconds, before its `start` was applied (sync.ts skips a
      // start event it knows has ended): the line is read while the exit waits for the log to
      // drain, so the exit, classified next, takes it as its cause.
      if (t.state.kind === 'starting') return { ...t, diagnosis: input.diagnosis };
      // A run that ended as a plain exit ("exited with code 1 after: ...").
      if (t.state.kind !== 'failed' || t.state.diagnosisId !== 'exit') return t;
      return failedWith({ ...t, diagnosis: input.diagnosis }, input.diagnosis, n, now, t.state.exitCode);
    case 'inspect': {
      const f = input.facts;
      if (!f.exists) {
        // A start that failed before its container existed keeps its diagnosis: it says why there is none.
        if (t.state.kind === 'starting' || t.startFailed) return { ...t, exists: false, running: false };
        // The container is gone; what our operations and the user were told stays.
        const { busy, busySince, streamNote, startup } = t;
        return enter({ ...initialTracked(now), state: t.state, busy, busySince, streamNote, startup }, { kind: 'stopped' }, now);
      }
      if (f.running) {
        const sameRun = t.running && t.startedAt === f.startedAt;
        const next: Tracked = {
          ...t,
          exists: true,
          running: true,
          startedAt: f.startedAt,
          oomKilled: sameRun ? t.oomKilled : false,
          diagnosis: sameRun ? t.diagnosis : undefined,
          warnings: sameRun ? t.warnings : [],
        };
        if (next.diagnosis) return failedWith(next, next.diagnosis, n, now);
        // A reply from before the engine's `die` of this run: the exit is newer.
        if (sameRun && t.exiting) return t;
        if (sameRun && t.state.kind === 'stopping') return next;
        if (input.readySeen || (t.readyRun !== undefined && t.readyRun === f.startedAt)) return enter(next, { kind: 'ready' }, now);
        if (sameRun && (t.state.kind === 'ready' || t.state.kind === 'loading')) return next;
        return enter(next, { kind: 'loading', phase: 'container' }, now, !sameRun);
      }
      if (t.running || t.state.kind === 'starting' || t.state.kind === 'stopping' || t.state.kind === 'loading' || t.state.kind === 'ready' || !t.exists) {
        const base = { ...t, exists: true, running: true, oomKilled: t.oomKilled || !!f.oomKilled };
        if (f.error && !t.stopRequested) {
          const d = f.errorKind ? diagnoseErrorKind(f.errorKind) : undefined;
          const stopped = { ...base, running: false, stopRequested: false };
          return d ? failedWith(stopped, d, n, now, f.exitCode) : enter(stopped, { kind: 'failed', reason: f.error, exitCode: f.exitCode }, now);
        }
        return exited(base, f.exitCode ?? 0, n, now, input.lastErrors);
      }
      return { ...t, exists: true, running: false };
    }
  }
}
