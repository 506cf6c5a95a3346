/** Settings, a fake engine and the other dependencies of a doctor run, shared by the doctor*.test.ts files. */
import assert from 'node:assert/strict';
import type { ImageConfig } from '../../src/docker/engine';
import type { DeviceRequest, EngineInfo, GpuProbeResult } from '../../src/docker/system';
import type { DoctorCheck, DoctorCheckId, DoctorDeps, DoctorEngine, DoctorInstance, DoctorReport } from '../../src/instances/doctorTypes';
import { parseSettings, type Settings } from '../../src/instances/settings';
import { portsFor, type VolumeMount } from '../../src/instances/spec';
import type { VersionId } from '../../src/instances/versions';

export const GIB = 1024 ** 3;
export const HOME = '/home/u';
export const BASES = { httpPortBase: 58211, signalPortBase: 59100, streamPortBase: 57998, webViewerPortBase: 58310, pythonServerPortBase: 58400 };

export function settings(overrides: Partial<Settings> = {}): Settings {
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

export function fakeEngine(o: FakeEngineOptions = {}): FakeEngine & { probeCalls: ProbeCall[] } {
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

export function deps(overrides: Partial<DoctorDeps> = {}): DoctorDeps {
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

export function find(report: DoctorReport, id: DoctorCheckId): DoctorCheck {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `report has a ${id} check`);
  return c;
}

/** The test image is 4.2.0, so the doctor takes the ports of Isaac Sim 4.2 unless told otherwise. */
export function runningInstance(s: Settings, index: number, version: VersionId = '4.2'): DoctorInstance {
  return { index, label: `instance-${index}`, ports: portsFor(s, version, index), state: { kind: 'ready', since: 0 }, startedAt: 1 };
}
