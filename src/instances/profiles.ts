/**
 * Streaming profiles: how an instance streams and how it is viewed. Each profile decides the
 * launcher, the Kit arguments that hand the instance its ports, which ports it uses, how readiness
 * is confirmed on the wire, and what the sim view shows.
 *
 * - legacy-webrtc: Isaac Sim ≤ 4.2 with the Kit web client served on HTTP 8211+N.
 * - livestream:    Isaac Sim 4.5–6.x; signal (TCP 49100+N) and media (UDP 47998+N) ports passed in both
 *                  the 4.5/5.x and the 6.x argument forms; viewed through the 6.x web viewer
 *                  (8210+N) when one answers, otherwise in the desktop "Isaac Sim WebRTC Streaming Client".
 * - custom:        your own launcher, arguments and client URL template.
 */

export type ProfileId = 'legacy-webrtc' | 'livestream' | 'custom';
export const PROFILE_IDS: readonly ProfileId[] = ['legacy-webrtc', 'livestream', 'custom'];

export type PortKind = 'http' | 'webrtc' | 'native' | 'signal' | 'stream' | 'webViewer';

export interface Profile {
  id: ProfileId;
  /** Launcher inside the image, used when isaacSim.entrypoint is []. */
  entrypoint: readonly string[];
  /** Port arguments, used when isaacSim.portArgs is []. */
  portArgs: readonly string[];
  /** The ports an instance of this profile uses; the first is the one shown in the tree. */
  ports: readonly PortKind[];
  /** The ports the simulator itself binds on the host (the web viewer is a separate container). */
  binds: readonly PortKind[];
  /** How readiness is confirmed once the readiness line appeared. */
  probe: { kind: 'http' } | { kind: 'tcp'; port: PortKind };
  /** What the sim view loads: the client URL template, or the web viewer with a native-client fallback. */
  view: 'client-url' | 'web-viewer';
}

export const PROFILES: Readonly<Record<ProfileId, Profile>> = {
  'legacy-webrtc': {
    id: 'legacy-webrtc',
    entrypoint: ['/isaac-sim/runheadless.webrtc.sh'],
    portArgs: [
      '--/exts/omni.services.transport.server.http/port={httpPort}',
      '--/exts/omni.kit.livestream.webrtc/port={webrtcPort}',
      '--/app/livestream/port={nativePort}',
    ],
    ports: ['http', 'webrtc', 'native'],
    binds: ['http', 'webrtc', 'native'],
    probe: { kind: 'http' },
    view: 'client-url',
  },
  livestream: {
    id: 'livestream',
    entrypoint: ['/isaac-sim/runheadless.sh'],
    portArgs: [
      // 4.5 / 5.x
      '--/app/livestream/port={signalPort}',
      // 6.x
      '--/exts/omni.kit.livestream.app/primaryStream/signalPort={signalPort}',
      '--/exts/omni.kit.livestream.app/primaryStream/streamPort={streamPort}',
      '--/exts/omni.kit.livestream.app/primaryStream/publicIp={host}',
    ],
    ports: ['signal', 'stream', 'webViewer'],
    binds: ['signal', 'stream'],
    probe: { kind: 'tcp', port: 'signal' },
    view: 'web-viewer',
  },
  custom: {
    id: 'custom',
    entrypoint: [],
    portArgs: [],
    ports: ['http', 'webrtc', 'native'],
    binds: ['http', 'webrtc', 'native'],
    probe: { kind: 'http' },
    view: 'client-url',
  },
};

export const PORT_LABELS: Readonly<Record<PortKind, string>> = {
  http: 'HTTP',
  webrtc: 'WebRTC',
  native: 'native',
  signal: 'signal',
  stream: 'media (UDP)',
  webViewer: 'web viewer',
};
