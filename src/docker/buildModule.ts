/**
 * Image builds (the web viewer's, issue 11) on first use: a start with isaacSim.webViewerBuildContext
 * set, or the doctor's check of that folder. See mainModules.ts for how the part loads.
 */
import { BuildContextError, BuildError } from './buildErrors';
import { describeEngineError } from './errors';
import { Utf8Lines } from './lines';
import { loadWithMainModules } from './mainModules';
import { BuildMessageSchema } from './parse';

type BuildPart = typeof import('./buildChunk');
let part: BuildPart | undefined;

export function buildModule(): BuildPart {
  part ??= loadWithMainModules(
    {
      'src/docker/buildErrors.ts': { BuildContextError, BuildError },
      'src/docker/errors.ts': { describeEngineError },
      'src/docker/lines.ts': { Utf8Lines },
      'src/docker/parse.ts': { BuildMessageSchema },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./buildChunk') as BuildPart,
  );
  return part;
}
