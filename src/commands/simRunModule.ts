/**
 * Run in Sim and the Language Model tools on first use: a Run File / Run Selection in Sim, Choose
 * Sim Target, or a tool's call. See src/docker/mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { loadWithMainModules } from '../docker/mainModules';
import { describeState, formatElapsed } from '../instances/describe';
import { OrchestratorError, errorInfo, isCancelled } from '../instances/errors';
import { describeHost } from '../instances/fleet';
import { instanceLabel } from '../instances/model';
import { PHASE_LABELS } from '../instances/readiness';
import { SimPythonError } from '../instances/simPython';
import { tracebackFrames } from '../instances/simPythonProtocol';
import { PORT_LABELS, VERSIONS } from '../instances/versions';
import { targetsFromArgs } from './hosts';
import { TOOL_NAMES } from './lmToolNames';

type SimRunPart = typeof import('./simRunChunk');
let part: SimRunPart | undefined;

export function simRunModule(): SimRunPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
      'src/commands/hosts.ts': { targetsFromArgs },
      'src/commands/lmToolNames.ts': { TOOL_NAMES },
      'src/instances/describe.ts': { describeState, formatElapsed },
      'src/instances/errors.ts': { OrchestratorError, errorInfo, isCancelled },
      'src/instances/fleet.ts': { describeHost },
      'src/instances/model.ts': { instanceLabel },
      'src/instances/readiness.ts': { PHASE_LABELS },
      'src/instances/simPython.ts': { SimPythonError },
      'src/instances/simPythonProtocol.ts': { tracebackFrames },
      'src/instances/versions.ts': { PORT_LABELS, VERSIONS },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./simRunChunk') as SimRunPart,
  );
  return part;
}
