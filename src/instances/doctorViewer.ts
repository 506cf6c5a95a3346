/**
 * The doctor's web viewer check (Isaac Sim 6.x): the build folder the extension builds each
 * instance's viewer from is a usable build context, or each instance's ready viewer image is on the
 * engine. No `vscode` here.
 */
import * as l10n from '@vscode/l10n';
import { BuildContextError } from '../docker/buildErrors';
import { imagesModule } from '../docker/imagesModule';
import { code } from './doctorReport';
import { check, errorText, within, type DoctorCheck, type DoctorDeps } from './doctorTypes';
import type { VersionFacts } from './doctorVersion';
import { viewerPlan } from './webViewerPlan';

export async function checkWebViewer(deps: DoctorDeps, version: VersionFacts, timeoutMs: number, address: string): Promise<DoctorCheck> {
  const s = deps.settings;
  const id = version.version?.id;
  if (id !== '6.x') return check('webViewer', 'skipped', id ? l10n.t('Isaac Sim {0} has no separate web viewer.', id) : l10n.t('The Isaac Sim version is not known (see above).'));
  const count = Math.max(s.instanceCount, 1);
  const plans = Array.from({ length: count }, (_, i) => viewerPlan(s, id, i, deps.home)).filter((p) => p !== undefined);
  if (plans.length === 0) {
    return check(
      'webViewer',
      'skipped',
      l10n.t('No web viewer is set, so the sim view shows the desktop client\'s host and port. To see the stream in VS Code, set {0} to the {1} folder of your isaac-sim/IsaacSim checkout.', code('isaacSim.webViewerBuildContext'), code('tools/docker/web-viewer')),
    );
  }
  const first = plans[0].source;
  if (first.kind === 'build') {
    try {
      const context = await imagesModule().readBuildContext(first.context);
      const ports = plans.map((p) => `${p.signalPort}/${p.streamPort} → :${p.port}`).join(', ');
      return check('webViewer', true, l10n.t('Build folder {0}: {1} file(s) with a Dockerfile. Built once per instance\'s ports (signal/stream → viewer): {2}.', code(first.context), context.entries.length, code(ports)));
    } catch (err) {
      const why = err instanceof BuildContextError ? err.message : errorText(err);
      return check('webViewer', false, `${code('isaacSim.webViewerBuildContext')}: ${code(why)}`, l10n.t('Set {0} to the {1} folder of your isaac-sim/IsaacSim checkout, which holds NVIDIA\'s web viewer Dockerfile.', code('isaacSim.webViewerBuildContext'), code('tools/docker/web-viewer')));
    }
  }
  const engine = deps.engine;
  if (!engine) return check('webViewer', 'skipped', l10n.t('No engine to look for the viewer images in (see above).'));
  const missing: string[] = [];
  try {
    for (const p of plans) if (p.source.kind === 'image' && !(await within(engine.imagePresent(p.source.image), timeoutMs, address, l10n.t('inspect image {0}', p.source.image)))) missing.push(p.source.image);
  } catch (err) {
    return check('webViewer', false, code(errorText(err)), l10n.t('Check the engine (see above), then run the doctor again.'));
  }
  const images = plans.map((p) => (p.source.kind === 'image' ? p.source.image : '')).join(', ');
  if (missing.length === 0) return check('webViewer', true, l10n.t('Viewer images present: {0}.', code(images)));
  const p = plans.find((x) => x.source.kind === 'image' && missing.includes(x.source.image)) ?? plans[0];
  return check(
    'webViewer',
    false,
    l10n.t('Not on this engine: {0}.', code(missing.join(', '))),
    l10n.t('Build NVIDIA\'s web viewer once per instance with its ports, e.g. {0}, or set {1} and let the extension build them.', code(`docker build --network host --build-arg ISAACSIM_HOST=${p.host} --build-arg ISAACSIM_SIGNAL_PORT=${p.signalPort} --build-arg ISAACSIM_STREAM_PORT=${p.streamPort} -t ${missing[0]} tools/docker/web-viewer`), code('isaacSim.webViewerBuildContext')),
  );
}
