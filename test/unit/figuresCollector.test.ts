/**
 * FiguresCollector with a fake engine and a fake host nvidia-smi: what it asks the engine for and
 * when. The real engine's stats stream and followed exec are tested in test/engine/figures.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FiguresCollector } from '../../src/instances/figuresCollector';
import type { HostGpu } from '../../src/instances/hostGpu';
import type { ExecEnd } from '../../src/instances/engineApi';
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

const A6000 = '0, GPU-11111111-2222-3333-4444-555555555555, NVIDIA RTX A6000, 45, 7372, 49140, [N/A]';

/** A followed exec of the fake engine: what it was asked to run, and a way to print and to end. */
interface FakeExec {
  argv: readonly string[];
  print: (line: string) => void;
  end: (end: ExecEnd) => void;
  closed: boolean;
}

function recordingEngine(opts: { isLocal?: boolean; firstLine?: string } = {}) {
  const calls: string[] = [];
  const streams = new Map<string, { onSample: (s: unknown) => void; closed: boolean }>();
  const execs = new Map<string, FakeExec>();
  const kills: string[] = [];
  const engine = new FakeEngine(
    {
      followStats: (id, onSample) => {
        calls.push(`stats ${id.slice(0, 1)}`);
        const entry = { onSample, closed: false };
        streams.set(id, entry);
        return Promise.resolve({ close: () => void (entry.closed = true) });
      },
      followExec: (id, argv, onLine, onEnd) => {
        // The loop is sh … nvidia-smi <args> (argv[3] its $0), its end sh … kill <pid>.
        const what = argv[3] ?? argv[0];
        calls.push(`exec ${id.slice(0, 1)} ${what}`);
        const entry: FakeExec = { argv, print: onLine, end: onEnd, closed: false };
        if (what === 'kill') {
          kills.push(`${id.slice(0, 1)} ${argv[argv.length - 1]}`);
          return Promise.resolve({ close() {} });
        }
        execs.set(id, entry);
        // The loop's sh says its pid, then nvidia-smi --loop answers at once, then every interval.
        setImmediate(() => {
          onLine(`pid ${id === ID0 ? 4242 : 4343}`);
          onLine(opts.firstLine ?? A6000);
        });
        return Promise.resolve({ close: () => void (entry.closed = true) });
      },
    },
    { isLocal: opts.isLocal ?? false },
  );
  return { engine, calls, streams, execs, kills };
}

const noHostGpu: HostGpu = { nvidiaSmi: () => Promise.reject(Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' })), cgroupOf: () => Promise.resolve(undefined) };

describe('live figures', () => {
  test('make no engine request while the view is hidden, and stop when it is hidden again', async () => {
    const { engine, calls, streams, execs, kills } = recordingEngine();
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 60_000 });
    c.update([running(0, ID0)]);
    // Hidden: nothing was asked. (Every call is synchronous up to the fake's promise, so none can be pending.)
    assert.equal(calls.length, 0, `no engine call while hidden: ${calls.join(", ")}`);
    c.setActive(true);
    await until(() => calls.includes('exec a nvidia-smi'), 'the GPU query');
    assert.deepEqual([...calls].sort(), ['exec a nvidia-smi', 'stats a']);
    // One exec that keeps answering (nvidia-smi --loop under sh, which says its pid first), at the collector's interval in seconds.
    assert.deepEqual(execs.get(ID0)!.argv.slice(0, 2), ['/bin/sh', '-c']);
    assert.deepEqual(execs.get(ID0)!.argv.slice(3), ['nvidia-smi', '--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,mig.mode.current', '--format=csv,noheader,nounits', '--loop=60']);
    streams.get(ID0)!.onSample(sample(25, 3 * 1024 ** 3, 16 * 1024 ** 3));
    await until(() => c.get(0)?.cpuPercent !== undefined && c.get(0)?.gpus !== undefined, 'the first figures and nvidia-smi\'s first answer');
    assert.equal(Math.round(c.get(0)!.cpuPercent!), 25);
    assert.equal(c.get(0)!.memoryUsedBytes, 3 * 1024 ** 3);
    assert.deepEqual(c.get(0)!.gpus?.map((g) => [g.index, g.utilizationPercent, g.memoryUsedMiB, g.memoryTotalMiB]), [[0, 45, 7372, 49140]]);
    c.setActive(false);
    assert.equal(streams.get(ID0)!.closed, true, 'hiding the view closes the stats stream');
    assert.equal(execs.get(ID0)!.closed, true, 'hiding the view drops the loop\'s connection');
    // The engine would keep it running: it is killed by the pid its sh printed.
    await until(() => kills.length > 0, 'the kill of the loop');
    assert.deepEqual(kills, ['a 4242']);
    c.dispose();
  });

  test("nvidia-smi --loop's later answers update the figures with no further engine request", async () => {
    const { engine, calls, execs } = recordingEngine();
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 5_000 });
    c.update([running(0, ID0)]);
    c.setActive(true);
    await until(() => c.get(0)?.gpus?.[0]?.utilizationPercent === 45, 'the first answer');
    execs.get(ID0)!.print('0, GPU-11111111-2222-3333-4444-555555555555, NVIDIA RTX A6000, 97, 40100, 49140, [N/A]');
    await until(() => c.get(0)?.gpus?.[0]?.utilizationPercent === 97, 'the next answer');
    assert.equal(c.get(0)!.gpus![0].memoryUsedMiB, 40100);
    assert.deepEqual([...calls].sort(), ['exec a nvidia-smi', 'stats a'], 'still one exec and one stats stream');
    assert.equal(c.get(0)!.gpus!.length, 1, 'the pid line is no GPU');
    c.dispose();
  });

  test('a followed exec that breaks off (the engine went away) is started again', async () => {
    const { engine, calls, execs } = recordingEngine();
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 10 });
    c.update([running(0, ID0)]);
    c.setActive(true);
    await until(() => c.get(0)?.gpus !== undefined, 'the first answer');
    execs.get(ID0)!.end({ stderr: '', error: new Error('socket hang up') });
    await until(() => calls.filter((x) => x === 'exec a nvidia-smi').length === 2, 'nvidia-smi started again');
    assert.notEqual(c.get(0)!.gpus, undefined, 'the figures last seen stay meanwhile');
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

  test('an exec the engine refuses (the container is not running yet) is asked again an interval later', async () => {
    let asked = 0;
    const engine = new FakeEngine(
      {
        followStats: () => Promise.resolve({ close() {} }),
        followExec: (_id, _argv, onLine) => {
          asked++;
          if (asked === 1) return Promise.reject(new Error(`Could not run nvidia-smi in container ${ID0}: Container ${ID0} is not running`));
          setImmediate(() => onLine('0, GPU-1, NVIDIA L40S, 5, 100, 46068, Disabled'));
          return Promise.resolve({ close() {} });
        },
      },
      { isLocal: false },
    );
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 10 });
    c.update([running(0, ID0, 'starting')]);
    c.setActive(true);
    await until(() => asked >= 1 && c.get(0)?.gpuNote !== undefined, 'the refused first exec');
    assert.match(c.get(0)!.gpuNote!, /^not known yet: .*is not running/);
    await until(() => c.get(0)?.gpus !== undefined, 'the GPU figures from the next try');
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
        // instance-0: the engine's answer on stdout, then exit 127. instance-1: one answer, then it
        // ends by itself (exit 0), so it is started again every interval: the clock of this test.
        followExec: (id, _argv, onLine, onEnd) => {
          calls.push(id.slice(0, 1));
          setImmediate(() => {
            onLine(id === ID0 ? missing : '0, GPU-1, NVIDIA L40S, 5, 100, 46068, Disabled');
            onEnd(id === ID0 ? { exitCode: 127, stderr: '' } : { exitCode: 0, stderr: '' });
          });
          return Promise.resolve({ close() {} });
        },
      },
      { isLocal: false },
    );
    const c = new FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 10 });
    c.update([running(0, ID0), running(1, ID1)]);
    c.setActive(true);
    // instance-1's nvidia-smi is started again every interval: once 5 times, instance-0 had 5 chances too.
    await until(() => calls.filter((x) => x === 'b').length >= 5, 'five starts of instance-1\'s nvidia-smi');
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
    assert.deepEqual(calls.filter((x) => x.startsWith('exec')).sort(), ['exec a nvidia-smi', 'exec b nvidia-smi'], 'one followed nvidia-smi in each');
    // Both see the same GPU (by UUID): each is told so.
    assert.deepEqual(c.get(0)!.sharesGpuWith, ['instance-1']);
    c.dispose();
  });
});
