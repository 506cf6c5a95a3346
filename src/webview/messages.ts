/**
 * Messages between the sim view webview and the extension: one discriminated union per direction,
 * shared by both programs so their keys cannot drift apart.
 */
import type { InstanceStateKind } from '../instances/model';

/** Sent by the extension to the webview. */
export type HostMessage = {
  type: 'state';
  /** 0-based instance index; the webview persists it (`SimViewState`) so the panel can be restored. */
  index: number;
  /** Instance label, e.g. `instance-0`. */
  label: string;
  state: InstanceStateKind;
  /** Short human text for the badge: "ready", "loading 0:42", "failed: exit 1". */
  stateText: string;
  /** The iframe URL (already passed through asExternalUri). Empty when unknown. */
  url: string;
  /**
   * Identifies one run of the container (container id + start time). The webview loads its iframe once
   * per run: a change while `ready` means the simulator restarted and the old stream is gone.
   */
  runId: string;
};

/** Sent by the webview to the extension. */
export type ViewMessage =
  | { type: 'ready' }
  | { type: 'reload' }
  | { type: 'openExternal' }
  | { type: 'copyUrl' };

/** Persisted with `vscode.setState` so the serializer can restore the panel after a window reload. */
export interface SimViewState {
  index: number;
}
