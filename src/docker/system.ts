/**
 * Engine-wide queries for the preflight doctor, on top of DockerEngine. No `vscode` here.
 *
 * - `engineInfo`: the part of `docker info` the doctor reads, parsed with zod at this edge.
 * - `tryGpuRequest`: asks the engine for the GPUs an instance would get by running a throwaway
 *   container that exits at once. The engine only resolves a device request when the container
 *   starts (the runtime name is checked at create), so create + start is the real test. The probe
 *   carries our owner label and a `isaac-sim-doctor-` name, and is removed in every outcome.
 */
import * as l10n from '@vscode/l10n';
import { randomBytes } from 'node:crypto';
import { InfoSchema } from './parse';
import type { DockerEngine } from './engine';
import { describeEngineError, type EngineError } from './errors';

/** The subset of `docker info` the doctor uses. Absent fields stay undefined (other engines omit some). */
export interface EngineInfo {
  serverVersion: string;
  /** Names of the registered runtimes, e.g. ["io.containerd.runc.v2", "nvidia", "runc"]. */
  runtimes: string[];
  defaultRuntime?: string;
  /** Bytes of memory the engine sees (the VM's, for Docker Desktop). */
  memTotal?: number;
  ncpu?: number;
  operatingSystem?: string;
  /** Storage driver, e.g. overlay2. */
  driver?: string;
  dockerRootDir?: string;
}


export function parseEngineInfo(raw: unknown): EngineInfo {
  const i = InfoSchema().parse(raw);
  return {
    serverVersion: i.ServerVersion || 'unknown',
    runtimes: Object.keys(i.Runtimes ?? {}).sort(),
    defaultRuntime: i.DefaultRuntime || undefined,
    memTotal: i.MemTotal && i.MemTotal > 0 ? i.MemTotal : undefined,
    ncpu: i.NCPU && i.NCPU > 0 ? i.NCPU : undefined,
    operatingSystem: i.OperatingSystem || undefined,
    driver: i.Driver || undefined,
    dockerRootDir: i.DockerRootDir || undefined,
  };
}

export async function engineInfo(engine: DockerEngine): Promise<EngineInfo> {
  let raw: unknown;
  try {
    raw = await engine.docker.info();
  } catch (err) {
    throw describeEngineError(err, l10n.t('ask the engine for its configuration (docker info)'), engine.address, engine.settingIds);
  }
  return parseEngineInfo(raw);
}

/** One entry of HostConfig.DeviceRequests, as the container spec builds it. */
export interface DeviceRequest {
  Driver: string;
  Count?: number;
  DeviceIDs?: string[];
  Capabilities: string[][];
}

export type GpuProbeResult =
  | { ok: true }
  | {
      ok: false;
      /** What the engine said, verbatim (e.g. `could not select device driver "nvidia" with capabilities: [[gpu]]`). */
      message: string;
      /** Where it failed: the engine refused the container, refused to start it, or the probe did not exit cleanly. */
      stage: 'create' | 'start' | 'exit';
      /** The engine error with its explanation, when the engine refused. */
      error?: EngineError;
    };

/** Name prefix of the doctor's throwaway containers. */
export const PROBE_NAME_PREFIX = 'isaac-sim-doctor-';
/** Marks a container as a doctor probe (it also carries the owner label, so it is ours to remove). */
export const PROBE_LABEL = 'dev.isaac-sim-orchestrator.probe';
/**
 * What the probe runs. Both Isaac Sim's Ubuntu image and the busybox stand-in have /bin/sh; the
 * command never matters for the GPU request, which is resolved before it runs.
 */
const PROBE_COMMAND: readonly string[] = ['/bin/sh', '-c', 'exit 0'];

function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string' && json.message.trim()) return json.message.trim();
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '').trim();
}

/**
 * Creates, starts and waits for a throwaway container with `deviceRequests` (and `runtime`, if
 * given) on `image`, which must be present locally. Resolves `{ ok: true }` when the engine accepted
 * the request, or `{ ok: false, message }` with the engine's own words when it refused. Rejects only
 * when the engine cannot be reached. The container is always removed, whatever happened.
 */
export async function tryGpuRequest(
  engine: DockerEngine,
  image: string,
  deviceRequests: readonly DeviceRequest[],
  options: { runtime?: string; timeoutMs?: number; labels?: Record<string, string> } = {},
): Promise<GpuProbeResult> {
  const name = `${PROBE_NAME_PREFIX}${randomBytes(6).toString('hex')}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let id: string | undefined;
  const refused = (err: unknown, stage: 'create' | 'start'): GpuProbeResult => {
    const error = describeEngineError(err, stage === 'create' ? l10n.t('create the GPU probe container {0}', name) : l10n.t('start the GPU probe container {0}', name), engine.address, engine.settingIds);
    if (error.unreachable) throw error;
    return { ok: false, message: engineMessage(err), stage, error };
  };
  try {
    try {
      const container = await engine.docker.createContainer({
        name,
        Image: image,
        Entrypoint: [...PROBE_COMMAND],
        Cmd: [],
        // The caller's ownership labels: the engine layer knows no domain.
        Labels: { ...options.labels, [PROBE_LABEL]: 'gpu' },
        NetworkDisabled: true,
        HostConfig: {
          // The probe needs no network; "none" works on every engine, also one started with --bridge=none.
          NetworkMode: 'none',
          ...(options.runtime ? { Runtime: options.runtime } : {}),
          DeviceRequests: deviceRequests.map((r) => ({ ...r, Capabilities: r.Capabilities.map((c) => [...c]) })),
          RestartPolicy: { Name: 'no' },
        },
      });
      id = container.id;
    } catch (err) {
      return refused(err, 'create');
    }
    const container = engine.docker.getContainer(id);
    try {
      await container.start();
    } catch (err) {
      return refused(err, 'start');
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const exit = await Promise.race([container.wait() as Promise<{ StatusCode?: number }>, timedOut]);
      if (exit === 'timeout') return { ok: false, stage: 'exit', message: l10n.t('the probe container did not exit within {0} s', Math.round(timeoutMs / 1000)) };
      if (exit.StatusCode !== 0) return { ok: false, stage: 'exit', message: l10n.t('the probe container exited with code {0}', String(exit.StatusCode)) };
      return { ok: true };
    } catch (err) {
      throw describeEngineError(err, l10n.t('wait for the GPU probe container {0}', name), engine.address, engine.settingIds);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await removeProbe(engine, id ?? name);
  }
}

/**
 * Removes a probe by id, or by its (random, ours) name when create did not answer with an id — a
 * create that failed on the wire may still have made it. A missing container is fine; one that
 * cannot be removed is an error that names it, so it is never left behind silently.
 */
async function removeProbe(engine: DockerEngine, idOrName: string): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await engine.docker.getContainer(idOrName).remove({ force: true, v: true });
      return;
    } catch (err) {
      if ((err as { statusCode?: unknown } | null)?.statusCode === 404) return;
      last = err;
      // 409 means a removal is already under way: give it a moment, then look again.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw describeEngineError(last, l10n.t('remove the GPU probe container {0} (remove it with "docker rm -f {1}")', idOrName, idOrName), engine.address, engine.settingIds);
}
