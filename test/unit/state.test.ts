import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEngineMessage } from '../../src/docker/errors';
import { LOG_DIAGNOSES, diagnoseErrorKind, diagnoseExit, type Diagnosis } from '../../src/instances/diagnosis';
import type { StartupPhase } from '../../src/instances/readiness';
import { exitReason, initialTracked, reduce, type InspectFacts, type StateInput, type Tracked } from '../../src/instances/state';

const T0 = 1_700_000_000_000;

const op = (o: 'start' | 'stop' | 'restart' | 'remove'): StateInput => ({ type: 'op', op: o });
const engine = (action: string, exitCode?: number, at?: number): StateInput => ({ type: 'engine', action, exitCode, at });
const ready: StateInput = { type: 'log', line: { kind: 'ready' } };
/**
 * The table's diagnosis with this problem text (with its severity, as diagnoseLine gives it), or a made-up
 * one (id `test:<problem>`, no severity: a failure line without a severity counts as fatal).
 */
function diag(problem: string): Diagnosis {
  const known = LOG_DIAGNOSES.find((d) => d.problem === problem);
  return known
    ? { id: known.id, problem: known.problem, fix: known.fix, severity: known.severity ?? 'fatal' }
    : { id: `test:${problem}`, problem, fix: `do something about ${problem}` };
}
const failure = (problem: string | Diagnosis): StateInput => ({ type: 'log', line: { kind: 'failure', diagnosis: typeof problem === 'string' ? diag(problem) : problem } });
const phase = (p: StartupPhase): StateInput => ({ type: 'log', line: { kind: 'phase', phase: p } });
/** diagnoseExit's reason for an exit; the exit code may be repeated as " (exit N)" (see the report on that redundancy). */
const exitedWithCode = (code: number) => new RegExp(`^exited with code ${code}(?: \\(exit ${code}\\))?$`);
const inspect = (facts: InspectFacts, readySeen?: boolean): StateInput => ({ type: 'inspect', facts, readySeen });
const opFailed = (message: string): StateInput => ({ type: 'opFailed', message });

/** Applies inputs one second apart, starting at T0 + 1s; returns every intermediate value. */
function run(inputs: StateInput[], from: Tracked = initialTracked(T0)): Tracked[] {
  const out: Tracked[] = [];
  let t = from;
  inputs.forEach((input, i) => {
    t = reduce(t, input, T0 + (i + 1) * 1000);
    out.push(t);
  });
  return out;
}

function last(inputs: StateInput[], from?: Tracked): Tracked {
  const all = run(inputs, from);
  return all[all.length - 1];
}

/** A tracked instance that is running and ready (started at T0 + 2s). */
function runningReady(): Tracked {
  return last([op('start'), engine('start', undefined, T0 + 2000), ready]);
}

describe('initialTracked', () => {
  test('is stopped, with no container, since now', () => {
    assert.deepEqual(initialTracked(T0), { state: { kind: 'stopped', since: T0 }, exists: false, running: false, stopRequested: false, oomKilled: false, warnings: [], busy: 0 });
  });
});

describe('exitReason', () => {
  test('names the well-known exit codes', () => {
    assert.equal(exitReason(1, false), 'exited with code 1');
    assert.equal(exitReason(0, false), 'exited with code 0');
    assert.equal(exitReason(137, false), 'killed (SIGKILL, exit 137)');
    assert.equal(exitReason(139, false), 'crashed (segmentation fault, exit 139)');
    assert.equal(exitReason(143, false), 'terminated (SIGTERM, exit 143)');
    assert.equal(exitReason(134, false), 'aborted (SIGABRT, exit 134)');
    assert.equal(exitReason(2, false), 'exited with code 2');
  });

  test('is the problem text of diagnoseExit', () => {
    for (const code of [0, 1, 2, 134, 137, 139, 143, 255]) {
      assert.equal(exitReason(code, false), diagnoseExit(code, false).problem);
      assert.equal(exitReason(code, true), diagnoseExit(code, true).problem);
    }
  });

  test('OOM wins over the exit code', () => {
    assert.equal(exitReason(137, true), 'out of memory (OOM killed, exit 137)');
    assert.equal(exitReason(1, true), 'out of memory (OOM killed, exit 1)');
  });
});

describe('reduce: the happy path of the design note', () => {
  test('start op → starting → engine start → loading → log ready → ready', () => {
    const [a, b, c] = run([op('start'), engine('start', undefined, T0 + 1500), ready]);
    assert.equal(a.state.kind, 'starting');
    assert.equal(a.state.since, T0 + 1000);
    assert.equal(a.running, false);

    assert.equal(b.state.kind, 'loading');
    assert.equal(b.state.phase, 'container', 'a started container is loading in its first phase');
    assert.equal(b.state.since, T0 + 2000);
    assert.equal(b.running, true);
    assert.equal(b.exists, true);
    assert.equal(b.startedAt, T0 + 1500, 'startedAt comes from the event time');

    assert.equal(c.state.kind, 'ready');
    assert.equal(c.state.since, T0 + 3000);
  });

  test('engine start without a time uses now as startedAt', () => {
    const t = reduce(initialTracked(T0), engine('start'), T0 + 42);
    assert.equal(t.startedAt, T0 + 42);
  });

  test('ready is also accepted straight from starting when the container is running', () => {
    const starting: Tracked = { ...initialTracked(T0), exists: true, running: true, startedAt: T0, state: { kind: 'starting', since: T0 } };
    const t = reduce(starting, ready, T0 + 5);
    assert.deepEqual(t.state, { kind: 'ready', since: T0 + 5 });
  });

  test('create marks the container as existing without changing the state', () => {
    const [a, b] = run([op('start'), engine('create')]);
    assert.equal(b.exists, true);
    assert.equal(b.state, a.state);
    const again = reduce(b, engine('create'), T0 + 10_000);
    assert.equal(again, b, 'a second create returns the same object');
  });
});

describe('reduce: log lines', () => {
  test('ready is ignored while not running', () => {
    const t0 = initialTracked(T0);
    assert.equal(reduce(t0, ready, T0 + 1), t0);
    const starting = reduce(t0, op('start'), T0 + 1);
    assert.equal(reduce(starting, ready, T0 + 2), starting);
  });

  test('ready is ignored when ready, stopping or failed', () => {
    const r = runningReady();
    assert.equal(reduce(r, ready, T0 + 99_000), r);
    const stopping = reduce(r, op('stop'), T0 + 10_000);
    assert.equal(stopping.state.kind, 'stopping');
    assert.equal(reduce(stopping, ready, T0 + 11_000).state.kind, 'stopping');
    const failed = reduce(r, failure('no GPU device could be created'), T0 + 10_000);
    assert.equal(reduce(failed, ready, T0 + 11_000).state.kind, 'failed');
  });

  test('a failure line while running → failed with its reason, remembered as diagnosis', () => {
    const t = last([op('start'), engine('start'), failure('no GPU device could be created')]);
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.reason, 'no GPU device could be created');
    assert.deepEqual(t.diagnosis, diag('no GPU device could be created'));
    assert.equal(t.diagnosis?.id, 'no-gpu-device');
    assert.equal(t.diagnosis?.severity, 'fatal');
    assert.deepEqual(t.warnings, []);
    assert.equal(t.running, true);
  });

  test('the failed state carries the diagnosis id and its fix, and no exit code while still running', () => {
    const d = diag('RTX resource manager unavailable');
    const t = reduce(runningReady(), failure(d), T0 + 10_000);
    const { exitCode, ...rest } = t.state;
    assert.equal(exitCode, undefined);
    assert.deepEqual(rest, { kind: 'failed', reason: d.problem, diagnosisId: 'rtx-resource-manager', fix: d.fix, since: T0 + 10_000 });
    assert.ok(t.state.fix && t.state.fix.length > 0);
  });

  test('the die that follows adds the exit code to the reason and keeps the diagnosis id and fix', () => {
    const d = diag('no GPU device could be created');
    const t = last([failure(d), engine('die', 1)], runningReady());
    assert.deepEqual(t.state, { kind: 'failed', reason: `${d.problem} (exit 1)`, exitCode: 1, diagnosisId: 'no-gpu-device', fix: d.fix, since: T0 + 2000 });
  });

  test('every fatal LOG_DIAGNOSES entry flows through: id and fix in the state, exit code added on die', () => {
    const fatal = LOG_DIAGNOSES.filter((e) => (e.severity ?? 'fatal') === 'fatal');
    assert.ok(fatal.length >= 10, 'most of the table is fatal');
    for (const entry of fatal) {
      const d: Diagnosis = { id: entry.id, problem: entry.problem, fix: entry.fix, severity: 'fatal' };
      const [f, died] = run([failure(d), engine('die', 139)], runningReady());
      assert.equal(f.state.diagnosisId, entry.id);
      assert.equal(f.state.fix, entry.fix);
      assert.equal(f.state.reason, entry.problem);
      assert.equal(died.state.diagnosisId, entry.id, 'the log diagnosis, not the exit code, explains the failure');
      assert.equal(died.state.fix, entry.fix);
      assert.equal(died.state.reason, `${entry.problem} (exit 139)`);
      assert.equal(died.state.exitCode, 139);
    }
  });

  test('a failure line while not running is ignored', () => {
    const t0 = initialTracked(T0);
    assert.equal(reduce(t0, failure('x'), T0 + 1), t0);
  });

  test('after a failure line, die puts the exit code into the reason', () => {
    const t = last([op('start'), engine('start'), failure('RTX resource manager unavailable'), engine('die', 1)]);
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.reason, 'RTX resource manager unavailable (exit 1)');
    assert.equal(t.state.exitCode, 1);
    assert.equal(t.running, false);
    assert.equal(t.exists, true);
  });

  test('the diagnosis survives a requested stop: the run still failed', () => {
    const t = last([op('start'), engine('start'), failure('NVML failed to initialize'), op('stop'), engine('die', 0)]);
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.reason, 'NVML failed to initialize (exit 0)');
    assert.equal(t.stopRequested, false);
  });

  test('the first failure line is the root cause: later ones do not replace it', () => {
    const [first, second] = run([failure('no GPU device could be created'), failure('RTX resource manager unavailable')], runningReady());
    assert.equal(second, first, 'a later failure line returns the same tracked value');
    assert.equal(second.state.reason, 'no GPU device could be created');
    assert.equal(second.state.diagnosisId, 'no-gpu-device');
    assert.equal(second.diagnosis?.id, 'no-gpu-device');
    const died = reduce(second, engine('die', 1), T0 + 99_000);
    assert.equal(died.state.reason, 'no GPU device could be created (exit 1)');
    assert.equal(died.state.diagnosisId, 'no-gpu-device');
  });

  test('after a new run starts, a failure line is a new diagnosis', () => {
    const t = last([failure('first'), engine('die', 1), engine('start'), failure('second')], runningReady());
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.reason, 'second');
    assert.equal(t.state.diagnosisId, 'test:second');
  });
});

describe('reduce: warning lines (often harmless)', () => {
  const WARNINGS = LOG_DIAGNOSES.filter((e) => e.severity === 'warning');
  const warn = (id: string): Diagnosis => {
    const e = WARNINGS.find((w) => w.id === id)!;
    return { id: e.id, problem: e.problem, fix: e.fix, severity: 'warning' };
  };
  const die = (exitCode: number, lastErrors?: readonly string[]): StateInput => ({ type: 'engine', action: 'die', exitCode, lastErrors });

  test('the table has the three warnings', () => {
    assert.deepEqual(WARNINGS.map((w) => w.id).sort(), ['cuda-bad-state', 'no-cuda-gpu', 'port-taken']);
  });

  for (const entry of WARNINGS) {
    test(`a ${entry.id} warning does not fail a ready instance: same state, remembered once, no diagnosis`, () => {
      const r = runningReady();
      const w = reduce(r, failure(warn(entry.id)), T0 + 10_000);
      assert.equal(w.state, r.state, 'the visible state is the same object');
      assert.equal(w.diagnosis, undefined);
      assert.deepEqual(w.warnings, [warn(entry.id)]);
      assert.equal(w.running, true);
      assert.equal(reduce(w, failure(warn(entry.id)), T0 + 11_000), w, 'the same warning again returns the same tracked value');
    });

    test(`a ${entry.id} warning then an unrequested exit 1 → failed with the warning's problem, id and fix`, () => {
      const t = last([failure(warn(entry.id)), die(1)], runningReady());
      assert.deepEqual(t.state, { kind: 'failed', reason: `${entry.problem} (exit 1)`, exitCode: 1, diagnosisId: entry.id, fix: entry.fix, since: T0 + 2000 });
      assert.equal(t.running, false);
    });
  }

  test('a warning while loading keeps loading; phases and the ready line still move it on', () => {
    const l = last([op('start'), engine('start', undefined, T0 + 2000)]);
    const [w, s, r] = run([failure(warn('no-cuda-gpu')), phase('shaders'), ready], l);
    assert.equal(w.state, l.state);
    assert.deepEqual(w.warnings.map((x) => x.id), ['no-cuda-gpu']);
    assert.equal(s.state.phase, 'shaders');
    assert.equal(r.state.kind, 'ready');
    assert.deepEqual(r.warnings.map((x) => x.id), ['no-cuda-gpu'], 'the warning stays with the run');
  });

  test('warnings are kept in the order seen; the first is the reason of a later exit', () => {
    const [, both, died] = run([failure(warn('cuda-bad-state')), failure(warn('port-taken')), die(2)], runningReady());
    assert.deepEqual(both.warnings.map((x) => x.id), ['cuda-bad-state', 'port-taken']);
    assert.equal(died.state.diagnosisId, 'cuda-bad-state');
    assert.equal(died.state.reason, `${warn('cuda-bad-state').problem} (exit 2)`);
  });

  test('a warning does not turn a clean exit, a SIGTERM exit or a requested stop into a failure', () => {
    assert.deepEqual(last([failure(warn('no-cuda-gpu')), die(0)], runningReady()).state, { kind: 'stopped', exitCode: 0, since: T0 + 2000 });
    assert.deepEqual(last([failure(warn('no-cuda-gpu')), die(143)], runningReady()).state, { kind: 'stopped', exitCode: 143, since: T0 + 2000 });
    assert.deepEqual(last([failure(warn('no-cuda-gpu')), op('stop'), die(1)], runningReady()).state, { kind: 'stopped', exitCode: 1, since: T0 + 3000 });
  });

  test('a fatal line after a warning fails the instance with the fatal diagnosis, also after the exit', () => {
    const nvml = diag('NVML failed to initialize');
    const [w, f, d] = run([failure(warn('no-cuda-gpu')), failure(nvml), die(1)], runningReady());
    assert.equal(w.state.kind, 'ready');
    assert.equal(f.state.kind, 'failed');
    assert.equal(f.state.diagnosisId, 'nvml');
    assert.equal(d.state.diagnosisId, 'nvml');
    assert.equal(d.state.reason, 'NVML failed to initialize (exit 1)');
  });

  test('the OOM reason wins over a warning', () => {
    const t = last([failure(warn('no-cuda-gpu')), engine('oom'), die(137)], runningReady());
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.diagnosisId, 'oom');
    assert.equal(t.state.reason, 'out of memory (OOM killed, exit 137)');
    const viaInspect = reduce(reduce(runningReady(), failure(warn('port-taken')), T0 + 10_000), inspect({ exists: true, running: false, exitCode: 1, oomKilled: true }), T0 + 11_000);
    assert.equal(viaInspect.state.diagnosisId, 'oom');
    assert.equal(viaInspect.state.reason, 'out of memory (OOM killed, exit 1)');
  });

  test('a warning also explains an exit that only a resync sees', () => {
    const w = reduce(runningReady(), failure(warn('cuda-bad-state')), T0 + 10_000);
    const t = reduce(w, inspect({ exists: true, running: false, exitCode: 1 }), T0 + 11_000);
    assert.equal(t.state.diagnosisId, 'cuda-bad-state');
    assert.equal(t.state.reason, `${warn('cuda-bad-state').problem} (exit 1)`);
  });

  test('a new run forgets the warnings of the last one (engine start, or a resync that sees a new run)', () => {
    const w = reduce(runningReady(), failure(warn('no-cuda-gpu')), T0 + 10_000);
    const restarted = last([die(0), engine('start', undefined, T0 + 20_000)], w);
    assert.deepEqual(restarted.warnings, []);
    assert.deepEqual(last([die(1)], restarted).state.diagnosisId, 'exit');
    const same = reduce(w, inspect({ exists: true, running: true, startedAt: w.startedAt }), T0 + 11_000);
    assert.equal(same.warnings, w.warnings, 'a resync of the same run keeps them');
    const other = reduce(w, inspect({ exists: true, running: true, startedAt: T0 + 30_000 }), T0 + 31_000);
    assert.deepEqual(other.warnings, []);
  });
});

describe('reduce: an unexplained exit quotes the last error lines', () => {
  const lastErrors = ['2025-01-01 10:00:00 [1,000ms] [Error] [omni.ext] Failed to startup python extension isaacsim.foo', '[Error] [omni.kit.app] Extension isaacsim.bar failed to load'];
  const die = (exitCode: number, errors?: readonly string[]): StateInput => ({ type: 'engine', action: 'die', exitCode, lastErrors: errors });

  test('a die with lastErrors and no table match → the reason contains the last error line, the fix quotes them', () => {
    const t = reduce(runningReady(), die(1, lastErrors), T0 + 10_000);
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.diagnosisId, 'exit');
    assert.equal(t.state.exitCode, 1);
    assert.ok(t.state.reason?.includes(lastErrors[1]), t.state.reason);
    assert.ok(t.state.reason?.includes(lastErrors[0]), 'the last two error lines are quoted');
    assert.match(t.state.reason ?? '', /^exited with code 1 after: /);
    assert.doesNotMatch(t.state.reason ?? '', /\(exit 1\)/, 'the exit code is not repeated');
    assert.equal(t.state.fix, diagnoseExit(1, false, undefined, lastErrors).fix);
    for (const l of lastErrors) assert.ok(t.state.fix?.includes(`"${l}"`));
  });

  test('only the last two error lines are in the reason; a long one is shortened', () => {
    const long = `[Error] [omni.kit] ${'x'.repeat(300)}`;
    const t = reduce(runningReady(), die(3, ['[Error] first', '[Error] second', long]), T0 + 10_000);
    assert.doesNotMatch(t.state.reason ?? '', /first/);
    assert.match(t.state.reason ?? '', /second/);
    assert.match(t.state.reason ?? '', /\.\.\.$/);
    assert.ok((t.state.reason ?? '').length < 400);
  });

  test('the inspect input passes lastErrors on too', () => {
    const t = reduce(runningReady(), { type: 'inspect', facts: { exists: true, running: false, exitCode: 1 }, lastErrors }, T0 + 10_000);
    assert.equal(t.state.diagnosisId, 'exit');
    assert.ok(t.state.reason?.includes(lastErrors[1]), t.state.reason);
  });

  test('without lastErrors the reason is the plain exit; a known exit code, a warning, a fatal line or OOM say more than the lines', () => {
    assert.match(reduce(runningReady(), die(1, []), T0 + 10_000).state.reason ?? '', exitedWithCode(1));
    assert.equal(reduce(runningReady(), die(139, lastErrors), T0 + 10_000).state.reason, 'crashed (segmentation fault, exit 139)');
    const w = last([failure(diag('no suitable CUDA GPU for PhysX (it falls back to the CPU)')), die(1, lastErrors)], runningReady());
    assert.equal(w.state.diagnosisId, 'no-cuda-gpu');
    const f = last([failure(diag('NVML failed to initialize')), die(1, lastErrors)], runningReady());
    assert.equal(f.state.reason, 'NVML failed to initialize (exit 1)');
    const o = last([engine('oom'), die(1, lastErrors)], runningReady());
    assert.equal(o.state.diagnosisId, 'oom');
  });

  test('lastErrors do not turn a clean or requested exit into a failure', () => {
    assert.equal(reduce(runningReady(), die(0, lastErrors), T0 + 10_000).state.kind, 'stopped');
    assert.equal(last([op('stop'), die(1, lastErrors)], runningReady()).state.kind, 'stopped');
  });
});

describe('reduce: stopping and exits', () => {
  test('stop op while running → stopping with stopRequested', () => {
    const t = reduce(runningReady(), op('stop'), T0 + 10_000);
    assert.equal(t.state.kind, 'stopping');
    assert.equal(t.state.since, T0 + 10_000);
    assert.equal(t.stopRequested, true);
  });

  test('stop or remove op while not running changes nothing', () => {
    const t0 = initialTracked(T0);
    assert.equal(reduce(t0, op('stop'), T0 + 1), t0);
    assert.equal(reduce(t0, op('remove'), T0 + 1), t0);
  });

  test('remove op while running → stopping', () => {
    const t = reduce(runningReady(), op('remove'), T0 + 10_000);
    assert.equal(t.state.kind, 'stopping');
    assert.equal(t.stopRequested, true);
  });

  for (const code of [0, 1, 137, 143, 139]) {
    test(`die after a requested stop with exit ${code} → stopped (exit ${code})`, () => {
      const t = last([op('stop'), engine('kill'), engine('die', code)], runningReady());
      assert.equal(t.state.kind, 'stopped');
      assert.equal(t.state.exitCode, code);
      assert.equal(t.state.reason, undefined);
      assert.equal(t.stopRequested, false);
      assert.equal(t.running, false);
      assert.equal(t.exists, true);
    });
  }

  test('die not requested, exit 0 → stopped', () => {
    const t = reduce(runningReady(), engine('die', 0), T0 + 10_000);
    assert.equal(t.state.kind, 'stopped');
    assert.equal(t.state.exitCode, 0);
  });

  test('die without an exit code counts as 0', () => {
    const t = reduce(runningReady(), engine('die'), T0 + 10_000);
    assert.deepEqual(t.state, { kind: 'stopped', exitCode: 0, since: T0 + 10_000 });
  });

  const unrequested: Array<[number, string | RegExp, string]> = [
    [1, exitedWithCode(1), 'exit'],
    [134, 'aborted (SIGABRT, exit 134)', 'abort'],
    [137, 'killed (SIGKILL, exit 137)', 'killed'],
    [139, 'crashed (segmentation fault, exit 139)', 'segfault'],
    [255, exitedWithCode(255), 'exit'],
  ];
  for (const [code, reason, id] of unrequested) {
    test(`die not requested with exit ${code} → failed "${String(reason)}" (${id})`, () => {
      const t = reduce(runningReady(), engine('die', code), T0 + 10_000);
      const { reason: actual, ...rest } = t.state;
      if (typeof reason === 'string') assert.equal(actual, reason);
      else assert.match(actual ?? '', reason);
      assert.deepEqual(rest, { kind: 'failed', exitCode: code, diagnosisId: id, fix: diagnoseExit(code, false).fix, since: T0 + 10_000 });
      assert.equal(t.running, false);
      assert.equal(t.exists, true);
    });
  }

  test('oom then die → failed with the OOM reason', () => {
    const [o, d] = run([engine('oom'), engine('die', 137)], runningReady());
    assert.equal(o.oomKilled, true);
    assert.equal(o.state.kind, 'ready', 'oom alone does not change the visible state');
    assert.equal(d.state.kind, 'failed');
    assert.equal(d.state.reason, 'out of memory (OOM killed, exit 137)');
    assert.equal(d.state.exitCode, 137);
    assert.equal(d.state.diagnosisId, 'oom');
    assert.match(d.state.fix ?? '', /isaacSim\.memoryLimitGiB/);
  });

  test('oom then die with exit 0 is still a failure', () => {
    const t = last([engine('oom'), engine('die', 0)], runningReady());
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.reason, 'out of memory (OOM killed, exit 0)');
  });

  test('die not requested with exit 143 (SIGTERM) → stopped, not failed', () => {
    const t = reduce(runningReady(), engine('die', 143), T0 + 10_000);
    assert.deepEqual(t.state, { kind: 'stopped', exitCode: 143, since: T0 + 10_000 });
  });

  test('kill with SIGTERM while running (docker stop from outside) → stopping, and the exit is a stop', () => {
    const t = reduce(runningReady(), { type: 'engine', action: 'kill', signal: 15 }, T0 + 10_000);
    assert.equal(t.state.kind, 'stopping');
    assert.equal(t.stopRequested, true);
    const d = reduce(t, engine('die', 137), T0 + 11_000);
    assert.deepEqual(d.state, { kind: 'stopped', exitCode: 137, since: T0 + 11_000 });
    const t0 = initialTracked(T0);
    assert.equal(reduce(t0, { type: 'engine', action: 'kill', signal: 15 }, T0 + 1), t0);
  });

  test('kill with SIGKILL (docker kill) → the exit is a failure "killed"', () => {
    const k = reduce(runningReady(), { type: 'engine', action: 'kill', signal: 9 }, T0 + 10_000);
    assert.equal(k.state.kind, 'ready');
    const d = reduce(k, engine('die', 137), T0 + 11_000);
    assert.deepEqual(d.state, { kind: 'failed', reason: 'killed (SIGKILL, exit 137)', exitCode: 137, diagnosisId: 'killed', fix: diagnoseExit(137, false).fix, since: T0 + 11_000 });
  });

  test('SIGTERM on a failed instance keeps the failure and its reason', () => {
    const failed = reduce(runningReady(), failure('x'), T0 + 10_000);
    const k = reduce(failed, { type: 'engine', action: 'kill', signal: 15 }, T0 + 11_000);
    assert.equal(k.state, failed.state);
    const d = reduce(k, engine('die', 143), T0 + 12_000);
    assert.equal(d.state.kind, 'failed');
    assert.equal(d.state.reason, 'x (exit 143)');
    assert.equal(d.state.diagnosisId, 'test:x');
  });

  test('stopping survives a resync that still sees the readiness of the same run', () => {
    const stopping = reduce(runningReady(), op('stop'), T0 + 10_000);
    assert.equal(stopping.state.kind, 'stopping');
    const r = reduce(stopping, inspect({ exists: true, running: true, startedAt: stopping.startedAt }, true), T0 + 11_000);
    assert.equal(r.state.kind, 'stopping');
  });

  test('destroy → stopped, no container, diagnosis cleared', () => {
    const t = last([failure('x'), engine('die', 1), engine('destroy')], runningReady());
    assert.equal(t.state.kind, 'stopped');
    assert.equal(t.state.reason, undefined);
    assert.equal(t.state.exitCode, undefined);
    assert.equal(t.exists, false);
    assert.equal(t.running, false);
    assert.equal(t.diagnosis, undefined);
  });

  test('destroy while running (docker rm -f) → stopped and not running', () => {
    const t = reduce(runningReady(), engine('destroy'), T0 + 10_000);
    assert.equal(t.state.kind, 'stopped');
    assert.equal(t.running, false);
    assert.equal(t.exists, false);
  });

  test('unknown engine actions change nothing', () => {
    const r = runningReady();
    for (const action of ['pause', 'exec_start', 'attach', 'health_status', 'rename']) assert.equal(reduce(r, engine(action), T0 + 10_000), r);
  });
});

describe('reduce: restart', () => {
  test('restart while running → stopping; die → stopped; start → loading; ready', () => {
    const [a, b, c, d] = run([op('restart'), engine('die', 143), engine('start'), ready], runningReady());
    assert.equal(a.state.kind, 'stopping');
    assert.equal(a.stopRequested, true);
    assert.equal(b.state.kind, 'stopped');
    assert.equal(c.state.kind, 'loading');
    assert.equal(d.state.kind, 'ready');
  });

  test('restart while stopped → starting', () => {
    const t = reduce(initialTracked(T0), op('restart'), T0 + 1);
    assert.equal(t.state.kind, 'starting');
  });

  test('start op while running changes nothing', () => {
    const r = runningReady();
    assert.equal(reduce(r, op('start'), T0 + 10_000), r);
  });
});

describe('reduce: a new run clears the old one', () => {
  test("'start' event clears an old diagnosis, OOM flag and stop request", () => {
    const failedRun = last([op('start'), engine('start'), engine('oom'), failure('no GPU device could be created'), engine('die', 1)]);
    assert.equal(failedRun.state.kind, 'failed');
    const [starting, loading, stopped] = run([op('start'), engine('start'), engine('die', 0)], failedRun);
    assert.equal(starting.state.kind, 'starting');
    assert.equal(loading.state.kind, 'loading');
    assert.equal(loading.state.phase, 'container');
    assert.equal(loading.state.diagnosisId, undefined);
    assert.equal(loading.state.fix, undefined);
    assert.equal(loading.diagnosis, undefined);
    assert.equal(loading.oomKilled, false);
    assert.equal(loading.stopRequested, false);
    assert.equal(loading.state.reason, undefined);
    // The next clean exit is a plain stop, not the old failure.
    assert.deepEqual(stopped.state, { kind: 'stopped', exitCode: 0, since: stopped.state.since });
  });

  test('a start op after a requested stop that never died resets stopRequested', () => {
    const stoppedOnce: Tracked = { ...initialTracked(T0), stopRequested: true, exists: true };
    const t = reduce(stoppedOnce, op('start'), T0 + 1);
    assert.equal(t.stopRequested, false);
  });
});

describe('reduce: opFailed', () => {
  test('while starting (not running) → failed with the message', () => {
    const t = last([op('start'), opFailed('Could not create container: no such image')]);
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.reason, 'Could not create container: no such image');
    assert.equal(t.state.diagnosisId, undefined, 'a message no diagnosis explains has no id');
    assert.equal(t.state.fix, undefined);
  });

  const engineMessages: Array<[string, string]> = [
    ['(HTTP code 500) server error - Unknown runtime specified nvidia', 'no-nvidia-runtime'],
    ['Error response from daemon: unknown or invalid runtime name: nvidia', 'no-nvidia-runtime'],
    ['Error response from daemon: could not select device driver "nvidia" with capabilities: [[gpu]]', 'no-gpu-driver'],
    ['Error starting userland proxy: listen tcp4 0.0.0.0:8211: bind: address already in use', 'port-taken'],
  ];
  for (const [message, id] of engineMessages) {
    test(`while starting, an engine message ENGINE_DIAGNOSES knows → failed with that diagnosis (${id})`, () => {
      const t = last([op('start'), { type: 'opFailed', message, kind: classifyEngineMessage(message) }]);
      const d = diagnoseErrorKind(classifyEngineMessage(message))!;
      assert.equal(d.id, id);
      assert.equal(t.state.kind, 'failed');
      assert.equal(t.state.diagnosisId, id);
      assert.equal(t.state.reason, d.problem);
      assert.equal(t.state.fix, d.fix);
      assert.equal(t.state.exitCode, undefined);
      assert.equal(t.stopRequested, false);
      assert.equal(t.diagnosis, undefined, 'an engine error is not a log diagnosis of a run');
      assert.deepEqual({ id: t.state.diagnosisId, problem: t.state.reason, fix: t.state.fix, severity: 'fatal' }, d);
    });
  }

  test('a start whose container died at once (exec error) keeps the engine\'s reason through the removal, whatever the event order', () => {
    const message = 'exec: "/isaac-sim/missing.sh": stat /isaac-sim/missing.sh: no such file or directory';
    const failedStart: StateInput = { type: 'opFailed', op: 'start', message, short: 'exec' };
    for (const order of [
      [op('start'), engine('create'), engine('die', 127), failedStart, engine('destroy')],
      [op('start'), engine('create'), failedStart, engine('die', 127), engine('destroy')],
      [op('start'), engine('create'), engine('die', 127), engine('destroy'), failedStart],
    ]) {
      const t = last(order);
      assert.equal(t.state.kind, 'failed', JSON.stringify(order.map((i) => ('action' in i ? i.action : i.type))));
      assert.equal(t.exists, false);
    }
    // Without the op (or for a stop), a failed state from a death is left as it was.
    const t = last([op('start'), engine('create'), engine('die', 127), opFailed(message)]);
    assert.equal(t.state.kind, 'failed');
    assert.match(t.state.reason ?? '', /127/);
  });

  test('while stopping a running container → back to loading', () => {
    const t = last([op('stop'), opFailed('timeout')], runningReady());
    assert.equal(t.state.kind, 'loading');
    assert.equal(t.stopRequested, false);
  });

  test('in other states changes nothing', () => {
    const r = runningReady();
    assert.equal(reduce(r, opFailed('x'), T0 + 10_000), r);
    assert.equal(reduce(r, opFailed('unknown or invalid runtime name: nvidia'), T0 + 10_000), r);
    const t0 = initialTracked(T0);
    assert.equal(reduce(t0, opFailed('x'), T0 + 1), t0);
  });
});

describe('reduce: inspect (authoritative resync)', () => {
  test('a running container discovered fresh → loading, or ready when its ready line was seen', () => {
    const facts: InspectFacts = { exists: true, running: true, startedAt: T0 - 60_000 };
    const loading = reduce(initialTracked(T0), inspect(facts), T0 + 1);
    assert.equal(loading.state.kind, 'loading');
    assert.equal(loading.state.phase, 'container');
    assert.equal(loading.exists, true);
    assert.equal(loading.running, true);
    assert.equal(loading.startedAt, T0 - 60_000);
    const readyNow = reduce(initialTracked(T0), inspect(facts, true), T0 + 1);
    assert.equal(readyNow.state.kind, 'ready');
    assert.equal(reduce(initialTracked(T0), inspect(facts, false), T0 + 1).state.kind, 'loading');
  });

  test('same run already ready stays ready (with the same since) even without readySeen', () => {
    const r = runningReady();
    const t = reduce(r, inspect({ exists: true, running: true, startedAt: r.startedAt }), T0 + 50_000);
    assert.equal(t.state.kind, 'ready');
    assert.equal(t.state.since, r.state.since);
  });

  test('same run stopping stays stopping', () => {
    const s = reduce(runningReady(), op('stop'), T0 + 10_000);
    const t = reduce(s, inspect({ exists: true, running: true, startedAt: s.startedAt }), T0 + 11_000);
    assert.equal(t.state.kind, 'stopping');
    assert.equal(t.stopRequested, true);
  });

  test('same run with a diagnosis stays failed', () => {
    const f = reduce(runningReady(), failure('NVML failed to initialize'), T0 + 10_000);
    const t = reduce(f, inspect({ exists: true, running: true, startedAt: f.startedAt }, true), T0 + 11_000);
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.reason, 'NVML failed to initialize');
    assert.equal(t.state.diagnosisId, 'nvml');
    assert.equal(t.state.since, f.state.since);
  });

  test('a different run (new startedAt) drops the old diagnosis and OOM flag → loading', () => {
    const f = last([engine('oom'), failure('x')], runningReady());
    const t = reduce(f, inspect({ exists: true, running: true, startedAt: T0 + 20_000 }), T0 + 21_000);
    assert.equal(t.state.kind, 'loading');
    assert.equal(t.diagnosis, undefined);
    assert.equal(t.oomKilled, false);
    assert.equal(t.startedAt, T0 + 20_000);
  });

  test('an exited container discovered fresh: exit 0 → stopped, exit 1 → failed, OOM → failed(OOM)', () => {
    const stopped = reduce(initialTracked(T0), inspect({ exists: true, running: false, exitCode: 0, startedAt: T0 - 5000 }), T0 + 1);
    assert.deepEqual(stopped.state, { kind: 'stopped', exitCode: 0, since: T0 + 1 });
    assert.equal(stopped.exists, true);
    assert.equal(stopped.running, false);

    const failed = reduce(initialTracked(T0), inspect({ exists: true, running: false, exitCode: 1 }), T0 + 1);
    const { reason, ...rest } = failed.state;
    assert.match(reason ?? '', exitedWithCode(1));
    assert.deepEqual(rest, { kind: 'failed', exitCode: 1, diagnosisId: 'exit', fix: diagnoseExit(1, false).fix, since: T0 + 1 });
    assert.equal(failed.running, false);

    const oom = reduce(initialTracked(T0), inspect({ exists: true, running: false, exitCode: 137, oomKilled: true }), T0 + 1);
    assert.equal(oom.state.kind, 'failed');
    assert.equal(oom.state.reason, 'out of memory (OOM killed, exit 137)');
    assert.equal(oom.state.diagnosisId, 'oom');
  });

  test('an engine-side start error (e.g. unknown runtime) → failed with its diagnosis and the exit code', () => {
    const t = last([op('start'), inspect({ exists: true, running: false, exitCode: 128, error: 'unknown or invalid runtime name: nvidia', errorKind: 'no-runtime' })]);
    const d = diagnoseErrorKind('no-runtime')!;
    assert.deepEqual(t.state, { kind: 'failed', reason: 'Docker has no NVIDIA runtime (exit 128)', exitCode: 128, diagnosisId: 'no-nvidia-runtime', fix: d.fix, since: T0 + 2000 });
    assert.equal(t.running, false);
    assert.equal(t.exists, true);
  });

  test('an engine-side start error no diagnosis knows → failed with the error text as it is', () => {
    const t = last([op('start'), inspect({ exists: true, running: false, exitCode: 127, error: 'exec: "/isaac-sim/runheadless.sh": stat /isaac-sim/runheadless.sh: no such file or directory' })]);
    assert.deepEqual(t.state, {
      kind: 'failed',
      reason: 'exec: "/isaac-sim/runheadless.sh": stat /isaac-sim/runheadless.sh: no such file or directory',
      exitCode: 127,
      since: T0 + 2000,
    });
  });

  test('an engine-side error is not a failure after a requested stop', () => {
    const s = reduce(runningReady(), op('stop'), T0 + 10_000);
    const t = reduce(s, inspect({ exists: true, running: false, exitCode: 137, error: 'some error' }), T0 + 11_000);
    assert.equal(t.state.kind, 'stopped');
    assert.equal(t.state.exitCode, 137);
  });

  test('a missed die (we thought it was running) is caught up by inspect', () => {
    const t = reduce(runningReady(), inspect({ exists: true, running: false, exitCode: 139 }), T0 + 10_000);
    assert.equal(t.state.kind, 'failed');
    assert.equal(t.state.reason, 'crashed (segmentation fault, exit 139)');
    assert.equal(t.running, false);
  });

  test('an exited container already known as failed or stopped keeps its state', () => {
    const failed = last([engine('die', 1)], runningReady());
    const t = reduce(failed, inspect({ exists: true, running: false, exitCode: 1 }), T0 + 99_000);
    assert.equal(t.state, failed.state);
    const stopped = last([op('stop'), engine('die', 137)], runningReady());
    const u = reduce(stopped, inspect({ exists: true, running: false, exitCode: 137 }), T0 + 99_000);
    assert.equal(u.state, stopped.state);
  });

  test('no container → stopped, not existing, everything reset', () => {
    const f = last([failure('x'), engine('die', 1)], runningReady());
    const t = reduce(f, inspect({ exists: false, running: false }), T0 + 99_000);
    assert.equal(t.state.kind, 'stopped');
    assert.equal(t.exists, false);
    assert.equal(t.running, false);
    assert.equal(t.diagnosis, undefined);
    assert.equal(t.oomKilled, false);
    assert.equal(t.stopRequested, false);
    assert.equal(t.state.since, T0 + 99_000);
  });

  test('no container while starting (create in flight) keeps starting', () => {
    const s = reduce(initialTracked(T0), op('start'), T0 + 1);
    const t = reduce(s, inspect({ exists: false, running: false }), T0 + 2);
    assert.equal(t.state.kind, 'starting');
    assert.equal(t.state.since, T0 + 1);
    assert.equal(t.exists, false);
  });
});

describe('reduce: since changes only when the state really changes', () => {
  test('repeating the same input keeps since', () => {
    const [a, b] = run([op('start'), op('start')]);
    assert.equal(b.state.since, a.state.since);
    const l = reduce(initialTracked(T0), inspect({ exists: true, running: true, startedAt: T0 }), T0 + 1);
    const l2 = reduce(l, inspect({ exists: true, running: true, startedAt: T0 }), T0 + 5000);
    assert.equal(l2.state.kind, 'loading');
    assert.equal(l2.state.since, T0 + 1, 'the loading timer is not restarted by a resync');
    const sigterm = { type: 'engine', action: 'kill', signal: 15 } as const;
    const k = reduce(reduce(runningReady(), sigterm, T0 + 10_000), sigterm, T0 + 20_000);
    assert.equal(k.state.since, T0 + 10_000);
  });

  test('a repeated failure line keeps since; a die that adds the exit code changes it', () => {
    const f1 = reduce(runningReady(), failure('a'), T0 + 10_000);
    const f2 = reduce(f1, failure('a'), T0 + 20_000);
    assert.equal(f2.state.since, T0 + 10_000);
    const f3 = reduce(f2, engine('die', 1), T0 + 30_000);
    assert.equal(f3.state.reason, 'a (exit 1)');
    assert.equal(f3.state.since, T0 + 30_000);
  });

  test('an inspect that confirms the current state keeps since; one that changes it does not', () => {
    const r = runningReady();
    const same = reduce(r, inspect({ exists: true, running: true, startedAt: r.startedAt }, true), T0 + 60_000);
    assert.equal(same.state, r.state);
    const gone = reduce(r, inspect({ exists: true, running: false, exitCode: 0 }), T0 + 70_000);
    assert.equal(gone.state.since, T0 + 70_000);
  });

  test('a different exit code is a different state', () => {
    const a = reduce(runningReady(), engine('die', 1), T0 + 10_000);
    const b = reduce({ ...a, running: true }, engine('die', 2), T0 + 20_000);
    assert.equal(b.state.since, T0 + 20_000);
    assert.match(b.state.reason ?? '', exitedWithCode(2));
  });

  test('engine start while already loading keeps since', () => {
    const l = last([op('start'), engine('start', undefined, T0)]);
    const again = reduce(l, engine('start', undefined, T0), T0 + 60_000);
    assert.equal(again.state.since, l.state.since);
  });

  test('the reducer never mutates its input', () => {
    const r = runningReady();
    const frozen = JSON.stringify(r);
    const inputs: StateInput[] = [
      op('stop'),
      op('restart'),
      engine('die', 1),
      { type: 'engine', action: 'die', exitCode: 1, lastErrors: ['[Error] x'] },
      engine('destroy'),
      engine('oom'),
      failure('x'),
      failure(diag('a port it wanted is already in use')),
      ready,
      phase('shaders'),
      { type: 'log', line: { kind: 'phase', phase: 'shaders', detail: '30 seconds so far' } },
      inspect({ exists: false, running: false }),
      opFailed('x'),
    ];
    for (const input of inputs) {
      reduce(r, input, T0 + 123_456);
      assert.equal(JSON.stringify(r), frozen);
    }
  });
});

describe('reduce: startup phases', () => {
  /** Started at T0 + 2s (engine start applied at T0 + 2s): loading in phase "container". */
  function loading(): Tracked {
    return last([op('start'), engine('start', undefined, T0 + 2000)]);
  }

  test('phases move forward container → extensions → shaders → streaming, keeping since', () => {
    const l = loading();
    assert.deepEqual(l.state, { kind: 'loading', phase: 'container', since: T0 + 2000 });
    const [e, s, st] = run([phase('extensions'), phase('shaders'), phase('streaming')], l);
    assert.deepEqual(e.state, { kind: 'loading', phase: 'extensions', since: T0 + 2000 });
    assert.deepEqual(s.state, { kind: 'loading', phase: 'shaders', since: T0 + 2000 });
    assert.deepEqual(st.state, { kind: 'loading', phase: 'streaming', since: T0 + 2000 });
    const r = reduce(st, ready, T0 + 60_000);
    assert.deepEqual(r.state, { kind: 'ready', since: T0 + 60_000 });
  });

  test('a phase may be skipped (cached starts compile no shaders)', () => {
    const t = reduce(loading(), phase('streaming'), T0 + 5000);
    assert.equal(t.state.phase, 'streaming');
    assert.equal(t.state.since, T0 + 2000);
  });

  test('phases never move back: a late "[ext: …] startup" line does not undo "compiling shaders"', () => {
    const s = last([phase('shaders')], loading());
    for (const p of ['container', 'extensions', 'shaders'] as const) {
      assert.equal(reduce(s, phase(p), T0 + 99_000), s, `phase ${p} after shaders returns the same tracked value`);
    }
    const st = reduce(s, phase('streaming'), T0 + 99_000);
    for (const p of ['container', 'extensions', 'shaders', 'streaming'] as const) assert.equal(reduce(st, phase(p), T0 + 100_000), st);
  });

  test('the same phase again changes nothing', () => {
    const e = reduce(loading(), phase('extensions'), T0 + 3000);
    assert.equal(reduce(e, phase('extensions'), T0 + 4000), e);
  });

  test('phase lines are ignored unless loading', () => {
    const r = runningReady();
    assert.equal(reduce(r, phase('shaders'), T0 + 10_000), r, 'ready');
    const f = reduce(r, failure('x'), T0 + 10_000);
    assert.equal(reduce(f, phase('shaders'), T0 + 11_000), f, 'failed');
    const stopping = reduce(r, op('stop'), T0 + 10_000);
    assert.equal(reduce(stopping, phase('shaders'), T0 + 11_000), stopping, 'stopping');
    const t0 = initialTracked(T0);
    assert.equal(reduce(t0, phase('shaders'), T0 + 1), t0, 'not running');
    const starting = reduce(t0, op('start'), T0 + 1);
    assert.equal(reduce(starting, phase('shaders'), T0 + 2), starting, 'starting, not yet running');
  });

  test('a failure during a phase → failed (the phase is not kept on the failed state)', () => {
    const s = last([phase('shaders')], loading());
    const f = reduce(s, failure('NVML failed to initialize'), T0 + 50_000);
    assert.equal(f.state.kind, 'failed');
    assert.equal(f.state.phase, undefined);
    assert.equal(f.state.diagnosisId, 'nvml');
    assert.equal(f.state.since, T0 + 50_000);
  });

  test('a resync of the same run keeps the phase and since; a new run restarts at "container"', () => {
    const s = last([phase('shaders')], loading());
    const same = reduce(s, inspect({ exists: true, running: true, startedAt: s.startedAt }), T0 + 50_000);
    assert.equal(same.state, s.state);
    const other = reduce(s, inspect({ exists: true, running: true, startedAt: T0 + 40_000 }), T0 + 50_000);
    assert.equal(other.state.kind, 'loading');
    assert.equal(other.state.phase, 'container');
  });

  test('a new run after a restart starts at "container" again', () => {
    const s = last([phase('shaders'), ready], loading());
    const [stopping, stopped, again] = run([op('restart'), engine('die', 143), engine('start')], s);
    assert.equal(stopping.state.kind, 'stopping');
    assert.equal(stopped.state.kind, 'stopped');
    assert.equal(again.state.phase, 'container');
  });

  const detailed = (p: StartupPhase, detail: string): StateInput => ({ type: 'log', line: { kind: 'phase', phase: p, detail } });

  test('a phase carries NVIDIA\'s progress words; later ones of the same phase replace them, keeping since', () => {
    const [a, b, same] = run([detailed('shaders', '30 seconds so far'), detailed('shaders', '60 seconds so far'), detailed('shaders', '60 seconds so far')], loading());
    assert.deepEqual(a.state, { kind: 'loading', phase: 'shaders', phaseDetail: '30 seconds so far', since: T0 + 2000 });
    assert.deepEqual(b.state, { kind: 'loading', phase: 'shaders', phaseDetail: '60 seconds so far', since: T0 + 2000 });
    assert.equal(same.state, b.state, 'the same words again keep the same state object');
    const plain = reduce(b, phase('shaders'), T0 + 99_000);
    assert.equal(plain, b, 'a line of the same phase without words changes nothing');
  });

  test('the next phase drops the old progress words; an earlier phase with words does not move back', () => {
    const s = last([detailed('shaders', '30 seconds so far')], loading());
    const st = reduce(s, phase('streaming'), T0 + 50_000);
    assert.deepEqual(st.state, { kind: 'loading', phase: 'streaming', since: T0 + 2000 });
    assert.equal(reduce(st, detailed('shaders', 'finished after 40 seconds'), T0 + 51_000), st);
  });
});

describe('run facts kept by the reducer (probe, health, note, busy, startup)', () => {
  const startedAt = T0 + 1000;
  const runningNow = (): Tracked => reduce(reduce(initialTracked(T0), op('start'), T0), { type: 'engine', action: 'start', at: startedAt }, T0 + 1000);

  test('probing then probed for the same run → ready, and remembered for the run', () => {
    let t = reduce(runningNow(), { type: 'probing', run: startedAt }, T0 + 2000);
    assert.equal(t.probingRun, startedAt);
    assert.equal(t.state.kind, 'loading');
    t = reduce(t, { type: 'probed', run: startedAt }, T0 + 3000);
    assert.equal(t.state.kind, 'ready');
    assert.equal(t.readyRun, startedAt);
    assert.equal(t.probingRun, undefined);
    // A later inspect of the same run keeps it ready: readiness belongs to the run.
    const again = reduce({ ...t, state: { kind: 'loading', since: T0 } }, inspect({ exists: true, running: true, startedAt }), T0 + 4000);
    assert.equal(again.state.kind, 'ready');
  });

  test('a probe answer for a container that is not running changes nothing', () => {
    const stopped = initialTracked(T0);
    assert.equal(reduce(stopped, { type: 'probed', run: startedAt }, T0), stopped);
    assert.equal(reduce(stopped, { type: 'probing', run: startedAt }, T0), stopped);
  });

  test('health, web viewer and stream note are stored, and the same value returns the same object', () => {
    const t = reduce(runningNow(), { type: 'health', status: 'healthy' }, T0);
    assert.equal(t.health, 'healthy');
    assert.equal(reduce(t, { type: 'health', status: 'healthy' }, T0), t);
    const w = reduce(t, { type: 'webViewer', up: true }, T0);
    assert.equal(w.webViewerUp, true);
    assert.equal(reduce(w, { type: 'webViewer', up: true }, T0), w);
    const n = reduce(w, { type: 'note', streamNote: 'only 49100 streams' }, T0);
    assert.equal(n.streamNote, 'only 49100 streams');
  });

  test('busy counts queued operations and knows since when', () => {
    let t = reduce(initialTracked(T0), { type: 'busy', delta: 1 }, T0 + 5);
    t = reduce(t, { type: 'busy', delta: 1 }, T0 + 9);
    assert.deepEqual([t.busy, t.busySince], [2, T0 + 5]);
    t = reduce(reduce(t, { type: 'busy', delta: -1 }, T0 + 10), { type: 'busy', delta: -1 }, T0 + 11);
    assert.deepEqual([t.busy, t.busySince], [0, undefined]);
    assert.equal(reduce(t, { type: 'busy', delta: -1 }, T0 + 12), t, 'never below zero');
  });

  test('a start in progress ends with its run: ready, failed or stopped clear it', () => {
    const startup = { since: T0, kind: 'first' as const, image: 'img' };
    const t = reduce(runningNow(), { type: 'startup', startup }, T0);
    assert.deepEqual(t.startup, startup);
    assert.equal(reduce(t, { type: 'log', line: { kind: 'ready' } }, T0).startup, undefined);
    assert.equal(reduce(t, { type: 'engine', action: 'die', exitCode: 139 }, T0).startup, undefined);
    assert.deepEqual(reduce(t, { type: 'log', line: { kind: 'phase', phase: 'shaders' } }, T0).startup, startup, 'a phase keeps it');
  });

  test('a cancelled start that never ran goes back to stopped; a cancelled stop changes nothing', () => {
    const starting = reduce(initialTracked(T0), op('start'), T0);
    assert.equal(reduce(starting, { type: 'opCancelled', op: 'start' }, T0 + 1).state.kind, 'stopped');
    const r = runningNow();
    assert.equal(reduce(r, { type: 'opCancelled', op: 'stop' }, T0 + 1), r);
  });

  test('the exact start time of a run replaces the event time', () => {
    const t = reduce(runningNow(), { type: 'startedAt', at: startedAt + 3 }, T0);
    assert.equal(t.startedAt, startedAt + 3);
  });
});

describe('lateFailure: a fatal line that lags behind its run\'s exit', () => {
  const permission = LOG_DIAGNOSES.find((d) => d.id === 'permission')!;
  const fatal: Diagnosis = { id: permission.id, problem: permission.problem, fix: permission.fix, severity: 'fatal' };
  const late = (d: Diagnosis = fatal): StateInput => ({ type: 'lateFailure', diagnosis: d });
  const died = (code: number) => reduce(runningReady(), { type: 'engine', action: 'die', exitCode: code }, T0 + 5000);

  test('a plain exit of the same run becomes the line\'s diagnosis, exit code kept', () => {
    const before = died(1);
    assert.equal(before.state.diagnosisId, 'exit');
    const after = reduce(before, late(), T0 + 6000);
    assert.equal(after.state.kind, 'failed');
    assert.equal(after.state.diagnosisId, 'permission');
    assert.equal(after.state.exitCode, 1);
    assert.match(after.state.reason ?? '', /not writable \(exit 1\)$/);
    assert.equal(after.state.fix, permission.fix);
  });

  test('left alone: a clean stop, a specific exit, an earlier diagnosis, a warning, a running instance', () => {
    const plain = died(1);
    const stopped = died(0);
    assert.equal(stopped.state.kind, 'stopped');
    assert.equal(reduce(stopped, late(), T0 + 6000), stopped, 'a clean exit stays stopped');
    const segfault = died(139);
    assert.equal(segfault.state.diagnosisId, 'segfault');
    assert.equal(reduce(segfault, late(), T0 + 6000), segfault, 'a crash says more than a late line');
    const diagnosed = reduce(reduce(runningReady(), failure('an earlier cause'), T0 + 4000), { type: 'engine', action: 'die', exitCode: 1 }, T0 + 5000);
    assert.equal(reduce(diagnosed, late(), T0 + 6000), diagnosed, 'the first fatal line stays the cause');
    const warning = LOG_DIAGNOSES.find((d) => d.severity === 'warning')!;
    assert.equal(reduce(plain, late({ id: warning.id, problem: warning.problem, fix: warning.fix, severity: 'warning' }), T0 + 6000), plain, 'a warning');
    const running = runningReady();
    assert.equal(reduce(running, late(), T0 + 6000), running, 'a running instance takes its lines as they come');
    const idle = initialTracked(T0);
    assert.equal(reduce(idle, late(), T0 + 6000), idle, 'a stopped instance is not given a cause by an old run\'s line');
  });

  test("a start whose run died within milliseconds, before its start was applied: the exit classified next takes the line as its cause", () => {
    const starting = reduce(initialTracked(T0), { type: 'op', op: 'start' }, T0);
    assert.equal(starting.state.kind, 'starting');
    assert.equal(starting.running, false);
    const read = reduce(starting, late(), T0 + 10);
    assert.equal(read.state.kind, 'starting', 'nothing shows until the exit is classified');
    const exited = reduce(read, { type: 'inspect', facts: { exists: true, running: false, exitCode: 1, startedAt: T0 + 5 } }, T0 + 20);
    assert.equal(exited.state.kind, 'failed');
    assert.equal(exited.state.diagnosisId, 'permission');
    assert.equal(exited.state.exitCode, 1);
    const byEvent = reduce(read, { type: 'engine', action: 'die', exitCode: 1 }, T0 + 20);
    assert.equal(byEvent.state.diagnosisId, 'permission', 'the die event classifies it the same way');
    // Without the line, the same exit is a plain one: the line is what names the cause.
    assert.equal(reduce(starting, { type: 'engine', action: 'die', exitCode: 1 }, T0 + 20).state.diagnosisId, 'exit');
  });
});
