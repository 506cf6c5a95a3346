/**
 * The preflight doctor's verdicts, with a fake for each dependency: engine, ports, disk, memory.
 * The host probes (node:net, statfs) get a few real loopback/tmpdir checks at the end.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ImageConfig } from '../../src/docker/engine';
import { EngineError } from '../../src/docker/errors';
import { parseEngineInfo, type DeviceRequest, type EngineInfo, type GpuProbeResult } from '../../src/docker/system';
import { invalidSettingsReport, runDoctor } from '../../src/instances/doctor';
import { GIB_PER_INSTANCE, MIN_FREE_DISK_GIB, gpuRequestGroups } from '../../src/instances/doctorChecks';
import { diskSpaceAt } from '../../src/instances/doctorHost';
import { portProtocol, probePort, type PortProbe } from '../../src/instances/portProbe';
import { code, renderDoctorMarkdown } from '../../src/instances/doctorReport';
import type { DoctorCheck, DoctorCheckId, DoctorDeps, DoctorEngine, DoctorInstance, DoctorReport } from '../../src/instances/doctorTypes';
import { parseSettings, type Settings } from '../../src/instances/settings';
import { buildContainerSpec, portsFor, volumeMountsFor, type VolumeMount } from '../../src/instances/spec';
import { VERSIONS, type VersionId } from '../../src/instances/versions';

const GIB = 1024 ** 3;
const HOME = '/home/u';
const BASES = { httpPortBase: 58211, signalPortBase: 59100, streamPortBase: 57998, webViewerPortBase: 58310, pythonServerPortBase: 58400 };

function settings(overrides: Partial<Settings> = {}): Settings {
  const r = parseSettings({ image: 'nvcr.io/nvidia/isaac-sim:4.2.0', instanceCount: 2, runtime: 'nvidia', gpus: 'all', memoryLimitGiB: 8, hostDataRoot: '/data/isaac-sim', ...BASES, ...overrides });
  assert.ok(r.ok, `test settings must be valid: ${JSON.stringify(r)}`);
  return r.settings;
}

interface GpuCall {
  image: string;
  requests: readonly DeviceRequest[];
  runtime: string | undefined;
}

type FakeEngine = DoctorEngine & { gpuCalls: GpuCall[] };

interface ProbeCall {
  image: string;
  user: string;
  mounts: readonly VolumeMount[];
  command: string[];
}

type FakeEngineOptions = {
  runtimes?: string[];
  present?: boolean;
  gpu?: (call: GpuCall) => GpuProbeResult;
  memTotal?: number;
  isLocal?: boolean;
  version?: () => Promise<{ version: string; apiVersion: string }>;
  info?: () => Promise<EngineInfo>;
  /** The optional version/volume facade: absent unless given. */
  imageConfig?: (image: string) => Promise<ImageConfig | undefined>;
  volumeExists?: (name: string) => Promise<boolean>;
  runProbe?: (call: ProbeCall) => Promise<{ exitCode: number; output: string }>;
};

function fakeEngine(o: FakeEngineOptions = {}): FakeEngine & { probeCalls: ProbeCall[] } {
  const gpuCalls: GpuCall[] = [];
  const probeCalls: ProbeCall[] = [];
  return {
    probeCalls,
    ...(o.imageConfig ? { imageConfig: o.imageConfig } : {}),
    ...(o.volumeExists ? { volumeExists: o.volumeExists } : {}),
    ...(o.runProbe
      ? {
          runProbe: (image: string, user: string, mounts: readonly VolumeMount[], command: string[]) => {
            const call = { image, user, mounts, command };
            probeCalls.push(call);
            return o.runProbe!(call);
          },
        }
      : {}),
    address: 'unix:///var/run/docker.sock',
    isLocal: o.isLocal ?? true,
    gpuCalls,
    version: o.version ?? (async () => ({ version: '27.1.0', apiVersion: '1.46' })),
    info:
      o.info ??
      (async () => ({
        serverVersion: '27.1.0',
        runtimes: o.runtimes ?? ['io.containerd.runc.v2', 'nvidia', 'runc'],
        defaultRuntime: 'runc',
        memTotal: o.memTotal ?? 64 * GIB,
        ncpu: 16,
        operatingSystem: 'Ubuntu 22.04.4 LTS',
        driver: 'overlay2',
        dockerRootDir: '/var/lib/docker',
      })),
    imagePresent: async () => o.present ?? true,
    tryGpuRequest: async (image, requests, runtime) => {
      const call = { image, requests, runtime };
      gpuCalls.push(call);
      return o.gpu ? o.gpu(call) : { ok: true };
    },
  };
}

function deps(overrides: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    settings: settings(),
    engine: fakeEngine(),
    instances: [],
    checkPort: async () => ({ free: true }),
    diskSpace: async (folder) => ({ checkedPath: folder, freeBytes: 200 * GIB }),
    totalMemoryBytes: 64 * GIB,
    home: HOME,
    now: () => Date.UTC(2025, 0, 2, 10, 0, 0),
    ...overrides,
  };
}

function find(report: DoctorReport, id: DoctorCheckId): DoctorCheck {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `report has a ${id} check`);
  return c;
}

function unreachable(code: string): EngineError {
  const cause = Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
  return new EngineError(`Docker engine unreachable at unix:///var/run/docker.sock (${code}) while trying to ask the engine for its version: start Docker.`, 'unreachable', undefined, { cause });
}

/** The test image is 4.2.0, so the doctor takes the ports of Isaac Sim 4.2 unless told otherwise. */
function runningInstance(s: Settings, index: number, version: VersionId = '4.2'): DoctorInstance {
  return { index, label: `instance-${index}`, ports: portsFor(s, version, index), state: { kind: 'ready', since: 0 }, startedAt: 1 };
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

describe('doctor: volumes check', () => {
  const s6 = () => settings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1', instanceCount: 1 });
  const names6 = volumeMountsFor('6.x', 0).map((m) => m.Source);

  test('skipped for 4.2: it mounts host folders as root', async () => {
    const engine = fakeEngine({ volumeExists: async () => true, runProbe: async () => ({ exitCode: 0, output: '' }) });
    const c = find(await runDoctor(deps({ engine })), 'volumes');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /host folders/);
    assert.equal(engine.probeCalls.length, 0);
  });

  test('skipped when the engine facade cannot inspect volumes or run a probe', async () => {
    const c = find(await runDoctor(deps({ settings: s6() })), 'volumes');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /needs the engine and the image/);
  });

  test('✔ when none of the volumes exists yet: they are made for uid 1234 at the first start, no probe run', async () => {
    const asked: string[] = [];
    const engine = fakeEngine({ volumeExists: async (n) => (asked.push(n), false), runProbe: async () => ({ exitCode: 0, output: '' }) });
    const c = find(await runDoctor(deps({ settings: s6(), engine })), 'volumes');
    assert.equal(c.ok, true, c.detail);
    assert.match(c.detail, /None exists yet/);
    assert.deepEqual(asked.sort(), [...names6].sort());
    assert.equal(engine.probeCalls.length, 0);
  });

  test('✔ when uid 1234 can write every existing volume: the probe runs as 1234:1234 with the existing mounts', async () => {
    const existing = new Set(names6.slice(0, 2));
    const engine = fakeEngine({ volumeExists: async (n) => existing.has(n), runProbe: async () => ({ exitCode: 0, output: '' }) });
    const c = find(await runDoctor(deps({ settings: s6(), engine })), 'volumes');
    assert.equal(c.ok, true, c.detail);
    assert.equal(engine.probeCalls.length, 1);
    const call = engine.probeCalls[0];
    assert.equal(call.user, '1234:1234');
    assert.equal(call.image, 'nvcr.io/nvidia/isaac-sim:6.0.1');
    assert.deepEqual(call.mounts.map((m) => m.Source), [...existing]);
    for (const m of call.mounts) assert.ok(call.command.includes(m.Target), m.Target);
    assert.match(c.detail, /uid 1234 can write/);
  });

  test('✘ naming the unwritable folder, with "docker volume rm" of its volume as the fix', async () => {
    const mounts = volumeMountsFor('6.x', 0);
    const bad = mounts[0];
    const engine = fakeEngine({ volumeExists: async () => true, runProbe: async () => ({ exitCode: 0, output: `not writable: ${bad.Target}\n` }) });
    const c = find(await runDoctor(deps({ settings: s6(), engine })), 'volumes');
    assert.equal(c.ok, false);
    assert.ok(c.detail.includes(code(bad.Target)), c.detail);
    assert.ok((c.fix ?? '').includes(`docker volume rm ${bad.Source}`), c.fix);
  });

  test('✘ when the probe fails without naming a folder, or the engine errs', async () => {
    const failed = find(await runDoctor(deps({ settings: s6(), engine: fakeEngine({ volumeExists: async () => true, runProbe: async () => ({ exitCode: 126, output: 'exec failed' }) }) })), 'volumes');
    assert.equal(failed.ok, false);
    assert.match(failed.detail, /exited with 126/);
    const threw = find(await runDoctor(deps({ settings: s6(), engine: fakeEngine({ volumeExists: async () => Promise.reject(new Error('boom')), runProbe: async () => ({ exitCode: 0, output: '' }) }) })), 'volumes');
    assert.equal(threw.ok, false);
    assert.match(threw.detail, /boom/);
  });
});

describe('doctor: ports check', () => {
  test('the ports are those of the version: 6.x probes signal, stream (UDP) and http, not the web viewer\'s', async () => {
    const s = settings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1', instanceCount: 2 });
    const probed: string[] = [];
    const c = find(await runDoctor(deps({ settings: s, checkPort: async (port, protocol) => (probed.push(`${protocol}/${port}`), { free: true }) })), 'ports');
    assert.equal(c.ok, true);
    const expected = [0, 1].flatMap((i) => {
      const ports = portsFor(s, '6.x', i);
      return VERSIONS['6.x'].binds.map((kind) => `${portProtocol(kind)}/${ports[kind]}`);
    });
    assert.deepEqual(probed.sort(), expected.sort());
    assert.ok(probed.includes(`udp/${BASES.streamPortBase}`));
    assert.ok(!probed.some((p) => p.endsWith(`/${BASES.webViewerPortBase}`)), 'the web viewer port is not ours to hold');
  });

  test('4.2 probes its http, signal and code server ports', async () => {
    const s = settings({ instanceCount: 1 });
    assert.deepEqual(portsFor(s, '4.2', 0), { http: BASES.httpPortBase, signal: BASES.signalPortBase, python: BASES.pythonServerPortBase });
  });


  test('✔ when every port of every instance is free; every port kind of portsFor is probed', async () => {
    const s = settings({ instanceCount: 2 });
    const probed: string[] = [];
    const r = await runDoctor(deps({ settings: s, checkPort: async (port, protocol) => (probed.push(`${protocol}/${port}`), { free: true }) }));
    const c = find(r, 'ports');
    assert.equal(c.ok, true);
    const expected = [0, 1].flatMap((i) => Object.entries(portsFor(s, '4.2', i)).map(([kind, port]) => `${portProtocol(kind)}/${port}`));
    assert.deepEqual(probed.sort(), expected.sort());
    assert.match(c.detail, /2 instances/);
  });

  test('✘ naming the instance, port kind and port held by another program, with the setting to move', async () => {
    const s = settings({ instanceCount: 2 });
    const [kind, port] = Object.entries(portsFor(s, '4.2', 1))[0] as [string, number];
    const c = find(await runDoctor(deps({ settings: s, checkPort: async (p): Promise<PortProbe> => (p === port ? { free: false, code: 'EADDRINUSE' } : { free: true }) })), 'ports');
    assert.equal(c.ok, false);
    assert.ok(c.detail.includes(`instance-1 ${kind} port ${port} is in use by another program`), c.detail);
    assert.ok((c.fix ?? '').includes(`isaacSim.${kind}PortBase`), c.fix);
    assert.ok((c.fix ?? '').includes(`:${port}`), c.fix);
  });

  test('the holder of a taken port is named where it is visible; a failing or blind lookup keeps "another program"', async () => {
    const s = settings({ instanceCount: 1 });
    const [kind, port] = Object.entries(portsFor(s, '4.2', 0))[0] as [string, number];
    const held = async (p: number): Promise<PortProbe> => (p === port ? { free: false, code: 'EADDRINUSE' } : { free: true });
    const asked: string[] = [];
    const named = find(
      await runDoctor(deps({ settings: s, checkPort: held, describeHolder: async (p, protocol) => (asked.push(`${protocol}/${p}`), 'container "ros-bridge" (not ours; left untouched)') })),
      'ports',
    );
    assert.equal(named.ok, false);
    assert.ok(named.detail.includes(`instance-0 ${kind} port ${port} is in use by container "ros-bridge" (not ours; left untouched).`), named.detail);
    assert.deepEqual(asked, [`tcp/${port}`], 'only the unexplained port is looked up');
    for (const describeHolder of [async () => 'another process', async () => undefined, async (): Promise<string> => { throw new Error('EACCES'); }]) {
      const c = find(await runDoctor(deps({ settings: s, checkPort: held, describeHolder })), 'ports');
      assert.ok(c.detail.includes(`port ${port} is in use by another program`), c.detail);
    }
  });

  test('a running instance of ours holding its own ports is ✔ "in use by instance-N (running)"', async () => {
    const s = settings({ instanceCount: 2 });
    const held = new Set(Object.values(portsFor(s, '4.2', 0)));
    const c = find(
      await runDoctor(deps({ settings: s, instances: [runningInstance(s, 0)], checkPort: async (p): Promise<PortProbe> => (held.has(p) ? { free: false, code: 'EADDRINUSE' } : { free: true }) })),
      'ports',
    );
    assert.equal(c.ok, true, c.detail);
    assert.match(c.detail, /in use by instance-0 \(running\)/);
  });

  test('a stopped instance of ours does not excuse a held port', async () => {
    const s = settings({ instanceCount: 1 });
    const stopped: DoctorInstance = { ...runningInstance(s, 0), state: { kind: 'stopped', since: 0 }, startedAt: undefined };
    const c = find(await runDoctor(deps({ settings: s, instances: [stopped], checkPort: async () => ({ free: false, code: 'EADDRINUSE' }) })), 'ports');
    assert.equal(c.ok, false);
  });

  test('a port held by another running instance of ours (older settings) is ✘ and names it', async () => {
    const s = settings({ instanceCount: 2 });
    const [, port] = Object.entries(portsFor(s, '4.2', 1))[0] as [string, number];
    const other: DoctorInstance = { index: 5, label: 'instance-5', ports: { http: port }, state: { kind: 'ready', since: 0 }, startedAt: 1 };
    const c = find(await runDoctor(deps({ settings: s, instances: [other], checkPort: async (p): Promise<PortProbe> => (p === port ? { free: false, code: 'EADDRINUSE' } : { free: true }) })), 'ports');
    assert.equal(c.ok, false);
    assert.match(c.detail, /in use by instance-5 \(running/);
  });

  test('a port that cannot be tested is noted, not failed', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ instanceCount: 1 }), checkPort: async () => ({ free: false, code: 'EACCES' }) })), 'ports');
    assert.equal(c.ok, true);
    assert.match(c.detail, /could not be tested \(EACCES\)/);
  });

  test('skipped with no instances configured', async () => {
    assert.equal(find(await runDoctor(deps({ settings: settings({ instanceCount: 0 }) })), 'ports').ok, 'skipped');
  });

  test('UDP for the media stream port kind, TCP for the others', () => {
    assert.equal(portProtocol('stream'), 'udp');
    for (const kind of ['http', 'webrtc', 'native', 'signal', 'webViewer']) assert.equal(portProtocol(kind), 'tcp');
  });
});

describe('doctor: disk check', () => {
  test(`✔ with ≥ ${MIN_FREE_DISK_GIB} GiB free, reporting the number, at the expanded data root`, async () => {
    let asked = '';
    const c = find(
      await runDoctor(deps({ settings: settings({ hostDataRoot: '~/docker/isaac-sim' }), diskSpace: async (f) => ((asked = f), { checkedPath: f, freeBytes: 412.3 * GIB }) })),
      'disk',
    );
    assert.equal(asked, `${HOME}/docker/isaac-sim`);
    assert.equal(c.ok, true);
    assert.match(c.detail, /412 GiB free/);
  });

  test('✘ below the threshold, still reporting the number, with the hostDataRoot fix', async () => {
    const c = find(await runDoctor(deps({ diskSpace: async () => ({ checkedPath: '/data', freeBytes: 12.5 * GIB }) })), 'disk');
    assert.equal(c.ok, false);
    assert.match(c.detail, /12\.5 GiB free/);
    assert.match(c.detail, /measured at `\/data`/);
    assert.match(c.fix ?? '', /isaacSim\.hostDataRoot/);
  });

  test('skipped for an engine on another machine, or when the space cannot be read', async () => {
    assert.equal(find(await runDoctor(deps({ engine: fakeEngine({ isLocal: false }) })), 'disk').ok, 'skipped');
    const c = find(await runDoctor(deps({ diskSpace: async () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) })), 'disk');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /EACCES/);
  });
});

describe('doctor: memory check', () => {
  test(`with no limit (memoryLimitGiB 0) it still runs, counting ${GIB_PER_INSTANCE} GiB per instance`, async () => {
    assert.equal(GIB_PER_INSTANCE, 8);
    const fits = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 0, instanceCount: 3 }), totalMemoryBytes: 32 * GIB })), 'memory');
    assert.equal(fits.ok, true, fits.detail);
    assert.match(fits.detail, /3 instances × ~8 GiB \(no limit set; what a loaded instance takes\) = 24\.0 GiB/);
    assert.match(fits.detail, /NVIDIA asks for 32 GB of RAM/);
    const tooMany = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 0, instanceCount: 5 }), totalMemoryBytes: 32 * GIB })), 'memory');
    assert.equal(tooMany.ok, false, tooMany.detail);
    assert.match(tooMany.detail, /= 40\.0 GiB/);
    assert.match(tooMany.fix ?? '', /isaacSim\.instanceCount/);
    assert.doesNotMatch(tooMany.fix ?? '', /lower `isaacSim\.memoryLimitGiB`/, 'no limit to lower');
  });

  test('skipped only with no instances configured', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 0, instanceCount: 0 }) })), 'memory');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /isaacSim\.instanceCount/);
  });

  test('✔ when limit × instances fits host and engine memory', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 8, instanceCount: 2 }), totalMemoryBytes: 32 * GIB })), 'memory');
    assert.equal(c.ok, true);
    assert.match(c.detail, /2 instances × 8 GiB \(`isaacSim\.memoryLimitGiB`\) = 16\.0 GiB/);
    assert.match(c.detail, /this machine has 32\.0 GiB/);
    assert.match(c.detail, /the engine sees 64\.0 GiB/);
  });

  test('✘ when it does not fit the host, or the engine (smaller VM), with the fix', async () => {
    const host = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 16, instanceCount: 3 }), totalMemoryBytes: 32 * GIB })), 'memory');
    assert.equal(host.ok, false);
    assert.match(host.fix ?? '', /isaacSim\.memoryLimitGiB/);
    const vm = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 8, instanceCount: 2 }), engine: fakeEngine({ memTotal: 8 * GIB }) })), 'memory');
    assert.equal(vm.ok, false);
  });

  test('a remote engine is judged by its own memory only', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 8, instanceCount: 2 }), totalMemoryBytes: 4 * GIB, engine: fakeEngine({ isLocal: false, memTotal: 64 * GIB }) })), 'memory');
    assert.equal(c.ok, true);
    assert.doesNotMatch(c.detail, /this machine/);
  });
});

describe('doctor: markdown report', () => {
  test('title, time, engine address, one line per check with ✔ / ✘ / –, and the fix under each ✘', async () => {
    const r = await runDoctor(deps({ settings: settings({ gpus: 'none' }), engine: fakeEngine({ runtimes: ['runc'] }) }));
    const md = r.markdown;
    assert.equal(md, renderDoctorMarkdown(r));
    assert.match(md, /^# Isaac Sim preflight doctor\n/);
    assert.match(md, /Checked \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    assert.match(md, /`unix:\/\/\/var\/run\/docker\.sock`/);
    assert.match(md, /\*\*1 problem found\.\*\*/);
    const items = md.split('\n').filter((l) => l.startsWith('- '));
    assert.equal(items.length, r.checks.length);
    assert.match(items[0], /^- ✔ \*\*Docker engine\*\* — /);
    assert.match(items[1], /^- ✘ \*\*NVIDIA runtime\*\* — .*\\$/);
    assert.match(items[2], /^- – \*\*GPU request\*\* — Skipped/);
    // The fix follows the ✘ line, inside its list item.
    const lines = md.split('\n');
    const at = lines.indexOf(items[1]);
    assert.match(lines[at + 1], /^ {2}\*\*Fix:\*\* .*nvidia-ctk runtime configure/);
    assert.equal((md.match(/\*\*Fix:\*\*/g) ?? []).length, 1, 'a fix only under ✘');
  });

  test('all passed says so; multi-line details stay in their item', async () => {
    const s = settings({ instanceCount: 1 });
    const held = new Set(Object.values(portsFor(s, '4.2', 0)));
    const r = await runDoctor(deps({ settings: s, instances: [runningInstance(s, 0)], checkPort: async (p): Promise<PortProbe> => (held.has(p) ? { free: false, code: 'EADDRINUSE' } : { free: true }) }));
    assert.match(r.markdown, /\*\*All checks passed\.\*\*/);
    const portsLine = r.markdown.split('\n').findIndex((l) => l.startsWith('- ✔ **Ports**'));
    assert.ok(portsLine > 0);
    assert.match(r.markdown.split('\n')[portsLine + 1], /^ {2}instance-0 .* in use by instance-0 \(running\)/);
  });

  test('engine text goes into code spans, even with backticks and Markdown characters', async () => {
    const message = 'weird `driver` *x* [[gpu]] <b>';
    const r = await runDoctor(deps({ engine: fakeEngine({ gpu: () => ({ ok: false, stage: 'start', message }) }) }));
    assert.ok(r.markdown.includes(code(message)));
    assert.equal(code('a`b'), '``a`b``');
    assert.equal(code('`x`'), '`` `x` ``');
  });

  test('invalid settings give a one-check report that names them', () => {
    const bad = parseSettings({ memoryLimitGiB: -1 });
    assert.ok(!bad.ok);
    const r = invalidSettingsReport(bad.problems, 'unix:///var/run/docker.sock');
    assert.equal(r.checks.length, 1);
    assert.equal(r.checks[0].ok, false);
    assert.match(r.markdown, /✘ \*\*Settings\*\* — Setting isaacSim\.memoryLimitGiB/);
    assert.match(r.markdown, /\*\*Fix:\*\* Correct `isaacSim\.memoryLimitGiB`/);
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

describe('host probes', () => {
  test('probePort: a TCP port held on 127.0.0.1 is EADDRINUSE, free again once released', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    assert.deepEqual(await probePort(port, 'tcp'), { free: false, code: 'EADDRINUSE' });
    await new Promise((resolve) => server.close(resolve));
    assert.deepEqual(await probePort(port, 'tcp'), { free: true });
  });

  test('probePort: UDP likewise', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    assert.deepEqual(await probePort(port, 'udp'), { free: false, code: 'EADDRINUSE' });
    await new Promise<void>((resolve) => socket.close(resolve));
    assert.deepEqual(await probePort(port, 'udp'), { free: true });
  });

  test('diskSpaceAt measures the nearest existing ancestor of a folder that does not exist yet', async () => {
    const tmp = os.tmpdir();
    const space = await diskSpaceAt(path.join(tmp, 'no-such-isaac-folder', 'deeper'));
    assert.equal(space.checkedPath, path.resolve(tmp));
    assert.ok(space.freeBytes > 0);
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
