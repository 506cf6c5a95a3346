/**
 * The doctor's checks of the engine and the host: engine, NVIDIA runtime, image, GPU request, ports, disk
 * and memory (the version and volume checks are in doctorVersion.ts). Each takes the injected
 * dependencies (doctorTypes.ts) and never throws: it ends ✔, ✘ with a fix, or skipped with the reason.
 */
import * as l10n from '@vscode/l10n';
import { EngineError, TOP_LEVEL_ENGINE_SETTINGS } from '../docker/errors';
import type { DeviceRequest, EngineInfo } from '../docker/system';
import { instanceLabel } from './model';
import { PORT_BASE_SETTING, type Settings } from './settings';
import { buildContainerSpec, expandHome, portsFor } from './spec';
import { code, formatGiB, instances } from './doctorReport';
import { GIB, check, errorText, settingIdIn, within, type DiskSpace, type DoctorCheck, type DoctorDeps, type DoctorInstance } from './doctorTypes';
import { portProtocol, type PortProbe, type PortProtocol } from './portProbe';
import { versionOrDefault, type VersionFacts } from './doctorVersion';
import { VERSIONS, type PortKind } from './versions';

/** Isaac Sim's shader, asset and pip caches grow to tens of GiB. */
export const MIN_FREE_DISK_GIB = 30;

const TOOLKIT_URL = 'https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html';
export const toolkitFix = (): string => l10n.t('Install the [NVIDIA Container Toolkit]({0}), then run {1} and {2}', TOOLKIT_URL, code('sudo nvidia-ctk runtime configure --runtime=docker'), code('sudo systemctl restart docker'));

/** How to free taken ports: whole sentences, one per case, so that each translates as a whole. `settings`: the port bases to move. */
function portsFix(one: boolean, heldByOurs: boolean, ss: string, settings: string): string {
  if (one) {
    return heldByOurs
      ? l10n.t('Stop what holds the port ({0} shows the process; restart an instance of ours to move it to its new ports), or move the ports with {1}.', ss, settings)
      : l10n.t('Stop what holds the port ({0} shows the process), or move the ports with {1}.', ss, settings);
  }
  return heldByOurs
    ? l10n.t('Stop what holds the ports ({0} shows the process for the first; restart an instance of ours to move it to its new ports), or move the ports with {1}.', ss, settings)
    : l10n.t('Stop what holds the ports ({0} shows the process for the first), or move the ports with {1}.', ss, settings);
}

export interface EngineFacts {
  check: DoctorCheck;
  reachable: boolean;
  info?: EngineInfo;
  infoError?: string;
}

export async function checkEngine(deps: DoctorDeps, address: string, timeoutMs: number): Promise<EngineFacts> {
  const engine = deps.engine;
  const hostSetting = (deps.engineSettingIds ?? TOP_LEVEL_ENGINE_SETTINGS).host;
  const startFix = l10n.t('Start Docker ({0}), or set {1} to a running engine ({2}, {3} or {4}).', code('sudo systemctl start docker'), code(hostSetting), code('unix:///path/to/docker.sock'), code('tcp://host:port'), code('ssh://user@host'));
  if (!engine) {
    return { reachable: false, check: check('engine', false, deps.engineUnavailable ?? l10n.t('No Docker engine client for {0}.', code(address)), startFix) };
  }
  let version: { version: string; apiVersion: string };
  try {
    version = await within(engine.version(), timeoutMs, address, l10n.t('report its version'));
  } catch (err) {
    const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
    const errCode = typeof cause?.code === 'string' ? cause.code : undefined;
    const unreachable = err instanceof EngineError && err.unreachable;
    const detail = unreachable && errCode ? l10n.t('No Docker engine answers at {0} ({1}).', code(address), errCode) : errorText(err);
    const fix =
      errCode === 'EACCES'
        ? l10n.t('Add your user to the {0} group ({1}, then log in again), or set {2} to an engine you may use.', code('docker'), code('sudo usermod -aG docker $USER'), code(hostSetting))
        : err instanceof EngineError && err.kind === 'settings'
          ? l10n.t('Fix what the message names (it says where the engine\'s address came from), or set {0}, which comes before {1} and docker contexts.', code(hostSetting), code('DOCKER_HOST'))
          : startFix;
    return { reachable: false, check: check('engine', false, detail, fix) };
  }
  let info: EngineInfo | undefined;
  let infoError: string | undefined;
  try {
    info = await within(engine.info(), timeoutMs, address, l10n.t('describe itself (docker info)'));
  } catch (err) {
    infoError = errorText(err);
  }
  const about = info
    ? [info.operatingSystem, info.ncpu !== undefined ? (info.ncpu === 1 ? l10n.t('1 CPU') : l10n.t('{0} CPUs', info.ncpu)) : undefined, info.memTotal !== undefined ? formatGiB(info.memTotal) : undefined, info.driver ? l10n.t('storage driver {0}', info.driver) : undefined].filter(Boolean).join(', ')
    : '';
  const detail = l10n.t('Docker {0} (API {1}) at {2}{3}.', code(version.version), version.apiVersion, code(address), about ? `: ${about}` : '');
  return { reachable: true, info, infoError, check: check('engine', true, detail) };
}

export function checkRuntime(s: Settings, facts: EngineFacts): DoctorCheck {
  if (!s.runtime) {
    return check(
      'runtime',
      true,
      s.gpus === 'none' ? l10n.t('Default runtime configured (no GPU).') : l10n.t('Default runtime configured; GPUs are requested through the NVIDIA Container Toolkit (see the GPU request check).'),
    );
  }
  if (!facts.reachable) return check('runtime', 'skipped', l10n.t('Skipped: the engine is not reachable.'));
  const fix = l10n.t('{0}. Or set {1} to {2} to use the engine\'s default runtime.', toolkitFix(), code('isaacSim.runtime'), code('""'));
  if (!facts.info) return check('runtime', false, l10n.t('Could not read the engine\'s runtimes: {0}', facts.infoError ?? l10n.t('no answer')), fix);
  const others = facts.info.runtimes.length > 0 ? facts.info.runtimes.map(code).join(', ') : 'none';
  if (facts.info.runtimes.includes(s.runtime)) {
    return check('runtime', true, facts.info.defaultRuntime ? l10n.t('Runtime {0} is registered (the default is {1}).', code(s.runtime), code(facts.info.defaultRuntime)) : l10n.t('Runtime {0} is registered.', code(s.runtime)));
  }
  return check('runtime', false, l10n.t('The engine has no {0} runtime; it has {1}.', code(s.runtime), others), fix);
}

export type ImageFacts = { check: DoctorCheck; present?: boolean };

export async function checkImage(deps: DoctorDeps, facts: EngineFacts, timeoutMs: number, address: string): Promise<ImageFacts> {
  const image = deps.settings.image;
  if (!facts.reachable || !deps.engine) return { check: check('image', 'skipped', l10n.t('Skipped: the engine is not reachable.')) };
  try {
    const present = await within(deps.engine.imagePresent(image), timeoutMs, address, l10n.t('look up image {0}', image));
    if (present) return { present, check: check('image', true, l10n.t('{0} is on this machine.', code(image))) };
    const registry = image.split('/')[0];
    const fix =
      (registry === 'nvcr.io'
        ? l10n.t('Run {0} (user {1}, your NGC API key as password), then {2}. Or set {3} to an image you have.', code('docker login nvcr.io'), code('$oauthtoken'), code(`docker pull ${image}`), code('isaacSim.image'))
        : l10n.t('Run {0}. Or set {1} to an image you have.', code(`docker pull ${image}`), code('isaacSim.image'))) +
      (deps.pullsOnStart ? l10n.t(' Or just start an instance: the extension pulls the image first (Isaac Sim\'s is about 20 GB, so the first start takes a while).') : '');
    return { present, check: check('image', false, l10n.t('{0} is not on this machine.', code(image)), fix) };
  } catch (err) {
    return { check: check('image', false, l10n.t('Could not look up {0}: {1}', code(image), errorText(err)), l10n.t('See the Docker engine check.')) };
  }
}

function describeRequest(r: DeviceRequest): string {
  const which = r.DeviceIDs && r.DeviceIDs.length > 0 ? l10n.t('GPU {0}', r.DeviceIDs.join(', ')) : r.Count === undefined || r.Count < 0 ? l10n.t('all GPUs') : r.Count === 1 ? l10n.t('1 GPU') : l10n.t('{0} GPUs', r.Count);
  return l10n.t('{0} (driver {1})', which, code(r.Driver || 'default'));
}

export async function checkGpu(deps: DoctorDeps, facts: EngineFacts, image: ImageFacts, timeoutMs: number, address: string): Promise<DoctorCheck> {
  const s = deps.settings;
  const gpusSetting = code(settingIdIn(deps, 'gpus'));
  if (s.gpus === 'none') return check('gpu', 'skipped', l10n.t('Skipped: {0} is {1}, so no GPU is requested.', gpusSetting, code('none')));
  if (!facts.reachable || !deps.engine) return check('gpu', 'skipped', l10n.t('Skipped: the engine is not reachable.'));
  if (image.present !== true) return check('gpu', 'skipped', l10n.t('Skipped: trying a GPU request needs the image on this machine (see the image check).'));
  const groups = gpuRequestGroups(s, deps.home);
  if (groups.length === 0) return check('gpu', 'skipped', l10n.t('Skipped: the container spec requests no GPU.'));
  // A runtime the engine lacks would fail the probe at create and hide the GPU answer; that problem
  // is the runtime check's. Try the request with the default runtime then, and say so.
  const runtimeKnownMissing = !!s.runtime && !!facts.info && !facts.info.runtimes.includes(s.runtime);
  const runtime = s.runtime && !runtimeKnownMissing ? s.runtime : undefined;
  const how = runtimeKnownMissing ? l10n.t('Tried with the default runtime, as {0} is not registered.', code(s.runtime)) : runtime ? l10n.t('Tried with runtime {0}.', code(runtime)) : l10n.t('Tried with the default runtime.');
  const accepted: string[] = [];
  const refused: string[] = [];
  for (const group of groups) {
    const what = group.map(describeRequest).join(' and ');
    try {
      const result = await within(deps.engine.tryGpuRequest(s.image, group, runtime), timeoutMs * 6, address, l10n.t('run the GPU probe container'));
      if (result.ok) accepted.push(what);
      else refused.push(l10n.t('The engine refused the request for {0}: {1}.', what, code(result.message)));
    } catch (err) {
      refused.push(l10n.t('Could not try {0}: {1}', what, errorText(err)));
    }
  }
  if (refused.length === 0) return check('gpu', true, l10n.t('The engine accepted the request for {0}. {1}', accepted.join('; '), how));
  const fix =
    (s.gpus !== 'all'
      ? l10n.t('{0}; check that {1} works on the host and that the GPUs in {2} exist ({3}). ', toolkitFix(), code('nvidia-smi'), gpusSetting, code('nvidia-smi -L'))
      : l10n.t('{0}; check that {1} works on the host. ', toolkitFix(), code('nvidia-smi'))) +
    l10n.t('Isaac Sim cannot render without a GPU; only for a GPU-less test set {0} to {1}.', gpusSetting, code('none'));
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
  if (s.instanceCount === 0) return check('ports', 'skipped', l10n.t('Skipped: no instances are configured ({0} is 0).', code(settingIdIn(deps, 'instanceCount'))));
  const wanted: Array<{ index: number; kind: PortKind; port: number; protocol: PortProtocol }> = [];
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
  const badKinds = new Set<PortKind>();
  const busyPorts: number[] = [];
  let heldByOurs = false;
  const unexplained: Array<{ problem: number; what: string; port: number; protocol: PortProtocol }> = [];
  wanted.forEach((w, k) => {
    const r = results[k];
    if (r.free) return;
    const what = l10n.t('{0} {1} port {2}{3}', instanceLabel(w.index), w.kind, w.port, w.protocol === 'udp' ? ' (UDP)' : '');
    if (r.code !== 'EADDRINUSE') {
      untested.push(l10n.t('{0} could not be tested ({1}).', what, r.code));
      return;
    }
    const holder = running.find((i) => portNumbers(i.ports).includes(w.port));
    if (holder && holder.index === w.index) {
      ownHeld.push(l10n.t('{0} is in use by {1} (running).', what, holder.label));
    } else {
      if (!holder) unexplained.push({ problem: problems.length, what, port: w.port, protocol: w.protocol });
      problems.push(holder ? l10n.t('{0} is in use by {1} (running, with ports from other settings).', what, holder.label) : l10n.t('{0} is in use by another program.', what));
      if (holder) heldByOurs = true;
      badKinds.add(w.kind);
      busyPorts.push(w.port);
    }
  });
  // Name what holds the others' ports where the system shows it (best effort: it never fails the check).
  for (const u of unexplained) {
    const who = await deps.describeHolder?.(u.port, u.protocol).catch(() => undefined);
    if (who && who !== l10n.t('another process')) problems[u.problem] = l10n.t('{0} is in use by {1}.', u.what, who);
  }
  const byKind = new Map<string, number[]>();
  for (const w of wanted) byKind.set(w.kind, [...(byKind.get(w.kind) ?? []), w.port]);
  const summary = `${instances(s.instanceCount)}: ${[...byKind].map(([kind, ports]) => `${kind} ${portList(ports)}`).join(', ')}.`;
  if (problems.length > 0) {
    // The setting each taken port's base is read from: the endpoint's own where it sets it, else the top-level one.
    const settingsToMove = [...badKinds].map((k) => code(settingIdIn(deps, PORT_BASE_SETTING[k])));
    const first = busyPorts[0];
    const fix = portsFix(busyPorts.length === 1, heldByOurs, code(`ss -ltnup 'sport = :${first}'`), settingsToMove.join(', '));
    return check('ports', false, [...problems, ...ownHeld, ...untested, l10n.t('Checked on 127.0.0.1 for {0}', summary)].join('\n'), fix);
  }
  return check('ports', true, [l10n.t('Free on 127.0.0.1 for {0}', summary), ...ownHeld, ...untested].join('\n'));
}

export async function checkDisk(deps: DoctorDeps): Promise<DoctorCheck> {
  const s = deps.settings;
  if (deps.engine && !deps.engine.isLocal) {
    return check('disk', 'skipped', l10n.t('Skipped: the engine runs on another machine ({0}), where the cache folder is.', code(deps.engine.address)));
  }
  const root = expandHome(s.hostDataRoot, deps.home);
  let space: DiskSpace;
  try {
    space = await deps.diskSpace(root);
  } catch (err) {
    return check('disk', 'skipped', l10n.t('Skipped: could not read the free space for {0}: {1}', code(root), errorText(err)));
  }
  const where = space.checkedPath === root ? l10n.t('at {0}', code(root)) : l10n.t('for {0} (measured at {1}; the folder does not exist yet)', code(root), code(space.checkedPath));
  const detail = l10n.t('{0} free {1}; Isaac Sim\'s caches need at least {2} GiB.', formatGiB(space.freeBytes), where, MIN_FREE_DISK_GIB);
  if (space.freeBytes >= MIN_FREE_DISK_GIB * GIB) return check('disk', true, detail);
  return check('disk', false, detail, l10n.t('Free space on that disk, or set {0} to a folder on a disk with at least {1} GiB free.', code('isaacSim.hostDataRoot'), MIN_FREE_DISK_GIB));
}

/**
 * Memory per instance when no limit is set: ~8 GiB each is what a loaded instance takes (the project's
 * brief, ../shared/ISAAC-SIM.md); NVIDIA asks for 32 GB RAM on the machine (64 GB ideal, the Isaac Sim
 * requirements page; Isaac Lab's docs: at least 32 GB).
 */
export const GIB_PER_INSTANCE = 8;

export function checkMemory(deps: DoctorDeps, facts: EngineFacts): DoctorCheck {
  const s = deps.settings;
  if (s.instanceCount === 0) return check('memory', 'skipped', l10n.t('Skipped: no instances are configured ({0} is 0).', code(settingIdIn(deps, 'instanceCount'))));
  const perInstance = s.memoryLimitGiB > 0 ? s.memoryLimitGiB : GIB_PER_INSTANCE;
  const need = perInstance * s.instanceCount * GIB;
  const sources: Array<{ what: string; bytes: number }> = [];
  // Host memory only counts when the containers run on this machine.
  if (!deps.engine || deps.engine.isLocal) sources.push({ what: l10n.t('this machine has'), bytes: deps.totalMemoryBytes });
  if (facts.info?.memTotal !== undefined) sources.push({ what: l10n.t('the engine sees'), bytes: facts.info.memTotal });
  if (sources.length === 0) return check('memory', 'skipped', l10n.t('Skipped: the engine runs on another machine and did not report its memory.'));
  const available = Math.min(...sources.map((x) => x.bytes));
  const each = s.memoryLimitGiB > 0 ? l10n.t('{0} GiB ({1})', s.memoryLimitGiB, code('isaacSim.memoryLimitGiB')) : l10n.t('~{0} GiB (no limit set; what a loaded instance takes)', GIB_PER_INSTANCE);
  const detail = l10n.t('{0} × {1} = {2}; {3}. NVIDIA asks for 32 GB of RAM on the machine (64 GB ideal).', instances(s.instanceCount), each, formatGiB(need), sources.map((x) => `${x.what} ${formatGiB(x.bytes)}`).join(', '));
  if (need <= available) return check('memory', true, detail);
  return check(
    'memory',
    false,
    detail,
    s.memoryLimitGiB > 0
      ? l10n.t('Run fewer instances ({0}) or load smaller scenes, or lower {1}. With Docker Desktop, give its VM more memory in its settings.', code(settingIdIn(deps, 'instanceCount')), code('isaacSim.memoryLimitGiB'))
      : l10n.t('Run fewer instances ({0}) or load smaller scenes. With Docker Desktop, give its VM more memory in its settings.', code(settingIdIn(deps, 'instanceCount'))),
  );
}
