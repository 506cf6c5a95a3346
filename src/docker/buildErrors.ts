/**
 * The errors of image builds. They live apart from the build code (build.ts, buildContext.ts), which
 * loads lazily (imagesModule.ts), because callers test for them with instanceof from the start.
 */
import { EngineError } from './errors';

/** A build that failed or was cancelled: an EngineError of kind 'build-failed' or 'cancelled', with the build's last lines. */
export class BuildError extends EngineError {
  constructor(
    message: string,
    /** The build's last lines before it failed. */
    readonly lastLines: readonly string[],
    kind: 'build-failed' | 'cancelled' | 'unreachable' = 'build-failed',
    options?: { cause?: unknown; setting?: string },
  ) {
    super(message, kind, undefined, options);
    this.name = 'BuildError';
  }
}

/** Why a context folder cannot be used: the message names the folder and the fix. */
export class BuildContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildContextError';
  }
}
