/**
 * The doctor's real dependencies on this machine: the engine facade over a DockerEngine, the loopback
 * port probe (also used before a start), free disk space, and `hostDoctorDeps`, which wires them up.
 */
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeEndpoint } from '../docker/endpoint';
import type { DockerEngine } from '../docker/engine';
import type { EngineSettingIds } from '../docker/errors';
import { engineInfo, tryGpuRequest } from '../docker/system';
import { OWNER_LABEL, OWNER_VALUE } from './model';
import type { SettingKey, Settings } from './settings';
import { rareModule } from './rareModule';
import type { DiskSpace, DoctorDeps, DoctorEngine, DoctorInstance } from './doctorTypes';
import { probePort } from './portProbe';

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
  /** The settings the engine's dockerHost / dockerContext came from (default: the engine's, else the top-level ones). */
  settingIds?: EngineSettingIds;
  /** The id of the setting that holds `key` for this host (the manager's settingId); default: the top-level ones. */
  settingId?: (key: SettingKey) => string;
  engine: DockerEngine | undefined;
  instances: readonly DoctorInstance[];
  engineUnavailable?: string;
  home?: string;
  pullsOnStart?: boolean;
}): DoctorDeps {
  const settingIds = input.settingIds ?? input.engine?.settingIds;
  return {
    settings: input.settings,
    ...(settingIds ? { engineSettingIds: settingIds } : {}),
    ...(input.settingId ? { settingId: input.settingId } : {}),
    engine: input.engine ? doctorEngineFor(input.engine) : undefined,
    engineAddress: input.engine?.address ?? describeEndpoint({ setting: input.settings.dockerHost, context: input.settings.dockerContext, ...(settingIds ? { settingIds } : {}), env: process.env, home: input.home ?? os.homedir() }),
    engineUnavailable: input.engineUnavailable,
    instances: input.instances,
    checkPort: (port, protocol) => probePort(port, protocol),
    describeHolder: async (port, protocol) => {
      const engine = input.engine;
      return (await rareModule().describePortHolder(port, protocol, async (id) => (engine ? engine.inspect(id) : undefined))).who;
    },
    diskSpace: diskSpaceAt,
    totalMemoryBytes: os.totalmem(),
    home: input.home ?? os.homedir(),
    pullsOnStart: input.pullsOnStart,
  };
}
