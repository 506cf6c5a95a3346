/**
 * Version profiles: how each Isaac Sim release behaves at the container boundary, as NVIDIA ships it.
 *
 * Design note. Everything that differs between releases is data here, each fact beside its source:
 * the launcher, how ports are handed over (Kit arguments or env), the mount layout (root's home in
 * 4.x, uid 1234's /isaac-sim in 5.x and 6.x), the privacy env, how readiness is confirmed and what
 * the sim view can show. `detectVersion` reads the version from the image (its tag, else its config)
 * so `isaacSim.version: "auto"` is right for NVIDIA's images; the setting overrides it.
 *
 * Sources (abbreviated below):
 *   [4x-docs]  NVIDIA's Isaac Sim 4.x container docs (docker run with /root/... volumes, PRIVACY_CONSENT)
 *   [5.1]      isaac-sim/IsaacSim@v5.1.0 tools/docker/{Dockerfile,data/runheadless.sh,data/privacy.sh}
 *   [6.0.1]    isaac-sim/IsaacSim@v6.0.1 tools/docker/{Dockerfile,README.md,docker-compose.yml,data/runheadless.sh}
 *   [kit6]     isaac-sim/IsaacSim@v6.0.1 source/apps/isaacsim.exp.full.streaming.kit
 *   [#330]     isaac-sim/IsaacSim issue 330 (4.5 docs: runheadless.sh --/app/livestream/publicEndpointAddress, port)
 *   [#606]     isaac-sim/IsaacSim issue 606 (maintainer: custom streaming ports unsupported in 5.0/5.1 client)
 *   [#3346]    isaac-sim/IsaacLab issue 3346 ("http server was meant to start on 8011")
 *   [og]       OmniGibson's Dockerfile: sed -i "s/49100/${PORT}/g" .../omni.services.streamclient.webrtc-1.3.8/web/js/kit-player.js
 */

import * as l10n from '@vscode/l10n';
export type VersionId = '4.2' | '4.5-5.x' | '6.x' | 'custom';
export type VersionSetting = 'auto' | VersionId;
export const VERSION_IDS: readonly VersionId[] = ['4.2', '4.5-5.x', '6.x', 'custom'];
export const VERSION_SETTINGS: readonly VersionSetting[] = ['auto', ...VERSION_IDS];

/** `python`: the Python code server of "Run in Sim" (simPythonProtocol.ts), loopback only. */
export type PortKind = 'http' | 'signal' | 'stream' | 'webViewer' | 'python';
export const PORT_KINDS: readonly PortKind[] = ['http', 'signal', 'stream', 'webViewer', 'python'];

/** Which home the image's user has, and so where Kit keeps its caches, logs and config. */
export type Layout = 'root' | 'isaac-sim';

export interface VersionProfile {
  id: VersionId;
  /** For the tooltip and the doctor. */
  title: string;
  /** Launcher inside the image; [] keeps the image's own ENTRYPOINT. */
  entrypoint: readonly string[];
  /** Kit arguments (templates) that hand the instance its ports. */
  portArgs: readonly string[];
  /** Kit arguments added only when isaacSim.host is not a loopback address. */
  remoteArgs: readonly string[];
  /** Env (templates) that hands the instance its ports. */
  portEnv: Readonly<Record<string, string>>;
  /** Env names that carry the user's telemetry consent, set only when isaacSim.privacyConsent is true. */
  privacyEnv: readonly string[];
  /** The ports an instance uses; the first is the one shown in the tree. */
  ports: readonly PortKind[];
  /** The ports the simulator binds on the host, checked before create. */
  binds: readonly PortKind[];
  /** Kit's HTTP port when isaacSim.httpPortBase is null. */
  defaultHttpPort: number;
  /** How readiness is confirmed once the readiness line appeared. */
  probe: { kind: 'http' } | { kind: 'tcp'; port: PortKind };
  /**
   * What the sim view shows: the page at the client URL, NVIDIA's desktop client (which reaches the
   * instance on signal port 49100 only), or the 6.x web viewer.
   */
  view: 'client-url' | 'desktop-client' | 'web-viewer';
  /** The mount layout when the image does not say (custom images follow their user). */
  layout: Layout | 'image-user';
  /**
   * 4.2's web client hard-codes its signalling port in this file [og]; the extension writes a copy
   * with the instance's own port into the container before it starts.
   */
  playerScript?: { path: string; port: number };
}

/** The port NVIDIA's clients assume: 4.2's kit-player.js and the 4.5/5.x desktop client [og][#606]. */
export const DEFAULT_SIGNAL_PORT = 49100;

export const VERSIONS: Readonly<Record<VersionId, VersionProfile>> = {
  '4.2': {
    id: '4.2',
    get title() {
      return l10n.t('Isaac Sim 4.2 (Kit web client)');
    },
    entrypoint: ['/isaac-sim/runheadless.webrtc.sh'],
    // Kit HTTP (web client) port, default 8211 in the 4.x app .kit files; WebRTC signalling, default 49100.
    portArgs: ['--/exts/omni.services.transport.server.http/port={httpPort}', '--/app/livestream/port={signalPort}'],
    remoteArgs: [],
    portEnv: {},
    privacyEnv: ['PRIVACY_CONSENT'], // [4x-docs]
    ports: ['http', 'signal', 'python'],
    binds: ['http', 'signal', 'python'],
    defaultHttpPort: 8211,
    probe: { kind: 'http' },
    view: 'client-url',
    layout: 'root',
    playerScript: { path: '/isaac-sim/extscache/omni.services.streamclient.webrtc-1.3.8/web/js/kit-player.js', port: DEFAULT_SIGNAL_PORT },
  },
  '4.5-5.x': {
    id: '4.5-5.x',
    get title() {
      return l10n.t('Isaac Sim 4.5–5.x (desktop streaming client)');
    },
    entrypoint: ['/isaac-sim/runheadless.sh'], // [5.1] → isaac-sim.streaming.sh
    // [#330] signal port; [#3346] Kit's HTTP services port 8011, moved per instance so instances don't collide.
    portArgs: ['--/app/livestream/port={signalPort}', '--/exts/omni.services.transport.server.http/port={httpPort}'],
    remoteArgs: ['--/app/livestream/publicEndpointAddress={host}'], // [#330]
    portEnv: {},
    // 4.5/5.0 docs use PRIVACY_CONSENT; 5.1's privacy.sh names OMNI_ENV_PRIVACY_CONSENT [5.1].
    privacyEnv: ['PRIVACY_CONSENT', 'OMNI_ENV_PRIVACY_CONSENT'],
    ports: ['signal', 'http', 'python'],
    binds: ['signal', 'http', 'python'],
    defaultHttpPort: 8011,
    probe: { kind: 'tcp', port: 'signal' },
    view: 'desktop-client',
    // 4.5 runs as root, 5.x as uid 1234 [5.1]: the image's user decides.
    layout: 'image-user',
  },
  '6.x': {
    id: '6.x',
    get title() {
      return l10n.t('Isaac Sim 6.x (web viewer or desktop client)');
    },
    entrypoint: [], // ENTRYPOINT ["/isaac-sim/runheadless.sh"] [6.0.1]
    portArgs: ['--/exts/omni.services.transport.server.http/port={httpPort}'], // [#3346]
    remoteArgs: [],
    // The documented interface [6.0.1 README]; runheadless.sh maps them to primaryStream.* [kit6].
    portEnv: { ISAACSIM_HOST: '{host}', ISAACSIM_SIGNAL_PORT: '{signalPort}', ISAACSIM_STREAM_PORT: '{streamPort}' },
    // 6.0.0's privacy.sh names OMNI_ENV_PRIVACY_CONSENT, 6.0.1's PRIVACY_CONSENT (isaac-sim/IsaacSim@v6.0.0, @v6.0.1).
    privacyEnv: ['PRIVACY_CONSENT', 'OMNI_ENV_PRIVACY_CONSENT'],
    ports: ['signal', 'stream', 'http', 'webViewer', 'python'],
    binds: ['signal', 'stream', 'http', 'python'],
    defaultHttpPort: 8011,
    probe: { kind: 'tcp', port: 'signal' },
    view: 'web-viewer',
    layout: 'isaac-sim',
  },
  custom: {
    id: 'custom',
    get title() {
      return l10n.t('custom launcher');
    },
    entrypoint: [],
    portArgs: [],
    remoteArgs: [],
    portEnv: {},
    privacyEnv: ['PRIVACY_CONSENT'],
    ports: ['http', 'signal'],
    binds: ['http', 'signal'],
    defaultHttpPort: 8211,
    probe: { kind: 'http' },
    view: 'client-url',
    layout: 'image-user',
  },
};

export const PORT_LABELS: Readonly<Record<PortKind, string>> = {
  get http() {
    return l10n.t('Kit HTTP');
  },
  get signal() {
    return l10n.t('signal');
  },
  get stream() {
    return l10n.t('media (UDP)');
  },
  get webViewer() {
    return l10n.t('web viewer');
  },
  get python() {
    return l10n.t('Python code server');
  },
};

/** What the engine says about an image, as detection needs it. */
export interface ImageFacts {
  /** Config.User ("" = root). */
  user: string;
  entrypoint: string[];
  env: string[];
  /** Config.Healthcheck.Test, if the image has one. */
  healthcheck?: string[];
  /** RepoTags, for an image configured by digest. */
  tags: string[];
}

export interface DetectedVersion {
  id: VersionId;
  /** How it was found, in words for the tooltip and the doctor. */
  source: string;
}

/** The tag of an image reference (not a registry port), e.g. "6.0.1" of "nvcr.io/nvidia/isaac-sim:6.0.1". */
export function imageTag(ref: string): string | undefined {
  const noDigest = ref.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return colon >= 0 ? noDigest.slice(colon + 1) : undefined;
}

/** The version a tag names, if it names one: 4.0–4.2, 4.5 and 5.x, 6.x. */
export function versionFromTag(tag: string | undefined): VersionId | undefined {
  const m = tag ? /^v?(\d+)\.(\d+)(?:[.-]|$)/.exec(tag) : null;
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 4 && minor <= 2) return '4.2';
  if ((major === 4 && minor >= 5) || major === 5) return '4.5-5.x';
  if (major === 6) return '6.x';
  return undefined;
}

/** True when the image runs as NVIDIA's non-root user (`useradd --uid 1234 isaac-sim`, `USER isaac-sim`) [5.1][6.0.1]. */
export function runsAsIsaacSimUser(user: string): boolean {
  return /^(?:isaac-sim|1234)(?::.*)?$/.test(user);
}

/**
 * The version of an image: its tag first, then its config. Only 6.x has a HEALTHCHECK that greps
 * `AppReady` [6.0.1]; 5.x runs as isaac-sim without one [5.1]; an image whose launcher is 4.2's
 * `runheadless.webrtc.sh` is 4.2. Anything else is unknown: the user says with isaacSim.version.
 */
export function detectVersion(ref: string, facts?: ImageFacts): DetectedVersion | undefined {
  const fromRef = versionFromTag(imageTag(ref));
  if (fromRef) return { id: fromRef, source: l10n.t('image tag "{0}"', String(imageTag(ref))) };
  for (const tagged of facts?.tags ?? []) {
    const id = versionFromTag(imageTag(tagged));
    if (id) return { id, source: l10n.t('image tag "{0}"', String(imageTag(tagged))) };
  }
  if (!facts) return undefined;
  const health = (facts.healthcheck ?? []).join(' ');
  if (runsAsIsaacSimUser(facts.user) && health.includes('AppReady')) return { id: '6.x', source: l10n.t('image config (user isaac-sim, AppReady healthcheck)') };
  if (runsAsIsaacSimUser(facts.user)) return { id: '4.5-5.x', source: l10n.t('image config (user isaac-sim, no healthcheck)') };
  if (facts.entrypoint.some((e) => e.endsWith('/runheadless.webrtc.sh'))) return { id: '4.2', source: l10n.t('image config (entrypoint runheadless.webrtc.sh)') };
  return undefined;
}

/** The mount layout for an instance of `profile` running `facts`' image. */
export function layoutFor(profile: VersionProfile, facts: Pick<ImageFacts, 'user'> | undefined): Layout {
  if (profile.layout !== 'image-user') return profile.layout;
  return facts && runsAsIsaacSimUser(facts.user) ? 'isaac-sim' : 'root';
}
