/**
 * The domain's public vocabulary: what an instance is and which state it is in, as the views see it.
 * Nothing here knows about VS Code or Docker wire formats.
 */

export type InstanceStateKind = 'stopped' | 'starting' | 'loading' | 'ready' | 'stopping' | 'failed';

export interface InstanceState {
  kind: InstanceStateKind;
  /** Why the instance failed (a diagnosis or "exited with code N"), or a short note for other states. */
  reason?: string;
  /** Exit code of the container's last run, when it has exited. */
  exitCode?: number;
  /** Epoch milliseconds when this state was entered. */
  since: number;
}

export interface InstancePorts {
  /** Kit HTTP server, serves the legacy web client at /streaming/webrtc-client/. */
  http: number;
  /** WebRTC livestream port. */
  webrtc: number;
  /** Native livestream port. */
  native: number;
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
