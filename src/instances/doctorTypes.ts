/**
 * The preflight doctor's contract: what a check reports, what the doctor asks of the engine and the host
 * (all injected, see doctor.ts), and the few pieces every check shares (the check record, the engine
 * timeout). No `vscode` here, and no I/O of its own.
 */
import * as l10n from '@vscode/l10n';
import type { ImageConfig } from '../docker/engine';
import { EngineError, type EngineSettingIds } from '../docker/errors';
import type { DeviceRequest, EngineInfo, GpuProbeResult } from '../docker/system';
import type { InstanceSnapshot } from './model';
import type { SettingKey, Settings } from './settings';
import type { VolumeMount } from './spec';
import type { PortProbe, PortProtocol } from './portProbe';

export type DoctorCheckId = 'settings' | 'engine' | 'runtime' | 'gpu' | 'image' | 'version' | 'volumes' | 'ports' | 'webViewer' | 'disk' | 'memory';

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
  /** The settings the engine's address came from, named in the engine check's fixes (default: the top-level ones). */
  engineSettingIds?: EngineSettingIds;
  /**
   * The id of the setting that holds `key` for this host (isaacSim.endpoints[i].<key> where its endpoint
   * sets it), named in the fixes; default: the top-level isaacSim.<key> (settingIdIn).
   */
  settingId?(key: SettingKey): string;
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


export const GIB = 1024 ** 3;

/** Getters: translated when read, after activation configured l10n's bundle. */
const TITLES: Record<DoctorCheckId, string> = {
  get settings() {
    return l10n.t('Settings');
  },
  get engine() {
    return l10n.t('Docker engine');
  },
  get runtime() {
    return l10n.t('NVIDIA runtime');
  },
  get gpu() {
    return l10n.t('GPU request');
  },
  get image() {
    return l10n.t('Image');
  },
  get version() {
    return l10n.t('Isaac Sim version');
  },
  get volumes() {
    return l10n.t('Volumes writable by uid 1234');
  },
  get ports() {
    return l10n.t('Ports');
  },
  get webViewer() {
    return l10n.t('Web viewer (6.x)');
  },
  get disk() {
    return l10n.t('Disk space for caches');
  },
  get memory() {
    return l10n.t('Memory');
  },
};

/** The id of the setting that holds `key` for the doctored host: its endpoint's own where it sets it, else isaacSim.<key>. */
export function settingIdIn(deps: Pick<DoctorDeps, 'settingId'>, key: SettingKey): string {
  return deps.settingId?.(key) ?? `isaacSim.${key}`;
}

/** What was thrown, as text; never throws itself (a thrown object may have no string form). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

export function check(id: DoctorCheckId, ok: boolean | 'skipped', detail: string, fix?: string): DoctorCheck {
  return { id, title: TITLES[id], ok, detail, ...(ok === false && fix ? { fix } : {}) };
}

export function within<T>(promise: Promise<T>, ms: number, address: string, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EngineError(l10n.t('The Docker engine at {0} did not answer within {1} s while trying to {2}.', address, Math.round(ms / 1000), what), 'unreachable')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
