/**
 * A web viewer's run on first use: a 6.x instance starting with isaacSim.webViewerBuildContext or
 * isaacSim.webViewerImage set. See src/docker/mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { BuildContextError, BuildError } from '../docker/buildErrors';
import { imagesModule } from '../docker/imagesModule';
import { loadWithMainModules } from '../docker/mainModules';
import { OrchestratorError, errorInfo } from './errors';
import { portOwnerModule } from './portOwnerModule';
import { probePort } from './portProbe';
import { probeHttp } from './probe';
import { SPEC_HASH_LABEL } from './spec';
import {
  VIEWER_KEY_LABEL,
  viewerBuildArgs,
  viewerContainerName,
  viewerContainerSpec,
  viewerImageKey,
  viewerImageLabels,
  viewerImageTag,
  viewerIndexOf,
  viewerLabel,
} from './webViewerPlan';

type WebViewerPart = typeof import('./webViewerChunk');
let part: WebViewerPart | undefined;

export function webViewerModule(): WebViewerPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
      'src/docker/buildErrors.ts': { BuildContextError, BuildError },
      'src/docker/imagesModule.ts': { imagesModule },
      'src/instances/errors.ts': { OrchestratorError, errorInfo },
      'src/instances/portOwnerModule.ts': { portOwnerModule },
      'src/instances/portProbe.ts': { probePort },
      'src/instances/probe.ts': { probeHttp },
      'src/instances/spec.ts': { SPEC_HASH_LABEL },
      'src/instances/webViewerPlan.ts': {
        VIEWER_KEY_LABEL,
        viewerBuildArgs,
        viewerContainerName,
        viewerContainerSpec,
        viewerImageKey,
        viewerImageLabels,
        viewerImageTag,
        viewerIndexOf,
        viewerLabel,
      },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./webViewerChunk') as WebViewerPart,
  );
  return part;
}
