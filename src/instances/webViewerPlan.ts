/**
 * What an Isaac Sim 6.x instance's web viewer is: where its image comes from, the build args and
 * labels of that image, and the container that runs it. Pure: no I/O.
 *
 * It follows NVIDIA's recipe (isaac-sim/IsaacSim tools/docker/docker-compose.yml, service
 * `web-viewer`, and tools/docker/web-viewer/Dockerfile, at 045ca8b5):
 * - the image is built from the web viewer's folder with the build args `ISAACSIM_HOST`,
 *   `ISAACSIM_SIGNAL_PORT` and `ISAACSIM_STREAM_PORT`, which the Dockerfile bakes into the bundle, and
 *   `network: host`; so one image per (host, signal port, stream port, build context), named by a
 *   hash of the four and reused until one of them changes;
 * - the container runs on the host network with `npx vite preview --host --port ${WEB_VIEWER_PORT}`
 *   and compose's healthcheck `curl -f http://localhost:${WEB_VIEWER_PORT}/` (30 s, 5 s, 10 s, 3);
 *   here `--host` names the address to bind when the instance host is loopback (the project binds
 *   127.0.0.1 only), and stays bare (all addresses, as NVIDIA has it) otherwise;
 * - it starts once the simulator is ready, as compose's `depends_on: condition: service_healthy`.
 */
import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { OWNER_LABEL, OWNER_VALUE, instanceLabel, type InstancePorts } from './model';
import { VIEWER_IMAGE_PLACEHOLDERS, type Settings } from './settings';
import { expandHome, portsFor, SPEC_HASH_LABEL } from './spec';
import { VERSIONS, type VersionId } from './versions';

/** On a web viewer container: the index of the instance it serves. */
export const VIEWER_OF_LABEL = 'dev.isaac-sim-orchestrator.web-viewer-of';
/** On a web viewer image we built: the hash of its build context and build args, and each value. */
export const VIEWER_KEY_LABEL = 'dev.isaac-sim-orchestrator.web-viewer.key';
const VIEWER_CONTEXT_LABEL = 'dev.isaac-sim-orchestrator.web-viewer.context-hash';
const VIEWER_HOST_LABEL = 'dev.isaac-sim-orchestrator.web-viewer.host';
export const VIEWER_SIGNAL_LABEL = 'dev.isaac-sim-orchestrator.web-viewer.signal-port';
const VIEWER_STREAM_LABEL = 'dev.isaac-sim-orchestrator.web-viewer.stream-port';
/** The repository of the images we build (their tag is the key's first 16 hex digits). */
export const VIEWER_REPOSITORY = 'isaac-sim-orchestrator-web-viewer';

export function viewerContainerName(index: number): string {
  return `isaac-sim-web-viewer-${index}`;
}

export type ViewerSource = { kind: 'image'; image: string } | { kind: 'build'; context: string };

export interface ViewerPlan {
  index: number;
  source: ViewerSource;
  /** What the browser uses to reach the simulator, baked into the bundle. */
  host: string;
  signalPort: number;
  streamPort: number;
  /** The viewer's own port: isaacSim.webViewerPortBase + N. */
  port: number;
}

/**
 * The web viewer of instance `index`, or undefined when its version has none or neither setting names
 * one. `ports` are the instance's own (its container's, which settings changed since do not move);
 * without them, the ones the settings give.
 */
export function viewerPlan(settings: Settings, version: VersionId, index: number, home: string, ports: InstancePorts = portsFor(settings, version, index)): ViewerPlan | undefined {
  if (VERSIONS[version].view !== 'web-viewer') return undefined;
  if (ports.signal === undefined || ports.stream === undefined || ports.webViewer === undefined) return undefined;
  const host = settings.host.replace(/^\[|\]$/g, '');
  const common = { index, host, signalPort: ports.signal, streamPort: ports.stream, port: ports.webViewer };
  if (settings.webViewerBuildContext) return { ...common, source: { kind: 'build', context: expandHome(settings.webViewerBuildContext, home) } };
  if (settings.webViewerImage) {
    const values: Record<string, string> = { index: String(index), signalPort: String(ports.signal), streamPort: String(ports.stream) };
    return { ...common, source: { kind: 'image', image: settings.webViewerImage.replace(VIEWER_IMAGE_PLACEHOLDERS, (_, k: string) => values[k]) } };
  }
  return undefined;
}

/** NVIDIA's build args, as its compose file passes them. */
export function viewerBuildArgs(plan: ViewerPlan): Record<string, string> {
  return { ISAACSIM_HOST: plan.host, ISAACSIM_SIGNAL_PORT: String(plan.signalPort), ISAACSIM_STREAM_PORT: String(plan.streamPort) };
}

/** The key of a built image: the build context's content hash and the values baked in. */
export function viewerImageKey(plan: ViewerPlan, contextHash: string): string {
  return createHash('sha256').update(JSON.stringify([contextHash, plan.host, plan.signalPort, plan.streamPort])).digest('hex');
}

export function viewerImageTag(key: string): string {
  return `${VIEWER_REPOSITORY}:${key.slice(0, 16)}`;
}

export function viewerImageLabels(plan: ViewerPlan, key: string, contextHash: string): Record<string, string> {
  return {
    [OWNER_LABEL]: OWNER_VALUE,
    [VIEWER_KEY_LABEL]: key,
    [VIEWER_CONTEXT_LABEL]: contextHash,
    [VIEWER_HOST_LABEL]: plan.host,
    [VIEWER_SIGNAL_LABEL]: String(plan.signalPort),
    [VIEWER_STREAM_LABEL]: String(plan.streamPort),
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const SECOND_NS = 1_000_000_000;

export interface ViewerContainerBody {
  name: string;
  Image: string;
  Cmd: string[];
  Labels: Record<string, string>;
  Healthcheck: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number };
  HostConfig: { NetworkMode: 'host' };
}

/** The viewer's container, as compose's `web-viewer` service runs it. */
export function viewerContainerSpec(plan: ViewerPlan, image: string): ViewerContainerBody {
  const port = String(plan.port);
  const body: ViewerContainerBody = {
    name: viewerContainerName(plan.index),
    Image: image,
    Cmd: ['npx', 'vite', 'preview', '--host', ...(isLoopback(plan.host) ? [plan.host === 'localhost' ? '127.0.0.1' : plan.host] : []), '--port', port],
    Labels: { [OWNER_LABEL]: OWNER_VALUE, [VIEWER_OF_LABEL]: String(plan.index) },
    Healthcheck: { Test: ['CMD', 'curl', '-f', `http://localhost:${port}/`], Interval: 30 * SECOND_NS, Timeout: 5 * SECOND_NS, StartPeriod: 10 * SECOND_NS, Retries: 3 }, // l10n-ignore: argv
    HostConfig: { NetworkMode: 'host' },
  };
  body.Labels[SPEC_HASH_LABEL] = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  return body;
}

/** The instance a container serves as its web viewer, if it is one of ours. */
export function viewerIndexOf(labels: Record<string, string>): number | undefined {
  if (labels[OWNER_LABEL] !== OWNER_VALUE) return undefined;
  const raw = labels[VIEWER_OF_LABEL];
  return raw !== undefined && /^\d{1,4}$/.test(raw) ? Number(raw) : undefined;
}

/** "instance-0's web viewer", for messages. */
export function viewerLabel(index: number): string {
  return l10n.t('{0}\'s web viewer', instanceLabel(index));
}
