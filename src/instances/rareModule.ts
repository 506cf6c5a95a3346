/**
 * The code of rarer events on first use (rareChunk.ts): a 6.x instance starting with a web viewer
 * configured, or a port found taken. See
 * src/docker/mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { BuildContextError, BuildError } from '../docker/buildErrors';
import { imagesModule } from '../docker/imagesModule';
import { loadWithMainModules } from '../docker/mainModules';
import { OrchestratorError, errorInfo } from './errors';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, instanceLabel } from './model';
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

type RarePart = typeof import('./rareChunk');
let part: RarePart | undefined;

export function rareModule(): RarePart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
      'src/docker/buildErrors.ts': { BuildContextError, BuildError },
      'src/docker/imagesModule.ts': { imagesModule },
      'src/instances/errors.ts': { OrchestratorError, errorInfo },
      'src/instances/model.ts': { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, instanceLabel },
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
    () => require('./rareChunk') as RarePart,
  );
  return part;
}
