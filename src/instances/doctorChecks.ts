/**
 * The doctor's checks of the engine and the host: engine, NVIDIA runtime, image, GPU request, ports, disk
 * and memory (the version and volume checks are in doctorVersion.ts). Each takes the injected
 * dependencies (doctorTypes.ts) and never throws: it ends ✔, ✘ with a fix, or skipped with the reason.
 */
import { EngineError } from '../docker/errors';
import type { DeviceRequest, EngineInfo } from '../docker/system';
import { instanceLabel } from './model';
import type { Settings } from './settings';
import { buildContainerSpec, expandHome, portsFor } from './spec';
import { code, formatGiB, plural } from './doctorReport';
import { GIB, check, errorText, within, type DiskSpace, type DoctorCheck, type DoctorDeps, type DoctorInstance } from './doctorTypes';
import { portProtocol, type PortProbe, type PortProtocol } from './portProbe';
import { versionOrDefault, type VersionFacts } from './doctorVersion';
import { VERSIONS } from './versions';

/** Isaac Sim's shader, asset and pip caches grow to tens of GiB. */
export const MIN_FREE_DISK_GIB = 30;

const TOOLKIT_URL = 'https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html';
export const TOOLKIT_FIX = `Install the [NVIDIA Container Toolkit](${TOOLKIT_URL}), then run ${code('sudo nvidia-ctk runtime configure --runtime=docker')} and ${code('sudo systemctl restart docker')}`;

export interface EngineFacts {
  check: DoctorCheck;
  reachable: boolean;
  info?: EngineInfo;
  infoError?: string;
}

export async function checkEngine(deps: DoctorDeps, address: string, timeoutMs: number): Promise<EngineFacts> {
  const engine = deps.engine;
  const startFix = `Start Docker (${code('sudo systemctl start docker')}), or set ${code('isaacSim.dockerHost')} to a running engine (${code('unix:///path/to/docker.sock')}, ${code('tcp://host:port')} or ${code('ssh://user@host')}).`;
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
        : err instanceof EngineError && err.kind === 'settings'
          ? `Fix what the message names (it says where the engine's address came from), or set ${code('isaacSim.dockerHost')}, which comes before ${code('DOCKER_HOST')} and docker contexts.`
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

export function checkRuntime(s: Settings, facts: EngineFacts): DoctorCheck {
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

export type ImageFacts = { check: DoctorCheck; present?: boolean };

export async function checkImage(deps: DoctorDeps, facts: EngineFacts, timeoutMs: number, address: string): Promise<ImageFacts> {
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

export async function checkGpu(deps: DoctorDeps, facts: EngineFacts, image: ImageFacts, timeoutMs: number, address: string): Promise<DoctorCheck> {
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

export async function checkPorts(deps: DoctorDeps, version: VersionFacts): Promise<DoctorCheck> {
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

export async function checkDisk(deps: DoctorDeps): Promise<DoctorCheck> {
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

export function checkMemory(deps: DoctorDeps, facts: EngineFacts): DoctorCheck {
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
