/** What the Docker engine client parses (src/docker/parse.ts, engine.ts): log timestamps, the `since` parameter, inspect JSON, frame timestamps. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stripFrameTimestamp } from '../../src/docker/engine';
import { parseTimestampNanos, sinceParam, toInfo } from '../../src/docker/parse';

const EPOCH_2024 = 1704067200n; // 2024-01-01T00:00:00Z in seconds
const NS = 1_000_000_000n;

describe('parseTimestampNanos', () => {
  test('Docker log timestamps with 9 fraction digits', () => {
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00.123456789Z'), EPOCH_2024 * NS + 123456789n);
  });

  test('0 to 9 fraction digits are scaled to nanoseconds', () => {
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00Z'), EPOCH_2024 * NS);
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00.5Z'), EPOCH_2024 * NS + 500_000_000n);
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00.05Z'), EPOCH_2024 * NS + 50_000_000n);
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00.123Z'), EPOCH_2024 * NS + 123_000_000n);
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00.000001Z'), EPOCH_2024 * NS + 1000n);
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00.000000001Z'), EPOCH_2024 * NS + 1n);
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00.1Z'), parseTimestampNanos('2024-01-01T00:00:00.100000000Z'));
  });

  test('offsets are applied', () => {
    assert.equal(parseTimestampNanos('2024-01-01T02:00:00+02:00'), EPOCH_2024 * NS);
    assert.equal(parseTimestampNanos('2023-12-31T18:30:00.25-05:30'), EPOCH_2024 * NS + 250_000_000n);
    assert.equal(parseTimestampNanos('2024-01-01T00:00:00+00:00'), parseTimestampNanos('2024-01-01T00:00:00Z'));
  });

  test('agrees with Date.parse at millisecond precision', () => {
    const iso = '2025-06-15T13:45:12.345Z';
    assert.equal(parseTimestampNanos(iso), BigInt(Date.parse(iso)) * 1_000_000n);
  });

  test('times before the epoch', () => {
    assert.equal(parseTimestampNanos('1969-12-31T23:59:59.5Z'), -500_000_000n);
  });

  test('garbage and near misses → undefined', () => {
    for (const s of [
      '',
      'garbage',
      '2024-01-01',
      '2024-01-01T00:00:00',
      '2024-01-01 00:00:00Z',
      '2024-01-01T00:00:00.Z',
      '2024-01-01T00:00:00.1234567890Z',
      '2024-01-01T00:00:00+0200',
      '2024-01-01T00:00:00z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T00:00:60Z',
      ' 2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00Z stdout line',
      '1704067200',
    ]) {
      assert.equal(parseTimestampNanos(s), undefined, JSON.stringify(s));
    }
  });

  test('ordering is preserved across fractions of different lengths', () => {
    const ordered = [
      '2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00.000000001Z',
      '2024-01-01T00:00:00.05Z',
      '2024-01-01T00:00:00.449999999Z',
      '2024-01-01T00:00:00.45Z',
      '2024-01-01T00:00:00.5Z',
      '2024-01-01T00:00:00.999999999Z',
      '2024-01-01T00:00:01Z',
      '2024-01-01T00:00:01.1Z',
    ].map((s) => parseTimestampNanos(s));
    for (let i = 1; i < ordered.length; i++) {
      const a = ordered[i - 1];
      const b = ordered[i];
      assert.ok(a !== undefined && b !== undefined && a < b, `#${i - 1} < #${i}`);
    }
  });

  test('property: fraction digits of any length compare like the decimal fractions they are', () => {
    const fraction = fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 1, maxLength: 9 });
    fc.assert(
      fc.property(fraction, fraction, (a, b) => {
        const na = parseTimestampNanos(`2024-01-01T00:00:00.${a}Z`);
        const nb = parseTimestampNanos(`2024-01-01T00:00:00.${b}Z`);
        assert.ok(na !== undefined && nb !== undefined);
        const fa = a.padEnd(9, '0');
        const fb = b.padEnd(9, '0');
        assert.equal(na < nb, fa < fb);
        assert.equal(na === nb, fa === fb);
      }),
    );
  });
});

describe('sinceParam', () => {
  test('formats seconds.nanoseconds with 9 digits', () => {
    assert.equal(sinceParam(EPOCH_2024 * NS + 123456789n), '1704067200.123456789');
    assert.equal(sinceParam(EPOCH_2024 * NS + 5n), '1704067200.000000005');
    assert.equal(sinceParam(0n), '0.000000000');
    assert.equal(sinceParam(NS), '1.000000000');
  });

  test('round trip from a log timestamp', () => {
    const ns = parseTimestampNanos('2024-01-01T00:00:00.000000001Z');
    assert.ok(ns !== undefined);
    assert.equal(sinceParam(ns), '1704067200.000000001');
  });

  test('property: parsing the parameter back gives the same nanoseconds', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 4_000_000_000n * NS }), (ns) => {
        const text = sinceParam(ns);
        const m = /^(\d+)\.(\d{9})$/.exec(text);
        assert.ok(m, text);
        assert.equal(BigInt(m[1]) * NS + BigInt(m[2]), ns);
      }),
    );
  });
});

describe('toInfo', () => {
  const running = {
    Id: '4f66ad9a0b2e6f0b6ad6bd0a8b3f2a0e7c8e9d0f1a2b3c4d5e6f7a8b9c0d1e2f',
    Created: '2024-05-01T11:59:58.000000000Z',
    Path: '/isaac-sim/runheadless.webrtc.sh',
    Args: ['--/exts/omni.services.transport.server.http/port=8211', '--/exts/omni.kit.livestream.webrtc/port=8011', '--/app/livestream/port=8899'],
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 4242,
      ExitCode: 0,
      Error: '',
      StartedAt: '2024-05-01T12:00:00.123456789Z',
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    Image: 'sha256:0123456789abcdef',
    Name: '/isaac-sim-instance-0',
    RestartCount: 0,
    Driver: 'overlay2',
    Config: {
      Hostname: 'sim',
      Env: ['ACCEPT_EULA=Y', 'PRIVACY_CONSENT=Y'],
      Image: 'nvcr.io/nvidia/isaac-sim:4.2.0',
      Labels: {
        'dev.isaac-sim-orchestrator.owner': 'isaac-sim-orchestrator',
        'dev.isaac-sim-orchestrator.instance': '0',
      },
    },
    HostConfig: { NetworkMode: 'host', Runtime: 'nvidia' },
    NetworkSettings: { Networks: {} },
  };

  test('a realistic running container', () => {
    assert.deepEqual(toInfo(running), {
      id: running.Id,
      name: 'isaac-sim-instance-0',
      image: 'nvcr.io/nvidia/isaac-sim:4.2.0',
      labels: {
        'dev.isaac-sim-orchestrator.owner': 'isaac-sim-orchestrator',
        'dev.isaac-sim-orchestrator.instance': '0',
      },
      running: true,
      status: 'running',
      exitCode: 0,
      oomKilled: false,
      startedAt: Date.UTC(2024, 4, 1, 12, 0, 0, 123),
      createdAt: Date.UTC(2024, 4, 1, 11, 59, 58),
      error: undefined,
      args: running.Args,
    });
  });

  test('a created-never-started container: zero StartedAt → undefined, null labels → {}, null args → [], error kept', () => {
    const created = {
      ...running,
      Args: null,
      Name: '/isaac-sim-instance-3',
      State: { ...running.State, Status: 'created', Running: false, ExitCode: 128, StartedAt: '0001-01-01T00:00:00Z', Error: 'unknown or invalid runtime name: nvidia' },
      Config: { ...running.Config, Labels: null },
    };
    const info = toInfo(created);
    assert.equal(info.name, 'isaac-sim-instance-3');
    assert.equal(info.startedAt, undefined);
    assert.deepEqual(info.labels, {});
    assert.deepEqual(info.args, []);
    assert.equal(info.error, 'unknown or invalid runtime name: nvidia');
    assert.equal(info.exitCode, 128);
    assert.equal(info.running, false);
    assert.equal(info.status, 'created');
  });

  test('an OOM-killed exited container; missing OOMKilled defaults to false', () => {
    const oom = toInfo({ ...running, State: { ...running.State, Status: 'exited', Running: false, ExitCode: 137, OOMKilled: true } });
    assert.equal(oom.oomKilled, true);
    assert.equal(oom.exitCode, 137);
    const state: Record<string, unknown> = { ...running.State };
    delete state.OOMKilled;
    assert.equal(toInfo({ ...running, State: state }).oomKilled, false);
  });

  test('missing or unparsable StartedAt → undefined; labels absent → {}; Args absent → []', () => {
    const state: Record<string, unknown> = { ...running.State, StartedAt: 'not a time' };
    const info = toInfo({ ...running, Args: undefined, State: state, Config: { Image: 'x' } });
    assert.equal(info.startedAt, undefined);
    assert.deepEqual(info.labels, {});
    assert.deepEqual(info.args, []);
    delete state.StartedAt;
    assert.equal(toInfo({ ...running, State: state }).startedAt, undefined);
  });

  test('only one leading slash is stripped from the name', () => {
    assert.equal(toInfo({ ...running, Name: 'plain' }).name, 'plain');
    assert.equal(toInfo({ ...running, Name: '//odd' }).name, '/odd');
  });

  test('malformed inspect JSON throws', () => {
    assert.throws(() => toInfo({}));
    assert.throws(() => toInfo(null));
    assert.throws(() => toInfo({ ...running, Id: 5 }));
    assert.throws(() => toInfo({ ...running, State: { ...running.State, Running: 'yes' } }));
    assert.throws(() => toInfo({ ...running, Config: { ...running.Config, Labels: { a: 1 } } }));
  });
});

test('stripFrameTimestamp drops only a leading RFC 3339 timestamp and its space', () => {
  const ts = '2026-11-25T20:55:00.123456789Z';
  assert.equal(stripFrameTimestamp(Buffer.from(`${ts} rest of a long line`)).toString(), 'rest of a long line');
  assert.equal(stripFrameTimestamp(Buffer.from(`${ts} `)).toString(), '');
  for (const plain of ['no timestamp here', ' leading space', '2026-11-25 not-a-ts', '', 'x'.repeat(100)]) {
    assert.equal(stripFrameTimestamp(Buffer.from(plain)).toString(), plain);
  }
  // Bytes after the timestamp are passed through untouched, even half a UTF-8 character.
  const euro = Buffer.from('€');
  assert.deepEqual(stripFrameTimestamp(Buffer.concat([Buffer.from(`${ts} `), euro.subarray(0, 2)])), euro.subarray(0, 2));
});

describe('parseTimestampNanos: the same-second fast path', () => {
  test('property: any sequence of engine timestamps parses to what the calendar says, whatever came before', () => {
    const stamp = fc.record({
      ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
      frac: fc.integer({ min: 0, max: 999_999_999 }),
      form: fc.constantFrom('engine', 'short', 'offset', 'junk'),
    });
    fc.assert(
      fc.property(fc.array(stamp, { minLength: 1, maxLength: 40 }), (stamps) => {
        let previous: string | undefined;
        for (const s of stamps) {
          // Half the time in the second of the one before, so the fast path is taken.
          const second = previous !== undefined && s.frac % 2 === 0 ? previous : new Date(Math.floor(s.ms / 1000) * 1000).toISOString().slice(0, 19);
          previous = second;
          const expectedSecond = BigInt(Date.parse(`${second}Z`)) * 1_000_000n;
          const frac9 = String(s.frac).padStart(9, '0');
          if (s.form === 'engine') assert.equal(parseTimestampNanos(`${second}.${frac9}Z`), expectedSecond + BigInt(frac9));
          if (s.form === 'short') assert.equal(parseTimestampNanos(`${second}.${frac9.slice(0, 3)}Z`), expectedSecond + BigInt(frac9.slice(0, 3)) * 1_000_000n);
          if (s.form === 'offset') assert.equal(parseTimestampNanos(`${second}.${frac9}+01:00`), expectedSecond - 3_600_000_000_000n + BigInt(frac9));
          if (s.form === 'junk') assert.equal(parseTimestampNanos(`${second}. ${frac9.slice(1)}Z`), undefined);
        }
      }),
      { numRuns: 500 },
    );
  });
});
