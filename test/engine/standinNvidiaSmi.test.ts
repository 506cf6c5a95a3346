// The stand-in's nvidia-smi look-alike (stand-in/nvidia-smi, stand-in/README.md "nvidia-smi") inside a
// running stand-in container of each Isaac Sim version, against the real Docker Engine: `docker exec`
// runs /usr/local/bin/nvidia-smi with the STANDIN_* env the container was started with (and `exec -e`
// overrides), and the extension's own exec (DockerEngine.followExec, as the figures collector calls
// it, with --loop) gets figures the real parser reads. Run under the docker lock (flock /tmp/isaac-docker.lock).
//
// The containers run the image's own entrypoint on `--network none`: the Kit's servers bind the
// container's own loopback, so no port on this machine is taken and no traffic leaves.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DockerEngine } from '../../src/docker/engine';
import { APPS_QUERY_ARGS, GPU_QUERY_ARGS, gpuLoopArgs, gpuLoopCommand, loopPid, parseComputeApps, parseGpus, stopLoopCommand } from '../../src/instances/nvidiaSmi';
import { dockerOk, dockerRun } from './exec';
import { dockerInspect, execToEnd, REPO, waitFor } from './helpers';

const TEST_LABEL = 'dev.isaac-sim-orchestrator.test=standin-nvidia-smi';
const VERSIONS = ['4.2.0', '5.1.0', '6.0.1'] as const;
const SMI = '/usr/local/bin/nvidia-smi';
const NO_DRIVER = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
const GPUS = '0,GPU-c7b57be0-94ff-d352-a59b-d0ee00aeed43,Quadro RTX 4000,12,3100,8192;1,GPU-d6de6afc-bdfe-75c4-5273-0544439153fc,NVIDIA A100-SXM4-40GB,40,20000,40960,Enabled';
const APPS = '4339,GPU-c7b57be0-94ff-d352-a59b-d0ee00aeed43,480;5120,GPU-d6de6afc-bdfe-75c4-5273-0544439153fc,19000';

const containers = new Set<string>();
after(async () => {
  for (const name of containers) await dockerRun('rm', '-f', name);
});

async function startStandin(version: string): Promise<string> {
  const name = `standin-smi-test-${process.pid}-${version}`;
  containers.add(name);
  await dockerRun('rm', '-f', name);
  await dockerOk(
    'run', '-d', '--name', name, '--label', TEST_LABEL, '--network', 'none',
    '-e', 'ACCEPT_EULA=Y', '-e', 'STANDIN_STEP_SECONDS=0.05', '-e', `STANDIN_GPUS=${GPUS}`, '-e', `STANDIN_GPU_APPS=${APPS}`,
    `isaac-sim-standin:${version}`,
  );
  await waitFor(`${name} running`, async () => (await dockerInspect(name))?.State?.Running === true, 20_000);
  return name;
}

for (const version of VERSIONS) {
  test(`${version}: docker exec nvidia-smi answers the two queries from the container's STANDIN_GPUS / STANDIN_GPU_APPS`, { timeout: 60_000 }, async () => {
    const name = await startStandin(version);
    const user = (await dockerOk('exec', name, 'id', '-u')).trim();
    assert.equal(user, version === '4.2.0' ? '0' : '1234', 'the image\'s own user runs it');
    assert.equal(await dockerOk('exec', name, 'cat', SMI), readFileSync(path.join(REPO, 'stand-in/nvidia-smi'), 'utf8'), 'the image has stand-in/nvidia-smi as it is');

    const gpus = await dockerRun('exec', name, 'nvidia-smi', ...GPU_QUERY_ARGS);
    assert.deepEqual(gpus, {
      code: 0,
      stdout:
        '0, GPU-c7b57be0-94ff-d352-a59b-d0ee00aeed43, Quadro RTX 4000, 12, 3100, 8192, [N/A]\n' +
        '1, GPU-d6de6afc-bdfe-75c4-5273-0544439153fc, NVIDIA A100-SXM4-40GB, [N/A], 20000, 40960, Enabled\n',
      stderr: '',
    });
    const apps = await dockerRun('exec', name, SMI, ...APPS_QUERY_ARGS);
    assert.deepEqual(apps, {
      code: 0,
      stdout: '4339, GPU-c7b57be0-94ff-d352-a59b-d0ee00aeed43, 480\n5120, GPU-d6de6afc-bdfe-75c4-5273-0544439153fc, 19000\n',
      stderr: '',
    });
    assert.deepEqual(await dockerOk('exec', name, SMI, '--query-gpu=memory.total,index', '--format=csv,nounits,noheader'), '8192, 0\n40960, 1\n');

    // The extension's own path: exec through the Engine API, the answer through the parser.
    const engine = new DockerEngine({ dockerHost: '' });
    const r = await execToEnd(engine, name, ['nvidia-smi', ...GPU_QUERY_ARGS]);
    assert.equal(r.exitCode, 0, r.stderr);
    const both = [
      { index: 0, uuid: 'GPU-c7b57be0-94ff-d352-a59b-d0ee00aeed43', name: 'Quadro RTX 4000', utilizationPercent: 12, memoryUsedMiB: 3100, memoryTotalMiB: 8192 },
      { index: 1, uuid: 'GPU-d6de6afc-bdfe-75c4-5273-0544439153fc', name: 'NVIDIA A100-SXM4-40GB', memoryUsedMiB: 20000, memoryTotalMiB: 40960, mig: true },
    ];
    assert.deepEqual(parseGpus(r.stdout), both);
    // The collector's form (gpuLoopCommand): sh says its pid, then nvidia-smi --loop=1 (under the
    // image's timeout) answers again every second over the one exec, each line one GPU; the kill by
    // that pid ends it, and then nothing of it runs in the container.
    const looped: string[] = [];
    let loopEnd: number | undefined;
    const loop = await engine.followExec(name, gpuLoopCommand(1), (line) => looped.push(line), (end) => (loopEnd = end.exitCode ?? -1));
    try {
      await waitFor('three answers of nvidia-smi --loop=1', () => looped.length >= 7, 15_000);
    } finally {
      loop.close();
    }
    const pid = loopPid(looped[0]);
    assert.ok(pid !== undefined, `the pid line: ${looped[0]}`);
    assert.deepEqual(looped.slice(1, 7).map((l) => parseGpus(l)[0]), [...both, ...both, ...both]);
    const smiRuns = async () => (await dockerOk('exec', name, 'ps', '-o', 'pid,args')).split('\n').some((l) => /nvidia-smi --query-gpu/.test(l));
    assert.equal(await smiRuns(), true, 'the loop runs on after its connection was dropped');
    assert.equal((await execToEnd(engine, name, stopLoopCommand(pid!))).exitCode, 0);
    await waitFor('no nvidia-smi loop left in the container', async () => !(await smiRuns()), 10_000);
    assert.equal(loopEnd, undefined, 'a dropped exec reports no end');
    const a = await execToEnd(engine, name, ['nvidia-smi', ...APPS_QUERY_ARGS]);
    assert.equal(a.exitCode, 0, a.stderr);
    assert.deepEqual(parseComputeApps(a.stdout).map((p) => [p.pid, p.usedMemoryMiB]), [[4339, 480], [5120, 19000]]);

    // docker exec -e overrides the container's env: the default GPU, no apps, no driver.
    assert.equal(
      await dockerOk('exec', '-e', 'STANDIN_GPUS=', name, 'nvidia-smi', ...GPU_QUERY_ARGS),
      '0, GPU-e1924eea-b9bb-d537-39f2-b345087fa145, NVIDIA GeForce RTX 3090, 0, 15005, 24576, [N/A]\n',
    );
    assert.deepEqual(await dockerRun('exec', '-e', 'STANDIN_GPU_APPS=', name, 'nvidia-smi', ...APPS_QUERY_ARGS), { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await dockerRun('exec', '-e', 'STANDIN_NVIDIA_SMI=no-driver', name, 'nvidia-smi', ...GPU_QUERY_ARGS), { code: 9, stdout: `${NO_DRIVER}\n`, stderr: '' });
    const nd = await execToEnd(engine, name, ['sh', '-c', `STANDIN_NVIDIA_SMI=no-driver exec nvidia-smi ${gpuLoopArgs(1).join(' ')}`]);
    assert.deepEqual([nd.exitCode, nd.stdout], [9, `${NO_DRIVER}\n`], 'the engine API sees the exit code the collector turns into a note');

    // What it does not imitate.
    const refused = await dockerRun('exec', name, 'nvidia-smi', '-L');
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^\[standin\] nvidia-smi: unsupported argument "-L"\. This is the Isaac Sim stand-in's nvidia-smi look-alike/);

    assert.equal((await dockerInspect(name))?.State?.Running, true, 'the container still runs');
  });
}
