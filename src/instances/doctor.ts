/**
 * The preflight doctor: can this machine run the configured instances? No `vscode` here.
 *
 * Design note
 * - Every input is injected (settings, an engine facade, a port checker, a disk-space reader, the
 *   host's memory, the instances already running), so the verdicts are unit-tested with fakes and the
 *   same code runs against a real engine. `hostDoctorDeps` wires the real ones.
 * - A check never throws: it ends ✔, ✘ with a fix, or skipped with the reason (usually an earlier ✘
 *   it depends on, or a setting that makes it moot).
 * - `detail` and `fix` are Markdown. Text from outside (engine messages, image names, paths) goes
 *   into code spans, so nothing it contains is read as Markdown.
 */
import dgram from 'node:dgram';
import { statfs } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { DockerEngine, ImageConfig } from '../docker/engine';
import { EngineError } from '../docker/errors';
import { engineInfo, tryGpuRequest, type DeviceRequest, type EngineInfo, type GpuProbeResult } from '../docker/system';
import { OWNER_LABEL, OWNER_VALUE, instanceLabel, type InstanceSnapshot } from './model';
import type { Settings, SettingsProblem } from './settings';
import { describePortHolder } from './portOwner';
import { buildContainerSpec, expandHome, portsFor, type VolumeMount } from './spec';
import { PROBE_USER, describeVersion, versionFacts, versionOrDefault, volumesToCheck, writableProbeCommand, type VersionFacts } from './doctorVersion';
import { VERSIONS } from './versions';

export type DoctorCheckId = 'settings' | 'engine' | 'runtime' | 'gpu' | 'image' | 'version' | 'volumes' | 'ports' | 'disk' | 'memory';

export interface DoctorCheck {
  id: DoctorCheckId;
  title: string;
  /** true ✔, false ✘, 'skipped' – (the detail says why). */
  ok: boolean | 'skipped';
  /** What was found (Markdown; lines separated by "\n"). */
  detail: string;
  /** What to do about a ✘ (Markdown). */
  fix?: string;
}

export interface DoctorResult {
  /** Epoch ms the run began. */
  startedAt: number;
  durationMs: number;
  engineAddress: string;
  /** What was checked for, from the settings (absent when the settings are invalid). */
  subject?: { image: string; instanceCount: number; runtime: string; gpus: string };
  checks: DoctorCheck[];
}

export interface DoctorReport extends DoctorResult {
  /** The report as a Markdown document (see renderDoctorMarkdown). */
  markdown: string;
}

/** What the doctor asks of the engine; `doctorEngineFor` adapts a DockerEngine. */
export interface DoctorEngine {
  readonly address: string;
  /** The engine runs on this machine, so host memory and host folders are the ones it uses. */
  readonly isLocal: boolean;
  version(): Promise<{ version: string; apiVersion: string }>;
  info(): Promise<EngineInfo>;
  imagePresent(image: string): Promise<boolean>;
  tryGpuRequest(image: string, requests: readonly DeviceRequest[], runtime: string | undefined): Promise<GpuProbeResult>;
  /** The image's config (user, entrypoint, healthcheck), for the version check. */
  imageConfig?(image: string): Promise<ImageConfig | undefined>;
  volumeExists?(name: string): Promise<boolean>;
  /** Runs `command` in `image` as `user` with `mounts`, to its end; its exit code and output. */
  runProbe?(image: string, user: string, mounts: readonly VolumeMount[], command: string[]): Promise<{ exitCode: number; output: string }>;
}

export type PortProtocol = 'tcp' | 'udp';
/** A port is free, or the listen failed with `code` (EADDRINUSE: something holds it). */
export type PortProbe = { free: true } | { free: false; code: string };

export interface DiskSpace {
  /** The folder whose file system was measured: the data root itself or its nearest existing ancestor. */
  checkedPath: string;
  /** Bytes available to an unprivileged user. */
  freeBytes: number;
}

/** The part of an instance snapshot the doctor reads. */
export type DoctorInstance = Pick<InstanceSnapshot, 'index' | 'label' | 'ports' | 'state' | 'startedAt'>;

export interface DoctorDeps {
  settings: Settings;
  /** The engine to check; undefined when no client could be made for it. */
  engine: DoctorEngine | undefined;
  /** Where the engine was expected, for the report when `engine` is undefined. */
  engineAddress?: string;
  /** Why there is no engine client, when `engine` is undefined. */
  engineUnavailable?: string;
  /** The manager's snapshots, so ports held by our own running instances are told apart. */
  instances: readonly DoctorInstance[];
  checkPort(port: number, protocol: PortProtocol): Promise<PortProbe>;
  /** Who holds a taken port, where visible (a container by name, a process by name and pid); undefined or "another process" when not. */
  describeHolder?(port: number, protocol: PortProtocol): Promise<string | undefined>;
  diskSpace(folder: string): Promise<DiskSpace>;
  /** Bytes of memory on this machine (os.totalmem()). */
  totalMemoryBytes: number;
  /** Home folder, for a hostDataRoot under "~". */
  home: string;
  /** Set when a start pulls a missing image by itself; the image fix then says so. */
  pullsOnStart?: boolean;
  now?: () => number;
  /** Longest an engine query may take before its check fails. Default 15 s (the GPU probe gets 6×). */
  engineTimeoutMs?: number;
}

/** Isaac Sim's shader, asset and pip caches grow to tens of GiB. */
export const MIN_FREE_DISK_GIB = 30;
const GIB = 1024 ** 3;

const TITLES: Record<DoctorCheckId, string> = {
  settings: 'Settings',
  engine: 'Docker engine',
  runtime: 'NVIDIA runtime',
  gpu: 'GPU request',
  image: 'Image',
  version: 'Isaac Sim version',
  volumes: 'Volumes writable by uid 1234',
  ports: 'Ports',
  disk: 'Disk space for caches',
  memory: 'Memory',
};

// ---- Markdown helpers ---------------------------------------------------------------------------

/** A code span that holds any text, backticks included. */
export function code(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim()) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

export function formatGiB(bytes: number): string {
  const gib = bytes / GIB;
  return `${gib >= 100 ? gib.toFixed(0) : gib.toFixed(1)} GiB`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function check(id: DoctorCheckId, ok: boolean | 'skipped', detail: string, fix?: string): DoctorCheck {
  return { id, title: TITLES[id], ok, detail, ...(ok === false && fix ? { fix } : {}) };
}

function within<T>(promise: Promise<T>, ms: number, address: string, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EngineError(`The Docker engine at ${address} did not answer within ${Math.round(ms / 1000)} s while trying to ${what}.`, 'unreachable')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- the checks -------------------------------------------------------------------------------

const TOOLKIT_URL = 'https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html';
const TOOLKIT_FIX = `Install the [NVIDIA Container Toolkit](${TOOLKIT_URL}), then run ${code('sudo nvidia-ctk runtime configure --runtime=docker')} and ${code('sudo systemctl restart docker')}`;

interface EngineFacts {
  check: DoctorCheck;
  reachable: boolean;
  info?: EngineInfo;
  infoError?: string;
}

async function checkEngine(deps: DoctorDeps, address: string, timeoutMs: number): Promise<EngineFacts> {
  const engine = deps.engine;
  const startFix = `Start Docker (${code('sudo systemctl start docker')}), or set ${code('isaacSim.dockerHost')} to a running engine (${code('unix:///path/to/docker.sock')} or ${code('tcp://host:port')}).`;
  if (!engine) {
    return { reachable: false, check: check('engine', false, deps.engineUnavailable ?? `No Docker engine client for ${code(address)}.`, startFix) };
  }
  let version: { version: string; apiVersion: string };
  try {
    version = await within(engine.version(), timeoutMs, address, 'report its version');
  } catch (err) {
    const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
    const errCode = typeof cause?.code === 'string' ? cause.code : undefined;
    const unreachable = err instanceof EngineError && err.unreachable;
    const detail = unreachable && errCode ? `No Docker engine answers at ${code(address)} (${errCode}).` : errorText(err);
    const fix =
      errCode === 'EACCES'
        ? `Add your user to the ${code('docker')} group (${code('sudo usermod -aG docker $USER')}, then log in again), or set ${code('isaacSim.dockerHost')} to an engine you may use.`
        : startFix;
    return { reachable: false, check: check('engine', false, detail, fix) };
  }
  let info: EngineInfo | undefined;
  let infoError: string | undefined;
  try {
    info = await within(engine.info(), timeoutMs, address, 'describe itself (docker info)');
  } catch (err) {
    infoError = errorText(err);
  }
  const about = info
    ? [info.operatingSystem, info.ncpu !== undefined ? plural(info.ncpu, 'CPU') : undefined, info.memTotal !== undefined ? formatGiB(info.memTotal) : undefined, info.driver ? `storage driver ${info.driver}` : undefined].filter(Boolean).join(', ')
    : '';
  const detail = `Docker ${code(version.version)} (API ${version.apiVersion}) at ${code(address)}${about ? `: ${about}` : ''}.`;
  return { reachable: true, info, infoError, check: check('engine', true, detail) };
}

function checkRuntime(s: Settings, facts: EngineFacts): DoctorCheck {
  if (!s.runtime) {
    return check(
      'runtime',
      true,
      s.gpus === 'none' ? 'Default runtime configured (no GPU).' : 'Default runtime configured; GPUs are requested through the NVIDIA Container Toolkit (see the GPU request check).',
    );
  }
  if (!facts.reachable) return check('runtime', 'skipped', 'Skipped: the engine is not reachable.');
  const fix = `${TOOLKIT_FIX}. Or set ${code('isaacSim.runtime')} to ${code('""')} to use the engine's default runtime.`;
  if (!facts.info) return check('runtime', false, `Could not read the engine's runtimes: ${facts.infoError ?? 'no answer'}`, fix);
  const others = facts.info.runtimes.length > 0 ? facts.info.runtimes.map(code).join(', ') : 'none';
  if (facts.info.runtimes.includes(s.runtime)) {
    return check('runtime', true, `Runtime ${code(s.runtime)} is registered${facts.info.defaultRuntime ? ` (the default is ${code(facts.info.defaultRuntime)})` : ''}.`);
  }
  return check('runtime', false, `The engine has no ${code(s.runtime)} runtime; it has ${others}.`, fix);
}

type ImageFacts = { check: DoctorCheck; present?: boolean };

async function checkImage(deps: DoctorDeps, facts: EngineFacts, timeoutMs: number, address: string): Promise<ImageFacts> {
  const image = deps.settings.image;
  if (!facts.reachable || !deps.engine) return { check: check('image', 'skipped', 'Skipped: the engine is not reachable.') };
  try {
    const present = await within(deps.engine.imagePresent(image), timeoutMs, address, `look up image ${image}`);
    if (present) return { present, check: check('image', true, `${code(image)} is on this machine.`) };
    const registry = image.split('/')[0];
    const login = registry === 'nvcr.io' ? `Run ${code('docker login nvcr.io')} (user ${code('$oauthtoken')}, your NGC API key as password), then ` : 'Run ';
    const fix =
      `${login}${code(`docker pull ${image}`)}. Or set ${code('isaacSim.image')} to an image you have.` +
      (deps.pullsOnStart ? ' Or just start an instance: the extension pulls the image first (Isaac Sim\'s is about 20 GB, so the first start takes a while).' : '');
    return { present, check: check('image', false, `${code(image)} is not on this machine.`, fix) };
  } catch (err) {
    return { check: check('image', false, `Could not look up ${code(image)}: ${errorText(err)}`, 'See the Docker engine check.') };
  }
}

function describeRequest(r: DeviceRequest): string {
  const which = r.DeviceIDs && r.DeviceIDs.length > 0 ? `GPU ${r.DeviceIDs.join(', ')}` : r.Count === undefined || r.Count < 0 ? 'all GPUs' : plural(r.Count, 'GPU');
  return `${which} (driver ${code(r.Driver || 'default')})`;
}

async function checkGpu(deps: DoctorDeps, facts: EngineFacts, image: ImageFacts, timeoutMs: number, address: string): Promise<DoctorCheck> {
  const s = deps.settings;
  if (s.gpus === 'none') return check('gpu', 'skipped', `Skipped: ${code('isaacSim.gpus')} is ${code('none')}, so no GPU is requested.`);
  if (!facts.reachable || !deps.engine) return check('gpu', 'skipped', 'Skipped: the engine is not reachable.');
  if (image.present !== true) return check('gpu', 'skipped', 'Skipped: trying a GPU request needs the image on this machine (see the image check).');
  const groups = gpuRequestGroups(s, deps.home);
  if (groups.length === 0) return check('gpu', 'skipped', 'Skipped: the container spec requests no GPU.');
  // A runtime the engine lacks would fail the probe at create and hide the GPU answer; that problem
  // is the runtime check's. Try the request with the default runtime then, and say so.
  const runtimeKnownMissing = !!s.runtime && !!facts.info && !facts.info.runtimes.includes(s.runtime);
  const runtime = s.runtime && !runtimeKnownMissing ? s.runtime : undefined;
  const how = runtimeKnownMissing ? `Tried with the default runtime, as ${code(s.runtime)} is not registered.` : runtime ? `Tried with runtime ${code(runtime)}.` : 'Tried with the default runtime.';
  const accepted: string[] = [];
  const refused: string[] = [];
  for (const group of groups) {
    const what = group.map(describeRequest).join(' and ');
    try {
      const result = await within(deps.engine.tryGpuRequest(s.image, group, runtime), timeoutMs * 6, address, 'run the GPU probe container');
      if (result.ok) accepted.push(what);
      else refused.push(`The engine refused the request for ${what}: ${code(result.message)}.`);
    } catch (err) {
      refused.push(`Could not try ${what}: ${errorText(err)}`);
    }
  }
  if (refused.length === 0) return check('gpu', true, `The engine accepted the request for ${accepted.join('; ')}. ${how}`);
  const fix =
    `${TOOLKIT_FIX}; check that ${code('nvidia-smi')} works on the host${s.gpus !== 'all' ? ` and that the GPUs in ${code('isaacSim.gpus')} exist (${code('nvidia-smi -L')})` : ''}. ` +
    `Isaac Sim cannot render without a GPU; only for a GPU-less test set ${code('isaacSim.gpus')} to ${code('none')}.`;
  return check('gpu', false, [...refused, how].join('\n'), fix);
}

/** The distinct sets of device requests the configured instances would make, each tried as one container. */
export function gpuRequestGroups(s: Settings, home: string): DeviceRequest[][] {
  const groups = new Map<string, DeviceRequest[]>();
  for (let i = 0; i < Math.max(s.instanceCount, 1); i++) {
    // Device requests do not depend on the version; 4.2's spec needs no image facts.
    const requests = (buildContainerSpec(s, i, { version: '4.2', home }).HostConfig.DeviceRequests ?? []) as DeviceRequest[];
    if (requests.length > 0) groups.set(JSON.stringify(requests), requests);
  }
  return [...groups.values()];
}

/** Isaac Sim 6.x sends its media stream over UDP; every other port kind is TCP. */
export function portProtocol(kind: string): PortProtocol {
  return kind === 'stream' ? 'udp' : 'tcp';
}

function isRunning(i: DoctorInstance): boolean {
  return i.startedAt !== undefined || i.state.kind === 'starting' || i.state.kind === 'loading' || i.state.kind === 'ready' || i.state.kind === 'stopping';
}

function portNumbers(ports: DoctorInstance['ports']): number[] {
  return Object.values(ports as Record<string, number | undefined>).filter((p): p is number => typeof p === 'number');
}

/** "58211–58213" for a run of consecutive ports, else a list. */
function portList(ports: number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  if (sorted.length > 1 && sorted[sorted.length - 1] - sorted[0] === sorted.length - 1) return `${sorted[0]}–${sorted[sorted.length - 1]}`;
  return sorted.join(', ');
}

async function checkPorts(deps: DoctorDeps, version: VersionFacts): Promise<DoctorCheck> {
  const s = deps.settings;
  const v = versionOrDefault(version);
  if (s.instanceCount === 0) return check('ports', 'skipped', `Skipped: no instances are configured (${code('isaacSim.instanceCount')} is 0).`);
  const wanted: Array<{ index: number; kind: string; port: number; protocol: PortProtocol }> = [];
  for (let index = 0; index < s.instanceCount; index++) {
    // Only the ports the simulator binds itself: a 6.x web viewer on its port is expected, not a conflict.
    const ports = portsFor(s, v, index);
    for (const kind of VERSIONS[v].binds) {
      const port = ports[kind];
      if (typeof port === 'number') wanted.push({ index, kind, port, protocol: portProtocol(kind) });
    }
  }
  const probes = new Map<string, Promise<PortProbe>>();
  const probe = (port: number, protocol: PortProtocol) => {
    const key = `${protocol}/${port}`;
    let p = probes.get(key);
    if (!p) {
      p = deps.checkPort(port, protocol).catch((err: unknown): PortProbe => ({ free: false, code: (err as { code?: string }).code ?? errorText(err) }));
      probes.set(key, p);
    }
    return p;
  };
  const results = await Promise.all(wanted.map((w) => probe(w.port, w.protocol)));
  const running = deps.instances.filter(isRunning);
  const problems: string[] = [];
  const ownHeld: string[] = [];
  const untested: string[] = [];
  const badKinds = new Set<string>();
  const busyPorts: number[] = [];
  let heldByOurs = false;
  const unexplained: Array<{ problem: number; what: string; port: number; protocol: PortProtocol }> = [];
  wanted.forEach((w, k) => {
    const r = results[k];
    if (r.free) return;
    const what = `${instanceLabel(w.index)} ${w.kind} port ${w.port}${w.protocol === 'udp' ? ' (UDP)' : ''}`;
    if (r.code !== 'EADDRINUSE') {
      untested.push(`${what} could not be tested (${r.code}).`);
      return;
    }
    const holder = running.find((i) => portNumbers(i.ports).includes(w.port));
    if (holder && holder.index === w.index) {
      ownHeld.push(`${what} is in use by ${holder.label} (running).`);
    } else {
      if (!holder) unexplained.push({ problem: problems.length, what, port: w.port, protocol: w.protocol });
      problems.push(holder ? `${what} is in use by ${holder.label} (running, with ports from other settings).` : `${what} is in use by another program.`);
      if (holder) heldByOurs = true;
      badKinds.add(w.kind);
      busyPorts.push(w.port);
    }
  });
  // Name what holds the others' ports where the system shows it (best effort: it never fails the check).
  for (const u of unexplained) {
    const who = await deps.describeHolder?.(u.port, u.protocol).catch(() => undefined);
    if (who && who !== 'another process') problems[u.problem] = `${u.what} is in use by ${who}.`;
  }
  const byKind = new Map<string, number[]>();
  for (const w of wanted) byKind.set(w.kind, [...(byKind.get(w.kind) ?? []), w.port]);
  const summary = `${plural(s.instanceCount, 'instance')}: ${[...byKind].map(([kind, ports]) => `${kind} ${portList(ports)}`).join(', ')}.`;
  if (problems.length > 0) {
    const settingsToMove = [...badKinds].map((k) => (`${k}PortBase` in s ? code(`isaacSim.${k}PortBase`) : undefined)).filter(Boolean);
    const first = busyPorts[0];
    const fix =
      `Stop what holds ${busyPorts.length === 1 ? 'the port' : 'the ports'} (${code(`ss -ltnup 'sport = :${first}'`)} shows the process${busyPorts.length > 1 ? ' for the first' : ''}${heldByOurs ? '; restart an instance of ours to move it to its new ports' : ''})` +
      (settingsToMove.length > 0 ? `, or move the ports with ${settingsToMove.join(', ')}.` : ', or move the instances to other ports.');
    return check('ports', false, [...problems, ...ownHeld, ...untested, `Checked on 127.0.0.1 for ${summary}`].join('\n'), fix);
  }
  return check('ports', true, [`Free on 127.0.0.1 for ${summary}`, ...ownHeld, ...untested].join('\n'));
}

async function checkDisk(deps: DoctorDeps): Promise<DoctorCheck> {
  const s = deps.settings;
  if (deps.engine && !deps.engine.isLocal) {
    return check('disk', 'skipped', `Skipped: the engine runs on another machine (${code(deps.engine.address)}), where the cache folder is.`);
  }
  const root = expandHome(s.hostDataRoot, deps.home);
  let space: DiskSpace;
  try {
    space = await deps.diskSpace(root);
  } catch (err) {
    return check('disk', 'skipped', `Skipped: could not read the free space for ${code(root)}: ${errorText(err)}`);
  }
  const where = space.checkedPath === root ? `at ${code(root)}` : `for ${code(root)} (measured at ${code(space.checkedPath)}; the folder does not exist yet)`;
  const detail = `${formatGiB(space.freeBytes)} free ${where}; Isaac Sim's caches need at least ${MIN_FREE_DISK_GIB} GiB.`;
  if (space.freeBytes >= MIN_FREE_DISK_GIB * GIB) return check('disk', true, detail);
  return check('disk', false, detail, `Free space on that disk, or set ${code('isaacSim.hostDataRoot')} to a folder on a disk with at least ${MIN_FREE_DISK_GIB} GiB free.`);
}

/**
 * Memory per instance when no limit is set: ~8 GiB each is what a loaded instance takes (the project's
 * brief, ../shared/ISAAC-SIM.md); NVIDIA asks for 32 GB RAM on the machine (64 GB ideal, the Isaac Sim
 * requirements page; Isaac Lab's docs: at least 32 GB).
 */
export const GIB_PER_INSTANCE = 8;

function checkMemory(deps: DoctorDeps, facts: EngineFacts): DoctorCheck {
  const s = deps.settings;
  if (s.instanceCount === 0) return check('memory', 'skipped', `Skipped: no instances are configured (${code('isaacSim.instanceCount')} is 0).`);
  const perInstance = s.memoryLimitGiB > 0 ? s.memoryLimitGiB : GIB_PER_INSTANCE;
  const need = perInstance * s.instanceCount * GIB;
  const sources: Array<{ what: string; bytes: number }> = [];
  // Host memory only counts when the containers run on this machine.
  if (!deps.engine || deps.engine.isLocal) sources.push({ what: 'this machine has', bytes: deps.totalMemoryBytes });
  if (facts.info?.memTotal !== undefined) sources.push({ what: 'the engine sees', bytes: facts.info.memTotal });
  if (sources.length === 0) return check('memory', 'skipped', 'Skipped: the engine runs on another machine and did not report its memory.');
  const available = Math.min(...sources.map((x) => x.bytes));
  const each = s.memoryLimitGiB > 0 ? `${s.memoryLimitGiB} GiB (${code('isaacSim.memoryLimitGiB')})` : `~${GIB_PER_INSTANCE} GiB (no limit set; what a loaded instance takes)`;
  const detail = `${plural(s.instanceCount, 'instance')} × ${each} = ${formatGiB(need)}; ${sources.map((x) => `${x.what} ${formatGiB(x.bytes)}`).join(', ')}. NVIDIA asks for 32 GB of RAM on the machine (64 GB ideal).`;
  if (need <= available) return check('memory', true, detail);
  return check(
    'memory',
    false,
    detail,
    `Run fewer instances (${code('isaacSim.instanceCount')}) or load smaller scenes${s.memoryLimitGiB > 0 ? `, or lower ${code('isaacSim.memoryLimitGiB')}` : ''}. With Docker Desktop, give its VM more memory in its settings.`,
  );
}

async function checkVersionAndVolumes(deps: DoctorDeps, image: { present?: boolean }, timeoutMs: number, address: string): Promise<{ facts: VersionFacts; version: DoctorCheck; volumes: DoctorCheck }> {
  const s = deps.settings;
  let config: ImageConfig | undefined;
  if (image.present && deps.engine?.imageConfig) {
    config = await within(deps.engine.imageConfig(s.image), timeoutMs, address, `read the config of ${s.image}`).catch(() => undefined);
  }
  const facts = versionFacts(s, config);
  const v = describeVersion(s, facts);
  const version = check('version', v.ok, v.detail, v.fix);
  const mounts = volumesToCheck(s, facts);
  if (mounts.length === 0) return { facts, version, volumes: check('volumes', 'skipped', facts.version ? `Skipped: ${VERSIONS[facts.version.id].title} with this image mounts host folders, not volumes for uid 1234.` : 'Skipped: the version is not known.') };
  const engine = deps.engine;
  if (!engine?.volumeExists || !engine.runProbe || !image.present) return { facts, version, volumes: check('volumes', 'skipped', 'Skipped: needs the engine and the image.') };
  try {
    const existing: VolumeMount[] = [];
    for (const m of mounts) if (await within(engine.volumeExists(m.Source), timeoutMs, address, `inspect volume ${m.Source}`)) existing.push(m);
    const names = mounts.map((m) => code(m.Source)).join(', ');
    if (existing.length === 0) return { facts, version, volumes: check('volumes', true, `None exists yet: ${names} are made for uid 1234 at the first start (no ${code('sudo chown')} needed).`) };
    const { exitCode, output } = await within(engine.runProbe(s.image, PROBE_USER, existing, writableProbeCommand(existing.map((m) => m.Target))), timeoutMs * 4, address, 'run the volume probe container');
    const bad = output.split('\n').filter((l) => l.startsWith('not writable: ')).map((l) => l.slice('not writable: '.length).trim());
    if (exitCode === 0 && bad.length === 0) return { facts, version, volumes: check('volumes', true, `uid 1234 can write ${existing.map((m) => code(m.Target)).join(', ')} (${plural(existing.length, 'volume')} of instance-0).`) };
    const which = bad.length > 0 ? bad.map(code).join(', ') : `the probe exited with ${exitCode}: ${code(output.trim().slice(0, 200))}`;
    const volumes = existing.filter((m) => bad.includes(m.Target)).map((m) => m.Source);
    return {
      facts,
      version,
      volumes: check(
        'volumes',
        false,
        `uid 1234 cannot write ${which}.`,
        volumes.length > 0 ? `Remove the volume${volumes.length > 1 ? 's' : ''} (${code(`docker volume rm ${volumes.join(' ')}`)}) with the instance stopped; the next start makes ${volumes.length > 1 ? 'them' : 'it'} again for uid 1234.` : 'Run the doctor again; if it persists, remove the instance\'s volumes.',
      ),
    };
  } catch (err) {
    return { facts, version, volumes: check('volumes', false, `Could not check the volumes: ${errorText(err)}`, 'See the Docker engine check.') };
  }
}

// ---- the run ----------------------------------------------------------------------------------

/** Runs every check (engine queries one after another, host probes alongside) and renders the report. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const s = deps.settings;
  const address = deps.engine?.address ?? deps.engineAddress ?? (s.dockerHost || 'the default Docker socket');
  const timeoutMs = deps.engineTimeoutMs ?? 15_000;
  const disk = checkDisk(deps);
  const facts = await checkEngine(deps, address, timeoutMs);
  const image = await checkImage(deps, facts, timeoutMs, address);
  const gpu = await checkGpu(deps, facts, image, timeoutMs, address);
  const version = await checkVersionAndVolumes(deps, image, timeoutMs, address);
  const ports = await checkPorts(deps, version.facts);
  let runtime = checkRuntime(s, facts);
  if (runtime.ok === false && gpu.ok === true && s.runtime) {
    // No such runtime, yet the default one hands out GPUs (CDI, or the toolkit's --gpus hook): say so.
    runtime = {
      ...runtime,
      fix: `This engine hands out GPUs without a ${code(s.runtime)} runtime (the GPU request below worked with the default runtime, through CDI or the toolkit's hook): set ${code('isaacSim.runtime')} to ${code('""')}. Or register the runtime: ${TOOLKIT_FIX}.`,
    };
  }
  const checks = [facts.check, runtime, gpu, image.check, version.version, version.volumes, ports, await disk, checkMemory(deps, facts)];
  const result: DoctorResult = {
    startedAt,
    durationMs: Math.max(0, now() - startedAt),
    engineAddress: address,
    subject: { image: s.image, instanceCount: s.instanceCount, runtime: s.runtime, gpus: s.gpus },
    checks,
  };
  return { ...result, markdown: renderDoctorMarkdown(result) };
}

/** The report when the settings themselves are invalid: nothing else can be checked against them. */
export function invalidSettingsReport(problems: readonly SettingsProblem[], engineAddress: string, now: () => number = Date.now): DoctorReport {
  const result: DoctorResult = {
    startedAt: now(),
    durationMs: 0,
    engineAddress,
    checks: [
      check(
        'settings',
        false,
        problems.map((p) => p.message).join('\n'),
        `Correct ${problems.length === 1 ? code(problems[0].setting) : 'these settings'} (**Isaac Sim: Open Settings**); the other checks run once the settings are valid.`,
      ),
    ],
  };
  return { ...result, markdown: renderDoctorMarkdown(result) };
}

/** Failed checks of a report. */
export function doctorProblems(report: DoctorResult): DoctorCheck[] {
  return report.checks.filter((c) => c.ok === false);
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const SYMBOL = { true: '✔', false: '✘', skipped: '–' } as const;

/**
 * The report as Markdown: a title, when and against what it ran, a verdict, then one list item per
 * check (✔ / ✘ / –) with its detail, and under each ✘ its fix.
 */
export function renderDoctorMarkdown(report: DoctorResult): string {
  const failed = doctorProblems(report).length;
  const lines = ['# Isaac Sim preflight doctor', ''];
  const seconds = (report.durationMs / 1000).toFixed(1);
  lines.push(`Checked ${formatTime(report.startedAt)} (${seconds} s), Docker engine ${code(report.engineAddress)}.`);
  if (report.subject) {
    const { image, instanceCount, runtime, gpus } = report.subject;
    lines.push(`For ${plural(instanceCount, 'instance')} of ${code(image)}, runtime ${runtime ? code(runtime) : 'default'}, GPUs ${code(gpus)}.`);
  }
  lines.push('');
  lines.push(
    failed === 0
      ? '**All checks passed.** This machine can run the configured instances.'
      : `**${plural(failed, 'problem')} found.** Each ✘ says how to fix it; then run **Isaac Sim: Run Preflight Doctor** again.`,
  );
  lines.push('');
  // Hard line breaks ("\" at a line's end) keep a check's lines in its list item.
  const continued = (text: string) => text.split('\n').join('\\\n  ');
  for (const c of report.checks) {
    let item = `- ${SYMBOL[String(c.ok) as keyof typeof SYMBOL]} **${c.title}** — ${continued(c.detail)}`;
    if (c.ok === false && c.fix) item += `\\\n  **Fix:** ${continued(c.fix)}`;
    lines.push(item);
  }
  lines.push('', '✔ passed · ✘ failed · – skipped', '');
  return lines.join('\n');
}

// ---- the real dependencies ----------------------------------------------------------------------

export function doctorEngineFor(engine: DockerEngine): DoctorEngine {
  return {
    address: engine.address,
    isLocal: engine.isLocal,
    version: () => engine.version(),
    info: () => engineInfo(engine),
    imagePresent: (image) => engine.imagePresent(image),
    tryGpuRequest: (image, requests, runtime) => tryGpuRequest(engine, image, requests, { runtime, labels: { [OWNER_LABEL]: OWNER_VALUE } }),
    imageConfig: (image) => engine.imageConfig(image),
    volumeExists: (name) => engine.volumeExists(name),
    runProbe: (image, user, mounts, command) =>
      engine.runToCompletion(
        {
          name: `isaac-sim-orchestrator-volume-probe-${Date.now().toString(36)}`,
          Image: image,
          Entrypoint: command,
          User: user,
          Labels: { [OWNER_LABEL]: OWNER_VALUE },
          NetworkDisabled: true,
          HostConfig: { NetworkMode: 'none', Mounts: [...mounts], RestartPolicy: { Name: 'no' } },
        },
        30_000,
      ),
  };
}

/** Tries to listen on host:port; the port is free if that works. Loopback only by default. */
export function probePort(port: number, protocol: PortProtocol = 'tcp', host = '127.0.0.1'): Promise<PortProbe> {
  return new Promise((resolve) => {
    const failed = (err: NodeJS.ErrnoException) => resolve({ free: false, code: err.code ?? err.message });
    if (protocol === 'udp') {
      const socket = dgram.createSocket({ type: 'udp4' });
      socket.once('error', (err) => {
        socket.close();
        failed(err);
      });
      socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve({ free: true })));
      return;
    }
    const server = net.createServer();
    server.unref();
    server.once('error', failed);
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve({ free: true })));
  });
}

/** Free space on the file system of `folder`, or of its nearest existing ancestor if it does not exist yet. */
export async function diskSpaceAt(folder: string): Promise<DiskSpace> {
  let dir = path.resolve(folder);
  for (;;) {
    try {
      const st = await statfs(dir);
      return { checkedPath: dir, freeBytes: Number(st.bavail) * Number(st.bsize) };
    } catch (err) {
      const errCode = (err as NodeJS.ErrnoException).code;
      const parent = path.dirname(dir);
      if ((errCode !== 'ENOENT' && errCode !== 'ENOTDIR') || parent === dir) throw err;
      dir = parent;
    }
  }
}

/** The doctor's dependencies on this machine: node:net for ports, statfs for disk, os for memory. */
export function hostDoctorDeps(input: {
  settings: Settings;
  engine: DockerEngine | undefined;
  instances: readonly DoctorInstance[];
  engineUnavailable?: string;
  home?: string;
  pullsOnStart?: boolean;
}): DoctorDeps {
  return {
    settings: input.settings,
    engine: input.engine ? doctorEngineFor(input.engine) : undefined,
    engineAddress: input.engine?.address ?? (input.settings.dockerHost || process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'),
    engineUnavailable: input.engineUnavailable,
    instances: input.instances,
    checkPort: (port, protocol) => probePort(port, protocol),
    describeHolder: async (port, protocol) => {
      const engine = input.engine;
      return (await describePortHolder(port, protocol, async (id) => (engine ? engine.inspect(id) : undefined))).who;
    },
    diskSpace: diskSpaceAt,
    totalMemoryBytes: os.totalmem(),
    home: input.home ?? os.homedir(),
    pullsOnStart: input.pullsOnStart,
  };
}
