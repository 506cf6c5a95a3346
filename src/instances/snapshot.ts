/**
 * One instance's snapshot, as a pure function of what the store knows about it. The store keeps
 * the result until one of its inputs changes, so a view that reads 32 rows builds none of them again
 * unless they changed.
 */
import * as l10n from '@vscode/l10n';
import type { ContainerInfo } from './engineApi';
import type { StartKind } from './eta';
import { containerNameFor, instanceLabel, type CodeServerInfo, type InstancePorts, type InstanceSnapshot, type InstanceView, type WebViewerState } from './model';
import { PYTHON_SERVERS } from './simPythonProtocol';
import { TOP_LEVEL_SETTING_ID, type SettingIdOf, type Settings } from './settings';
import { GPU_LABEL, PORTS_LABEL, VERSION_LABEL, clientUrlResultFor, gpuFor, parsePortsLabel, portsFor } from './spec';
import type { Tracked } from './state';
import { DEFAULT_SIGNAL_PORT, VERSIONS, VERSION_IDS, detectVersion, type DetectedVersion, type VersionId } from './versions';

export interface SnapshotInput {
  index: number;
  /** The configured instance count. */
  count: number;
  settings: Settings;
  tracked: Tracked;
  info?: ContainerInfo;
  /** Its web viewer (6.x), when one is configured. */
  viewer?: WebViewerState;
  /** The 6.x code server's token of the current run is known (from its log or the setting). */
  codeTokenKnown: boolean;
  /** What a start read from the configured image, if one did. */
  detected?: DetectedVersion;
  /** The id of the setting that holds a key's value for this engine (an endpoint may set its own); default the top-level ones. */
  settingId?: SettingIdOf;
  /** Expected startup duration of an image for a kind of start, from earlier starts. */
  estimate(image: string, kind: StartKind): number | undefined;
}

/**
 * The version an instance is treated as: its container's label, else what a start read from the
 * configured image, else isaacSim.version, else the image reference's tag.
 */
export function versionOf(labels: Record<string, string>, image: string, settings: Settings, detected: DetectedVersion | undefined): DetectedVersion {
  const labelled = labels[VERSION_LABEL] as VersionId | undefined;
  if (labelled && VERSION_IDS.includes(labelled)) return { id: labelled, source: detected?.source ?? l10n.t('its container') };
  if (settings.version !== 'auto') return { id: settings.version, source: 'isaacSim.version' };
  return detected ?? detectVersion(image) ?? { id: '4.2', source: l10n.t('not read yet: the image is read at the first start') };
}

/** The instance's Python code server ("Run in Sim"), or why it has none. */
export function codeServerOf(version: VersionId, ports: InstancePorts, tokenKnown: boolean, off = false): CodeServerInfo {
  const profile = PYTHON_SERVERS[version];
  if (!profile) {
    return { kind: 'none', reason: l10n.t('No Python code server is known for a custom image: set isaacSim.version to the Isaac Sim version of the image (4.2, 4.5-5.x or 6.x) to have its server enabled.') };
  }
  if (ports.python === undefined && off) {
    return { kind: 'none', reason: l10n.t('isaacSim.pythonServerPortBase is null, so instances start without a code server: set it to a port (8226 is NVIDIA\'s) and start the instance again.') };
  }
  if (ports.python === undefined) {
    return { kind: 'none', reason: l10n.t('Its container was created without {0}\'s code server (by an earlier version of the extension): stop and start the instance to recreate it with one.', profile.extension) };
  }
  return { kind: 'enabled', port: ports.python, extension: profile.extension, token: !profile.auth ? 'not-needed' : tokenKnown ? 'known' : 'missing' };
}

export function buildSnapshot(input: SnapshotInput): InstanceSnapshot {
  const { index, settings: s, tracked, info } = input;
  const labels = info?.labels ?? {};
  const image = info?.image ?? s.image;
  const version = versionOf(labels, image, s, input.detected);
  const profile = VERSIONS[version.id];
  const ports = parsePortsLabel(labels[PORTS_LABEL]) ?? portsFor(s, version.id, index);
  const settingId = input.settingId ?? TOP_LEVEL_SETTING_ID;
  const clientUrlResult = clientUrlResultFor(s, version.id, index, ports, settingId);
  const clientUrl = clientUrlResult.ok ? clientUrlResult.url : '';
  let view: InstanceView = { kind: 'url', url: clientUrl };
  if (ports.signal !== undefined && (profile.view === 'desktop-client' || (profile.view === 'web-viewer' && tracked.webViewerUp !== true))) {
    view = {
      kind: 'desktop-client',
      version: version.id,
      host: s.host,
      port: ports.signal,
      // NVIDIA's 4.5/5.x desktop client connects to 49100 only (IsaacSim #606).
      reachable: profile.view !== 'desktop-client' || ports.signal === DEFAULT_SIGNAL_PORT,
      ...(profile.view === 'web-viewer' ? { webViewerUrl: clientUrl } : {}),
      ...(ports.stream !== undefined ? { streamPort: ports.stream } : {}),
      signalSetting: settingId('signalPortBase'),
    };
  }
  const startup = tracked.startup;
  const loadingSince = tracked.state.kind === 'loading' ? tracked.state.since : undefined;
  return {
    index,
    label: instanceLabel(index),
    containerName: containerNameFor(index),
    containerId: info?.id,
    image,
    ports,
    clientUrl,
    clientUrlResult,
    view,
    version: version.id,
    versionSource: version.source,
    warnings: tracked.warnings.map((w) => w.problem),
    ...(tracked.health ? { health: tracked.health } : {}),
    ...(tracked.streamNote ? { streamNote: tracked.streamNote } : {}),
    ...(input.viewer ? { webViewer: input.viewer } : {}),
    codeServer: codeServerOf(version.id, ports, input.codeTokenKnown, s.pythonServerPortBase === null),
    gpu: labels[GPU_LABEL] ?? gpuFor(s.gpus, index),
    state: tracked.state,
    startedAt: tracked.running ? tracked.startedAt : undefined,
    startup: startup
      ? { since: startup.since, kind: startup.kind, etaMs: input.estimate(startup.image, startup.kind) }
      : loadingSince !== undefined
        ? { since: loadingSince, kind: 'unknown', etaMs: input.estimate(image, 'unknown') }
        : undefined,
    exists: tracked.exists || info !== undefined,
    configured: index < input.count,
    ...(index < input.count ? {} : { countSetting: settingId('instanceCount') }),
    busy: tracked.busy > 0,
  };
}
