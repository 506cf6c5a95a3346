/**
 * Builds the Docker Engine "create container" body for one instance from validated settings.
 * Pure: no I/O, so it is unit-tested field by field; the engine layer sends it as it is.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, containerNameFor, instanceLabel, type InstancePorts } from './model';
import { buildClientUrl, type ClientUrlResult } from './clientUrl';
import { PROFILES, type PortKind } from './profiles';
import { PORT_BASE_SETTING, fillTemplate, type Settings, type TemplateValues } from './settings';

export const PORTS_LABEL = 'dev.isaac-sim-orchestrator.ports';
export const SPEC_HASH_LABEL = 'dev.isaac-sim-orchestrator.spec-hash';
export const GPU_LABEL = 'dev.isaac-sim-orchestrator.gpu';
export const PROFILE_LABEL = 'dev.isaac-sim-orchestrator.profile';

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

/** The ports of instance `index` for the active streaming profile: base + index for each kind it uses. */
export function portsFor(settings: Settings, index: number): InstancePorts {
  const ports: InstancePorts = {};
  for (const kind of PROFILES[settings.streamingProfile].ports) ports[kind] = (settings[PORT_BASE_SETTING[kind]] as number) + index;
  return ports;
}

/** The port shown next to an instance: the first one its profile uses. */
export function primaryPort(ports: InstancePorts): number | undefined {
  return Object.values(ports)[0];
}

export function templateValues(settings: Settings, index: number, ports: InstancePorts): TemplateValues {
  // Ports a profile does not use still get their base + index, so any template stays fillable.
  const port = (kind: PortKind) => ports[kind] ?? (settings[PORT_BASE_SETTING[kind]] as number) + index;
  return {
    host: settings.host,
    httpPort: port('http'),
    webrtcPort: port('webrtc'),
    nativePort: port('native'),
    signalPort: port('signal'),
    streamPort: port('stream'),
    webViewerPort: port('webViewer'),
    index,
    label: instanceLabel(index),
  };
}

/**
 * The URL the sim view loads, or why there is none: the web viewer for the livestream profile, else the client URL
 * template, expanded under the rule in clientUrl.ts (http(s) only; the host is isaacSim.host or one written out in
 * the template; values cannot change scheme, host, user info or port). An error names the setting to fix.
 */
export function clientUrlResultFor(settings: Settings, index: number, ports: InstancePorts = portsFor(settings, index)): ClientUrlResult {
  const webViewer = PROFILES[settings.streamingProfile].view === 'web-viewer';
  return webViewer
    ? buildClientUrl(settings.webViewerUrlTemplate, templateValues(settings, index, ports), 'isaacSim.webViewerUrlTemplate')
    : buildClientUrl(settings.clientUrlTemplate, templateValues(settings, index, ports), 'isaacSim.clientUrlTemplate');
}

/**
 * The URL the sim view loads (see `clientUrlResultFor`), or '' when the settings cannot give a safe one.
 * Validated settings always give one: their schema applies the same rule to both templates and to isaacSim.host.
 */
export function clientUrlFor(settings: Settings, index: number, ports: InstancePorts = portsFor(settings, index)): string {
  const result = clientUrlResultFor(settings, index, ports);
  return result.ok ? result.url : '';
}

/** The GPUs instance `index` gets: "all", "none", or one id of the list, handed out round-robin. */
export function gpuFor(gpus: string, index: number): string {
  if (gpus === 'all' || gpus === 'none') return gpus;
  const ids = gpus.split(',');
  return ids[index % ids.length];
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
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const ports: InstancePorts = {};
  for (const [kind, port] of Object.entries(parsed as Record<string, unknown>)) {
    if (!Object.prototype.hasOwnProperty.call(PORT_BASE_SETTING, kind) || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    ports[kind as PortKind] = port;
  }
  return Object.keys(ports).length > 0 ? ports : undefined;
}

function gpuRequest(gpu: string): ContainerCreateBody['HostConfig']['DeviceRequests'] {
  if (gpu === 'none') return undefined;
  if (gpu === 'all') return [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }];
  return [{ Driver: 'nvidia', DeviceIDs: [gpu], Capabilities: [['gpu']] }];
}

export function buildContainerSpec(settings: Settings, index: number, home: string): ContainerCreateBody {
  const ports = portsFor(settings, index);
  const values = templateValues(settings, index, ports);
  const root = expandHome(settings.hostDataRoot, home);
  const profile = PROFILES[settings.streamingProfile];
  const entrypoint = settings.entrypoint.length > 0 ? settings.entrypoint : profile.entrypoint;
  const portArgs = settings.portArgs.length > 0 ? settings.portArgs : profile.portArgs;
  const gpu = gpuFor(settings.gpus, index);
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
    ...(entrypoint.length > 0 ? { Entrypoint: [...entrypoint] } : {}),
    Cmd: [...portArgs.map((arg) => fillTemplate(arg, values)), ...settings.extraArgs],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [OWNER_LABEL]: OWNER_VALUE,
      [INDEX_LABEL]: String(index),
      [PORTS_LABEL]: JSON.stringify(ports),
      [GPU_LABEL]: gpu,
      [PROFILE_LABEL]: settings.streamingProfile,
    },
    HostConfig: {
      NetworkMode: 'host',
      ...(settings.runtime ? { Runtime: settings.runtime } : {}),
      ...(gpu !== 'none' ? { DeviceRequests: gpuRequest(gpu) } : {}),
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
