/**
 * The domain's public vocabulary: what an instance is and which state it is in, as the views see it.
 * Nothing here knows about VS Code or Docker wire formats.
 */
import type { ClientUrlResult } from './clientUrl';
import type { PortKind, VersionId } from './versions';
import type { StartupPhase } from './readiness';

export type InstanceStateKind = 'stopped' | 'starting' | 'loading' | 'ready' | 'stopping' | 'failed';

const CONTAINER_RUNS: ReadonlySet<InstanceStateKind> = new Set(['starting', 'loading', 'ready', 'stopping']);

/** The states in which the instance's container runs (or is being started or stopped). */
export function containerRuns(kind: InstanceStateKind): boolean {
  return CONTAINER_RUNS.has(kind);
}

export interface InstanceState {
  kind: InstanceStateKind;
  /** Why the instance failed (a diagnosis or "exited with code N"), or a short note for other states. */
  reason?: string;
  /** Exit code of the container's last run, when it has exited. */
  exitCode?: number;
  /** While loading: how far the simulator got. */
  phase?: StartupPhase;
  /** While loading: NVIDIA's own progress words for the phase, e.g. "30 seconds so far". */
  phaseDetail?: string;
  /** When failed: the diagnosis id and what to do about it. */
  diagnosisId?: string;
  fix?: string;
  /** Epoch milliseconds when this state was entered. */
  since: number;
}

/** The ports an instance uses; which kinds depends on its Isaac Sim version. */
export type InstancePorts = Partial<Record<PortKind, number>>;

/** What the sim view shows for an instance. */
export type InstanceView =
  | { kind: 'url'; url: string }
  /**
   * NVIDIA's desktop "Isaac Sim WebRTC Streaming Client" connects to host:port. In 4.5–5.x it reaches
   * signal port 49100 only (IsaacSim #606), so `reachable` is false for the other instances. For 6.x,
   * `webViewerUrl` is where NVIDIA's web viewer for this instance would answer (none does yet).
   * `signalSetting`: the setting that holds the signal port's base for this engine (an endpoint's own, or isaacSim.signalPortBase).
   */
  | { kind: 'desktop-client'; version: VersionId; host: string; port: number; reachable: boolean; webViewerUrl?: string; streamPort?: number; signalSetting: string };

/**
 * An Isaac Sim 6.x instance's web viewer (webViewers.ts): its image being built, waiting for the
 * instance to be ready, its container starting or running, stopped with its instance, or failed.
 */
export interface WebViewerState {
  kind: 'building' | 'waiting' | 'starting' | 'running' | 'stopped' | 'failed';
  /** Its container's name and port. */
  name: string;
  port: number;
  /** The image it runs (or is being built as). */
  image?: string;
  containerId?: string;
  /** Its HEALTHCHECK state, once the container has one. */
  health?: string;
  /** Its page answers (the sim view loads it). */
  answers?: boolean;
  /** When failed: why, with the fix, and the kind and setting of the error. */
  reason?: string;
  errorKind?: string;
  setting?: string;
  /** When its build failed: the build's last lines. */
  lastLines?: readonly string[];
}

export interface StartupInfo {
  /** Epoch ms the start was requested (or the run began, for a run we did not start). */
  since: number;
  /** First start (empty shader caches) or a cached one, when it could be told. */
  kind: 'first' | 'cached' | 'unknown';
  /** Expected total duration from earlier starts of this image, if any. */
  etaMs?: number;
}

/**
 * An instance's Python code server as the tree and the commands show it: its port, its Kit extension
 * and whether a 6.x token is known (from the log or isaacSim.pythonServerToken); or why there is none
 * (a custom image, or a container created before the extension enabled the server).
 */
export type CodeServerInfo =
  | { kind: 'enabled'; port: number; extension: string; token: 'not-needed' | 'known' | 'missing' }
  | { kind: 'none'; reason: string };

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
  /** Client URL built from the URL template (before `asExternalUri`); '' when the settings give no safe one. */
  clientUrl: string;
  /** How the client URL was built: the URL, or the error that names the setting to fix. */
  clientUrlResult: ClientUrlResult;
  /** What the sim view shows (depends on the version and, for 6.x, on a web viewer answering). */
  view: InstanceView;
  /** The Isaac Sim version the instance is treated as, and how it was found ("image tag \"6.0.1\"", "isaacSim.version"). */
  version: VersionId;
  versionSource: string;
  /** Often harmless lines of the current run (problems), e.g. PhysX falling back to the CPU. */
  warnings: string[];
  /** The image's HEALTHCHECK state, for images that have one (6.x). */
  health?: string;
  /** Something the user should know about streaming this instance, e.g. that 4.2's player could not be given its port. */
  streamNote?: string;
  /** The web viewer of a 6.x instance, when one is configured (isaacSim.webViewerBuildContext or isaacSim.webViewerImage). */
  webViewer?: WebViewerState;
  /** "Run in Sim": the instance's Python code server (simPythonProtocol.ts), or why it has none. */
  codeServer: CodeServerInfo;
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
  /** Beyond the count (not configured): the setting that holds it for this engine, an endpoint's own or isaacSim.instanceCount. */
  countSetting?: string;
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
