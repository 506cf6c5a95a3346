/**
 * Errors of the domain, each with a `kind` that code switches on and, where one applies, the
 * `setting` that fixes it. The message is for people and is never parsed: the command error path,
 * the diagnosis and the tree read `kind` and `setting` only (as VS Code's git extension switches on
 * its error codes). Engine errors (src/docker/errors.ts) carry the same two fields.
 */
import * as l10n from '@vscode/l10n';
import { EngineError, type EngineErrorKind } from '../docker/errors';
import type { ContainerInfo } from './engineApi';
import { instanceLabel } from './model';

export type ErrorKind = EngineErrorKind | 'foreign-container' | 'settings';

const KINDS: ReadonlySet<string> = new Set<ErrorKind>(['unreachable', 'no-runtime', 'no-gpu', 'image-missing', 'port-taken', 'conflict', 'not-found', 'build-failed', 'cancelled', 'other', 'foreign-container', 'settings']);

export class OrchestratorError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind,
    readonly setting?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OrchestratorError';
  }
}

/** A container that is not ours stands where ours must go. It is left untouched. */
export class ForeignContainerError extends OrchestratorError {
  constructor(
    readonly container: ContainerInfo,
    index: number,
  ) {
    super(
      l10n.t('A container named "{0}" (id {1}, image {2}, {3}) already exists and was not created by Isaac Sim Orchestrator, so {4} cannot use that name. It was left untouched: rename or remove it yourself (docker rename / docker rm {5}).', container.name, container.id.slice(0, 12), container.image, container.status, instanceLabel(index), container.name),
      'foreign-container',
    );
    this.name = 'ForeignContainerError';
  }
}

/** An operation that was aborted (by Stop, Remove, Stop All, or cancelling its notification). */
export class CancelledError extends OrchestratorError {
  constructor(message: string) {
    super(message, 'cancelled');
    this.name = 'CancelledError';
  }
}

export interface ErrorInfo {
  kind: ErrorKind;
  setting?: string;
}

/** The kind and setting of any error: ours, the engine's, or (as 'other') anything else. */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof EngineError || err instanceof OrchestratorError) return { kind: err.kind, ...(err.setting ? { setting: err.setting } : {}) };
  if (err && typeof err === 'object') {
    const { kind, setting } = err as { kind?: unknown; setting?: unknown };
    if (typeof kind === 'string' && KINDS.has(kind)) return { kind: kind as ErrorKind, ...(typeof setting === 'string' ? { setting } : {}) };
  }
  return { kind: 'other' };
}

export function isCancelled(err: unknown): boolean {
  return errorInfo(err).kind === 'cancelled';
}
