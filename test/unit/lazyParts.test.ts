/**
 * The parts split off dist/extension.js to keep activation small (scripts/parts.mjs): each, as the
 * production build wrote it, works with what its loader hands over, and a class it makes or throws
 * is the one the rest of the extension tests for. parts.test.ts checks that each part holds its own
 * code and none of dist/extension.js's.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { InstanceEngine } from '../../src/instances/engineApi';
import type { InstanceStore } from '../../src/instances/store';
import type { ViewerPlan } from '../../src/instances/webViewerPlan';
import { FakeEngine } from './fakeEngine';
import { handedOver, loadPart, tmp } from './partsFixture';
import { fixtureSnapshot } from './snapshotFixture';

/** A stand-in for dist/extension.js's @vscode/l10n that marks what it is asked: a copy of the package in a part would format it instead. */
const marked = { t: (m: string | { message: string }) => `⟦${typeof m === 'string' ? m : m.message}⟧` };

describe('the parts that keep activation small', () => {
  test("the simView part: the panel class extends the DisposableBase it was handed, dist/extension.js's", () => {
    const modules = handedOver('src/views/simViewModule.ts');
    const { DisposableBase } = modules['src/views/dispose.ts'] as typeof import('../../src/views/dispose');
    const part = loadPart<typeof import('../../src/views/simViewChunk')>('simView', modules);
    assert.equal(Object.getPrototypeOf(part.SimViewPanel.prototype), DisposableBase.prototype);
    assert.equal(part.errorMessage(new Error('gone')), 'gone');
  });

  test('the rare part: a 6.x viewer whose image is missing fails with the OrchestratorError class it was handed, naming the setting', async () => {
    const modules = handedOver('src/instances/rareModule.ts');
    const { OrchestratorError, errorInfo } = modules['src/instances/errors.ts'] as typeof import('../../src/instances/errors');
    const part = loadPart<typeof import('../../src/instances/rareChunk')>('rare', modules);
    const asked: string[] = [];
    const engine = { imagePresent: async (image: string) => (asked.push(image), false) } as unknown as InstanceEngine;
    const plan = { index: 1, port: 8211, host: '127.0.0.1', signalPort: 49101, streamPort: 47999, source: { kind: 'image', image: 'web-viewer:mine' } } as unknown as ViewerPlan;
    const host = {
      store: {} as InstanceStore,
      log: { warn: () => undefined },
      onBuildLine: () => undefined,
      untilReady: () => assert.fail('no wait for the instance when the image is missing'),
      sleep: () => assert.fail('no probe when the image is missing'),
      probeIntervalMs: 1,
    } as unknown as Parameters<typeof part.runViewerPipeline>[0];
    await assert.rejects(part.runViewerPipeline(host, engine, plan, 1, new AbortController().signal), (err: unknown) => {
      assert.ok(err instanceof OrchestratorError, `${String(err)} is the handed-over OrchestratorError`);
      assert.deepEqual(errorInfo(err), { kind: 'image-missing', setting: 'isaacSim.webViewerImage' });
      assert.match(err.message, /web viewer 1|web-viewer:mine/);
      return true;
    });
    assert.deepEqual(asked, ['web-viewer:mine']);
  });

  test('the linearRegex part: the matcher matches in linear time, and refuses a backreference with its own PatternRefusal, said through the handed @vscode/l10n', () => {
    const part = loadPart<typeof import('../../src/instances/linearRegexChunk')>('linearRegex', handedOver('src/instances/linearRegexModule.ts', { '@vscode/l10n': marked }));
    assert.equal(new part.LinearRegex('App (is )?loaded\\.$').test('[12.3s] App is loaded.'), true);
    assert.equal(new part.LinearRegex('(a|a)*$').test(`${'a'.repeat(40)}!`), true);
    assert.equal(new part.LinearRegex('^(a|a)*$').test(`${'a'.repeat(40)}!`), false);
    assert.throws(
      () => new part.LinearRegex('(a)\\1'),
      (err: unknown) => {
        assert.ok(err instanceof part.PatternRefusal, String(err));
        assert.equal(err.kind, 'backreference');
        assert.match(err.message, /^⟦\\\{0\} at character \{1\} is a backreference/);
        return true;
      },
    );
  });

  test('the figures part: its collector reads the stats through the handed parser, tells through the handed Emitter, and says its notes through the handed @vscode/l10n', async () => {
    const part = loadPart<typeof import('../../src/instances/figuresChunk')>('figures', handedOver('src/instances/figuresModule.ts', { '@vscode/l10n': marked }));
    let onSample: ((sample: unknown) => void) | undefined;
    const engine = new FakeEngine(
      {
        followStats: (_id, s) => {
          onSample = s;
          return Promise.resolve({ close() {} });
        },
        // No nvidia-smi in this container: the loop's sh exits at once.
        followExec: (_id, _argv, _onLine, onEnd) => {
          setImmediate(() => onEnd({ exitCode: 127, stderr: 'sh: 1: nvidia-smi: not found' }));
          return Promise.resolve({ close() {} });
        },
      },
      { isLocal: false },
    );
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const noHostGpu = { nvidiaSmi: () => Promise.reject(new Error('no nvidia-smi here')), cgroupOf: () => Promise.resolve(undefined) };
    const c = new part.FiguresCollector({ engine: () => engine, log: quiet, hostGpu: noHostGpu, coalesceMs: 1, gpuIntervalMs: 60_000 });
    let changes = 0;
    c.onDidChange(() => changes++);
    c.update([fixtureSnapshot(0, { kind: 'ready' }, 0, { containerId: 'c'.repeat(64) })]);
    c.setActive(true);
    const until = async (what: string, done: () => boolean) => {
      for (let i = 0; i < 2000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
      assert.ok(done(), what);
    };
    await until('the stats stream opened and the GPU query ended', () => onSample !== undefined && c.get(0)?.gpuNote !== undefined);
    onSample!({ cpu_stats: { cpu_usage: { total_usage: 2e9 }, system_cpu_usage: 4e11, online_cpus: 2 }, precpu_stats: { cpu_usage: { total_usage: 1e9 }, system_cpu_usage: 3e11, online_cpus: 2 }, memory_stats: { usage: 1024 ** 3, limit: 8 * 1024 ** 3, stats: { inactive_file: 0 } } });
    await until('the figures of the sample', () => c.get(0)?.memoryUsedBytes === 1024 ** 3 && changes > 0);
    assert.equal(c.get(0)!.cpuPercent, 2, 'docker stats\' CPU %: 1e9 of 1e11 ns, times 2 CPUs, as a percentage');
    assert.equal(c.get(0)!.gpuNote, '⟦none: nvidia-smi in the container says "{0}"⟧');
    c.dispose();
  });

  test('the ssh part: the agent is an http.Agent whose ssh command line is the CLI\'s', () => {
    const part = loadPart<typeof import('../../src/docker/sshChunk')>('ssh', handedOver('src/docker/sshModule.ts'));
    const agent = new part.SshAgent({ username: 'robot', host: 'gpu-box', port: 2222 }, { env: {} });
    assert.ok(agent instanceof http.Agent);
    assert.equal(agent.commandLine, 'ssh -o BatchMode=yes -o ConnectTimeout=8 -T -l robot -p 2222 -- gpu-box docker system dial-stdio');
  });

  test('the rare part: names the process that holds a port, read from a proc tree, through the handed @vscode/l10n', async () => {
    // A proc tree with one listener on 127.0.0.1:8211 (socket inode 4242), held by pid 77 "python3".
    const root = path.join(tmp, 'proc');
    mkdirSync(path.join(root, 'net'), { recursive: true });
    mkdirSync(path.join(root, '77', 'fd'), { recursive: true });
    mkdirSync(path.join(root, 'self'), { recursive: true });
    writeFileSync(
      path.join(root, 'net', 'tcp'),
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:2013 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n',
    );
    writeFileSync(path.join(root, '77', 'comm'), 'python3\n');
    writeFileSync(path.join(root, '77', 'cmdline'), 'python3\0-m\0http.server\0');
    writeFileSync(path.join(root, '77', 'cgroup'), '0::/user.slice\n');
    writeFileSync(path.join(root, 'self', 'cgroup'), '0::/user.slice\n');
    const fs = {
      readFile: (p: string) => import('node:fs/promises').then((f) => f.readFile(p, 'utf8')),
      readdir: (p: string) => import('node:fs/promises').then((f) => f.readdir(p)),
      readlink: async (p: string) => (p === path.posix.join(root, '77', 'fd', '3') ? 'socket:[4242]' : ''),
    };
    mkdirSync(path.join(root, '77', 'fd', '3'), { recursive: true });
    const part = loadPart<typeof import('../../src/instances/rareChunk')>('rare', handedOver('src/instances/rareModule.ts', { '@vscode/l10n': marked }));
    const described = await part.describePortHolder(8211, 'tcp', async () => undefined, { root, fs, littleEndian: true });
    assert.deepEqual(described, { who: '⟦another process: {0} (pid {1})⟧', fix: '⟦stop {0} (pid {1})⟧' });
  });
});
