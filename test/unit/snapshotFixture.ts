/**
 * An instance snapshot for unit tests of what reads snapshots (describe.ts, the agent tools' text):
 * a 4.2 instance N on the default ports, in `state` since `now`, with `more` laid over it.
 */
import type { InstanceSnapshot, InstanceState } from '../../src/instances/model';

export function fixtureSnapshot(index: number, state: Omit<InstanceState, 'since'> & { since?: number }, now: number, more: Partial<InstanceSnapshot> = {}): InstanceSnapshot {
  return {
    index,
    label: `instance-${index}`,
    containerName: `isaac-sim-instance-${index}`,
    image: 'nvcr.io/nvidia/isaac-sim:4.2.0',
    ports: { http: 8211 + index, signal: 49100 + index },
    clientUrl: 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1',
    clientUrlResult: { ok: true, url: 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1', origin: 'http://127.0.0.1:8211' },
    view: { kind: 'url', url: 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1' },
    version: '4.2',
    versionSource: 'image tag "4.2.0"',
    warnings: [],
    codeServer: { kind: 'enabled', port: 8226 + index, extension: 'omni.isaac.vscode', token: 'not-needed' },
    gpu: 'all',
    state: { since: now, ...state },
    exists: true,
    configured: true,
    busy: false,
    ...more,
  };
}
