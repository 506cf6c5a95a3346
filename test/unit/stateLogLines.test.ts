/** The state reducer and the simulator's log: failure and warning lines, the last error lines of an unexplained exit, a fatal line that comes after the exit. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_DIAGNOSES, diagnoseExit, type Diagnosis } from '../../src/instances/diagnosis';
import { initialTracked, reduce, type StateInput } from '../../src/instances/state';
import { T0, op, engine, ready, diag, failure, phase, exitedWithCode, inspect, run, last, runningReady } from './stateFixture';

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
    assert.deepEqual(rest, { kind: 'failed', reason: d.problem, diagnosisId: 'rtx-resource-manager', fix: d.fix(), since: T0 + 10_000 });
    assert.ok(t.state.fix && t.state.fix.length > 0);
  });

  test('the die that follows adds the exit code to the reason and keeps the diagnosis id and fix', () => {
    const d = diag('no GPU device could be created');
    const t = last([failure(d), engine('die', 1)], runningReady());
    assert.deepEqual(t.state, { kind: 'failed', reason: `${d.problem} (exit 1)`, exitCode: 1, diagnosisId: 'no-gpu-device', fix: d.fix(), since: T0 + 2000 });
  });

  test('every fatal LOG_DIAGNOSES entry flows through: id and fix in the state, exit code added on die', () => {
    const fatal = LOG_DIAGNOSES.filter((e) => (e.severity ?? 'fatal') === 'fatal');
    assert.ok(fatal.length >= 10, 'most of the table is fatal');
    for (const entry of fatal) {
      const d: Diagnosis = { id: entry.id, problem: entry.problem, fix: entry.fix, severity: 'fatal' };
      const [f, died] = run([failure(d), engine('die', 139)], runningReady());
      assert.equal(f.state.diagnosisId, entry.id);
      assert.equal(f.state.fix, entry.fix());
      assert.equal(f.state.reason, entry.problem);
      assert.equal(died.state.diagnosisId, entry.id, 'the log diagnosis, not the exit code, explains the failure');
      assert.equal(died.state.fix, entry.fix());
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
      assert.deepEqual(t.state, { kind: 'failed', reason: `${entry.problem} (exit 1)`, exitCode: 1, diagnosisId: entry.id, fix: entry.fix(), since: T0 + 2000 });
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
    assert.equal(t.state.fix, diagnoseExit(1, false, undefined, lastErrors).fix());
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
    assert.equal(after.state.fix, permission.fix());
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
