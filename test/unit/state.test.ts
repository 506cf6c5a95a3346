import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseExit } from '../../src/instances/diagnosis';
import type { StartupPhase } from '../../src/instances/readiness';
import { exitReason, initialTracked, reduce, type StateInput, type Tracked } from '../../src/instances/state';
import { T0, op, engine, ready, failure, phase, inspect, run, last, runningReady } from './stateFixture';

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
