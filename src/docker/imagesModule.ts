/**
 * Image work on first use: a start whose image is not on the engine yet (pull), a start with
 * isaacSim.webViewerBuildContext set or the doctor's check of that folder (build). See
 * mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { BuildContextError, BuildError } from './buildErrors';
import { describeEngineError } from './errors';
import { Utf8Lines } from './lines';
import { loadWithMainModules } from './mainModules';
import { BuildMessageSchema, CredentialAnswerSchema, DockerConfigSchema, PullEventSchema } from './parse';
import { PullCancelledError, PullError } from './pullErrors';

type ImagesPart = typeof import('./imagesChunk');
let part: ImagesPart | undefined;

export function imagesModule(): ImagesPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
      'src/docker/buildErrors.ts': { BuildContextError, BuildError },
      'src/docker/errors.ts': { describeEngineError },
      'src/docker/lines.ts': { Utf8Lines },
      'src/docker/parse.ts': { BuildMessageSchema, CredentialAnswerSchema, DockerConfigSchema, PullEventSchema },
      'src/docker/pullErrors.ts': { PullCancelledError, PullError },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./imagesChunk') as ImagesPart,
  );
  return part;
}
