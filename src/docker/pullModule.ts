/**
 * Image pulls on first use: a start whose image is not on the engine yet. See mainModules.ts for how
 * the part loads.
 */
import { describeEngineError } from './errors';
import { loadWithMainModules } from './mainModules';
import { CredentialAnswerSchema, DockerConfigSchema, PullEventSchema } from './parse';
import { PullCancelledError, PullError } from './pullErrors';

type PullPart = typeof import('./pullChunk');
let part: PullPart | undefined;

export function pullModule(): PullPart {
  part ??= loadWithMainModules(
    {
      'src/docker/errors.ts': { describeEngineError },
      'src/docker/parse.ts': { CredentialAnswerSchema, DockerConfigSchema, PullEventSchema },
      'src/docker/pullErrors.ts': { PullCancelledError, PullError },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./pullChunk') as PullPart,
  );
  return part;
}
