/**
 * Builds the Docker Engine "create container" body for one instance from validated settings and the
 * Isaac Sim version of its image (versions.ts). Pure: no I/O, so it is unit-tested field by field; the
 * engine layer sends it as it is.
 *
 * Mounts follow the image's user, as NVIDIA documents them:
 * - root (4.x, NVIDIA's 4.x container docs): host folders under isaacSim.hostDataRoot, bound into /root/...;
 * - uid 1234 (5.x, 6.x; isaac-sim/IsaacSim@v6.0.1 tools/docker/README.md and docker-compose.yml): named
 *   volumes at /isaac-sim/..., labelled as ours. A host folder the extension creates belongs to the user,
 *   not to uid 1234, and would need `sudo chown`; a volume is prepared once with the right owner instead
 *   (see `volumeOwnerFix`).
 * The drivers' shader caches (GLCache, ComputeCache) are shared, so a second instance or a recreated
 * container skips the shader compile; logs, config, data and the rest of the cache are per instance, as
 * NVIDIA's multi-instance recipe gives each instance "its own data directory".
 */
import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, containerNameFor, instanceLabel, type InstancePorts } from './model';
import { buildClientUrl, type ClientUrlResult, type UrlSettingIdOf } from './clientUrl';
import { VERSIONS, layoutFor, type ImageFacts, type Layout, type PortKind, type VersionId } from './versions';
import { PORT_BASE_SETTING, portBase, type Settings } from './settings';
import { fillTemplate, type TemplateValues } from './templates';
import { pythonServerArgs } from './simPythonProtocol';

export const PORTS_LABEL = 'dev.isaac-sim-orchestrator.ports';
export const SPEC_HASH_LABEL = 'dev.isaac-sim-orchestrator.spec-hash';
export const GPU_LABEL = 'dev.isaac-sim-orchestrator.gpu';
export const VERSION_LABEL = 'dev.isaac-sim-orchestrator.version';
/** On our volumes: "shared" or the instance index. */
export const VOLUME_OF_LABEL = 'dev.isaac-sim-orchestrator.volume-of';
/** NVIDIA's container user in 5.x and 6.x (`useradd --uid 1234 isaac-sim`). */
export const ISAAC_SIM_UID = 1234;

export interface MountPlan {
  /** Host sub-folder (root layout) or volume name suffix (isaac-sim layout). */
  name: string;
  container: string;
  perInstance?: boolean;
}

/** NVIDIA's 4.x layout (host folder → /root/...). Data and documents are per instance. */
export const ROOT_LAYOUT: readonly MountPlan[] = [
  { name: 'cache/kit', container: '/isaac-sim/kit/cache' },
  { name: 'cache/ov', container: '/root/.cache/ov' },
  { name: 'cache/pip', container: '/root/.cache/pip' },
  { name: 'cache/glcache', container: '/root/.cache/nvidia/GLCache' },
  { name: 'cache/computecache', container: '/root/.nv/ComputeCache' },
  // Logs per instance so that concurrent instances don't interleave their log files.
  { name: 'logs', container: '/root/.nvidia-omniverse/logs', perInstance: true },
  { name: 'data', container: '/root/.local/share/ov/data', perInstance: true },
  { name: 'documents', container: '/root/Documents', perInstance: true },
];

/**
 * NVIDIA's 5.x/6.x layout (tools/docker/README.md: cache/main, cache/computecache, logs, config, data, pkg).
 * The driver's shader cache lives in `~/.cache/nvidia/GLCache` (the 4.x docs mount it on its own); here it
 * is a shared volume inside the per-instance cache volume. The hub cache (/var/cache/hub) is only used
 * with NVIDIA's Hub container, which the extension does not run.
 */
export const ISAAC_SIM_LAYOUT: readonly MountPlan[] = [
  { name: 'cache', container: '/isaac-sim/.cache', perInstance: true },
  { name: 'glcache', container: '/isaac-sim/.cache/nvidia/GLCache' },
  { name: 'computecache', container: '/isaac-sim/.nv/ComputeCache' },
  { name: 'logs', container: '/isaac-sim/.nvidia-omniverse/logs', perInstance: true },
  { name: 'config', container: '/isaac-sim/.nvidia-omniverse/config', perInstance: true },
  { name: 'data', container: '/isaac-sim/.local/share/ov/data', perInstance: true },
  { name: 'pkg', container: '/isaac-sim/.local/share/ov/pkg', perInstance: true },
];

export interface VolumeMount {
  Type: 'volume';
  Source: string;
  Target: string;
  /** NoCopy false: the engine copies the image's folder (and its owner) into a new volume. */
  VolumeOptions: { NoCopy: false; Labels: Record<string, string>; DriverConfig: { Name: 'local'; Options: Record<string, string> } };
}

export interface ContainerCreateBody {
  name: string;
  Image: string;
  Entrypoint?: string[];
  Cmd: string[];
  Env: string[];
  User?: string;
  Labels: Record<string, string>;
  HostConfig: {
    NetworkMode: 'host';
    Runtime?: string;
    DeviceRequests?: Array<{ Driver: string; Count?: number; DeviceIDs?: string[]; Capabilities: string[][] }>;
    Memory?: number;
    Binds: string[];
    Mounts?: VolumeMount[];
    RestartPolicy: { Name: 'no' };
  };
}

/** What a spec needs to know beyond the settings: the version and the image's own config. */
export interface SpecContext {
  version: VersionId;
  image?: Pick<ImageFacts, 'user'>;
  home: string;
  /** 4.2 on a local engine: the host copy of the player script with the instance's port (player.ts), bound over the image's. */
  playerFile?: string;
  /** The id of the setting that holds the host for this engine (isaacSim.endpoints[i].host where the endpoint sets it); default isaacSim.host. */
  hostSetting?: string;
}

/** A setting value that no instance of this version can run with; names the setting to fix. */
export class SpecError extends Error {
  /** For errorInfo (errors.ts). */
  readonly kind = 'settings' as const;
  constructor(
    message: string,
    readonly setting: string,
  ) {
    super(message);
    this.name = 'SpecError';
  }
}

/** The ports of instance `index` for a version: base + index for each kind it uses. */
export function portsFor(settings: Settings, version: VersionId, index: number): InstancePorts {
  const ports: InstancePorts = {};
  for (const kind of VERSIONS[version].ports) {
    const base = portBase(settings, kind, version);
    if (base !== undefined) ports[kind] = base + index;
  }
  return ports;
}

/** The port shown next to an instance: the first one its version uses. */
export function primaryPort(ports: InstancePorts): number | undefined {
  return Object.values(ports)[0];
}

export function templateValues(settings: Settings, version: VersionId, index: number, ports: InstancePorts): TemplateValues {
  // Ports a version does not use still get their base + index, so any template stays fillable.
  const port = (kind: PortKind) => ports[kind] ?? (portBase(settings, kind, version) ?? 0) + index;
  return {
    host: settings.host,
    httpPort: port('http'),
    signalPort: port('signal'),
    streamPort: port('stream'),
    webViewerPort: port('webViewer'),
    index,
    label: instanceLabel(index),
  };
}

/**
 * The URL the sim view loads, or why there is none: the web viewer for 6.x, else the client URL template,
 * expanded under the rule in clientUrl.ts (http(s) only; the host is isaacSim.host or one written out in the
 * template; values cannot change scheme, host, user info or port). An error names the setting to fix, the
 * host and the port bases as `settingId` names them (an endpoint's own, in a fleet).
 */
export function clientUrlResultFor(settings: Settings, version: VersionId, index: number, ports: InstancePorts = portsFor(settings, version, index), settingId?: UrlSettingIdOf): ClientUrlResult {
  const values = templateValues(settings, version, index, ports);
  return VERSIONS[version].view === 'web-viewer'
    ? buildClientUrl(settings.webViewerUrlTemplate, values, 'isaacSim.webViewerUrlTemplate', settingId)
    : buildClientUrl(settings.clientUrlTemplate, values, 'isaacSim.clientUrlTemplate', settingId);
}

/** The sim view's URL (see `clientUrlResultFor`), or '' when the settings cannot give a safe one. */
export function clientUrlFor(settings: Settings, version: VersionId, index: number, ports: InstancePorts = portsFor(settings, version, index)): string {
  const result = clientUrlResultFor(settings, version, index, ports);
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

export function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost' || host === '[::1]';
}

export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || /^\[[0-9A-Fa-f:.]+\]$/.test(host);
}

export function layoutOf(ctx: Pick<SpecContext, 'version' | 'image'>): Layout {
  return layoutFor(VERSIONS[ctx.version], ctx.image);
}

/** Host folders the root layout bind-mounts, so they can be created (owned by the user) before create. */
export function hostFoldersFor(settings: Settings, index: number, home: string): string[] {
  const root = expandHome(settings.hostDataRoot, home);
  return ROOT_LAYOUT.map((v) => path.posix.join(root, v.name, v.perInstance ? instanceLabel(index) : ''));
}

/** Our volume names are per version, so a 5.x cache never meets a 6.x Kit. */
export function volumeName(version: VersionId, plan: MountPlan, index: number): string {
  return `isaac-sim-orchestrator-${version}-${plan.perInstance ? `${instanceLabel(index)}-` : ''}${plan.name}`;
}

/** The named volumes of an instance (isaac-sim layout), with our labels. */
export function volumeMountsFor(version: VersionId, index: number): VolumeMount[] {
  return ISAAC_SIM_LAYOUT.map((plan) => ({
    Type: 'volume',
    Source: volumeName(version, plan, index),
    Target: plan.container,
    VolumeOptions: {
      NoCopy: false,
      Labels: { [OWNER_LABEL]: OWNER_VALUE, [VOLUME_OF_LABEL]: plan.perInstance ? String(index) : 'shared', [VERSION_LABEL]: version },
      DriverConfig: { Name: 'local', Options: {} },
    },
  }));
}

/**
 * A one-shot container that gives new volumes to uid 1234, run as root from the same image before the
 * instance's first start. The engine creates a mount point the image lacks (or one nested in another
 * volume, like GLCache) as root; without this Kit fails with "Permission denied" on its first write.
 */
export function volumeOwnerFix(body: ContainerCreateBody, index: number, suffix: string): ContainerCreateBody {
  const targets = (body.HostConfig.Mounts ?? []).map((m) => m.Target);
  return {
    // A name of its own (8 hex digits): two windows starting the same instance each run their own.
    name: `isaac-sim-orchestrator-volumes-${index}-${suffix}`,
    Image: body.Image,
    Entrypoint: ['/bin/sh', '-c', `chown ${ISAAC_SIM_UID}:${ISAAC_SIM_UID} "$@"`, 'chown'], // l10n-ignore: argv and binds
    Cmd: [...new Set([...targets, ...targets.map((t) => path.posix.dirname(t)).filter((d) => targets.some((t) => d.startsWith(`${t}/`)))])],
    Env: [],
    User: '0:0',
    Labels: { [OWNER_LABEL]: OWNER_VALUE, [VOLUME_OF_LABEL]: String(index) },
    HostConfig: { NetworkMode: 'host', Binds: [], Mounts: body.HostConfig.Mounts, RestartPolicy: { Name: 'no' } },
  };
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

/** The env an instance gets, in order: ours, the version's port interface, the user's, the label last. */
function envFor(settings: Settings, ctx: SpecContext, values: TemplateValues, gpu: string): Record<string, string> {
  const profile = VERSIONS[ctx.version];
  // An address to bind, not a URL host: no IPv6 brackets.
  const bare = { ...values, host: String(values.host).replace(/^\[(.*)\]$/, '$1') };
  const portEnv = Object.fromEntries(Object.entries(profile.portEnv).map(([k, v]) => [k, fillTemplate(v, bare)]));
  return {
    // license.sh refuses to start without it; setting it is the user's acceptance by installing the extension's defaults.
    ACCEPT_EULA: 'Y',
    // privacy.sh: "You may opt-out of this collection anytime by not setting the PRIVACY_CONSENT environment variable."
    ...(settings.privacyConsent ? Object.fromEntries(profile.privacyEnv.map((name) => [name, 'Y'])) : {}),
    ...portEnv,
    // The 5.x/6.x images set NVIDIA_VISIBLE_DEVICES=all, which under the NVIDIA runtime hands over every GPU
    // whatever the device request says; NVIDIA's compose pins one with NVIDIA_VISIBLE_DEVICES=${GPU_DEVICE}.
    ...(gpu !== 'all' && gpu !== 'none' ? { NVIDIA_VISIBLE_DEVICES: gpu } : {}),
    ...settings.env,
    // Lets the stand-in's page name its instance; Isaac Sim ignores it.
    ISAACSIM_INSTANCE_LABEL: String(values.label),
  };
}

/**
 * "Run in Sim": the Kit arguments that enable the version's Python code server on the instance's own
 * port, bound to 127.0.0.1 (4.x/5.x run any code sent to them), and for 6.x with a token required:
 * isaacSim.pythonServerToken, or one the server generates and prints. None for a custom image.
 */
function codeServerArgs(settings: Settings, version: VersionId, ports: InstancePorts): string[] {
  if (ports.python === undefined) return [];
  return pythonServerArgs(version, { port: ports.python, requireAuth: true, ...(settings.pythonServerToken ? { token: settings.pythonServerToken } : {}) }) ?? [];
}

export function buildContainerSpec(settings: Settings, index: number, ctx: SpecContext): ContainerCreateBody {
  const profile = VERSIONS[ctx.version];
  const ports = portsFor(settings, ctx.version, index);
  const values = templateValues(settings, ctx.version, index, ports);
  if (Object.keys(profile.portEnv).includes('ISAACSIM_HOST') && !isIpAddress(settings.host)) {
    const setting = ctx.hostSetting ?? 'isaacSim.host';
    throw new SpecError(
      l10n.t('Setting {0} is "{1}", but Isaac Sim {2} binds its media socket to ISAACSIM_HOST, which must be an IP address of this machine (isaac-sim/IsaacSim tools/docker/README.md): use "127.0.0.1" or the host\'s LAN address. Nothing was created.', setting, settings.host, ctx.version),
      setting,
    );
  }
  const entrypoint = settings.entrypoint.length > 0 ? settings.entrypoint : profile.entrypoint;
  const portArgs = settings.portArgs.length > 0 ? settings.portArgs : [...profile.portArgs, ...(isLoopback(settings.host) ? [] : profile.remoteArgs)];
  const gpu = gpuFor(settings.gpus, index);
  const layout = layoutOf(ctx);
  const root = expandHome(settings.hostDataRoot, ctx.home);
  const body: ContainerCreateBody = {
    name: containerNameFor(index),
    Image: settings.image,
    ...(entrypoint.length > 0 ? { Entrypoint: [...entrypoint] } : {}),
    Cmd: [...portArgs.map((arg) => fillTemplate(arg, values)), ...codeServerArgs(settings, ctx.version, ports), ...settings.extraArgs],
    Env: Object.entries(envFor(settings, ctx, values, gpu)).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [OWNER_LABEL]: OWNER_VALUE,
      [INDEX_LABEL]: String(index),
      [PORTS_LABEL]: JSON.stringify(ports),
      [GPU_LABEL]: gpu,
      [VERSION_LABEL]: ctx.version,
    },
    HostConfig: {
      NetworkMode: 'host',
      ...(settings.runtime ? { Runtime: settings.runtime } : {}),
      ...(gpu !== 'none' ? { DeviceRequests: gpuRequest(gpu) } : {}),
      ...(settings.memoryLimitGiB > 0 ? { Memory: Math.round(settings.memoryLimitGiB * 1024 ** 3) } : {}),
      Binds: [
        ...(layout === 'root' ? ROOT_LAYOUT.map((v) => `${path.posix.join(root, v.name, v.perInstance ? instanceLabel(index) : '')}:${v.container}:rw`) : []), // l10n-ignore: argv and binds
        ...(ctx.playerFile && profile.playerScript ? [`${ctx.playerFile}:${profile.playerScript.path}:ro`] : []), // l10n-ignore: argv and binds
      ],
      ...(layout === 'isaac-sim' ? { Mounts: volumeMountsFor(ctx.version, index) } : {}),
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
