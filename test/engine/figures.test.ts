/**
 * The engine calls behind the live figures, against the real engine: the stats stream of a running
 * container (its memory limit as `docker run --memory` set it), and exec (output, exit code, a missing executable, the timeout). Containers of the stand-in image
 * run busybox (sleep, sh), named isaac-sim-figures-*.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { DockerEngine } from '../../src/docker/engine';
import { EngineError } from '../../src/docker/errors';
import { containerStatsFigures, type ContainerFigures } from '../../src/docker/stats';
import { containerIdOfCgroup } from '../../src/instances/cgroup';
import { docker, dockerInspect, STANDIN_IMAGE, waitFor } from './helpers';

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

  test('exec gives stdout, stderr and the exit code, each stream on its own', async () => {
    const r = await engine.exec(id, ['/bin/sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3'], 10_000);
    assert.deepEqual(r, { exitCode: 3, stdout: 'to-stdout\n', stderr: 'to-stderr\n' });
  });

  test('exec of an executable the container lacks says so: the runtime message and exit code 126 or 127', async () => {
    const r = await engine.exec(id, ['nvidia-smi-not-here'], 10_000);
    assert.ok(r.exitCode === 126 || r.exitCode === 127, `exit code ${r.exitCode}`);
    assert.match(r.stdout + r.stderr, /nvidia-smi-not-here/);
  });

  test('exec that does not answer within the timeout fails with an error that says so', async () => {
    await assert.rejects(engine.exec(id, ['/bin/sleep', '30'], 500), (err: unknown) => err instanceof EngineError && /did not answer within 1 s/.test(err.message));
  });

  test("the main process's host PID maps back to its container through /proc/PID/cgroup", async () => {
    const pid = (await dockerInspect(NAME))?.State?.Pid as number;
    assert.ok(pid > 0);
    assert.equal(containerIdOfCgroup(await readFile(`/proc/${pid}/cgroup`, 'utf8')), id);
    assert.equal(containerIdOfCgroup(await readFile('/proc/self/cgroup', 'utf8')), undefined, 'this test process is in no container');
  });
});
