/**
 * The preflight doctor's verdicts on the engine and the image, with a fake for each dependency:
 * engine, NVIDIA runtime, GPU request, image, version, web viewer; and the parsing of docker info.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ImageConfig } from '../../src/docker/engine';
import { EngineError } from '../../src/docker/errors';
import { parseEngineInfo } from '../../src/docker/system';
import { runDoctor } from '../../src/instances/doctor';
import { gpuRequestGroups } from '../../src/instances/doctorChecks';
import type { Settings } from '../../src/instances/settings';
import { buildContainerSpec } from '../../src/instances/spec';
import { VERSIONS } from '../../src/instances/versions';
import { HOME, settings, fakeEngine, deps, find } from './doctorFakes';

function unreachable(code: string): EngineError {
  const cause = Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
  return new EngineError(`Docker engine unreachable at unix:///var/run/docker.sock (${code}) while trying to ask the engine for its version: start Docker.`, 'unreachable', undefined, { cause });
}

describe('doctor: engine check', () => {
  test('a reachable engine is ✔ with its version, address and facts', async () => {
    const r = await runDoctor(deps());
    const c = find(r, 'engine');
    assert.equal(c.ok, true);
    assert.match(c.detail, /27\.1\.0/);
    assert.match(c.detail, /API 1\.46/);
    assert.match(c.detail, /unix:\/\/\/var\/run\/docker\.sock/);
    assert.match(c.detail, /16 CPUs/);
    assert.equal(c.fix, undefined);
    assert.deepEqual(
      r.checks.map((x) => x.id),
      ['engine', 'runtime', 'gpu', 'image', 'version', 'volumes', 'ports', 'webViewer', 'disk', 'memory'],
    );
  });

  test('an unreachable engine is ✘ with "start Docker / set isaacSim.dockerHost", and the engine checks are skipped', async () => {
    const engine = fakeEngine({ version: async () => Promise.reject(unreachable('ECONNREFUSED')) });
    const r = await runDoctor(deps({ engine }));
    const c = find(r, 'engine');
    assert.equal(c.ok, false);
    assert.match(c.detail, /ECONNREFUSED/);
    assert.match(c.fix ?? '', /systemctl start docker/);
    assert.match(c.fix ?? '', /isaacSim\.dockerHost/);
    for (const id of ['runtime', 'gpu', 'image'] as const) {
      assert.equal(find(r, id).ok, 'skipped', id);
      assert.match(find(r, id).detail, /not reachable/);
    }
    assert.equal(engine.gpuCalls.length, 0);
    // Host checks still run.
    assert.equal(find(r, 'ports').ok, true);
    assert.equal(find(r, 'disk').ok, true);
  });

  test('permission denied on the socket suggests the docker group', async () => {
    const r = await runDoctor(deps({ engine: fakeEngine({ version: async () => Promise.reject(unreachable('EACCES')) }) }));
    assert.match(find(r, 'engine').fix ?? '', /docker.*group/);
  });

  test('no engine client at all is ✘ and names why', async () => {
    const r = await runDoctor(deps({ engine: undefined, engineAddress: 'tcp://127.0.0.1:1', engineUnavailable: 'Bad docker host "tcp://x".' }));
    assert.equal(find(r, 'engine').ok, false);
    assert.match(find(r, 'engine').detail, /Bad docker host/);
    assert.equal(r.engineAddress, 'tcp://127.0.0.1:1');
  });

  test('an engine that never answers fails after the timeout', async () => {
    const r = await runDoctor(deps({ engine: fakeEngine({ version: () => new Promise(() => undefined) }), engineTimeoutMs: 20 }));
    assert.equal(find(r, 'engine').ok, false);
    assert.match(find(r, 'engine').detail, /did not answer within/);
  });
});

describe('doctor: NVIDIA runtime check', () => {
  test('✔ when the configured runtime is registered', async () => {
    const c = find(await runDoctor(deps()), 'runtime');
    assert.equal(c.ok, true);
    assert.match(c.detail, /`nvidia` is registered/);
  });

  test('✘ when it is not, listing what the engine has, with the toolkit fix', async () => {
    const c = find(await runDoctor(deps({ engine: fakeEngine({ runtimes: ['io.containerd.runc.v2', 'runc'] }) })), 'runtime');
    assert.equal(c.ok, false);
    assert.match(c.detail, /no `nvidia` runtime/);
    assert.match(c.detail, /`runc`/);
    assert.match(c.fix ?? '', /NVIDIA Container Toolkit/);
    assert.match(c.fix ?? '', /sudo nvidia-ctk runtime configure --runtime=docker/);
    assert.match(c.fix ?? '', /restart docker/);
    assert.match(c.fix ?? '', /isaacSim\.runtime/);
  });

  test('runtime "" is ✔ "default runtime configured (no GPU)" without asking the engine', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ runtime: '', gpus: 'none' }), engine: fakeEngine({ runtimes: [] }) })), 'runtime');
    assert.equal(c.ok, true);
    assert.match(c.detail, /Default runtime configured \(no GPU\)/);
  });

  test('no nvidia runtime but the GPU request works with the default runtime (CDI) → the fix offers runtime ""', async () => {
    const engine = fakeEngine({ runtimes: ['io.containerd.runc.v2', 'runc'] });
    const r = await runDoctor(deps({ engine }));
    const c = find(r, 'runtime');
    assert.equal(c.ok, false);
    assert.equal(find(r, 'gpu').ok, true);
    assert.equal(engine.gpuCalls[0].runtime, undefined, 'the GPU request was tried with the default runtime');
    assert.match(c.fix ?? '', /hands out GPUs without a `nvidia` runtime/);
    assert.match(c.fix ?? '', /set `isaacSim\.runtime` to `""`/);
    assert.match(c.fix ?? '', /nvidia-ctk runtime configure/, 'registering the runtime stays the other way');
  });

  test('no nvidia runtime and the GPU request refused too → the plain toolkit fix, not runtime ""', async () => {
    const engine = fakeEngine({ runtimes: ['runc'], gpu: () => ({ ok: false, stage: 'start', message: 'could not select device driver "" with capabilities: [[gpu]]' }) });
    const c = find(await runDoctor(deps({ engine })), 'runtime');
    assert.equal(c.ok, false);
    assert.doesNotMatch(c.fix ?? '', /hands out GPUs without/);
    assert.match(c.fix ?? '', /NVIDIA Container Toolkit/);
  });

  test('✘ when docker info fails', async () => {
    const c = find(await runDoctor(deps({ engine: fakeEngine({ info: async () => Promise.reject(new Error('boom')) }) })), 'runtime');
    assert.equal(c.ok, false);
    assert.match(c.detail, /boom/);
  });
});

describe('doctor: GPU request check', () => {
  test('skipped with a reason when isaacSim.gpus is "none"', async () => {
    const engine = fakeEngine();
    const c = find(await runDoctor(deps({ settings: settings({ gpus: 'none' }), engine })), 'gpu');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /isaacSim\.gpus/);
    assert.equal(engine.gpuCalls.length, 0);
  });

  test('✔ when the engine accepts the spec\'s request, tried with the configured runtime and image', async () => {
    const engine = fakeEngine();
    const s = settings();
    const c = find(await runDoctor(deps({ settings: s, engine })), 'gpu');
    assert.equal(c.ok, true);
    assert.equal(engine.gpuCalls.length, 1, 'one probe for identical requests');
    assert.deepEqual(engine.gpuCalls[0].requests, buildContainerSpec(s, 0, { version: '4.2', home: HOME }).HostConfig.DeviceRequests);
    assert.equal(engine.gpuCalls[0].runtime, 'nvidia');
    assert.equal(engine.gpuCalls[0].image, s.image);
    assert.match(c.detail, /all GPUs/);
  });

  test('✘ with the engine\'s own message; tried with the default runtime when "nvidia" is missing', async () => {
    const message = 'could not select device driver "nvidia" with capabilities: [[gpu]]';
    const engine = fakeEngine({ runtimes: ['runc'], gpu: () => ({ ok: false, stage: 'start', message }) });
    const c = find(await runDoctor(deps({ engine })), 'gpu');
    assert.equal(c.ok, false);
    assert.ok(c.detail.includes(message), c.detail);
    assert.match(c.detail, /default runtime/);
    assert.equal(engine.gpuCalls[0].runtime, undefined);
    assert.match(c.fix ?? '', /NVIDIA Container Toolkit/);
    assert.match(c.fix ?? '', /nvidia-smi/);
  });

  test('each distinct request of the configured instances is tried, and a refused one is named', async () => {
    const s = settings({ gpus: '0,1', instanceCount: 3 });
    const expected = gpuRequestGroups(s, HOME);
    const distinct = new Set([0, 1, 2].map((i) => JSON.stringify(buildContainerSpec(s, i, { version: '4.2', home: HOME }).HostConfig.DeviceRequests)));
    assert.equal(expected.length, distinct.size);
    const engine = fakeEngine({ gpu: (call) => (JSON.stringify(call.requests) === JSON.stringify(expected[expected.length - 1]) && expected.length > 1 ? { ok: false, stage: 'start', message: 'unknown device 1' } : { ok: true }) });
    const c = find(await runDoctor(deps({ settings: s, engine })), 'gpu');
    assert.deepEqual(engine.gpuCalls.map((g) => JSON.stringify(g.requests)).sort(), [...distinct].sort());
    if (expected.length > 1) {
      assert.equal(c.ok, false);
      assert.match(c.detail, /unknown device 1/);
      assert.match(c.fix ?? '', /nvidia-smi -L/);
    }
  });

  test('skipped when the image is not on this machine (a probe needs it)', async () => {
    const engine = fakeEngine({ present: false });
    const c = find(await runDoctor(deps({ engine })), 'gpu');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /image/);
    assert.equal(engine.gpuCalls.length, 0);
  });

  test('a probe that throws is ✘ with the error', async () => {
    const engine = fakeEngine({
      gpu: () => {
        throw new Error('socket hang up');
      },
    });
    const c = find(await runDoctor(deps({ engine })), 'gpu');
    assert.equal(c.ok, false);
    assert.match(c.detail, /socket hang up/);
  });
});

describe('doctor: image check', () => {
  test('✔ when present', async () => {
    const c = find(await runDoctor(deps()), 'image');
    assert.equal(c.ok, true);
    assert.match(c.detail, /isaac-sim:4\.2\.0/);
  });

  test('✘ when missing, with docker login nvcr.io and docker pull IMAGE', async () => {
    const c = find(await runDoctor(deps({ engine: fakeEngine({ present: false }) })), 'image');
    assert.equal(c.ok, false);
    assert.match(c.fix ?? '', /docker login nvcr\.io/);
    assert.match(c.fix ?? '', /docker pull nvcr\.io\/nvidia\/isaac-sim:4\.2\.0/);
    assert.doesNotMatch(c.fix ?? '', /pulls the image first/);
  });

  test('no login step for other registries; pull-on-start mentioned when the extension does it', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ image: 'example.com/sim:1' }), engine: fakeEngine({ present: false }), pullsOnStart: true })), 'image');
    assert.doesNotMatch(c.fix ?? '', /docker login/);
    assert.match(c.fix ?? '', /docker pull example\.com\/sim:1/);
    assert.match(c.fix ?? '', /pulls the image first/);
  });
});

const CONFIG_60: ImageConfig = { user: 'isaac-sim', entrypoint: ['/isaac-sim/runheadless.sh'], env: [], healthcheck: ['CMD-SHELL', 'grep -q "AppReady" log'], tags: ['nvcr.io/nvidia/isaac-sim:6.0.1'] };
const CONFIG_51: ImageConfig = { user: 'isaac-sim', entrypoint: ['/isaac-sim/runheadless.sh'], env: [], tags: [] };

describe('doctor: version check', () => {
  test('✔ 4.2 from the image tag: the launcher, user root and host folders under hostDataRoot', async () => {
    const c = find(await runDoctor(deps()), 'version');
    assert.equal(c.ok, true, c.detail);
    assert.ok(c.detail.startsWith(VERSIONS['4.2'].title), c.detail);
    assert.match(c.detail, /image tag "4\.2\.0"/);
    assert.match(c.detail, /runheadless\.webrtc\.sh/);
    assert.match(c.detail, /user root/);
    assert.match(c.detail, /host folders under `isaacSim\.hostDataRoot`/);
  });

  test('isaacSim.version wins over the tag and says so', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ version: '6.x' }) })), 'version');
    assert.equal(c.ok, true);
    assert.ok(c.detail.startsWith(VERSIONS['6.x'].title), c.detail);
    assert.match(c.detail, /isaacSim\.version is "6\.x"/);
    assert.match(c.detail, /named volumes under `\/isaac-sim`/);
  });

  test('an untagged image is told by its config (read only when the engine offers it): 5.x runs as isaac-sim, 6.x has the AppReady HEALTHCHECK', async () => {
    const five = find(await runDoctor(deps({ settings: settings({ image: 'example.com/sim:latest' }), engine: fakeEngine({ imageConfig: async () => CONFIG_51 }) })), 'version');
    assert.equal(five.ok, true, five.detail);
    assert.ok(five.detail.startsWith(VERSIONS['4.5-5.x'].title), five.detail);
    assert.match(five.detail, /user `isaac-sim`/);
    const asked: string[] = [];
    const six = find(
      await runDoctor(deps({ settings: settings({ image: 'example.com/sim:latest' }), engine: fakeEngine({ imageConfig: async (i) => (asked.push(i), { ...CONFIG_60, tags: [] }) }) })),
      'version',
    );
    assert.deepEqual(asked, ['example.com/sim:latest']);
    assert.ok(six.detail.startsWith(VERSIONS['6.x'].title), six.detail);
    assert.match(six.detail, /HEALTHCHECK/);
  });

  test('✘ when neither the tag nor the image tells, with the isaacSim.version fix; ports still checked (as 4.2)', async () => {
    const missing = await runDoctor(deps({ settings: settings({ image: 'example.com/sim:latest' }), engine: fakeEngine({ present: false }) }));
    const c = find(missing, 'version');
    assert.equal(c.ok, false);
    assert.match(c.detail, /not on this machine/);
    assert.match(c.fix ?? '', /isaacSim\.version/);
    assert.equal(find(missing, 'volumes').ok, 'skipped');
    assert.equal(find(missing, 'ports').ok, true);
    const unknown = find(await runDoctor(deps({ settings: settings({ image: 'example.com/sim:latest' }), engine: fakeEngine({ imageConfig: async () => ({ user: '', entrypoint: ['/bin/bash'], env: [], tags: [] }) }) })), 'version');
    assert.equal(unknown.ok, false);
    assert.match(unknown.detail, /matches none of NVIDIA's images/);
  });

  test('a failing image config read is not fatal: the tag still tells', async () => {
    const c = find(await runDoctor(deps({ engine: fakeEngine({ imageConfig: async () => Promise.reject(new Error('boom')) }) })), 'version');
    assert.equal(c.ok, true);
  });
});

describe('docker info parsing', () => {
  test('keeps runtime names, drops zeros and missing fields', () => {
    const info = parseEngineInfo({
      ServerVersion: '20.10.24+dfsg1',
      Runtimes: { runc: { path: 'runc' }, 'io.containerd.runc.v2': { path: 'runc' }, nvidia: { path: 'nvidia-container-runtime' } },
      DefaultRuntime: 'runc',
      MemTotal: 25276510208,
      NCPU: 2,
      OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
      Driver: 'overlay2',
      DockerRootDir: '/var/lib/docker',
      Other: { ignored: true },
    });
    assert.deepEqual(info, {
      serverVersion: '20.10.24+dfsg1',
      runtimes: ['io.containerd.runc.v2', 'nvidia', 'runc'],
      defaultRuntime: 'runc',
      memTotal: 25276510208,
      ncpu: 2,
      operatingSystem: 'Debian GNU/Linux 12 (bookworm)',
      driver: 'overlay2',
      dockerRootDir: '/var/lib/docker',
    });
    assert.deepEqual(parseEngineInfo({ Runtimes: null, MemTotal: 0 }), {
      serverVersion: 'unknown',
      runtimes: [],
      defaultRuntime: undefined,
      memTotal: undefined,
      ncpu: undefined,
      operatingSystem: undefined,
      driver: undefined,
      dockerRootDir: undefined,
    });
    assert.throws(() => parseEngineInfo({ NCPU: 'two' }));
  });
});

describe('doctor: web viewer check (6.x)', () => {
  const six = (o: Partial<Settings> = {}) => settings({ version: '6.x', image: 'nvcr.io/nvidia/isaac-sim:6.0.1', ...o });
  const run = async (s: Settings, engine = fakeEngine()) => find(await runDoctor(deps({ settings: s, engine })), 'webViewer');

  test('skipped for other versions, and for 6.x without a viewer setting it says which one to set', async () => {
    assert.equal((await run(settings())).ok, 'skipped');
    const c = await run(six());
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /set `isaacSim\.webViewerBuildContext` to the `tools\/docker\/web-viewer` folder/);
  });

  test('a build folder with a Dockerfile is ✔ with each instance\'s ports; a folder without one is ✘ naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'doctor-viewer-'));
    const none = await run(six({ webViewerBuildContext: dir }));
    assert.equal(none.ok, false);
    assert.ok(none.detail.includes(`has no Dockerfile`) && none.detail.includes(dir), none.detail);
    assert.match(none.fix ?? '', /tools\/docker\/web-viewer/);
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    const two = six({ webViewerBuildContext: dir, instanceCount: 2 });
    const ok = await run(two);
    assert.equal(ok.ok, true, ok.detail);
    const [sig, str, web] = [two.signalPortBase, two.streamPortBase, two.webViewerPortBase];
    assert.ok(ok.detail.includes(`${sig}/${str} → :${web}, ${sig + 1}/${str + 1} → :${web + 1}`), ok.detail);
  });

  test('ready images: each instance\'s must be on the engine; the fix is the docker build with its ports', async () => {
    const s = six({ webViewerImage: 'viewer:{signalPort}', instanceCount: 2 });
    const [sig, str] = [s.signalPortBase, s.streamPortBase];
    const present = await run(s, fakeEngine({ present: true }));
    assert.equal(present.ok, true, present.detail);
    assert.ok(present.detail.includes(`viewer:${sig}, viewer:${sig + 1}`), present.detail);
    const missing = await run(six({ webViewerImage: 'viewer:{signalPort}' }), fakeEngine({ present: false }));
    assert.equal(missing.ok, false);
    assert.ok((missing.fix ?? '').includes(`--build-arg ISAACSIM_SIGNAL_PORT=${sig} --build-arg ISAACSIM_STREAM_PORT=${str} -t viewer:${sig}`), missing.fix);
  });
});
