/**
 * The simulator's lifecycle as the extension reads it, against a real engine and the stand-in:
 * startup phases, readiness = log line AND endpoint probe, learned startup times (first vs cached),
 * streaming profiles, GPU assignment, and the diagnosis table checked line by line against the
 * stand-in's failure modes.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import { after, afterEach, describe, test } from 'node:test';
import { DockerEngine } from '../../src/docker/engine';
import type { KeyValueStore } from '../../src/instances/eta';
import type { InstanceManager } from '../../src/instances/manager';
import { buildContainerSpec } from '../../src/instances/spec';
import type { Settings } from '../../src/instances/settings';
import { diagnoseLine } from '../../src/instances/diagnosis';
import { docker, dockerInspect, httpGet, newManager, removeContainers, standinSettings, STANDIN_IMAGE, waitFor } from './helpers';

const NAMES = ['isaac-sim-instance-0', 'isaac-sim-instance-1', 'isaac-sim-web-viewer-test'];
const BASES = { httpPortBase: 29211, webrtcPortBase: 29011, nativePortBase: 29899, signalPortBase: 29100, streamPortBase: 29998, webViewerPortBase: 29210 };

/** `docker logs` writes the container's stderr to its own stderr. */
async function dockerStderr(name: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => execFile('docker', ['logs', name], (_err, _stdout, stderr) => resolve(stderr ?? '')));
}

function memoryStore(): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return { data, get: <T>(key: string) => data.get(key) as T | undefined, update: async (key, value) => void data.set(key, value) };
}

/** Records every distinct "kind/phase" the instance goes through. */
function recordStates(manager: InstanceManager, index: number): string[] {
  const seen: string[] = [];
  manager.onDidChange(() => {
    const s = manager.get(index);
    if (!s) return;
    const key = s.state.kind === 'loading' ? `loading/${s.state.phase}` : s.state.kind;
    if (seen[seen.length - 1] !== key) seen.push(key);
  });
  return seen;
}

let managers: InstanceManager[] = [];
function track(m: { manager: InstanceManager }): InstanceManager {
  managers.push(m.manager);
  return m.manager;
}

afterEach(async () => {
  for (const m of managers) m.dispose();
  managers = [];
  await removeContainers(...NAMES);
});
after(() => removeContainers(...NAMES));

describe('startup phases and readiness', () => {
  test('a start goes container → extensions → shaders → streaming → ready, in that order', async () => {
    await removeContainers(...NAMES);
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.15' } })));
    const seen = recordStates(manager, 0);
    await manager.start(0);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready');
    const order = ['loading/container', 'loading/extensions', 'loading/shaders', 'loading/streaming', 'ready'];
    const positions = order.map((k) => seen.indexOf(k));
    assert.ok(positions.every((p) => p >= 0), `every phase was seen (saw ${seen.join(' → ')})`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `in order (saw ${seen.join(' → ')})`);
  });

  test('the readiness line alone is not ready: the client endpoint must answer too', async () => {
    // The URL template points at a port nothing serves, so the HTTP probe can never succeed.
    const manager = track(newManager(standinSettings({ ...BASES, clientUrlTemplate: 'http://{host}:{webrtcPort}/nothing-here' })));
    const lines: string[] = [];
    manager.onDidAppendLog((e) => lines.push(...e.lines));
    await manager.start(0);
    await waitFor('the readiness line', () => lines.includes('Isaac Sim Full Streaming App is loaded.'));
    await new Promise((r) => setTimeout(r, 1500));
    const s = manager.get(0)!;
    assert.equal(s.state.kind, 'loading');
    assert.equal(s.state.phase, 'streaming');
  });

  test('every Isaac Sim version\'s readiness line counts', async () => {
    for (const line of ['Isaac Sim Headless Native App is loaded.', 'Isaac Sim App is loaded.']) {
      const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.02', STANDIN_READY_LINE: line } })));
      await manager.start(0);
      await waitFor(`ready on "${line}"`, () => manager.get(0)?.state.kind === 'ready');
      manager.dispose();
      await removeContainers('isaac-sim-instance-0');
    }
  });
});

describe('learned startup times', () => {
  test('first start and cached start are told apart, and the ETA is learned and persisted', async () => {
    const store = memoryStore();
    const settings = standinSettings({ ...BASES });
    const first = track(newManager(settings, undefined, store));
    await first.start(0);
    assert.equal(first.get(0)?.startup?.kind, 'first', 'empty shader caches: a first start');
    assert.equal(first.get(0)?.startup?.etaMs, undefined, 'nothing learned yet');
    await waitFor('first ready', () => first.get(0)?.state.kind === 'ready');
    await first.remove(0);

    const second = track(newManager(settings, undefined, store));
    await second.start(0);
    assert.equal(second.get(0)?.startup?.kind, 'cached', 'the first start filled the shader cache');
    await waitFor('second ready', () => second.get(0)?.state.kind === 'ready');
    await second.remove(0);

    // A new session (new manager, same store): both kinds have an estimate now.
    const third = track(newManager(settings, undefined, store));
    await third.start(0);
    const startup = third.get(0)?.startup;
    assert.equal(startup?.kind, 'cached');
    assert.ok(startup?.etaMs && startup.etaMs > 0, `a cached ETA exists (${startup?.etaMs})`);
    assert.ok([...store.data.keys()].some((k) => k.includes(STANDIN_IMAGE)), 'stored per image');
    await waitFor('third ready', () => third.get(0)?.state.kind === 'ready');
  });
});

describe('streaming profiles', () => {
  test('livestream: signal/stream ports as Kit args, TCP probe, native-client view without a web viewer', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, streamingProfile: 'livestream' })));
    await manager.start(0);
    const c = await dockerInspect('isaac-sim-instance-0');
    assert.deepEqual(c?.Config.Entrypoint, ['/isaac-sim/runheadless.sh']);
    assert.deepEqual(c?.Args, [
      '--/app/livestream/port=29100',
      '--/exts/omni.kit.livestream.app/primaryStream/signalPort=29100',
      '--/exts/omni.kit.livestream.app/primaryStream/streamPort=29998',
      '--/exts/omni.kit.livestream.app/primaryStream/publicIp=127.0.0.1',
    ]);
    await waitFor('ready over TCP', () => manager.get(0)?.state.kind === 'ready');
    const s = manager.get(0)!;
    assert.deepEqual(s.ports, { signal: 29100, stream: 29998, webViewer: 29210 });
    assert.deepEqual(s.view, { kind: 'native-client', host: '127.0.0.1', port: 29100, webViewerUrl: 'http://127.0.0.1:29210/' });
  });

  test('livestream with a web viewer answering: the sim view shows the web viewer', async () => {
    await docker(
      'run', '-d', '--name', 'isaac-sim-web-viewer-test', '--network', 'host',
      '-e', 'STANDIN_MODE=web-viewer', '-e', 'STANDIN_WEB_VIEWER_PORT=29210', '-e', 'ISAACSIM_INSTANCE_LABEL=instance-0', '-e', 'STANDIN_SIGNAL_PORT=29100',
      STANDIN_IMAGE,
    );
    await waitFor('the web viewer', async () => (await httpGet('http://127.0.0.1:29210/').catch(() => ({ status: 0 }))).status === 200);
    const manager = track(newManager(standinSettings({ ...BASES, streamingProfile: 'livestream' })));
    await manager.start(0);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready');
    assert.deepEqual(manager.get(0)?.view, { kind: 'url', url: 'http://127.0.0.1:29210/' });
  });

  test('custom: your own arguments and URL template', async () => {
    const manager = track(
      newManager(
        standinSettings({
          ...BASES,
          streamingProfile: 'custom',
          entrypoint: ['/isaac-sim/runheadless.webrtc.sh'],
          portArgs: ['--/exts/omni.services.transport.server.http/port={httpPort}'],
          extraArgs: ['--/app/extra=1'],
          clientUrlTemplate: 'http://{host}:{httpPort}/streaming/webrtc-client/?custom={label}',
        }),
      ),
    );
    await manager.start(0);
    const c = await dockerInspect('isaac-sim-instance-0');
    assert.deepEqual(c?.Args, ['--/exts/omni.services.transport.server.http/port=29211', '--/app/extra=1']);
    await waitFor('ready over HTTP', () => manager.get(0)?.state.kind === 'ready');
    assert.equal(manager.get(0)?.clientUrl, 'http://127.0.0.1:29211/streaming/webrtc-client/?custom=instance-0');
  });
});

describe('GPU assignment', () => {
  test('a list of GPU ids is handed out round-robin (device requests checked on the engine)', async () => {
    const settings: Settings = standinSettings({ ...BASES, instanceCount: 2, gpus: 'GPU-a,GPU-b' });
    const { manager } = newManager(settings);
    managers.push(manager);
    assert.deepEqual(manager.list().map((s) => s.gpu), ['GPU-a', 'GPU-b']);
    // This machine has no GPU, so the containers are created but not started: the engine still
    // stores each one's device request as the spec gave it.
    const engine = new DockerEngine({ dockerHost: '' });
    for (const i of [0, 1]) {
      const id = await engine.create(buildContainerSpec(settings, i, os.homedir()));
      const c = await dockerInspect(id);
      assert.deepEqual(c?.HostConfig.DeviceRequests, [{ Driver: 'nvidia', Count: 0, DeviceIDs: [i === 0 ? 'GPU-a' : 'GPU-b'], Capabilities: [['gpu']], Options: null }]);
      assert.equal(c?.Config.Labels['dev.isaac-sim-orchestrator.gpu'], i === 0 ? 'GPU-a' : 'GPU-b');
      await engine.remove(id, true);
    }
  });
});

describe('changes made outside the extension', () => {
  test('docker kill shows as killed, docker rm -f as not created', async () => {
    const manager = track(newManager(standinSettings({ ...BASES })));
    await manager.start(0);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready');
    await docker('kill', 'isaac-sim-instance-0');
    await waitFor('killed', () => manager.get(0)?.state.kind === 'failed', 10_000);
    assert.equal(manager.get(0)?.state.diagnosisId, 'killed');
    assert.equal(manager.get(0)?.state.reason, 'killed (SIGKILL, exit 137)');
    await manager.start(0);
    await waitFor('loading or ready again', () => manager.get(0)?.startedAt !== undefined, 10_000);
    await docker('rm', '-f', 'isaac-sim-instance-0');
    await waitFor('not created', () => manager.get(0)?.exists === false && manager.get(0)?.state.kind === 'stopped', 10_000);
  });
});

describe('diagnosis, line by line against the stand-in failure modes', () => {
  async function failWith(env: Record<string, string>, overrides: Partial<Settings> = {}): Promise<InstanceManager> {
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.05', ...env }, ...overrides })));
    await manager.start(0);
    await waitFor('failed with an exit code', () => manager.get(0)?.state.kind === 'failed' && manager.get(0)?.state.exitCode !== undefined, 30_000);
    return manager;
  }

  test('no CUDA GPU; every failure line the stand-in prints maps to its table entry', async () => {
    const manager = await failWith({ STANDIN_MODE: 'gpu-fail' });
    const s = manager.get(0)!.state;
    const logLines = (await docker('logs', 'isaac-sim-instance-0').catch(() => '')) + (await dockerStderr('isaac-sim-instance-0'));
    const diagnosed = logLines
      .split('\n')
      .map((l) => diagnoseLine(l)?.id)
      .filter((id): id is string => id !== undefined);
    assert.deepEqual(diagnosed, ['no-cuda-gpu', 'rtx-resource-manager', 'no-gpu-device']);
    assert.equal(s.diagnosisId, 'no-cuda-gpu');
    assert.match(s.reason ?? '', /no suitable CUDA GPU found \(exit 1\)/);
    assert.match(s.fix ?? '', /NVIDIA Container Toolkit/);
  });

  test('NVML', async () => {
    const s = (await failWith({ STANDIN_MODE: 'nvml-fail' })).get(0)!.state;
    assert.equal(s.diagnosisId, 'nvml');
    assert.match(s.fix ?? '', /Restart Docker/);
  });

  test('port taken: detected before create, named, nothing created', async () => {
    const blocker = net.createServer().listen(29211, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const manager = track(newManager(standinSettings({ ...BASES })));
      await assert.rejects(manager.start(0), (err: Error) => {
        assert.match(err.message, /instance-0 cannot start: its HTTP port 29211 is already in use on 127\.0\.0\.1 by another process/);
        assert.match(err.message, /isaacSim\.httpPortBase/);
        return true;
      });
      assert.equal(await dockerInspect('isaac-sim-instance-0'), undefined, 'nothing was created');
      const s = manager.get(0)!.state;
      assert.equal(s.diagnosisId, 'port-taken');
      assert.match(s.fix ?? '', /PortBase/);
    } finally {
      blocker.close();
    }
  });

  test('port taken by our own running instance: named as its holder', async () => {
    // instance-1 of a first session runs on 29212; a second configuration puts instance-0 on it.
    const first = track(newManager(standinSettings({ ...BASES, instanceCount: 2 })));
    await first.start(1);
    await waitFor('instance-1 ready (its web client bound)', () => first.get(1)?.state.kind === 'ready');
    const second = track(newManager(standinSettings({ ...BASES, httpPortBase: 29212, webrtcPortBase: 29012, nativePortBase: 29900 })));
    await second.connect();
    await assert.rejects(second.start(0), /its HTTP port 29212 is already in use on 127\.0\.0\.1 by instance-1 \(running\)/);
    assert.equal(await dockerInspect('isaac-sim-instance-0'), undefined, 'nothing was created');
  });

  test('port taken after the check (a race): the simulator\'s own bind error is diagnosed', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.3' } })));
    await manager.start(0);
    const blocker = net.createServer().listen(29211, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      await waitFor('failed with an exit code', () => manager.get(0)?.state.kind === 'failed' && manager.get(0)?.state.exitCode !== undefined, 30_000);
      assert.equal(manager.get(0)!.state.diagnosisId, 'port-taken');
    } finally {
      blocker.close();
    }
  });

  test('out of memory', async () => {
    const s = (await failWith({ STANDIN_MODE: 'oom' }, { memoryLimitGiB: 1 })).get(0)!.state;
    assert.equal(s.diagnosisId, 'oom');
    assert.equal(s.exitCode, 137);
    assert.match(s.fix ?? '', /isaacSim\.memoryLimitGiB/);
  });

  test('crash', async () => {
    const s = (await failWith({ STANDIN_MODE: 'crash-after-ready', STANDIN_CRASH_AFTER_SECONDS: '0.5' })).get(0)!.state;
    assert.equal(s.diagnosisId, 'segfault');
    assert.equal(s.exitCode, 139);
  });

  test('missing NVIDIA runtime (an engine error, before anything runs)', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, runtime: 'nvidia' })));
    await assert.rejects(manager.start(0));
    const s = manager.get(0)!.state;
    assert.equal(s.kind, 'failed');
    assert.equal(s.diagnosisId, 'no-nvidia-runtime');
    assert.match(s.fix ?? '', /nvidia-ctk runtime configure/);
  });

  test('the harmless OmniHub line is never flagged: a normal start is ready with no diagnosis', async () => {
    const manager = track(newManager(standinSettings({ ...BASES })));
    const lines: string[] = [];
    manager.onDidAppendLog((e) => lines.push(...e.lines));
    const failures: unknown[] = [];
    manager.onDidFail((f) => failures.push(f));
    await manager.connect();
    await manager.start(0);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready');
    assert.ok(lines.some((l) => /OmniHub: Hub encountered error/.test(l)), 'the stand-in printed the OmniHub line');
    assert.equal(manager.get(0)?.state.diagnosisId, undefined);
    assert.deepEqual(failures, []);
  });

  test('a failure seen live is announced once through onDidFail', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_MODE: 'gpu-fail' } })));
    const failures: string[] = [];
    manager.onDidFail((f) => failures.push(`${f.label}: ${f.snapshot.state.diagnosisId}`));
    await manager.connect();
    await manager.start(0);
    await waitFor('failed with exit code', () => manager.get(0)?.state.exitCode !== undefined, 20_000);
    assert.deepEqual(failures, ['instance-0: no-cuda-gpu']);
  });
});
