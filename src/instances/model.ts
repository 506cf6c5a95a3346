/**
 * The domain's public vocabulary: what an instance is and which state it is in, as the views see it.
 * Nothing here knows about VS Code or Docker wire formats.
 */
import type { PortKind, ProfileId } from './profiles';
import type { StartupPhase } from './readiness';

export type InstanceStateKind = 'stopped' | 'starting' | 'loading' | 'ready' | 'stopping' | 'failed';

export interface InstanceState {
  kind: InstanceStateKind;
  /** Why the instance failed (a diagnosis or "exited with code N"), or a short note for other states. */
  reason?: string;
  /** Exit code of the container's last run, when it has exited. */
  exitCode?: number;
  /** While loading: how far the simulator got. */
  phase?: StartupPhase;
  /** When failed: the diagnosis id and what to do about it. */
  diagnosisId?: string;
  fix?: string;
  /** Epoch milliseconds when this state was entered. */
  since: number;
}

/** The ports an instance uses; which kinds depends on its streaming profile. */
export type InstancePorts = Partial<Record<PortKind, number>>;

/** What the sim view shows for an instance. */
export type InstanceView =
  | { kind: 'url'; url: string }
  /** No web viewer answers: the desktop "Isaac Sim WebRTC Streaming Client" connects to host:port. */
  | { kind: 'native-client'; host: string; port: number; webViewerUrl: string };

export interface StartupInfo {
  /** Epoch ms the start was requested (or the run began, for a run we did not start). */
  since: number;
  /** First start (empty shader caches) or a cached one, when it could be told. */
  kind: 'first' | 'cached' | 'unknown';
  /** Expected total duration from earlier starts of this image, if any. */
  etaMs?: number;
}

export interface InstanceSnapshot {
  /** 0-based instance index, stable across sessions (it is stored in a container label). */
  index: number;
  /** User-facing label, `instance-N`. */
  label: string;
  /** Docker container name, `isaac-sim-instance-N`. */
  containerName: string;
  /** Container id when a container exists for this instance. */
  containerId?: string;
  image: string;
  ports: InstancePorts;
  /** Client URL built from the URL template (before `asExternalUri`). */
  clientUrl: string;
  /** What the sim view shows (depends on the streaming profile and, for livestream, on a web viewer answering). */
  view: InstanceView;
  profile: ProfileId;
  /** GPUs handed to this instance: "all", "none" or a device id. */
  gpu: string;
  /** While starting or loading: phase timing and ETA. */
  startup?: StartupInfo;
  state: InstanceState;
  /** Epoch ms the container last started, if it is running. */
  startedAt?: number;
  /** True when a container exists for this instance. */
  exists: boolean;
  /** True when the index is within the configured instance count. */
  configured: boolean;
  /** An operation of ours is in flight for this instance. */
  busy: boolean;
}

export function instanceLabel(index: number): string {
  return `instance-${index}`;
}

export function containerNameFor(index: number): string {
  return `isaac-sim-instance-${index}`;
}

/** Labels that mark a container as ours. Only containers carrying OWNER_LABEL=OWNER_VALUE are ever changed. */
export const OWNER_LABEL = 'dev.isaac-sim-orchestrator.owner';
export const OWNER_VALUE = 'isaac-sim-orchestrator';
export const INDEX_LABEL = 'dev.isaac-sim-orchestrator.instance';
