import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InstanceFigures } from '../../src/instances/figures';
import { describeShortfall, headroomShortfalls } from '../../src/instances/headroom';

const GIB = 1024 ** 3;
const gpu = (index: number, usedMiB: number, totalMiB = 24_576, uuid = `GPU-${index}`) => ({ index, uuid, name: 'NVIDIA RTX A6000', utilizationPercent: 40, memoryUsedMiB: usedMiB, memoryTotalMiB: totalMiB });
const running = (f: Partial<InstanceFigures>): InstanceFigures => ({ at: 1, ...f });

describe('headroom before a start', () => {
  test('nothing seen, nothing said: no running figures give no shortfall', () => {
    assert.deepEqual(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: 'all' }], running: [] }), []);
  });

  test('VRAM: a GPU with less free than one instance needs is named, with the figures', () => {
    const short = headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: '0' }], running: [running({ gpus: [gpu(0, 20_480)] })] });
    assert.equal(short.length, 1);
    assert.equal(short[0].what, 'vram');
    assert.equal(short[0].freeBytes, 4096 * 1024 ** 2);
    assert.equal(short[0].needBytes, 8 * GIB);
    assert.equal(describeShortfall(short[0]), 'GPU 0 (NVIDIA RTX A6000): 4.0 GiB of VRAM free, instance-1 needs ~8.0 GiB');
  });

  test('VRAM: enough free on the GPU the instance gets is fine; another full GPU does not count', () => {
    const figures = [running({ gpus: [gpu(0, 23_000), gpu(1, 1_000)] })];
    assert.deepEqual(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: '1' }], running: figures }), []);
    assert.equal(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: '0' }], running: figures }).length, 1);
    // "all": the GPU with the most free counts.
    assert.deepEqual(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: 'all' }], running: figures }), []);
    // By UUID too; "none" needs no VRAM.
    assert.equal(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: 'GPU-0' }], running: figures }).length, 1);
    assert.deepEqual(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: 'none' }], running: figures }), []);
  });

  test('two instances onto one GPU need twice the headroom', () => {
    const figures = [running({ gpus: [gpu(0, 10_000)] })]; // 14.2 GiB free
    assert.deepEqual(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: '0' }], running: figures }), []);
    const short = headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: '0' }, { label: 'instance-2', gpu: '0' }], running: figures });
    assert.deepEqual(short.map((s) => [s.what, s.instances]), [['vram', ['instance-1', 'instance-2']]]);
  });

  test('host memory: the limit a container without one reports (the host\'s) minus what the instances use', () => {
    const figures = [running({ memoryUsedBytes: 10 * GIB, memoryLimitBytes: 16 * GIB }), running({ memoryUsedBytes: 2 * GIB, memoryLimitBytes: 16 * GIB })];
    const short = headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-2', gpu: 'none' }], running: figures });
    assert.deepEqual(short.map((s) => [s.what, s.freeBytes]), [['memory', 4 * GIB]]);
    assert.equal(describeShortfall(short[0]), 'host memory: 4.0 GiB free, instance-2 needs ~8.0 GiB');
    assert.deepEqual(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 4, starting: [{ label: 'instance-2', gpu: 'none' }], running: figures }), []);
  });

  test('with isaacSim.memoryLimitGiB set, the limit is the container\'s own: host memory is not judged by it', () => {
    const figures = [running({ memoryUsedBytes: 1 * GIB, memoryLimitBytes: 2 * GIB, gpus: [gpu(0, 20_000)] })];
    const short = headroomShortfalls({ limitIsHostMemory: false, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: '0' }], running: figures });
    assert.deepEqual(short.map((s) => s.what), ['vram'], 'VRAM is still checked');
    assert.equal(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 8, starting: [{ label: 'instance-1', gpu: 'none' }], running: figures }).length, 1, 'the same figures without a limit set');
  });

  test('isaacSim.headroomGiB 0 turns the check off', () => {
    assert.deepEqual(headroomShortfalls({ limitIsHostMemory: true, headroomGiB: 0, starting: [{ label: 'instance-1', gpu: '0' }], running: [running({ gpus: [gpu(0, 24_000)], memoryUsedBytes: 15 * GIB, memoryLimitBytes: 16 * GIB })] }), []);
  });
});
