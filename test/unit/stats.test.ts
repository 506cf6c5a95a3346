/**
 * Docker stats samples (test/fixtures/gpu/docker-stats-*, sources in its SOURCES.md) to the figures
 * `docker stats` shows, by the docker CLI's formulas, and samples that lack parts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { containerStatsFigures } from '../../src/docker/stats';

const DIR = path.resolve(__dirname, '../../../test/fixtures/gpu');
const json = (name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as Record<string, unknown>;
const stream = (): Array<Record<string, unknown>> =>
  readFileSync(path.join(DIR, 'docker-stats-cgroup-v1-stream.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A deep copy to edit. */
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('containerStatsFigures on a cgroup v1 stream (engine 20.10, one busy shell, -m 256m)', () => {
  const samples = stream();

  test('the first sample (empty precpu_stats): memory and CPUs, no CPU %', () => {
    assert.deepEqual(containerStatsFigures(samples[0]), { memoryUsedBytes: 1961984 - 1478656, memoryLimitBytes: 268435456, onlineCpus: 2 });
  });

  test('the next samples: CPU % from cpu_stats − precpu_stats × online CPUs, as docker stats', () => {
    const cpu = samples.slice(1).map((s) => containerStatsFigures(s).cpuPercent);
    const expected = [
      ((2164105672 - 1164222141) / (1596970000000 - 1594960000000)) * 2 * 100,
      ((3164915471 - 2164105672) / (1598950000000 - 1596970000000)) * 2 * 100,
      ((4146110626 - 3164915471) / (1600940000000 - 1598950000000)) * 2 * 100,
    ];
    assert.deepEqual(cpu, expected);
    assert.ok(cpu.every((c) => c !== undefined && c > 95 && c < 105), `a shell spinning on one of two CPUs: ${cpu.join(', ')}`);
  });

  test('memory: usage minus total_inactive_file (cgroup v1), not minus cache', () => {
    assert.equal(containerStatsFigures(samples[1]).memoryUsedBytes, 483328);
  });

  test('no online_cpus (older engines): the length of percpu_usage', () => {
    const s = copy(samples[1]) as { cpu_stats: { online_cpus?: number }; precpu_stats: { online_cpus?: number } };
    delete s.cpu_stats.online_cpus;
    delete s.precpu_stats.online_cpus;
    const f = containerStatsFigures(s);
    assert.equal(f.onlineCpus, 2);
    assert.equal(f.cpuPercent, containerStatsFigures(samples[1]).cpuPercent);
  });

  test('no CPU time used, or no system time passed: 0 %, as docker stats shows', () => {
    const s = copy(samples[1]) as { cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number }; precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number } };
    s.cpu_stats.cpu_usage.total_usage = s.precpu_stats.cpu_usage.total_usage;
    assert.equal(containerStatsFigures(s).cpuPercent, 0);
    const t = copy(samples[1]) as typeof s;
    t.cpu_stats.system_cpu_usage = t.precpu_stats.system_cpu_usage;
    assert.equal(containerStatsFigures(t).cpuPercent, 0);
  });
});

describe('containerStatsFigures on a cgroup v2 sample', () => {
  const sample = json('docker-stats-cgroup-v2-first-sample.json');

  test('first sample: no CPU %, memory usage minus inactive_file (0 here: the 224 MiB are shmem, not droppable), limit', () => {
    assert.deepEqual(containerStatsFigures(sample), { memoryUsedBytes: 234647552, memoryLimitBytes: 268435456, onlineCpus: 2 });
  });

  test('inactive_file is subtracted on v2 (no total_inactive_file key)', () => {
    const s = copy(sample) as { memory_stats: { stats: Record<string, number> } };
    s.memory_stats.stats.inactive_file = 1000;
    assert.equal(containerStatsFigures(s).memoryUsedBytes, 234647552 - 1000);
  });

  test('a v2 next sample (precpu with system_cpu_usage): CPU % with online_cpus, no percpu_usage on v2', () => {
    const s = copy(sample) as { precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number } };
    s.precpu_stats.cpu_usage.total_usage = 499478000;
    s.precpu_stats.system_cpu_usage = 4834970000000;
    assert.equal(containerStatsFigures(s).cpuPercent, (500000000 / 2000000000) * 2 * 100);
  });
});

describe('containerStatsFigures, samples without the parts', () => {
  test('a stopped container’s sample (empty cpu_stats, memory_stats): no figures', () => {
    const stopped = { read: '0001-01-01T00:00:00Z', preread: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 0 }, throttling_data: {} }, precpu_stats: { cpu_usage: { total_usage: 0 }, throttling_data: {} }, memory_stats: {} };
    assert.deepEqual(containerStatsFigures(stopped), {});
  });

  test('not an object, or parts of the wrong shape: no figures from those parts, never NaN or a throw', () => {
    for (const v of [undefined, null, 42, 'x', []]) assert.deepEqual(containerStatsFigures(v), {});
    const sample = stream()[1];
    const badCpu = { ...sample, cpu_stats: { cpu_usage: { total_usage: 'lots' } } };
    const f = containerStatsFigures(badCpu);
    assert.equal(f.cpuPercent, undefined);
    assert.equal(f.memoryUsedBytes, 483328);
    const badMem = { ...sample, memory_stats: { usage: -1 } };
    assert.equal(containerStatsFigures(badMem).memoryUsedBytes, undefined);
    assert.equal(typeof containerStatsFigures(badMem).cpuPercent, 'number');
  });

  test('a cache figure not below usage is not subtracted (as docker/cli)', () => {
    const s = copy(stream()[1]) as { memory_stats: { usage: number; stats: Record<string, number> } };
    s.memory_stats.stats.total_inactive_file = s.memory_stats.usage;
    s.memory_stats.stats.inactive_file = s.memory_stats.usage + 1;
    assert.equal(containerStatsFigures(s).memoryUsedBytes, s.memory_stats.usage);
  });
});
