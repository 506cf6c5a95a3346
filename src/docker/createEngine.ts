/**
 * Creates the engine client, loading dockerode (and the rest of engine.ts) on the first call rather
 * than at activation: nothing talks to the engine before the view is shown or a command runs, and the
 * engine code is the largest part of the extension. The production build puts dockerode and
 * tar-stream in files of their own (dist/dockerode.js, dist/tar-stream.js), read only from here on.
 */
import type { DockerEngine, EngineOptions } from './engine';

export function createDockerEngine(options: EngineOptions): DockerEngine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
  const { DockerEngine: Engine } = require('./engine') as typeof import('./engine');
  return new Engine(options);
}
