/**
 * The reducer's `exiting` input: the engine's `die` before the run's log has drained (sync.ts). A
 * stop is shown at once; a failure waits for the drain; a fatal line of the run that comes during
 * the drain still makes it failed, and the `die` applied after the drain settles it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOG_DIAGNOSES, type Diagnosis } from '../../src/instances/diagnosis';
import { initialTracked, reduce, type StateInput, type Tracked } from '../../src/instances/state';

const T0 = 1_700_000_000_000;
const fatal: Diagnosis = (() => {
  const d = LOG_DIAGNOSES.find((x) => (x.severity ?? 'fatal') === 'fatal');
  assert.ok(d, 'the table has a fatal line');
  return { id: d.id, problem: d.problem, fix: d.fix, severity: 'fatal' };
})();

function ready(): Tracked {
  let t = initialTracked(T0);
  for (const input of [{ type: 'op', op: 'start' }, { type: 'engine', action: 'start', at: T0 + 1 }, { type: 'log', line: { kind: 'ready' } }] as StateInput[]) t = reduce(t, input, T0 + 2);
  assert.equal(t.state.kind, 'ready');
  return t;
}
const kill = (t: Tracked, signal = 15) => reduce(t, { type: 'engine', action: 'kill', signal }, T0 + 10);
const exiting = (t: Tracked, exitCode?: number) => reduce(t, { type: 'exiting', exitCode }, T0 + 20);
const die = (t: Tracked, exitCode: number) => reduce(t, { type: 'engine', action: 'die', exitCode }, T0 + 30);

describe('reduce: exiting (a die whose log is still draining)', () => {
  test('after a SIGTERM (docker stop), the row is stopped at once with the exit code, and the run still counts as running', () => {
    const t = exiting(kill(ready()), 143);
    assert.deepEqual(t.state, { kind: 'stopped', exitCode: 143, since: T0 + 20 });
    assert.equal(t.running, true, "the run's lines still count");
    assert.equal(t.exiting, true);
    const settled = die(t, 143);
    assert.deepEqual(settled.state, t.state, 'the die after the drain changes nothing shown');
    assert.equal(settled.running, false);
    assert.equal(settled.exiting, undefined);
  });

  test('a clean exit that nobody asked for (exit 0) shows stopped at once too', () => {
    assert.deepEqual(exiting(ready(), 0).state, { kind: 'stopped', exitCode: 0, since: T0 + 20 });
    assert.deepEqual(exiting(ready()).state, { kind: 'stopped', exitCode: 0, since: T0 + 20 }, 'no exit code counts as 0, as for the die');
  });

  test('an exit that would be a failure is not shown early: it waits for the drained log', () => {
    for (const [why, t] of [
      ['exit 1', exiting(ready(), 1)],
      ['SIGKILL', exiting(kill(ready(), 9), 137)],
      ['an OOM kill', exiting(reduce(ready(), { type: 'engine', action: 'oom' }, T0 + 5), 0)],
    ] as const) {
      assert.equal(t.state.kind, 'ready', why);
      assert.equal(t.exiting, undefined, why);
    }
    const failed = die(exiting(ready(), 1), 1);
    assert.equal(failed.state.kind, 'failed');
  });

  test('a fatal line of the run during the drain makes it failed, and the die keeps the cause with its exit code', () => {
    const stopped = exiting(kill(ready()), 143);
    const line = reduce(stopped, { type: 'log', line: { kind: 'failure', diagnosis: fatal } }, T0 + 25);
    assert.equal(line.state.kind, 'failed');
    assert.equal(line.state.diagnosisId, fatal.id);
    const settled = die(line, 143);
    assert.equal(settled.state.kind, 'failed');
    assert.equal(settled.state.diagnosisId, fatal.id);
    assert.equal(settled.state.exitCode, 143);
  });

  test('a fatal line seen before the exit is not hidden by it', () => {
    const failed = reduce(kill(ready()), { type: 'log', line: { kind: 'failure', diagnosis: fatal } }, T0 + 15);
    const t = exiting(failed, 143);
    assert.equal(t.state, failed.state);
  });

  test('during the drain a ready line, a phase line and a late inspect of the same run change nothing shown', () => {
    const stopped = exiting(kill(ready()), 143);
    for (const input of [
      { type: 'log', line: { kind: 'ready' } },
      { type: 'log', line: { kind: 'phase', phase: 'streaming' } },
      { type: 'inspect', facts: { exists: true, running: true, startedAt: stopped.startedAt }, readySeen: true },
    ] as StateInput[]) {
      assert.equal(reduce(stopped, input, T0 + 25).state, stopped.state, JSON.stringify(input));
    }
  });

  test('a new run starts clean, also one whose start comes before the last exit was settled', () => {
    for (const before of [exiting(kill(ready()), 143), die(exiting(kill(ready()), 143), 143)]) {
      const again = reduce(before, { type: 'engine', action: 'start', at: T0 + 40 }, T0 + 40);
      assert.equal(again.state.kind, 'loading');
      assert.equal(again.exiting, undefined);
    }
  });

  test('exiting on an instance that is not running changes nothing', () => {
    const t = initialTracked(T0);
    assert.equal(exiting(t, 0), t);
  });
});
