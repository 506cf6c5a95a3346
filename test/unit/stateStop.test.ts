/** The state reducer on stops, exits, restarts, a new run after an old one, and failed operations. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEngineMessage } from '../../src/docker/errors';
import { diagnoseErrorKind, diagnoseExit } from '../../src/instances/diagnosis';
import { initialTracked, reduce, type StateInput, type Tracked } from '../../src/instances/state';
import { T0, op, engine, ready, failure, exitedWithCode, inspect, opFailed, run, last, runningReady } from './stateFixture';

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
      assert.deepEqual(rest, { kind: 'failed', exitCode: code, diagnosisId: id, fix: diagnoseExit(code, false).fix(), since: T0 + 10_000 });
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
    assert.deepEqual(d.state, { kind: 'failed', reason: 'killed (SIGKILL, exit 137)', exitCode: 137, diagnosisId: 'killed', fix: diagnoseExit(137, false).fix(), since: T0 + 11_000 });
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
      assert.equal(t.state.fix, d.fix());
      assert.equal(t.state.exitCode, undefined);
      assert.equal(t.stopRequested, false);
      assert.equal(t.diagnosis, undefined, 'an engine error is not a log diagnosis of a run');
      assert.deepEqual({ id: t.state.diagnosisId, problem: t.state.reason, fix: t.state.fix, severity: 'fatal' }, { ...d, fix: d.fix() });
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
