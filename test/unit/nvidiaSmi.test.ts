/**
 * nvidia-smi's CSV answers through the parser: real samples (test/fixtures/gpu, sources in its
 * SOURCES.md), each parsed with the properties its own command asked for, then the exact queries
 * the extension sends, edge cases, and the per-container sum.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  APPS_QUERY_ARGS,
  GPU_QUERY_ARGS,
  isNoFigure,
  parseComputeApps,
  parseGpus,
  parseQueryCsv,
  readMig,
  readNumber,
  vramByContainer,
} from '../../src/instances/nvidiaSmi';

/** The compiled test runs from out/test/unit. */
const DIR = path.resolve(__dirname, '../../../test/fixtures/gpu');
const fixture = (name: string) => readFileSync(path.join(DIR, name), 'utf8');

describe('the queries', () => {
  test('ask nvidia-smi for documented properties, CSV without header or units', () => {
    assert.deepEqual(GPU_QUERY_ARGS, ['--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,mig.mode.current', '--format=csv,noheader,nounits']);
    assert.deepEqual(APPS_QUERY_ARGS, ['--query-compute-apps=pid,gpu_uuid,used_memory', '--format=csv,noheader,nounits']);
  });
});

describe('real nvidia-smi samples', () => {
  test('Tesla T4 in a container (nvidia/cuda, --gpus all): MIG [N/A] is no MIG figure, the rest are numbers', () => {
    const fields = ['timestamp', 'serial', 'name', 'mig.mode.current', 'utilization.gpu', 'memory.total', 'memory.used', 'utilization.memory'];
    const [row] = parseQueryCsv(fixture('query-gpu-t4-in-container.csv'), fields);
    assert.equal(row.name, 'Tesla T4');
    assert.equal(row['mig.mode.current'], undefined);
    assert.equal(readMig(row['mig.mode.current']), undefined);
    assert.equal(readNumber(row['utilization.gpu'], '%', 'u'), 0);
    assert.equal(readNumber(row['memory.total'], 'MiB', 't'), 15360);
    assert.equal(readNumber(row['memory.used'], 'MiB', 'u'), 6);
    assert.equal(row.timestamp, '2023/07/03 10:33:55.204');
  });

  test('the same GPU, older and newer driver: [Not Supported] and [N/A] are both no figure, never 0', () => {
    const fields = ['memory.total', 'memory.free', 'memory.used', 'temperature.gpu', 'fan.speed', 'utilization.gpu', 'utilization.memory'];
    for (const name of ['query-gpu-na-newer-driver.csv', 'query-gpu-not-supported-older-driver.csv']) {
      const [row] = parseQueryCsv(fixture(name), fields);
      assert.equal(row['fan.speed'], undefined, name);
      assert.equal(readNumber(row['utilization.gpu'], '%', 'u'), 0, name);
      assert.equal(readNumber(row['memory.total'], 'MiB', 't'), 2004, name);
    }
  });

  test('RTX 2080, 19 properties: a name with spaces, a uuid, a bare N/A', () => {
    const fields = [
      'power.limit', 'power.min_limit', 'power.max_limit', 'memory.total', 'vbios_version', 'driver_version', 'name', 'gpu_uuid', 'power.draw',
      'temperature.gpu', 'temperature.memory', 'clocks.current.graphics', 'clocks.sm', 'clocks.mem', 'utilization.gpu', 'utilization.memory',
      'fan.speed', 'pcie.link.width.current', 'pstate',
    ];
    const [row] = parseQueryCsv(fixture('query-gpu-rtx2080-bare-na.csv'), fields);
    assert.equal(row.name, 'GeForce RTX 2080');
    assert.equal(row.gpu_uuid, 'GPU-22b2c6ac-2d49-4863-197c-9c469071178a');
    assert.equal(row['temperature.memory'], undefined);
    assert.equal(readNumber(row['utilization.gpu'], '%', 'u'), 86);
    assert.equal(readNumber(row['memory.total'], 'MiB', 't'), 7979);
  });

  test('GTX 770, csv with units: [Not Supported] utilization, "52 %" read with its unit', () => {
    const fields = [
      'gpu_name', 'utilization.gpu', 'utilization.memory', 'temperature.gpu', 'power.draw', 'power.limit', 'fan.speed', 'pstate',
      'clocks.current.graphics', 'clocks.current.memory', 'power.max_limit', 'power.default_limit',
    ];
    const [row] = parseQueryCsv(fixture('query-gpu-gtx770-units.csv'), fields);
    assert.equal(row.gpu_name, 'GeForce GTX 770');
    assert.equal(readNumber(row['utilization.gpu'], '%', 'u'), undefined);
    assert.equal(readNumber(row['fan.speed'], '%', 'fan'), 52);
  });

  test('GTX 650, csv with its header: utilization [Not Supported]', () => {
    const rows = parseQueryCsv(fixture('query-gpu-gtx650-utilization-header.csv'), ['utilization.gpu'], { header: true });
    assert.deepEqual(rows, [{ 'utilization.gpu': undefined }]);
  });

  test('MIG mode: [N/A] on an RTX, Disabled on each A100, Enabled on an H100', () => {
    const rtx = parseQueryCsv(fixture('query-gpu-mig-mode-rtx.csv'), ['mig.mode.current'], { header: true });
    assert.deepEqual(rtx.map((r) => readMig(r['mig.mode.current'])), [undefined]);
    const a100 = parseQueryCsv(fixture('query-gpu-mig-mode-a100.csv'), ['mig.mode.current'], { header: true });
    assert.deepEqual(a100.map((r) => readMig(r['mig.mode.current'])), [false, false]);
    const h100 = parseQueryCsv(fixture('query-gpu-mig-enabled-h100.csv'), ['pci.bus_id', 'mig.mode.current'], { header: true });
    assert.deepEqual(h100.map((r) => [r['pci.bus_id'], readMig(r['mig.mode.current'])]), [['00000000:01:00.0', true]]);
  });

  test('compute apps over two GPUs (two processes on one)', () => {
    const rows = parseQueryCsv(fixture('query-compute-apps-two-gpus.csv'), ['gpu_uuid', 'process_name'], { header: true });
    assert.deepEqual(
      rows.map((r) => r.gpu_uuid),
      ['GPU-d0180485-9584-433c-6782-c335d5df2cb3', 'GPU-777ead31-954e-837f-590f-6c4974d8e571', 'GPU-777ead31-954e-837f-590f-6c4974d8e571'],
    );
  });

  test('product names have spaces, never commas (nvidia-smi -L of six real GPUs)', () => {
    for (const name of ['list-gpus-4x-rtx3090.txt', 'list-gpus-2x-quadro.txt']) {
      for (const line of fixture(name).trim().split('\n')) {
        const m = /^GPU (\d+): (.+) \(UUID: (GPU-[0-9a-f-]+)\)$/.exec(line);
        assert.ok(m, line);
        assert.ok(!m[2].includes(','), m[2]);
      }
    }
  });
});

/** Lines of the exact queries are written here (no real sample of them was found, SOURCES.md), in the samples' format. */
describe('parseGpus', () => {
  const uuid = 'GPU-e1924eea-b9bb-d537-39f2-b345087fa145';

  test('several GPUs, CRLF, a trailing newline, spaces after commas or none', () => {
    const csv = `0, ${uuid}, NVIDIA GeForce RTX 3090, 7, 1939, 24576, [N/A]\r\n1,GPU-899c71bf-27be-b6a0-ae8f-d8afe5ba0f85,NVIDIA GeForce RTX 3090,98,12733,24576,[N/A]\r\n`;
    assert.deepEqual(parseGpus(csv), [
      { index: 0, uuid, name: 'NVIDIA GeForce RTX 3090', utilizationPercent: 7, memoryUsedMiB: 1939, memoryTotalMiB: 24576 },
      { index: 1, uuid: 'GPU-899c71bf-27be-b6a0-ae8f-d8afe5ba0f85', name: 'NVIDIA GeForce RTX 3090', utilizationPercent: 98, memoryUsedMiB: 12733, memoryTotalMiB: 24576 },
    ]);
  });

  test('a MIG-enabled GPU: no utilization, MIG true; [Not Supported] and empty values are left out, not 0', () => {
    const [gpu] = parseGpus(`0, ${uuid}, NVIDIA A800-SXM4-80GB, [N/A], 36537, 81920, Enabled\n`);
    assert.deepEqual(gpu, { index: 0, uuid, name: 'NVIDIA A800-SXM4-80GB', memoryUsedMiB: 36537, memoryTotalMiB: 81920, mig: true });
    const [bare] = parseGpus(`0, ${uuid}, Tesla T4, [Not Supported], , [N/A], Disabled`);
    assert.deepEqual(bare, { index: 0, uuid, name: 'Tesla T4', mig: false });
    assert.equal('utilizationPercent' in bare, false);
  });

  test('no GPU lines: an empty list', () => {
    assert.deepEqual(parseGpus(''), []);
    assert.deepEqual(parseGpus('\n\r\n'), []);
  });

  test('a line that is not an answer throws, naming the line and the expected columns', () => {
    assert.throws(
      () => parseGpus(`0, ${uuid}, A, 1, 2, 3, [N/A]\nNo devices were found\n`),
      (e: Error) => e.message.includes('line 2') && e.message.includes('"No devices were found"') && e.message.includes('index, uuid, name, utilization.gpu, memory.used, memory.total, mig.mode.current'),
    );
    assert.throws(() => parseGpus(`0, ${uuid}, A, 1, 2, 3`), /line 1.*6 values where 7/);
  });

  test('a value that is not a number, or a missing index, uuid or name, throws', () => {
    assert.throws(() => parseGpus(`0, ${uuid}, A, lots, 2, 3, [N/A]`), /"lots" for utilization\.gpu/);
    assert.throws(() => parseGpus(`x, ${uuid}, A, 1, 2, 3, [N/A]`), /"x" for index/);
    assert.throws(() => parseGpus(`0, [N/A], A, 1, 2, 3, [N/A]`), /no uuid on line 1/);
  });
});

describe('parseComputeApps', () => {
  test('the same process on two GPUs (one CUDA context each), a process without a figure, CRLF', () => {
    const csv = '4339, GPU-c4dd6ed1-a6a9-9421-b6b4-4cdf657c919e, 480\r\n4339, GPU-66b6a70f-3840-ce84-c78f-9366025c6124, 492\r\n23492, GPU-66b6a70f-3840-ce84-c78f-9366025c6124, [N/A]\r\n';
    assert.deepEqual(parseComputeApps(csv), [
      { pid: 4339, gpuUuid: 'GPU-c4dd6ed1-a6a9-9421-b6b4-4cdf657c919e', usedMemoryMiB: 480 },
      { pid: 4339, gpuUuid: 'GPU-66b6a70f-3840-ce84-c78f-9366025c6124', usedMemoryMiB: 492 },
      { pid: 23492, gpuUuid: 'GPU-66b6a70f-3840-ce84-c78f-9366025c6124' },
    ]);
  });

  test('no compute process: empty output, an empty list', () => assert.deepEqual(parseComputeApps('\n'), []));

  test('a malformed line throws, naming it and the columns', () => {
    assert.throws(() => parseComputeApps('4339, GPU-1\n'), (e: Error) => e.message.includes('line 1') && e.message.includes('pid, gpu_uuid, used_memory'));
  });
});

describe('isNoFigure', () => {
  test('bracketed values, bare N/A and empty are no figure; numbers and names are', () => {
    for (const v of ['[N/A]', '[Not Supported]', 'N/A', '', '  ']) assert.equal(isNoFigure(v), true, JSON.stringify(v));
    for (const v of ['0', 'Disabled', 'NVIDIA A40', 'GPU-1']) assert.equal(isNoFigure(v), false, v);
  });
});

describe('vramByContainer', () => {
  test('sums each container’s processes over its GPUs; processes of no container are left out', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const owner = new Map([[10, a], [11, a], [20, b]]);
    const vram = vramByContainer(
      [
        { pid: 10, gpuUuid: 'GPU-1', usedMemoryMiB: 480 },
        { pid: 10, gpuUuid: 'GPU-2', usedMemoryMiB: 492 },
        { pid: 11, gpuUuid: 'GPU-1', usedMemoryMiB: 8 },
        { pid: 20, gpuUuid: 'GPU-2' },
        { pid: 99, gpuUuid: 'GPU-1', usedMemoryMiB: 1000 },
      ],
      (pid) => owner.get(pid),
    );
    assert.deepEqual([...vram.keys()], [a, b]);
    assert.deepEqual(vram.get(a), { usedMiB: 980, gpuUuids: ['GPU-1', 'GPU-2'], pids: [10, 11] });
    assert.deepEqual(vram.get(b), { usedMiB: 0, gpuUuids: ['GPU-2'], pids: [20] });
  });
});
