/**
 * The preflight doctor on first use: its command, or a start that failed. See
 * src/docker/mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { BuildContextError } from '../docker/buildErrors';
import { imagesModule } from '../docker/imagesModule';
import { describeEndpoint } from '../docker/endpoint';
import { EngineError, TOP_LEVEL_ENGINE_SETTINGS, describeEngineError } from '../docker/errors';
import { loadWithMainModules } from '../docker/mainModules';
import { InfoSchema } from '../docker/parse';
import { OWNER_LABEL, OWNER_VALUE, instanceLabel } from './model';
import { rareModule } from './rareModule';
import { PORT_BASE_SETTING } from './settings';
import { portProtocol, probePort } from './portProbe';
import { ISAAC_SIM_UID, buildContainerSpec, expandHome, layoutOf, portsFor } from './spec';
import { VERSIONS, detectVersion } from './versions';
import { viewerPlan } from './webViewerPlan';

type DoctorPart = typeof import('./doctorChunk');
let part: DoctorPart | undefined;

export function doctorModule(): DoctorPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
      'src/docker/buildErrors.ts': { BuildContextError },
      'src/docker/imagesModule.ts': { imagesModule },
      'src/docker/endpoint.ts': { describeEndpoint },
      'src/docker/errors.ts': { EngineError, TOP_LEVEL_ENGINE_SETTINGS, describeEngineError },
      'src/docker/parse.ts': { InfoSchema },
      'src/instances/model.ts': { OWNER_LABEL, OWNER_VALUE, instanceLabel },
      'src/instances/rareModule.ts': { rareModule },
      'src/instances/portProbe.ts': { portProtocol, probePort },
      'src/instances/settings.ts': { PORT_BASE_SETTING },
      'src/instances/spec.ts': { ISAAC_SIM_UID, buildContainerSpec, expandHome, layoutOf, portsFor },
      'src/instances/versions.ts': { VERSIONS, detectVersion },
      'src/instances/webViewerPlan.ts': { viewerPlan },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./doctorChunk') as DoctorPart,
  );
  return part;
}
