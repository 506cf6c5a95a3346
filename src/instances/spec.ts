/**
 * Builds the Docker Engine "create container" body for one instance from validated settings.
 * Pure: no I/O, so it is unit-tested field by field; the engine layer sends it as it is.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, containerNameFor, instanceLabel, type InstancePorts } from './model';
import { fillTemplate, type Settings, type TemplateValues } from './settings';

export const PORTS_LABEL = 'dev.isaac-sim-orchestrator.ports';
export const SPEC_HASH_LABEL = 'dev.isaac-sim-orchestrator.spec-hash';

/** Isaac Sim's documented cache/config layout: host sub-folder → container path. */
export const VOLUME_LAYOUT: ReadonlyArray<{ host: string; container: string; perInstance?: boolean }> = [
  { host: 'cache/kit', container: '/isaac-sim/kit/cache' },
  { host: 'cache/ov', container: '/root/.cache/ov' },
  { host: 'cache/pip', container: '/root/.cache/pip' },
  { host: 'cache/glcache', container: '/root/.cache/nvidia/GLCache' },
  { host: 'cache/computecache', container: '/root/.nv/ComputeCache' },
  // Logs are kept per instance so that concurrent instances don't interleave their log files.
  { host: 'logs', container: '/root/.nvidia-omniverse/logs', perInstance: true },
  { host: 'data', container: '/root/.local/share/ov/data' },
  { host: 'documents', container: '/root/Documents' },
];

export interface ContainerCreateBody {
  name: string;
  Image: string;
  Entrypoint?: string[];
  Cmd: string[];
  Env: string[];
  Labels: Record<string, string>;
  HostConfig: {
    NetworkMode: 'host';
    Runtime?: string;
    DeviceRequests?: Array<{ Driver: string; Count?: number; DeviceIDs?: string[]; Capabilities: string[][] }>;
    Memory?: number;
    Binds: string[];
    RestartPolicy: { Name: 'no' };
  };
}

export function portsFor(settings: Settings, index: number): InstancePorts {
  return {
    http: settings.httpPortBase + index,
    webrtc: settings.webrtcPortBase + index,
    native: settings.nativePortBase + index,
  };
}

export function templateValues(settings: Settings, index: number, ports: InstancePorts): TemplateValues {
  return { host: settings.host, httpPort: ports.http, webrtcPort: ports.webrtc, nativePort: ports.native, index, label: instanceLabel(index) };
}

/** The client URL for an instance, from the URL template. */
export function clientUrlFor(settings: Settings, index: number, ports: InstancePorts = portsFor(settings, index)): string {
  return fillTemplate(settings.clientUrlTemplate, templateValues(settings, index, ports));
}

/** Expands a leading `~` against the given home folder. */
export function expandHome(folder: string, home: string): string {
  if (folder === '~') return home;
  if (folder.startsWith('~/')) return path.posix.join(home, folder.slice(2));
  return folder;
}

/** Host folders the spec bind-mounts, so they can be created (owned by the user) before create. */
export function hostFoldersFor(settings: Settings, index: number, home: string): string[] {
  const root = expandHome(settings.hostDataRoot, home);
  return VOLUME_LAYOUT.map((v) => path.posix.join(root, v.host, v.perInstance ? instanceLabel(index) : ''));
}

export function parsePortsLabel(value: string | undefined): InstancePorts | undefined {
  const parts = (value ?? '').split(',').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1 || n > 65535)) return undefined;
  return { http: parts[0], webrtc: parts[1], native: parts[2] };
}

function gpuRequest(gpus: string): ContainerCreateBody['HostConfig']['DeviceRequests'] {
  if (gpus === 'none') return undefined;
  if (gpus === 'all') return [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }];
  return [{ Driver: 'nvidia', DeviceIDs: gpus.split(','), Capabilities: [['gpu']] }];
}

export function buildContainerSpec(settings: Settings, index: number, home: string): ContainerCreateBody {
  const ports = portsFor(settings, index);
  const values = templateValues(settings, index, ports);
  const root = expandHome(settings.hostDataRoot, home);
  const env: Record<string, string> = {
    ACCEPT_EULA: 'Y',
    PRIVACY_CONSENT: 'Y',
    ...settings.env,
    // Lets the simulator (and the stand-in's page) name its instance; harmless to Isaac Sim.
    ISAACSIM_INSTANCE_LABEL: instanceLabel(index),
  };
  const body: ContainerCreateBody = {
    name: containerNameFor(index),
    Image: settings.image,
    ...(settings.entrypoint.length > 0 ? { Entrypoint: [...settings.entrypoint] } : {}),
    Cmd: [...settings.portArgs.map((arg) => fillTemplate(arg, values)), ...settings.extraArgs],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [OWNER_LABEL]: OWNER_VALUE,
      [INDEX_LABEL]: String(index),
      [PORTS_LABEL]: `${ports.http},${ports.webrtc},${ports.native}`,
    },
    HostConfig: {
      NetworkMode: 'host',
      ...(settings.runtime ? { Runtime: settings.runtime } : {}),
      ...(settings.gpus !== 'none' ? { DeviceRequests: gpuRequest(settings.gpus) } : {}),
      ...(settings.memoryLimitGiB > 0 ? { Memory: Math.round(settings.memoryLimitGiB * 1024 ** 3) } : {}),
      Binds: VOLUME_LAYOUT.map((v) => `${path.posix.join(root, v.host, v.perInstance ? instanceLabel(index) : '')}:${v.container}:rw`),
      RestartPolicy: { Name: 'no' },
    },
  };
  body.Labels[SPEC_HASH_LABEL] = specHash(body);
  return body;
}

/** A stable hash of everything in the spec, so a container made from older settings can be told apart. */
export function specHash(body: ContainerCreateBody): string {
  const { Labels, ...rest } = body;
  const labels = Object.fromEntries(Object.entries(Labels).filter(([k]) => k !== SPEC_HASH_LABEL).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify({ ...rest, Labels: labels })).digest('hex').slice(0, 16);
}
