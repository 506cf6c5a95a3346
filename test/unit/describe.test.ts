import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeState, formatClock, formatElapsed } from '../../src/instances/describe';
import type { InstanceSnapshot, InstanceState, StartupInfo } from '../../src/instances/model';
import { fixtureSnapshot } from './snapshotFixture';

const NOW = 1_700_000_000_000;

function snapshot(state: Omit<InstanceState, 'since'> & { since?: number }, exists = true, startup?: StartupInfo): InstanceSnapshot {
  return fixtureSnapshot(0, state, NOW, { exists, ...(startup ? { startup } : {}) });
}

describe('formatElapsed', () => {
  const cases: Array<[number, string]> = [
    [0, '0:00'],
    [999, '0:00'],
    [1000, '0:01'],
    [1999, '0:01'],
    [59_999, '0:59'],
    [60_000, '1:00'],
    [65_000, '1:05'],
    [599_000, '9:59'],
    [3_599_999, '59:59'],
    [3_600_000, '1:00:00'],
    [3_605_000, '1:00:05'],
    [(12 * 3600 + 3 * 60 + 9) * 1000, '12:03:09'],
    [100 * 3600 * 1000, '100:00:00'],
    [-5000, '0:00'],
  ];
  for (const [ms, text] of cases) {
    test(`${ms} ms → ${text}`, () => assert.equal(formatElapsed(ms), text));
  }
});

describe('describeState', () => {
  test('stopped without a container → "not created"', () => {
    assert.equal(describeState(snapshot({ kind: 'stopped' }, false), NOW), 'not created');
    assert.equal(describeState(snapshot({ kind: 'stopped', exitCode: 1 }, false), NOW), 'not created');
  });

  test('stopped with a container, with and without an exit code', () => {
    assert.equal(describeState(snapshot({ kind: 'stopped' }), NOW), 'stopped');
    assert.equal(describeState(snapshot({ kind: 'stopped', exitCode: 0 }), NOW), 'stopped (exit 0)');
    assert.equal(describeState(snapshot({ kind: 'stopped', exitCode: 137 }), NOW), 'stopped (exit 137)');
  });

  test('starting, ready, stopping', () => {
    assert.equal(describeState(snapshot({ kind: 'starting' }), NOW), 'starting');
    assert.equal(describeState(snapshot({ kind: 'ready' }), NOW), 'ready');
    assert.equal(describeState(snapshot({ kind: 'stopping' }), NOW), 'stopping');
  });

  test('loading shows the time since the state was entered', () => {
    assert.equal(describeState(snapshot({ kind: 'loading', since: NOW - 65_000 }), NOW), 'loading 1:05');
    assert.equal(describeState(snapshot({ kind: 'loading', since: NOW }), NOW), 'loading 0:00');
    assert.equal(describeState(snapshot({ kind: 'loading', since: NOW - 3_725_000 }), NOW), 'loading 1:02:05');
    assert.equal(describeState(snapshot({ kind: 'loading', since: NOW + 5000 }), NOW), 'loading 0:00', 'clock skew never shows a negative time');
  });

  test('loading uses the current time by default', () => {
    const text = describeState(snapshot({ kind: 'loading', since: Date.now() - 125_000 }));
    assert.match(text, /^loading 2:0[5-9]$/);
  });

  test('loading in phase "container" (or without a phase) reads "loading m:ss"', () => {
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'container', since: NOW - 65_000 }), NOW), 'loading 1:05');
    assert.equal(describeState(snapshot({ kind: 'loading', since: NOW - 5_000 }), NOW), 'loading 0:05');
  });

  test('loading in a later phase names the phase', () => {
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'extensions', since: NOW - 12_000 }), NOW), 'loading extensions 0:12');
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'shaders', since: NOW - 42_000 }), NOW), 'compiling shaders 0:42');
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'streaming', since: NOW - 125_000 }), NOW), 'starting streaming 2:05');
  });

  test('NVIDIA\'s progress words for the phase are shown in brackets: "compiling shaders (30 seconds so far) 0:42"', () => {
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'shaders', phaseDetail: '30 seconds so far', since: NOW - 42_000 }), NOW), 'compiling shaders (30 seconds so far) 0:42');
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'shaders', phaseDetail: 'finished after 95 seconds', since: NOW - 100_000 }), NOW), 'compiling shaders (finished after 95 seconds) 1:40');
    const startup: StartupInfo = { since: NOW - 42_000, kind: 'first', etaMs: 130_000 };
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'shaders', phaseDetail: '30 seconds so far', since: NOW - 42_000 }, true, startup), NOW), 'compiling shaders (30 seconds so far) 0:42 of ~2:10');
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'shaders', phaseDetail: '', since: NOW - 42_000 }), NOW), 'compiling shaders 0:42', 'empty words show nothing');
  });

  test('progress words are not shown for the container phase', () => {
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'container', phaseDetail: 'x', since: NOW - 5_000 }), NOW), 'loading 0:05');
  });

  test('warnings do not change the state text (they are not a failure)', () => {
    const s = { ...snapshot({ kind: 'ready' }), warnings: ['no suitable CUDA GPU for PhysX (it falls back to the CPU)'] };
    assert.equal(describeState(s, NOW), 'ready');
  });

  test('with an ETA from earlier starts: "<phase> m:ss of ~m:ss"', () => {
    const startup: StartupInfo = { since: NOW - 42_000, kind: 'first', etaMs: 130_000 };
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'shaders', since: NOW - 42_000 }, true, startup), NOW), 'compiling shaders 0:42 of ~2:10');
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'container', since: NOW - 42_000 }, true, startup), NOW), 'loading 0:42 of ~2:10');
    assert.equal(describeState(snapshot({ kind: 'loading', since: NOW - 42_000 }, true, { since: NOW - 5_000, kind: 'cached', etaMs: 3_725_000 }), NOW), 'loading 0:05 of ~1:02:05');
  });

  test('the elapsed time counts from the start request (snapshot.startup.since), not from the state', () => {
    const startup: StartupInfo = { since: NOW - 90_000, kind: 'cached' };
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'extensions', since: NOW - 10_000 }, true, startup), NOW), 'loading extensions 1:30');
  });

  test('without an ETA (no earlier starts, or an ETA of 0) only the elapsed time is shown', () => {
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'shaders', since: NOW - 42_000 }, true, { since: NOW - 42_000, kind: 'unknown' }), NOW), 'compiling shaders 0:42');
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'shaders', since: NOW - 42_000 }, true, { since: NOW - 42_000, kind: 'first', etaMs: 0 }), NOW), 'compiling shaders 0:42');
  });

  test('past the ETA the elapsed time keeps counting', () => {
    const startup: StartupInfo = { since: NOW - 200_000, kind: 'cached', etaMs: 130_000 };
    assert.equal(describeState(snapshot({ kind: 'loading', phase: 'streaming' }, true, startup), NOW), 'starting streaming 3:20 of ~2:10');
  });

  test('startup info does not change the other states', () => {
    const startup: StartupInfo = { since: NOW - 42_000, kind: 'first', etaMs: 130_000 };
    assert.equal(describeState(snapshot({ kind: 'starting' }, true, startup), NOW), 'starting');
    assert.equal(describeState(snapshot({ kind: 'ready' }, true, startup), NOW), 'ready');
  });

  test('failed with and without a reason', () => {
    assert.equal(describeState(snapshot({ kind: 'failed', reason: 'no GPU device could be created (exit 1)', exitCode: 1 }), NOW), 'failed: no GPU device could be created (exit 1)');
    assert.equal(describeState(snapshot({ kind: 'failed' }), NOW), 'failed');
    assert.equal(describeState(snapshot({ kind: 'failed', reason: '' }), NOW), 'failed');
  });
});

describe('formatClock', () => {
  // Local times, built from their parts, so the test holds in any time zone.
  const at = (y: number, mo: number, d: number, h: number, mi: number, sec: number) => new Date(y, mo - 1, d, h, mi, sec).getTime();
  test('today: the time to the second', () => assert.equal(formatClock(at(2026, 12, 3, 9, 5, 7), at(2026, 12, 3, 23, 59, 0)), '09:05:07'));
  test('another day: the date and the time to the minute', () => assert.equal(formatClock(at(2026, 11, 30, 14, 5, 9), at(2026, 12, 3, 10, 0, 0)), '2026-11-30 14:05'));
  test('the same day of another month is another day', () => assert.equal(formatClock(at(2026, 11, 3, 8, 0, 0), at(2026, 12, 3, 8, 0, 0)), '2026-11-03 08:00'));
});
