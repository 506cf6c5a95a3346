/** Inputs for the instance state reducer and runs of them, shared by the state*.test.ts files. */
import { LOG_DIAGNOSES, type Diagnosis } from '../../src/instances/diagnosis';
import type { StartupPhase } from '../../src/instances/readiness';
import { initialTracked, reduce, type InspectFacts, type StateInput, type Tracked } from '../../src/instances/state';

export const T0 = 1_700_000_000_000;

export const op = (o: 'start' | 'stop' | 'restart' | 'remove'): StateInput => ({ type: 'op', op: o });
export const engine = (action: string, exitCode?: number, at?: number): StateInput => ({ type: 'engine', action, exitCode, at });
export const ready: StateInput = { type: 'log', line: { kind: 'ready' } };
/**
 * The table's diagnosis with this problem text (with its severity, as diagnoseLine gives it), or a made-up
 * one (id `test:<problem>`, no severity: a failure line without a severity counts as fatal).
 */
export function diag(problem: string): Diagnosis {
  const known = LOG_DIAGNOSES.find((d) => d.problem === problem);
  return known
    ? { id: known.id, problem: known.problem, fix: known.fix, severity: known.severity ?? 'fatal' }
    : { id: `test:${problem}`, problem, fix: () => `do something about ${problem}` };
}
export const failure = (problem: string | Diagnosis): StateInput => ({ type: 'log', line: { kind: 'failure', diagnosis: typeof problem === 'string' ? diag(problem) : problem } });
export const phase = (p: StartupPhase): StateInput => ({ type: 'log', line: { kind: 'phase', phase: p } });
/** diagnoseExit's reason for an exit; the exit code may be repeated as " (exit N)" (see the report on that redundancy). */
export const exitedWithCode = (code: number) => new RegExp(`^exited with code ${code}(?: \\(exit ${code}\\))?$`);
export const inspect = (facts: InspectFacts, readySeen?: boolean): StateInput => ({ type: 'inspect', facts, readySeen });
export const opFailed = (message: string): StateInput => ({ type: 'opFailed', message });

/** Applies inputs one second apart, starting at T0 + 1s; returns every intermediate value. */
export function run(inputs: StateInput[], from: Tracked = initialTracked(T0)): Tracked[] {
  const out: Tracked[] = [];
  let t = from;
  inputs.forEach((input, i) => {
    t = reduce(t, input, T0 + (i + 1) * 1000);
    out.push(t);
  });
  return out;
}

export function last(inputs: StateInput[], from?: Tracked): Tracked {
  const all = run(inputs, from);
  return all[all.length - 1];
}

/** A tracked instance that is running and ready (started at T0 + 2s). */
export function runningReady(): Tracked {
  return last([op('start'), engine('start', undefined, T0 + 2000), ready]);
}
