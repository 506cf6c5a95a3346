/**
 * The stand-in's nvidia-smi look-alike (stand-in/nvidia-smi), run with /bin/sh on this machine as
 * the extension would run a host nvidia-smi, its answers fed to the real parsers of
 * src/instances/nvidiaSmi.ts. Its lines are also held against the real samples of
 * test/fixtures/gpu (sources in SOURCES.md): configured with a sample's values and asked for the
 * sample's properties (those it supports), it must print the sample's columns byte for byte.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  APPS_QUERY_ARGS,
  GPU_QUERY_ARGS,
  parseComputeApps,
  parseGpus,
  parseQueryCsv,
  readMig,
  readNumber,
  vramByContainer,
} from '../../src/instances/nvidiaSmi';

/** The compiled test runs from out/test/unit. */
const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'stand-in/nvidia-smi');
const fixture = (name: string) => readFileSync(path.join(ROOT, 'test/fixtures/gpu', name), 'utf8');
const FORMAT = '--format=csv,noheader,nounits';
const NO_DRIVER = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the script with /bin/sh, with only PATH and `env` in its environment. */
function smi(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 10_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

async function ok(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const r = await smi(args, env);
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

/** `GPU i: NAME (UUID: GPU-…)` lines of an `nvidia-smi -L` fixture. */
function listed(name: string): { index: number; name: string; uuid: string }[] {
  return fixture(name)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^GPU (\d+): (.+) \(UUID: (GPU-[0-9a-f-]+)\)$/.exec(l);
      assert.ok(m, l);
      return { index: Number(m[1]), name: m[2], uuid: m[3] };
    });
}

/** The body lines of a fixture (the header dropped where `header`), each split at ", ". */
function rows(name: string, header = false): string[][] {
  const lines = fixture(name).split('\n').filter((l) => l !== '');
  return (header ? lines.slice(1) : lines).map((l) => l.split(', '));
}

describe('the extension\'s two queries', () => {
  test('default: one RTX 3090 of the real samples (name and uuid of nvidia-smi -L GPU 0, 24576 MiB), no MIG', async () => {
    const out = await ok(GPU_QUERY_ARGS);
    assert.equal(out, '0, GPU-e1924eea-b9bb-d537-39f2-b345087fa145, NVIDIA GeForce RTX 3090, 0, 15005, 24576, [N/A]\n');
    const first = listed('list-gpus-4x-rtx3090.txt')[0];
    assert.deepEqual(parseGpus(out), [{ index: 0, uuid: first.uuid, name: first.name, utilizationPercent: 0, memoryUsedMiB: 15005, memoryTotalMiB: 24576 }]);
  });

  test('several GPUs (the 4× RTX 3090 of nvidia-smi -L): one line each, in the order configured', async () => {
    const gpus = listed('list-gpus-4x-rtx3090.txt');
    const env = { STANDIN_GPUS: gpus.map((g, i) => `${g.index},${g.uuid},${g.name},${10 * i},${1000 + i},24576`).join(';') };
    const out = await ok(GPU_QUERY_ARGS, env);
    assert.equal(out.split('\n').length, 5, out);
    assert.deepEqual(
      parseGpus(out),
      gpus.map((g, i) => ({ index: g.index, uuid: g.uuid, name: g.name, utilizationPercent: 10 * i, memoryUsedMiB: 1000 + i, memoryTotalMiB: 24576 })),
    );
  });

  test('MIG: Enabled gives no utilization (whatever was configured), Disabled keeps it; [N/A] / [Not Supported] are no figure', async () => {
    const env = {
      STANDIN_GPUS:
        '0,GPU-aaa,NVIDIA A100-SXM4-40GB,37,1200,40960,Enabled;1,GPU-bbb,NVIDIA A100-SXM4-40GB,55,300,40960,Disabled;2,GPU-ccc,GeForce GTX 770,[Not Supported],[N/A],2048',
    };
    const out = await ok(GPU_QUERY_ARGS, env);
    assert.equal(
      out,
      '0, GPU-aaa, NVIDIA A100-SXM4-40GB, [N/A], 1200, 40960, Enabled\n' +
        '1, GPU-bbb, NVIDIA A100-SXM4-40GB, 55, 300, 40960, Disabled\n' +
        '2, GPU-ccc, GeForce GTX 770, [Not Supported], [N/A], 2048, [N/A]\n',
    );
    assert.deepEqual(parseGpus(out), [
      { index: 0, uuid: 'GPU-aaa', name: 'NVIDIA A100-SXM4-40GB', memoryUsedMiB: 1200, memoryTotalMiB: 40960, mig: true },
      { index: 1, uuid: 'GPU-bbb', name: 'NVIDIA A100-SXM4-40GB', utilizationPercent: 55, memoryUsedMiB: 300, memoryTotalMiB: 40960, mig: false },
      { index: 2, uuid: 'GPU-ccc', name: 'GeForce GTX 770', memoryTotalMiB: 2048 },
    ]);
  });

  test('compute apps: none by default prints nothing (an empty answer, no apps); configured ones parse and sum per container', async () => {
    assert.equal(await ok(APPS_QUERY_ARGS), '');
    assert.deepEqual(parseComputeApps(''), []);
    const [a, b] = [...new Set(rows('query-compute-apps-two-gpus.csv', true).map((r) => r[0]))];
    const out = await ok(APPS_QUERY_ARGS, { STANDIN_GPU_APPS: `4339,${a},480;4400,${b},1024;4401,${b},[N/A]` });
    assert.equal(out, `4339, ${a}, 480\n4400, ${b}, 1024\n4401, ${b}, [N/A]\n`);
    const apps = parseComputeApps(out);
    assert.deepEqual(apps, [
      { pid: 4339, gpuUuid: a, usedMemoryMiB: 480 },
      { pid: 4400, gpuUuid: b, usedMemoryMiB: 1024 },
      { pid: 4401, gpuUuid: b },
    ]);
    const byContainer = vramByContainer(apps, (pid) => (pid === 4339 ? 'one' : 'two'));
    assert.deepEqual(byContainer.get('one'), { usedMiB: 480, gpuUuids: [a], pids: [4339] });
    assert.deepEqual(byContainer.get('two'), { usedMiB: 1024, gpuUuids: [b], pids: [4400, 4401] });
  });

  test('empty STANDIN_GPUS is the default; empty records (a trailing ";") print nothing', async () => {
    assert.equal(await ok(GPU_QUERY_ARGS, { STANDIN_GPUS: '' }), await ok(GPU_QUERY_ARGS));
    assert.equal(await ok(['--query-gpu=index', FORMAT], { STANDIN_GPUS: '3,GPU-x,X,0,0,1;;' }), '3\n');
    assert.equal(await ok(APPS_QUERY_ARGS, { STANDIN_GPU_APPS: '' }), '');
  });
});

describe('any subset and order of the properties, and nvidia-smi\'s aliases', () => {
  const env = { STANDIN_GPUS: '0,GPU-aaa,NVIDIA A100-SXM4-40GB,37,1200,40960,Disabled;1,GPU-bbb,Tesla T4,6,7,15360' };

  test('--query-gpu in another order, arguments in another order', async () => {
    const fields = ['memory.total', 'mig.mode.current', 'name', 'index'];
    const out = await ok([FORMAT, `--query-gpu=${fields.join(',')}`], env);
    assert.equal(out, '40960, Disabled, NVIDIA A100-SXM4-40GB, 0\n15360, [N/A], Tesla T4, 1\n');
    const parsed = parseQueryCsv(out, fields);
    assert.equal(readNumber(parsed[1]['memory.total'], 'MiB', 'total'), 15360);
    assert.equal(readMig(parsed[0]['mig.mode.current']), false);
    assert.equal(parsed[1]['mig.mode.current'], undefined);
  });

  test('a single property; the same twice; gpu_uuid and gpu_name for uuid and name; csv,nounits,noheader', async () => {
    assert.equal(await ok(['--query-gpu=utilization.gpu', FORMAT], env), '37\n6\n');
    assert.equal(await ok(['--query-gpu=index,index', FORMAT], env), '0, 0\n1, 1\n');
    assert.equal(await ok(['--query-gpu=gpu_uuid,gpu_name', '--format=csv,nounits,noheader'], env), 'GPU-aaa, NVIDIA A100-SXM4-40GB\nGPU-bbb, Tesla T4\n');
  });

  test('--query-compute-apps in another order, used_gpu_memory for used_memory', async () => {
    const apps = { STANDIN_GPU_APPS: '11,GPU-aaa,100;22,GPU-bbb,200' };
    assert.equal(await ok(['--query-compute-apps=used_gpu_memory,pid', FORMAT], apps), '100, 11\n200, 22\n');
    assert.equal(await ok(['--query-compute-apps=gpu_uuid', FORMAT], apps), 'GPU-aaa\nGPU-bbb\n');
  });
});

describe('the same layout as the real samples', () => {
  /** The sample's columns for `fields` (the sample's own properties, in its order), joined as nvidia-smi joins them. */
  function columns(row: string[], all: string[], fields: string[]): string {
    return fields.map((f) => row[all.indexOf(f)]).join(', ');
  }

  test('Tesla T4 in a container: name, mig.mode.current, utilization.gpu, memory.total, memory.used', async () => {
    const all = ['timestamp', 'serial', 'name', 'mig.mode.current', 'utilization.gpu', 'memory.total', 'memory.used', 'utilization.memory'];
    const fields = ['name', 'mig.mode.current', 'utilization.gpu', 'memory.total', 'memory.used'];
    const [row] = rows('query-gpu-t4-in-container.csv');
    const out = await ok([`--query-gpu=${fields.join(',')}`, '--format=csv,nounits,noheader'], { STANDIN_GPUS: '0,GPU-t4,Tesla T4,0,6,15360' });
    assert.equal(out, `${columns(row, all, fields)}\n`);
    assert.ok(fixture('query-gpu-t4-in-container.csv').includes(out.trimEnd()), 'contiguous in the sample line');
  });

  test('the same GPU on a newer driver: memory.total, memory.used, utilization.gpu', async () => {
    const all = ['memory.total', 'memory.free', 'memory.used', 'temperature.gpu', 'fan.speed', 'utilization.gpu', 'utilization.memory'];
    const fields = ['memory.total', 'memory.used', 'utilization.gpu'];
    const [row] = rows('query-gpu-na-newer-driver.csv');
    assert.equal(await ok([`--query-gpu=${fields.join(',')}`, FORMAT], { STANDIN_GPUS: '0,GPU-x,X,0,0,2004' }), `${columns(row, all, fields)}\n`);
  });

  test('RTX 2080: name and gpu_uuid, then memory.total, name, gpu_uuid, utilization.gpu', async () => {
    const all = [
      'power.limit', 'power.min_limit', 'power.max_limit', 'memory.total', 'vbios_version', 'driver_version', 'name', 'gpu_uuid', 'power.draw',
      'temperature.gpu', 'temperature.memory', 'clocks.current.graphics', 'clocks.sm', 'clocks.mem', 'utilization.gpu', 'utilization.memory',
      'fan.speed', 'pcie.link.width.current', 'pstate',
    ];
    const [row] = rows('query-gpu-rtx2080-bare-na.csv');
    const env = { STANDIN_GPUS: '0,GPU-22b2c6ac-2d49-4863-197c-9c469071178a,GeForce RTX 2080,86,500,7979' };
    const pair = ['name', 'gpu_uuid'];
    const out = await ok([`--query-gpu=${pair.join(',')}`, FORMAT], env);
    assert.equal(out, `${columns(row, all, pair)}\n`);
    assert.ok(fixture('query-gpu-rtx2080-bare-na.csv').includes(out.trimEnd()));
    const four = ['memory.total', 'name', 'gpu_uuid', 'utilization.gpu'];
    assert.equal(await ok([`--query-gpu=${four.join(',')}`, FORMAT], env), `${columns(row, all, four)}\n`);
  });

  test('mig.mode.current: [N/A] on an RTX, Disabled on each of two A100s, Enabled on an H100 (the samples\' lines under their header)', async () => {
    const q = ['--query-gpu=mig.mode.current', FORMAT];
    assert.equal(await ok(q, { STANDIN_GPUS: '0,GPU-r,NVIDIA GeForce RTX 3090,0,0,24576' }), `${rows('query-gpu-mig-mode-rtx.csv', true).map((r) => r[0]).join('\n')}\n`);
    const a100 = rows('query-gpu-mig-mode-a100.csv', true);
    assert.equal(a100.length, 2);
    assert.equal(await ok(q, { STANDIN_GPUS: '0,GPU-a,A100,0,0,40960,Disabled;1,GPU-b,A100,0,0,40960,Disabled' }), `${a100.map((r) => r[0]).join('\n')}\n`);
    const [h100] = rows('query-gpu-mig-enabled-h100.csv', true);
    assert.equal(await ok(q, { STANDIN_GPUS: '0,GPU-h,H100,0,0,81559,Enabled' }), `${h100[1]}\n`);
  });

  test('compute apps: the gpu_uuid column of three processes on two GPUs', async () => {
    const sample = rows('query-compute-apps-two-gpus.csv', true);
    const env = { STANDIN_GPU_APPS: sample.map((r, i) => `${100 + i},${r[0]},10`).join(';') };
    assert.equal(await ok(['--query-compute-apps=gpu_uuid', FORMAT], env), `${sample.map((r) => r[0]).join('\n')}\n`);
  });

  test('every line: LF-terminated, ", " between values, no CR, no blank at either end', async () => {
    const out = await ok(GPU_QUERY_ARGS, { STANDIN_GPUS: '0,GPU-a,NVIDIA GeForce RTX 3090,1,2,24576;1,GPU-b,Quadro RTX 4000,3,4,8192,Disabled' });
    assert.ok(out.endsWith('\n') && !out.includes('\r'));
    for (const line of out.slice(0, -1).split('\n')) {
      assert.match(line, /^\d+, GPU-[a-z0-9-]+, [^, ][^,]*[^, ], (\d+|\[N\/A\]), \d+, \d+, (Enabled|Disabled|\[N\/A\])$/);
    }
  });
});

describe('no driver, and what it does not imitate', () => {
  test('STANDIN_NVIDIA_SMI=no-driver: NVIDIA\'s line on stdout and exit 9, for any arguments; the parser rejects the line', async () => {
    for (const args of [GPU_QUERY_ARGS, APPS_QUERY_ARGS, ['-L'], []]) {
      const r = await smi(args, { STANDIN_NVIDIA_SMI: 'no-driver' });
      assert.deepEqual(r, { code: 9, stdout: `${NO_DRIVER}\n`, stderr: '' }, args.join(' '));
    }
    assert.throws(() => parseGpus(`${NO_DRIVER}\n`), /does not answer the query/);
  });

  test('unsupported invocations: one [standin] line on stderr naming what it supports, nothing on stdout, exit 2', async () => {
    const cases: string[][] = [
      [],
      ['-L'],
      ['-q'],
      ['--query-gpu=index', '--format=csv'],
      ['--query-gpu=index', '--format=csv,noheader'],
      ['--query-gpu=index', '--format=csv,nounits'],
      ['--query-gpu=index', '--format=csv,noheader,nounits,csv'],
      ['--query-gpu=index'],
      [FORMAT],
      ['--query-gpu=index,temperature.gpu', FORMAT],
      ['--query-gpu=index,', FORMAT],
      ['--query-gpu=', FORMAT],
      ['--query-compute-apps=pid,process_name', FORMAT],
      ['--query-gpu=index', '--query-compute-apps=pid', FORMAT],
      ['--query-gpu=index', FORMAT, '-i', '0'],
      ['--query-gpu', 'index', FORMAT],
      // The loop: a bare -l (the real one's 5 s default is not imitated), no whole number ≥ 1, twice.
      ['--query-gpu=index', FORMAT, '-l'],
      ['--query-gpu=index', FORMAT, '--loop=0'],
      ['--query-gpu=index', FORMAT, '--loop=0.5'],
      ['--query-gpu=index', FORMAT, '--loop='],
      ['--query-gpu=index', FORMAT, '-l', '1', '--loop=1'],
    ];
    for (const args of cases) {
      const r = await smi(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
      assert.match(r.stderr, /^\[standin\] nvidia-smi: .+ This is the Isaac Sim stand-in's nvidia-smi look-alike; it answers only --query-gpu=<index,uuid,name,utilization\.gpu,memory\.used,memory\.total,mig\.mode\.current> or --query-compute-apps=<pid,gpu_uuid,used_memory> with --format=csv,noheader,nounits/, args.join(' '));
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, args.join(' '));
    }
  });

  test('--loop=SEC and -l SEC: the whole answer again every SEC seconds, until the reader goes away', async () => {
    for (const loop of [['--loop=1'], ['-l', '1']]) {
      const child = spawn('/bin/sh', [SCRIPT, ...GPU_QUERY_ARGS, ...loop], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', STANDIN_GPUS: '0,GPU-a,NVIDIA L40S,5,100,46068;1,GPU-b,NVIDIA L40S,7,200,46068' } });
      const got: { at: number; line: string }[] = [];
      let rest = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.stdout.on('data', (chunk: Buffer) => {
        const parts = (rest + chunk.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) got.push({ at: Date.now(), line });
        // Two whole answers: then the reader goes away, as the extension's exec does when closed.
        if (got.length >= 4) child.stdout.destroy();
      });
      const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      assert.notEqual(code, 'timeout', `${loop.join(' ')}: the loop ends once nothing reads it`);
      assert.deepEqual(got.slice(0, 4).map((g) => parseGpus(g.line)[0].uuid), ['GPU-a', 'GPU-b', 'GPU-a', 'GPU-b'], loop.join(' '));
      assert.ok(got[2].at - got[0].at >= 800, `${loop.join(' ')}: the second answer a second later (${got[2].at - got[0].at} ms)`);
    }
  });

  test('bad knob values: a [standin] line, exit 2, and no partial answer', async () => {
    const q = GPU_QUERY_ARGS;
    const bad: [readonly string[], Record<string, string>, RegExp][] = [
      [q, { STANDIN_NVIDIA_SMI: 'broken' }, /bad STANDIN_NVIDIA_SMI="broken"/],
      [q, { STANDIN_GPUS: '0,GPU-a,X,1,2' }, /STANDIN_GPUS record "0,GPU-a,X,1,2" has 5 values/],
      [q, { STANDIN_GPUS: '0,GPU-a,X,1,2,3;x,GPU-b,Y,1,2,3' }, /STANDIN_GPUS index "x"/],
      [q, { STANDIN_GPUS: '0,GPU-a,X,lots,2,3' }, /STANDIN_GPUS util "lots"/],
      [q, { STANDIN_GPUS: '0,GPU-a,X,1,2,3,On' }, /STANDIN_GPUS mig "On"/],
      [q, { STANDIN_GPUS: '0,GPU a,X,1,2,3' }, /uuid "GPU a" has a space/],
      [q, { STANDIN_GPUS: '0,GPU-a, X,1,2,3' }, /name " X" has a leading or trailing space/],
      [APPS_QUERY_ARGS, { STANDIN_GPU_APPS: '1,GPU-a' }, /STANDIN_GPU_APPS record "1,GPU-a" has 2 values/],
      [APPS_QUERY_ARGS, { STANDIN_GPU_APPS: '1,GPU-a,5;p,GPU-a,5' }, /STANDIN_GPU_APPS pid "p"/],
    ];
    for (const [args, env, message] of bad) {
      const r = await smi(args, env);
      assert.equal(r.code, 2, JSON.stringify(env));
      assert.equal(r.stdout, '', JSON.stringify(env));
      assert.match(r.stderr, /^\[standin\] nvidia-smi: /);
      assert.match(r.stderr, message);
    }
  });
});
