/** The state reducer on a resync from docker inspect, and when a state's since changes. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseErrorKind, diagnoseExit } from '../../src/instances/diagnosis';
import { initialTracked, reduce, type InspectFacts, type StateInput } from '../../src/instances/state';
import { T0, op, engine, ready, diag, failure, phase, exitedWithCode, inspect, opFailed, run, last, runningReady } from './stateFixture';

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
    assert.deepEqual(rest, { kind: 'failed', exitCode: 1, diagnosisId: 'exit', fix: diagnoseExit(1, false).fix(), since: T0 + 1 });
    assert.equal(failed.running, false);

    const oom = reduce(initialTracked(T0), inspect({ exists: true, running: false, exitCode: 137, oomKilled: true }), T0 + 1);
    assert.equal(oom.state.kind, 'failed');
    assert.equal(oom.state.reason, 'out of memory (OOM killed, exit 137)');
    assert.equal(oom.state.diagnosisId, 'oom');
  });

  test('an engine-side start error (e.g. unknown runtime) → failed with its diagnosis and the exit code', () => {
    const t = last([op('start'), inspect({ exists: true, running: false, exitCode: 128, error: 'unknown or invalid runtime name: nvidia', errorKind: 'no-runtime' })]);
    const d = diagnoseErrorKind('no-runtime')!;
    assert.deepEqual(t.state, { kind: 'failed', reason: 'Docker has no NVIDIA runtime (exit 128)', exitCode: 128, diagnosisId: 'no-nvidia-runtime', fix: d.fix(), since: T0 + 2000 });
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
