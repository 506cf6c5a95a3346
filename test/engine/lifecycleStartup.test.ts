/**
 * The simulator's start as the extension reads it, against a real engine and the stand-in: startup
 * phases, readiness = log line AND endpoint probe, learned startup times (first vs cached), Isaac Sim
 * versions (4.2, 5.1, 6.x, custom), GPU assignment, and changes made outside the extension.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import { describe, test } from 'node:test';
import { DockerEngine } from '../../src/docker/engine';
import type { KeyValueStore } from '../../src/instances/eta';
import type { Manager } from '../../src/instances/manager';
import { buildContainerSpec } from '../../src/instances/spec';
import type { Settings } from '../../src/instances/settings';
import { buildStandinViewer, docker, dockerInspect, httpGet, newManager, removeContainers, standinSettings, STANDIN_IMAGE, viewerCommand, waitFor } from './helpers';
import { lifecycleHooks, track } from './lifecycleSetup';

// Instances 0 and 1 (lifecycleDiagnosis uses 3 and 4, on other ports).
const NAMES = ['isaac-sim-instance-0', 'isaac-sim-instance-1', 'isaac-sim-web-viewer-test'];
const BASES = { httpPortBase: 29211, signalPortBase: 29100, streamPortBase: 29998, webViewerPortBase: 29210, pythonServerPortBase: 29400 };
const IMAGE_51 = 'isaac-sim-standin:5.1.0';
const IMAGE_6 = 'isaac-sim-standin:6.0.1';

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

lifecycleHooks(NAMES, [0, 1]);

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
    const manager = track(newManager(settings));
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

