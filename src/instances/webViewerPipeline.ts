/**
 * One run of a web viewer, as NVIDIA's compose file does it: the image (reused, or built while the
 * simulator loads), then, once the instance is ready, the container, then a probe until its page
 * answers. webViewers.ts decides when a run begins and ends; this is what the run does. It loads
 * with the first viewer (rareModule.ts: the rare part of dist/parts.js), so a window with no 6.x viewer never
 * reads it. No `vscode` here.
 */
import * as l10n from '@vscode/l10n';
import { BuildContextError, BuildError } from '../docker/buildErrors';
import { imagesModule } from '../docker/imagesModule';
import type { InstanceEngine } from './engineApi';
import { OrchestratorError } from './errors';
import type { Logger } from './logger';
import type { SettingKey } from './settings';
import { probeHttp } from './probe';
import type { InstanceStore } from './store';
import { runViewerContainer } from './webViewerContainer';
import { VIEWER_KEY_LABEL, viewerBuildArgs, viewerContainerName, viewerImageKey, viewerImageLabels, viewerImageTag, viewerLabel, type ViewerPlan } from './webViewerPlan';

/** What a run reads and waits on: the store (the one publisher of the viewer's state) and the waits of webViewers.ts. */
export interface PipelineHost {
  store: InstanceStore;
  log: Logger;
  /** A line of a viewer's build, for its instance's log channel. */
  onBuildLine: (index: number, line: string) => void;
  /** The id of the setting that holds `key` for this host, for messages (webViewerPortBase: an endpoint's own, or the top-level one). */
  settingId: (key: SettingKey) => string;
  /** Resolves once instance `index` is ready in run `run`. */
  untilReady: (index: number, run: number, signal: AbortSignal) => Promise<void>;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  probeIntervalMs: number;
}

/** How long a started viewer's page gets to answer before it is reported as not answering. */
const ANSWER_ATTEMPTS = 120;

export async function runViewerPipeline(host: PipelineHost, engine: InstanceEngine, plan: ViewerPlan, run: number, signal: AbortSignal): Promise<void> {
  const { store } = host;
  const index = plan.index;
  const base = { name: viewerContainerName(index), port: plan.port };
  const image = plan.source.kind === 'image' ? await readyImage(engine, plan, plan.source.image) : await builtImage(host, engine, plan, plan.source.context, signal);
  signal.throwIfAborted();
  store.setViewer(index, { ...base, kind: 'waiting', image });
  await host.untilReady(index, run, signal);
  store.setViewer(index, { ...base, kind: 'starting', image });
  const id = await runViewerContainer(engine, plan, image, run, signal, host.settingId('webViewerPortBase'));
  signal.throwIfAborted();
  store.setViewer(index, { ...base, kind: 'running', image, containerId: id });
  const url = store.live(index).clientUrl;
  for (let attempt = 0; attempt < ANSWER_ATTEMPTS; attempt++) {
    if (await probeHttp(url)) {
      signal.throwIfAborted();
      const now = store.viewer(index);
      if (now?.containerId === id) store.setViewer(index, { ...now, answers: true });
      store.apply(index, { type: 'webViewer', up: true });
      return;
    }
    await host.sleep(host.probeIntervalMs, signal);
    if (store.viewer(index)?.containerId !== id) return;
  }
  host.log.warn(`${viewerLabel(index)} runs but ${url} does not answer.`);
}

async function readyImage(engine: InstanceEngine, plan: ViewerPlan, image: string): Promise<string> {
  if (await engine.imagePresent(image)) return image;
  throw new OrchestratorError(
    l10n.t('{0} cannot start: its image "{1}" (isaacSim.webViewerImage) is not on this engine. Build NVIDIA\'s web viewer (tools/docker/web-viewer) with --build-arg ISAACSIM_HOST={2} --build-arg ISAACSIM_SIGNAL_PORT={3} --build-arg ISAACSIM_STREAM_PORT={4} and tag it "{5}", or set isaacSim.webViewerBuildContext so that the extension builds it.', viewerLabel(plan.index), image, plan.host, plan.signalPort, plan.streamPort, image),
    'image-missing',
    'isaacSim.webViewerImage',
  );
}

/** The image built for this plan: reused while its context and build args are the same, else built now. */
async function builtImage(host: PipelineHost, engine: InstanceEngine, plan: ViewerPlan, dir: string, signal: AbortSignal): Promise<string> {
  const index = plan.index;
  let context;
  try {
    context = await imagesModule().readBuildContext(dir);
  } catch (err) {
    const why = err instanceof BuildContextError ? err.message : String(err);
    throw new OrchestratorError(l10n.t('{0} cannot be built from isaacSim.webViewerBuildContext: {1}', viewerLabel(index), why), 'settings', 'isaacSim.webViewerBuildContext', { cause: err });
  }
  const key = viewerImageKey(plan, context.hash);
  const tag = viewerImageTag(key);
  const known = await engine.imageConfig(tag);
  if (known?.labels?.[VIEWER_KEY_LABEL] === key) return tag;
  signal.throwIfAborted();
  const args = viewerBuildArgs(plan);
  host.store.setViewer(index, { name: viewerContainerName(index), port: plan.port, kind: 'building', image: tag });
  const say = (line: string) => host.onBuildLine(index, line);
  say(l10n.t('[Isaac Sim Orchestrator] Building {0} as {1} from {2} with {3} (network host), as NVIDIA\'s docker-compose.yml does.', viewerLabel(index), tag, dir, Object.entries(args).map(([k, v]) => `${k}=${v}`).join(' ')));
  try {
    await engine.buildImage(context, { tag, buildArgs: args, labels: viewerImageLabels(plan, key, context.hash), networkMode: 'host', signal, onLine: say });
  } catch (err) {
    if (err instanceof BuildError && err.kind === 'build-failed') say(l10n.t('[Isaac Sim Orchestrator] The build of {0} failed.', viewerLabel(index)));
    throw err;
  }
  say(l10n.t('[Isaac Sim Orchestrator] Built {0}.', tag));
  return tag;
}
