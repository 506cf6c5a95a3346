/**
 * A web viewer's container, made or reused as its plan says (webViewerPlan.ts): the one part of
 * the viewer pipeline (webViewers.ts) that creates, starts and replaces containers. No `vscode` here.
 * Only a container labelled as that instance's viewer is touched; a foreign one on the name, or
 * anything on the port, is named in the error and left alone.
 */
import * as l10n from '@vscode/l10n';
import { probePort } from './portProbe';
import type { ContainerInfo, InstanceEngine } from './engineApi';
import { errorInfo, OrchestratorError } from './errors';
import { describePortHolder } from './portOwner';
import { SPEC_HASH_LABEL } from './spec';
import { viewerContainerSpec, viewerIndexOf, viewerLabel, type ViewerPlan } from './webViewerPlan';

/**
 * The id of the running viewer container for run `run` of the instance: reused when its spec matches, else made anew.
 * `portSetting`: the setting its port base is read from (isaacSim.webViewerPortBase, or an endpoint's own), named when the port is taken.
 */
export async function runViewerContainer(engine: InstanceEngine, plan: ViewerPlan, image: string, run: number, signal: AbortSignal, portSetting: string): Promise<string> {
  const spec = viewerContainerSpec(plan, image);
  const existing = await engine.inspect(spec.name);
  if (existing && viewerIndexOf(existing.labels) !== plan.index) throw foreignViewerError(existing, plan.index);
  if (existing && existing.labels[SPEC_HASH_LABEL] === spec.Labels[SPEC_HASH_LABEL]) {
    if (!existing.running) {
      if (engine.isLocal) await assertPortFree(engine, plan, portSetting);
      await engine.start(existing.id);
    } else if (existing.startedAt !== undefined && existing.startedAt < run) {
      // It served an earlier run of the instance: a new page for the new session.
      await engine.restart(existing.id, 10);
    }
    return existing.id;
  }
  if (existing) await engine.remove(existing.id, true);
  if (engine.isLocal) await assertPortFree(engine, plan, portSetting);
  signal.throwIfAborted();
  let id: string;
  try {
    id = await engine.create(spec);
  } catch (err) {
    // Another window made it at the same moment: use that one if it is ours.
    const raced = errorInfo(err).kind === 'conflict' ? await engine.inspect(spec.name) : undefined;
    if (!raced) throw err;
    if (viewerIndexOf(raced.labels) !== plan.index) throw foreignViewerError(raced, plan.index);
    if (!raced.running) await engine.start(raced.id);
    return raced.id;
  }
  try {
    await engine.start(id);
  } catch (err) {
    await engine.remove(id, true).catch(() => undefined);
    throw err;
  }
  return id;
}

async function assertPortFree(engine: InstanceEngine, plan: ViewerPlan, portSetting: string): Promise<void> {
  const probe = await probePort(plan.port, 'tcp', '127.0.0.1');
  if (probe.free || probe.code !== 'EADDRINUSE') return;
  const holder = await describePortHolder(plan.port, 'tcp', (id) => engine.inspect(id));
  throw new OrchestratorError(
    l10n.t('{0} cannot start: its port {1} is already in use on 127.0.0.1 by {2}. Nothing was created: {3}, or move {4}, then stop and start the instance (its ports are its container\'s).', viewerLabel(plan.index), plan.port, holder.who, holder.fix, portSetting),
    'port-taken',
    portSetting,
  );
}

function foreignViewerError(info: ContainerInfo, index: number): OrchestratorError {
  return new OrchestratorError(
    l10n.t('A container named "{0}" (id {1}, image {2}, {3}) already exists and is not {4} of Isaac Sim Orchestrator, so the viewer cannot use that name. It was left untouched: rename or remove it yourself (docker rename / docker rm {5}).', info.name, info.id.slice(0, 12), info.image, info.status, viewerLabel(index), info.name),
    'foreign-container',
  );
}
