/**
 * The errors of image pulls. They live apart from the pull code (pull.ts), which loads lazily
 * (imagesModule.ts), because callers test for them with instanceof from the start.
 */
import * as l10n from '@vscode/l10n';
import { EngineError, TOP_LEVEL_ENGINE_SETTINGS } from './errors';

export type PullFailure = 'unauthorized' | 'not-found' | 'registry-unreachable' | 'invalid-reference' | 'disk-full' | 'rate-limited' | 'engine-unreachable' | 'interrupted' | 'other';

/** A pull that failed; the message names the image and what to do. */
export class PullError extends EngineError {
  constructor(
    message: string,
    readonly image: string,
    readonly failure: PullFailure,
    unreachable: boolean,
    statusCode?: number,
    /** `hostSetting`: the setting the engine's address came from, for an unreachable engine (default isaacSim.dockerHost). */
    options?: { cause?: unknown; hostSetting?: string },
  ) {
    super(message, unreachable ? 'unreachable' : failure === 'not-found' ? 'image-missing' : 'other', statusCode, {
      ...(options && 'cause' in options ? { cause: options.cause } : {}),
      setting: unreachable ? (options?.hostSetting ?? TOP_LEVEL_ENGINE_SETTINGS.host) : failure === 'not-found' || failure === 'invalid-reference' || failure === 'unauthorized' ? 'isaacSim.image' : undefined,
    });
    this.name = 'PullError';
  }
}

/** The user (or the caller) cancelled the pull. Named like DOM's AbortError so generic checks work. */
export class PullCancelledError extends EngineError {
  readonly code = 'ABORT_ERR';
  constructor(readonly image: string) {
    super(l10n.t('Pull of "{0}" was cancelled; nothing was started.', image), 'cancelled');
    this.name = 'AbortError';
  }
}

export function isPullCancelled(err: unknown): err is PullCancelledError {
  return err instanceof PullCancelledError;
}
