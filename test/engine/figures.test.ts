/**
 * The engine calls behind the live figures, against the real engine: the stats stream of a running
 * container (its memory limit as `docker run --memory` set it), and a followed exec (its stdout line
 * by line as it comes, stderr and the exit code, a missing executable, close() ending it). Containers
 * of the stand-in image run busybox (sleep, sh), named isaac-sim-figures-*.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { DockerEngine } from '../../src/docker/engine';
import { EngineError } from '../../src/docker/errors';
import { containerStatsFigures, type ContainerFigures } from '../../src/docker/stats';
import { containerIdOfCgroup } from '../../src/instances/cgroup';
import { loopPid, stopLoopCommand } from '../../src/instances/nvidiaSmi';
import { docker, dockerInspect, execToEnd, STANDIN_IMAGE, waitFor } from './helpers';

const NAME = 'isaac-sim-figures-0';
const LIMIT = 256 * 1024 * 1024;

async function removeQuietly(name: string): Promise<void> {
  await docker('rm', '-f', name).catch(() => undefined);
}

describe('live figures: the engine calls', () => {
  const engine = new DockerEngine({ dockerHost: '' });
  let id = '';

  before(async () => {
    await removeQuietly(NAME);
    // A loop that uses some CPU, so that the CPU % has something to show.
    id = (await docker('run', '-d', '--name', NAME, '--network', 'host', '--memory', String(LIMIT), '--entrypoint', '/bin/sh', STANDIN_IMAGE, '-c', 'while :; do :; done')).trim();
  });
  after(async () => {
    await removeQuietly(NAME);
  });

  test('the stats stream gives a sample a second with the memory limit of docker run --memory, and CPU once two readings exist', async () => {
    const samples: ContainerFigures[] = [];
    let ended = false;
    const stream = await engine.followStats(id, (s) => samples.push(containerStatsFigures(s)), () => (ended = true));
    try {
      await waitFor('three stats samples', () => samples.length >= 3, 15_000);
    } finally {
      stream.close();
    }
    for (const s of samples) assert.equal(s.memoryLimitBytes, LIMIT, 'the limit docker run --memory set');
    const last = samples[samples.length - 1];
    assert.ok(last.memoryUsedBytes !== undefined && last.memoryUsedBytes > 0 && last.memoryUsedBytes < LIMIT, `memory used ${last.memoryUsedBytes}`);
    // The busy loop keeps one CPU near 100 %: well above zero on any machine that runs it at all.
    assert.ok(last.cpuPercent !== undefined && last.cpuPercent > 20, `CPU % of a busy loop: ${last.cpuPercent}`);
    assert.ok((last.onlineCpus ?? 0) >= 1);
    assert.equal(ended, false, 'closing is not an end reported by the engine');
  });

  test('following the stats of a container that does not exist fails with the engine error', async () => {
    await assert.rejects(engine.followStats('isaac-sim-figures-missing', () => undefined, () => undefined), (err: unknown) => err instanceof EngineError && /isaac-sim-figures-missing/.test(err.message));
  });

  test('a followed exec gives stdout line by line, stderr and the exit code, each stream on its own', async () => {
    const r = await execToEnd(engine, id, ['/bin/sh', '-c', 'echo to-stdout; echo second; echo to-stderr >&2; exit 3']);
    assert.deepEqual(r, { exitCode: 3, stdout: 'to-stdout\nsecond\n', stderr: 'to-stderr\n' });
  });

  test('a followed exec of an executable the container lacks says so: the runtime message and exit code 126 or 127', async () => {
    const r = await execToEnd(engine, id, ['nvidia-smi-not-here']);
    assert.ok(r.exitCode === 126 || r.exitCode === 127, `exit code ${r.exitCode}`);
    assert.match(r.stdout + r.stderr, /nvidia-smi-not-here/);
  });

  test('a followed exec hands over each line as it is printed; close() drops it without onEnd, the engine keeps the command running, and a kill by the pid it printed ends it', async () => {
    const marker = `figures-loop-${process.pid}`;
    const lines: { line: string; at: number }[] = [];
    let ended = false;
    // Says its pid, then prints a line every 0.3 s (as gpuLoopCommand's sh, then nvidia-smi --loop).
    // Each pass also appends to a file, which shows the loop runs on once nobody reads its stdout.
    const stream = await engine.followExec(id, ['/bin/sh', '-c', `echo "pid $$"; i=0; while :; do echo "${marker} $i"; echo "$i" >> /tmp/${marker}; i=$((i+1)); sleep 0.3; done`], (line) => lines.push({ line, at: Date.now() }), () => (ended = true));
    await waitFor('four lines of the loop', () => lines.length >= 5, 15_000);
    const pid = loopPid(lines[0].line);
    assert.ok(pid !== undefined && pid > 0, `the pid line: ${lines[0].line}`);
    assert.deepEqual(lines.slice(1, 5).map((l) => l.line), [0, 1, 2, 3].map((i) => `${marker} ${i}`));
    // They came as they were printed, not all at the end.
    assert.ok(lines[4].at - lines[1].at >= 600, `0.3 s apart: ${lines.map((l) => l.at - lines[0].at).join(', ')} ms`);
    const running = async () => (await docker('exec', NAME, 'ps', '-o', 'args')).split('\n').some((l) => l.includes(marker) && !l.includes('ps -o'));
    const passes = async () => (await docker('exec', NAME, 'cat', `/tmp/${marker}`)).split('\n').filter(Boolean).length;
    stream.close();
    // The engine keeps an exec running once its client has gone (this is why the collector kills its
    // loop): three more passes after the close show it.
    const atClose = await passes();
    await waitFor('three more passes of the loop after close()', async () => (await passes()) >= atClose + 3, 15_000);
    assert.equal(await running(), true, 'the engine keeps the command running after its client has gone');
    const stopped = await execToEnd(engine, id, stopLoopCommand(pid!));
    assert.equal(stopped.exitCode, 0, stopped.stderr);
    await waitFor('the loop to end once killed', async () => !(await running()), 15_000);
    assert.equal(ended, false, 'closing is not an end reported by the engine');
  });

  test('a followed exec in a container that does not exist fails with the engine error', async () => {
    await assert.rejects(engine.followExec('isaac-sim-figures-missing', ['true'], () => undefined, () => undefined), (err: unknown) => err instanceof EngineError && /isaac-sim-figures-missing/.test(err.message));
  });

  test("the main process's host PID maps back to its container through /proc/PID/cgroup", async () => {
    const pid = (await dockerInspect(NAME))?.State?.Pid as number;
    assert.ok(pid > 0);
    assert.equal(containerIdOfCgroup(await readFile(`/proc/${pid}/cgroup`, 'utf8')), id);
    assert.equal(containerIdOfCgroup(await readFile('/proc/self/cgroup', 'utf8')), undefined, 'this test process is in no container');
  });
});
