/**
 * The simulator's lifecycle as the extension reads it, against a real engine and the stand-in:
 * startup phases, readiness = log line AND endpoint probe, learned startup times (first vs cached),
 * Isaac Sim versions (4.2, 5.1, 6.x, custom), GPU assignment, and the diagnosis table checked line by line against the
 * stand-in's failure modes.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { after, afterEach, describe, test } from 'node:test';
import { DockerEngine } from '../../src/docker/engine';
import type { KeyValueStore } from '../../src/instances/eta';
import type { Manager } from '../../src/instances/manager';
import { buildContainerSpec } from '../../src/instances/spec';
import type { Settings } from '../../src/instances/settings';
import { diagnoseLine } from '../../src/instances/diagnosis';
import { buildStandinViewer, docker, dockerInspect, httpGet, newManager, removeContainers, removeInstanceVolumes, standinSettings, STANDIN_IMAGE, viewerCommand, waitFor } from './helpers';

const NAMES = ['isaac-sim-instance-0', 'isaac-sim-instance-1', 'isaac-sim-web-viewer-test'];
const BASES = { httpPortBase: 29211, signalPortBase: 29100, streamPortBase: 29998, webViewerPortBase: 29210, pythonServerPortBase: 29400 };
const IMAGE_51 = 'isaac-sim-standin:5.1.0';
const IMAGE_6 = 'isaac-sim-standin:6.0.1';

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
function recordStates(manager: Manager, index: number): string[] {
  const seen: string[] = [];
  manager.onDidChange(() => {
    const s = manager.get(index);
    if (!s) return;
    const key = s.state.kind === 'loading' ? `loading/${s.state.phase}` : s.state.kind;
    if (seen[seen.length - 1] !== key) seen.push(key);
  });
  return seen;
}

let managers: Manager[] = [];
function track(m: { manager: Manager }): Manager {
  managers.push(m.manager);
  return m.manager;
}

afterEach(async () => {
  for (const m of managers) m.dispose();
  managers = [];
  await removeContainers(...NAMES);
});
after(async () => {
  await removeContainers(...NAMES);
  await removeInstanceVolumes([0, 1]);
});

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
    // The URL template points at a server of the test's own that answers every probe 503, and counts them.
    let probes = 0;
    const unready = http.createServer((_req, res) => {
      probes++;
      res.writeHead(503).end('not yet');
    });
    const port = await new Promise<number>((resolve) => unready.listen(0, '127.0.0.1', () => resolve((unready.address() as net.AddressInfo).port)));
    try {
      const manager = track(newManager(standinSettings({ ...BASES, clientUrlTemplate: `http://{host}:${port}/nothing-here` })));
      const lines: string[] = [];
      manager.onDidAppendLog((e) => lines.push(...e.lines));
      await manager.start(0);
      await waitFor('the readiness line', () => lines.some((l) => /^\[\d+\.\d{3}s\] Isaac Sim Headless WebRTC App is loaded\.$/.test(l)));
      // Probes run one after another: the third request means the first two answers (503) were handled.
      const before = probes;
      await waitFor('three probes after the readiness line', () => probes >= before + 3, 30_000);
      const s = manager.get(0)!;
      assert.equal(s.state.kind, 'loading', `${probes} probes answered 503, yet the instance is ${s.state.kind}`);
      assert.equal(s.state.phase, 'streaming');
    } finally {
      unready.closeAllConnections();
      await new Promise((resolve) => unready.close(resolve));
    }
  });

  test('every Isaac Sim version\'s readiness line counts', async () => {
    const cases: Array<{ image: string; line: string; overrides?: Partial<Settings> }> = [
      { image: 'isaac-sim-standin:4.2.0', line: 'Isaac Sim Headless WebRTC App is loaded.' },
      { image: 'isaac-sim-standin:4.2.0', line: 'Isaac Sim Headless Native App is loaded.', overrides: { entrypoint: ['/isaac-sim/runheadless.native.sh'] } },
      { image: IMAGE_51, line: 'Isaac Sim Full Streaming App is loaded.' },
      { image: IMAGE_6, line: 'Isaac Sim Full Streaming App is loaded.' },
    ];
    for (const c of cases) {
      const manager = track(newManager(standinSettings({ ...BASES, image: c.image, env: { STANDIN_STEP_SECONDS: '0.02' }, ...c.overrides })));
      const lines: string[] = [];
      manager.onDidAppendLog((e) => lines.push(...e.lines));
      await manager.start(0);
      await waitFor(`ready on "${c.line}" (${c.image})`, () => manager.get(0)?.state.kind === 'ready');
      assert.ok(lines.some((l) => l.endsWith(`] ${c.line}`)), `${c.image} printed "${c.line}"`);
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

describe('Isaac Sim versions', () => {
  test('6.x (version auto from the tag): ports as ISAACSIM_* env, named volumes, TCP probe, healthcheck, desktop-client view without a web viewer', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, image: IMAGE_6 })));
    await manager.start(0);
    const c = await dockerInspect('isaac-sim-instance-0');
    // The image's own ENTRYPOINT, which maps the env to primaryStream.* flags.
    assert.deepEqual(c?.Config.Entrypoint, ['/isaac-sim/runheadless.sh']);
    assert.deepEqual(c?.Args, [
      '--/exts/omni.services.transport.server.http/port=29211',
      // "Run in Sim": 6.x's code server, on loopback, with a token required.
      '--enable',
      'isaacsim.code_editor.python_server',
      '--/exts/isaacsim.code_editor.python_server/host=127.0.0.1',
      '--/exts/isaacsim.code_editor.python_server/port=29400',
      '--/exts/isaacsim.code_editor.python_server/require_auth=true',
    ]);
    for (const e of ['ISAACSIM_HOST=127.0.0.1', 'ISAACSIM_SIGNAL_PORT=29100', 'ISAACSIM_STREAM_PORT=29998']) assert.ok(c?.Config.Env.includes(e), `env ${e}`);
    assert.deepEqual(c?.HostConfig.Binds ?? [], [], 'no host folders for uid 1234');
    const volumes = (c?.Mounts as Array<{ Type: string; Name: string; Destination: string }>).filter((m) => m.Type === 'volume');
    assert.ok(volumes.some((m) => m.Name === 'isaac-sim-orchestrator-6.x-instance-0-cache' && m.Destination === '/isaac-sim/.cache'), 'per-instance cache volume');
    assert.ok(volumes.some((m) => m.Name === 'isaac-sim-orchestrator-6.x-glcache' && m.Destination === '/isaac-sim/.cache/nvidia/GLCache'), 'shared shader cache volume');
    await waitFor('ready over TCP', () => manager.get(0)?.state.kind === 'ready');
    const s = manager.get(0)!;
    assert.equal(s.version, '6.x');
    assert.equal(s.versionSource, 'image tag "6.0.1"');
    assert.deepEqual(s.warnings, []);
    assert.deepEqual(s.ports, { signal: 29100, stream: 29998, http: 29211, webViewer: 29210, python: 29400 });
    assert.deepEqual(s.view, { kind: 'desktop-client', version: '6.x', host: '127.0.0.1', port: 29100, reachable: true, webViewerUrl: 'http://127.0.0.1:29210/', streamPort: 29998, signalSetting: 'isaacSim.signalPortBase' });
    await waitFor('the image\'s HEALTHCHECK passes', () => manager.get(0)?.health === 'healthy', 15_000);
  });

  test('6.x with a web viewer answering: the sim view shows the web viewer', async () => {
    // The stand-in of NVIDIA's web viewer, built for instance 0's ports and run as compose runs it.
    const viewer = await buildStandinViewer({ signalPort: 29100, streamPort: 29998 });
    await docker('run', '-d', '--name', 'isaac-sim-web-viewer-test', '--network', 'host', viewer, ...viewerCommand(29210));
    await waitFor('the web viewer', async () => (await httpGet('http://127.0.0.1:29210/').catch(() => ({ status: 0 }))).status === 200);
    const manager = track(newManager(standinSettings({ ...BASES, image: IMAGE_6 })));
    await manager.start(0);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready');
    assert.deepEqual(manager.get(0)?.view, { kind: 'url', url: 'http://127.0.0.1:29210/' });
  });

  test('custom: your own arguments and URL template', async () => {
    const manager = track(
      newManager(
        standinSettings({
          ...BASES,
          version: 'custom',
          entrypoint: ['/isaac-sim/runheadless.webrtc.sh'],
          portArgs: ['--/exts/omni.services.transport.server.http/port={httpPort}', '--/app/livestream/port={signalPort}'],
          extraArgs: ['--/app/extra=1'],
          clientUrlTemplate: 'http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}&custom={label}',
        }),
      ),
    );
    await manager.start(0);
    const c = await dockerInspect('isaac-sim-instance-0');
    assert.deepEqual(c?.Config.Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
    assert.deepEqual(c?.Args, ['--/exts/omni.services.transport.server.http/port=29211', '--/app/livestream/port=29100', '--/app/extra=1']);
    await waitFor('ready over HTTP', () => manager.get(0)?.state.kind === 'ready');
    assert.equal(manager.get(0)?.version, 'custom');
    assert.equal(manager.get(0)?.versionSource, 'isaacSim.version');
    assert.equal(manager.get(0)?.clientUrl, 'http://127.0.0.1:29211/streaming/webrtc-demo/?server=127.0.0.1&custom=instance-0');
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
      const id = await engine.create(buildContainerSpec(settings, i, { version: '4.2', home: os.homedir() }));
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
  /** Starts instance 0 until it fails with an exit code; with `line`, also until that line has reached its log channel. */
  async function failWith(env: Record<string, string>, overrides: Partial<Settings> = {}, line?: RegExp): Promise<Manager> {
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.05', ...env }, ...overrides })));
    const appended: string[] = [];
    manager.onDidAppendLog((e) => appended.push(...e.lines));
    await manager.start(0);
    await waitFor('failed with an exit code', () => manager.get(0)?.state.kind === 'failed' && manager.get(0)?.state.exitCode !== undefined, 30_000);
    if (line) await waitFor(`the line ${line} in the log channel`, () => appended.some((l) => line.test(l)), 30_000);
    return manager;
  }

  test('no GPU device; every failure line the stand-in prints maps to its table entry', async () => {
    const manager = await failWith({ STANDIN_MODE: 'gpu-fail' });
    const s = manager.get(0)!.state;
    const logLines = (await docker('logs', 'isaac-sim-instance-0').catch(() => '')) + (await dockerStderr('isaac-sim-instance-0'));
    const diagnosed = logLines
      .split('\n')
      .map((l) => diagnoseLine(l)?.id)
      .filter((id): id is string => id !== undefined);
    assert.deepEqual(diagnosed, ['no-gpu-device']);
    assert.equal(s.diagnosisId, 'no-gpu-device');
    assert.equal(s.reason, 'no GPU device could be created (exit 1)');
    assert.match(s.fix ?? '', /NVIDIA Container Toolkit/);
  });

  test('every fatal class of the stand-in is diagnosed by the first fatal line it prints', async () => {
    // cuda-999 and cuda-bad-state print NVIDIA's no-device block first (IsaacSim #239, #794): the first
    // fatal line of a run is the root cause.
    const expected: Record<string, string> = {
      'no-gpu-device': 'no-gpu-device',
      'cuda-999': 'no-gpu-device',
      'cuda-bad-state': 'no-gpu-device',
      vulkan: 'vulkan',
      'driver-unsupported': 'driver-unsupported',
      'no-gpu-devices-compat': 'no-gpu-devices-compat',
      'rtx-resource-manager': 'rtx-resource-manager',
      nvml: 'nvml',
      'hydra-rtx': 'hydra-rtx',
      'livestream-plugin': 'livestream-plugin',
      nvenc: 'nvenc',
    };
    for (const [id, diagnosisId] of Object.entries(expected)) {
      const manager = await failWith({ STANDIN_MODE: 'fatal', STANDIN_FATAL: id });
      const s = manager.get(0)!.state;
      assert.equal(s.diagnosisId, diagnosisId, `STANDIN_FATAL=${id} (reason: ${s.reason})`);
      assert.equal(s.exitCode, 1);
      manager.dispose();
      await removeContainers('isaac-sim-instance-0');
    }
  });

  // The permission line comes ~10 ms after start, often before the manager's inspect after `start`
  // sees the container running: the exit must still be classified with that run's lines. Repeated,
  // since the race went either way in single runs before the fix.
  test('a config folder Kit cannot write is diagnosed as permission, also when it dies within milliseconds', async () => {
    // On a loaded machine the fatal line can reach us after the exit was classified (past the drain's
    // bound): the diagnosis must name it once it has come (a line reaches the channel after it is classified).
    for (let run = 0; run < 5; run++) {
      const s = (await failWith({ STANDIN_MODE: 'fatal', STANDIN_FATAL: 'permission' }, {}, /unable to save the dictionary/)).get(0)!.state;
      assert.equal(s.diagnosisId, 'permission', `run ${run}: reason: ${s.reason}`);
      assert.equal(s.exitCode, 1);
    }
  });

  test('PhysX without CUDA is a warning: the instance still becomes ready', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_MODE: 'physx-no-cuda' } })));
    const failures: unknown[] = [];
    manager.onDidFail((f) => failures.push(f));
    await manager.start(0);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready');
    const s = manager.get(0)!;
    assert.deepEqual(s.warnings, ['no suitable CUDA GPU for PhysX (it falls back to the CPU)']);
    assert.equal(s.state.diagnosisId, undefined);
    assert.deepEqual(failures, []);
  });

  test('an exit no line explains quotes the last error lines', async () => {
    const s = (await failWith({ STANDIN_MODE: 'exit-unexplained' })).get(0)!.state;
    assert.equal(s.diagnosisId, 'exit');
    assert.equal(s.exitCode, 1);
    assert.match(s.reason ?? '', /^exited with code 1 after: .*carb::graphics::createInstance failed\./);
    assert.match(s.fix ?? '', /carb::graphics::createInstance failed\./);
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
        assert.match(err.message, /instance-0 cannot start: its Kit HTTP port 29211 is already in use on 127\.0\.0\.1 by another process/);
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
    const second = track(newManager(standinSettings({ ...BASES, httpPortBase: 29212, signalPortBase: 29300 })));
    await second.connect();
    await assert.rejects(second.start(0), /its Kit HTTP port 29212 is already in use on 127\.0\.0\.1 by instance-1 \(running\)/);
    assert.equal(await dockerInspect('isaac-sim-instance-0'), undefined, 'nothing was created');
  });

  test('signal port taken after the check (a race): the simulator\'s own bind error is the reason of its exit', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.3' } })));
    await manager.start(0);
    const blocker = net.createServer().listen(29100, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      await waitFor('failed with an exit code', () => manager.get(0)?.state.kind === 'failed' && manager.get(0)?.state.exitCode !== undefined, 30_000);
      assert.equal(manager.get(0)!.state.diagnosisId, 'port-taken');
      assert.equal(manager.get(0)!.state.exitCode, 1);
    } finally {
      blocker.close();
    }
  });

  test('Kit HTTP port taken after the check (a race): a warning, the simulator goes on', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.3' } })));
    const lines: string[] = [];
    manager.onDidAppendLog((e) => lines.push(...e.lines));
    await manager.start(0);
    const blocker = net.createServer().listen(29211, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      await waitFor('the port-taken warning', () => manager.get(0)?.warnings.includes('a port it wanted is already in use'), 30_000);
      await waitFor('the readiness line', () => lines.some((l) => l.endsWith('] Isaac Sim Headless WebRTC App is loaded.')), 30_000);
      const s = manager.get(0)!;
      assert.notEqual(s.state.kind, 'failed');
      assert.ok(s.startedAt !== undefined, 'still running');
      assert.ok(lines.some((l) => /http server was meant to start on 29211 but port is taken/.test(l)));
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
    // The stand-in prints only real lines, and no OmniHub line: the table must still never flag it.
    assert.equal(diagnoseLine('2025-10-08T05:46:15Z [12,345ms] [Warning] [omni.hub] OmniHub: Hub encountered error. Trying to reconnect'), undefined);
    // Real Warning-level lines of a normal start are not failures either.
    assert.ok(lines.some((l) => /\[Warning\] \[gpu\.foundation\.plugin\] Waiting for compilation of ray tracing shaders/.test(l)), 'the stand-in printed the shader warnings');
    assert.equal(manager.get(0)?.state.diagnosisId, undefined);
    assert.deepEqual(manager.get(0)?.warnings, []);
    assert.deepEqual(failures, []);
  });

  test('a failure seen live is announced once through onDidFail', async () => {
    const manager = track(newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_MODE: 'gpu-fail' } })));
    const failures: string[] = [];
    manager.onDidFail((f) => failures.push(`${f.label}: ${f.snapshot.state.diagnosisId}`));
    await manager.connect();
    await manager.start(0);
    await waitFor('failed with exit code', () => manager.get(0)?.state.exitCode !== undefined, 20_000);
    assert.deepEqual(failures, ['instance-0: no-gpu-device']);
  });
});
