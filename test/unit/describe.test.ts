import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeState, formatElapsed } from '../../src/instances/describe';
import type { InstanceSnapshot, InstanceState } from '../../src/instances/model';

const NOW = 1_700_000_000_000;

function snapshot(state: Omit<InstanceState, 'since'> & { since?: number }, exists = true): InstanceSnapshot {
  return {
    index: 0,
    label: 'instance-0',
    containerName: 'isaac-sim-instance-0',
    image: 'nvcr.io/nvidia/isaac-sim:4.2.0',
    ports: { http: 8211, webrtc: 8011, native: 8899 },
    clientUrl: 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1',
    state: { since: NOW, ...state },
    exists,
    configured: true,
    busy: false,
  };
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

  test('failed with and without a reason', () => {
    assert.equal(describeState(snapshot({ kind: 'failed', reason: 'no suitable CUDA GPU found (exit 1)', exitCode: 1 }), NOW), 'failed: no suitable CUDA GPU found (exit 1)');
    assert.equal(describeState(snapshot({ kind: 'failed' }), NOW), 'failed');
    assert.equal(describeState(snapshot({ kind: 'failed', reason: '' }), NOW), 'failed');
  });
});
