/**
 * FiguresCollector with a fake engine and a fake host nvidia-smi: what it asks the engine for and
 * when. The real engine's stats stream and exec are tested in test/engine/figures.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FiguresCollector } from '../../src/instances/figuresCollector';
import type { HostGpu } from '../../src/instances/hostGpu';
import type { InstanceSnapshot } from '../../src/instances/model';
import { FakeEngine } from './fakeEngine';
import { fixtureSnapshot } from './snapshotFixture';

const ID0 = 'a'.repeat(64);
const ID1 = 'b'.repeat(64);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function running(index: number, containerId: string, kind: InstanceSnapshot['state']['kind'] = 'ready'): InstanceSnapshot {
  return fixtureSnapshot(index, { kind }, 0, { containerId });
}

/** A docker stats sample (the engine's JSON, cgroup v2 fields) with CPU deltas giving `cpu` % as docker stats shows it (100 % per CPU, of 4). */
function sample(cpu: number, usedBytes: number, limitBytes: number) {
  return {
    cpu_stats: { cpu_usage: { total_usage: 1_000_000_000 + cpu * 10_000_000 }, system_cpu_usage: 200_000_000_000 + 1_000_000_000 * 4, online_cpus: 4 },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 200_000_000_000, online_cpus: 4 },
    memory_stats: { usage: usedBytes, limit: limitBytes, stats: { inactive_file: 0 } },
  };
}

function until(cond: () => boolean, what: string, ms = 2_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (cond() ? resolve() : Date.now() - start > ms ? reject(new Error(`timed out waiting for ${what}`)) : setTimeout(tick, 5));
    tick();
  });
}

function recordingEngine(opts: { isLocal?: boolean; gpuCsv?: string; execFails?: string } = {}) {
  const calls: string[] = [];
  const streams = new Map<string, { onSample: (s: unknown) => void; closed: boolean }>();
  const engine = new FakeEngine(
    {
      followStats: (id, onSample) => {
        calls.push(`stats ${id.slice(0, 1)}`);
        const entry = { onSample, closed: false };
        streams.set(id, entry);
        return Promise.resolve({ close: () => void (entry.closed = true) });
      },
      exec: (id, argv) => {
        calls.push(`exec ${id.slice(0, 1)} ${argv[0]}`);
        if (opts.execFails) return Promise.resolve({ exitCode: 127, stdout: opts.execFails, stderr: '' });
        return Promise.resolve({ exitCode: 0, stdout: opts.gpuCsv ?? '0, GPU-11111111-2222-3333-4444-555555555555, NVIDIA RTX A6000, 45, 7372, 49140, [N/A]\n', stderr: '' });
      },
    },
    { isLocal: opts.isLocal ?? false },
  );
  return { engine, calls, streams };
}

const noHostGpu: HostGpu = { nvidiaSmi: () => Promise.reject(Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' })), cgroupOf: () => Promise.resolve(undefined) };

describe('live figures', () => {
  test('make no engine request while the view is hidden, and stop when it is hidden again', async () => {
    const { engine, calls, streams } = recordingEngine();
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 60_000 });
    c.update([running(0, ID0)]);
    // Hidden: nothing was asked. (Every call is synchronous up to the fake's promise, so none can be pending.)
    assert.equal(calls.length, 0, `no engine call while hidden: ${calls.join(", ")}`);
    c.setActive(true);
    await until(() => calls.includes('exec a nvidia-smi'), 'the GPU query');
    assert.deepEqual(calls.sort(), ['exec a nvidia-smi', 'stats a']);
    streams.get(ID0)!.onSample(sample(25, 3 * 1024 ** 3, 16 * 1024 ** 3));
    await until(() => c.get(0)?.cpuPercent !== undefined, 'the first figures');
    assert.equal(Math.round(c.get(0)!.cpuPercent!), 25);
    assert.equal(c.get(0)!.memoryUsedBytes, 3 * 1024 ** 3);
    assert.deepEqual(c.get(0)!.gpus?.map((g) => [g.index, g.utilizationPercent, g.memoryUsedMiB, g.memoryTotalMiB]), [[0, 45, 7372, 49140]]);
    c.setActive(false);
    assert.equal(streams.get(ID0)!.closed, true, 'hiding the view closes the stats stream');
    c.dispose();
  });

  test('follow only running instances: a stop closes its stream, a start opens one', async () => {
    const { engine, calls, streams } = recordingEngine();
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 60_000 });
    c.setActive(true);
    c.update([running(0, ID0), { ...running(1, ID1), state: { kind: 'stopped', since: 0 } }]);
    await until(() => calls.includes('stats a'), 'the stream of instance-0');
    assert.ok(!calls.includes('stats b'), 'a stopped instance gets no stream');
    c.update([{ ...running(0, ID0), state: { kind: 'stopped', since: 0 } }, running(1, ID1)]);
    await until(() => calls.includes('stats b'), 'the stream of instance-1');
    assert.equal(streams.get(ID0)!.closed, true);
    assert.equal(c.get(0), undefined, 'a stopped instance has no figures');
    c.dispose();
  });

  test('an exec the engine refuses (the container is not running yet) is asked again at the next poll', async () => {
    let asked = 0;
    const engine = new FakeEngine(
      {
        followStats: () => Promise.resolve({ close() {} }),
        exec: () => {
          asked++;
          if (asked === 1) return Promise.reject(new Error(`Could not run nvidia-smi in container ${ID0}: Container ${ID0} is not running`));
          return Promise.resolve({ exitCode: 0, stdout: '0, GPU-1, NVIDIA L40S, 5, 100, 46068, Disabled\n', stderr: '' });
        },
      },
      { isLocal: false },
    );
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 10 });
    c.update([running(0, ID0, 'starting')]);
    c.setActive(true);
    await until(() => asked >= 1 && c.get(0)?.gpuNote !== undefined, 'the refused first exec');
    assert.match(c.get(0)!.gpuNote!, /^not known yet: .*is not running/);
    await until(() => c.get(0)?.gpus !== undefined, 'the GPU figures from the next poll');
    assert.deepEqual(c.get(0)!.gpus!.map((g) => g.name), ['NVIDIA L40S']);
    assert.equal(c.get(0)!.gpuNote, undefined);
    c.dispose();
  });

  test('a container without a usable nvidia-smi is asked once per run and says why', async () => {
    const missing = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nvidia-smi": executable file not found in $PATH: unknown';
    const calls: string[] = [];
    const engine = new FakeEngine(
      {
        followStats: () => Promise.resolve({ close() {} }),
        exec: (id) => {
          calls.push(id.slice(0, 1));
          return Promise.resolve(id === ID0 ? { exitCode: 127, stdout: missing, stderr: '' } : { exitCode: 0, stdout: '0, GPU-1, NVIDIA L40S, 5, 100, 46068, Disabled\n', stderr: '' });
        },
      },
      { isLocal: false },
    );
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 10 });
    c.update([running(0, ID0), running(1, ID1)]);
    c.setActive(true);
    // instance-1's nvidia-smi answers every interval: once it has been asked 5 times, instance-0 had 5 chances too.
    await until(() => calls.filter((x) => x === 'b').length >= 5, 'five GPU polls');
    assert.equal(calls.filter((x) => x === 'a').length, 1);
    assert.match(c.get(0)!.gpuNote!, /executable file not found/);
    assert.equal(c.get(0)!.gpus, undefined);
    c.dispose();
  });

  test('local engine with nvidia-smi here: host PIDs mapped to containers by their cgroup give each its GPUs and VRAM, and shared GPUs', async () => {
    const { engine, calls } = recordingEngine({ isLocal: true });
    const gpus = '0, GPU-aaaaaaaa-0000-0000-0000-000000000000, NVIDIA RTX A6000, 60, 30000, 49140, Disabled\n1, GPU-bbbbbbbb-0000-0000-0000-000000000000, NVIDIA RTX A6000, 0, 1, 49140, Disabled\n';
    const apps = '101, GPU-aaaaaaaa-0000-0000-0000-000000000000, 9000\n202, GPU-aaaaaaaa-0000-0000-0000-000000000000, 12000\n303, GPU-bbbbbbbb-0000-0000-0000-000000000000, 100\n';
    const cgroups: Record<number, string> = { 101: `0::/system.slice/docker-${ID0}.scope\n`, 202: `0::/system.slice/docker-${ID1}.scope\n`, 303: '0::/user.slice/user-1000.slice/session-2.scope\n' };
    const asked: string[] = [];
    const hostGpu: HostGpu = {
      nvidiaSmi: (args) => {
        asked.push(args[0]);
        return Promise.resolve(args.some((a) => a.startsWith('--query-compute-apps')) ? apps : gpus);
      },
      cgroupOf: (pid) => Promise.resolve(cgroups[pid]),
    };
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu, coalesceMs: 1, gpuIntervalMs: 60_000 });
    c.update([running(0, ID0), running(1, ID1)]);
    c.setActive(true);
    await until(() => c.get(1)?.vramUsedMiB !== undefined, 'the VRAM of instance-1');
    assert.equal(c.get(0)!.vramUsedMiB, 9000);
    assert.equal(c.get(1)!.vramUsedMiB, 12000);
    assert.deepEqual(c.get(0)!.gpus?.map((g) => g.index), [0]);
    assert.deepEqual(c.get(0)!.sharesGpuWith, ['instance-1']);
    assert.deepEqual(c.get(1)!.sharesGpuWith, ['instance-0']);
    assert.ok(!calls.some((x) => x.startsWith('exec')), 'no exec in the containers when nvidia-smi runs here');
    assert.equal(asked.length, 2, 'one GPU query and one apps query for all instances');
    c.dispose();
  });

  test('local engine without nvidia-smi here: falls back to nvidia-smi in each container', async () => {
    const { engine, calls } = recordingEngine({ isLocal: true });
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 60_000 });
    c.update([running(0, ID0), running(1, ID1)]);
    c.setActive(true);
    await until(() => (c.get(0)?.gpus?.length ?? 0) > 0 && (c.get(1)?.gpus?.length ?? 0) > 0, 'GPU figures of both');
    assert.deepEqual(calls.filter((x) => x.startsWith('exec')).sort(), ['exec a nvidia-smi', 'exec b nvidia-smi']);
    // Both see the same GPU (by UUID): each is told so.
    assert.deepEqual(c.get(0)!.sharesGpuWith, ['instance-1']);
    c.dispose();
  });
});
