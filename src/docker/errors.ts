/**
 * Turns whatever dockerode throws into an EngineError whose message says what failed, why, and what
 * to do about it, and whose `kind` says the same to code: callers switch on the kind, never on the
 * message (the message is for people). The raw error is kept as `cause` for the diagnostics log.
 */

/** What went wrong at the engine, for code to switch on. */
export type EngineErrorKind =
  /** The engine could not be reached at all (socket missing, refused, timed out). */
  | 'unreachable'
  /** The engine has no such runtime (no NVIDIA Container Toolkit). */
  | 'no-runtime'
  /** The engine cannot hand out GPUs. */
  | 'no-gpu'
  | 'image-missing'
  | 'port-taken'
  /** A name is taken, or an operation on the object is already in progress (HTTP 409). */
  | 'conflict'
  | 'not-found'
  /** An image build failed (a step of its Dockerfile). */
  | 'build-failed'
  /** We aborted it (an AbortSignal fired). */
  | 'cancelled'
  | 'other';

export class EngineError extends Error {
  /** The engine could not be reached at all (socket missing, refused, timed out). */
  readonly unreachable: boolean;
  constructor(
    message: string,
    readonly kind: EngineErrorKind,
    readonly statusCode?: number,
    options?: { cause?: unknown; setting?: string },
  ) {
    super(message, options);
    this.name = 'EngineError';
    this.unreachable = kind === 'unreachable';
    this.setting = options?.setting;
  }
  /** The setting that fixes it, where one does (e.g. isaacSim.runtime). */
  readonly setting: string | undefined;
}

/**
 * The engine's own words (a daemon message, or a container's State.Error) → a kind. The one place
 * that reads the engine's English; everything after switches on the kind.
 */
export function classifyEngineMessage(raw: string, status?: number): EngineErrorKind {
  if (/unknown or invalid runtime name|unknown runtime specified/i.test(raw)) return 'no-runtime';
  if (/could not select device driver/i.test(raw)) return 'no-gpu';
  if (/address already in use/i.test(raw)) return 'port-taken';
  if (status === 404 && /no such image/i.test(raw)) return 'image-missing';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  return 'other';
}

function rawMessage(err: unknown): string {
  if (err && typeof err === 'object') {
    const json = (err as { json?: { message?: unknown } }).json;
    if (json && typeof json.message === 'string') return json.message;
    const reason = (err as { reason?: unknown }).reason;
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string' && message) return message.replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '');
    if (typeof reason === 'string') return reason;
  }
  return String(err);
}

const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

export function describeEngineError(err: unknown, what: string, address: string): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  const status = typeof statusCode === 'number' ? statusCode : undefined;
  const raw = rawMessage(err).trim();
  if (code === 'ABORT_ERR' || (err as { name?: unknown } | null)?.name === 'AbortError') {
    return new EngineError(`Cancelled: ${what} did not finish.`, 'cancelled', status, { cause: err });
  }
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    const fix =
      code === 'EACCES'
        ? 'add your user to the "docker" group (then log in again), or set isaacSim.dockerHost'
        : 'start Docker (e.g. "sudo systemctl start docker"), or point isaacSim.dockerHost at a running engine';
    return new EngineError(`Docker engine unreachable at ${address} (${code}) while trying to ${what}: ${fix}.`, 'unreachable', status, { cause: err, setting: 'isaacSim.dockerHost' });
  }
  const kind = classifyEngineMessage(raw, status);
  switch (kind) {
    case 'no-runtime': {
      const runtime = /(?:runtime name:|runtime specified)\s*(\S+)/i.exec(raw)?.[1] ?? 'nvidia';
      return new EngineError(
        `Could not ${what}: the engine has no "${runtime}" runtime. Install the NVIDIA Container Toolkit and run "sudo nvidia-ctk runtime configure --runtime=docker", or set isaacSim.runtime to "" to use the default runtime.`,
        kind,
        status,
        { cause: err, setting: 'isaacSim.runtime' },
      );
    }
    case 'no-gpu':
      return new EngineError(
        `Could not ${what}: the engine cannot hand out GPUs (${raw}). Install the NVIDIA Container Toolkit, or set isaacSim.gpus to "none" to run without a GPU request.`,
        kind,
        status,
        { cause: err, setting: 'isaacSim.gpus' },
      );
    case 'image-missing':
      return new EngineError(`Could not ${what}: ${raw}. Pull the image first (docker pull, after "docker login nvcr.io" for NGC images) or set isaacSim.image to an image you have.`, kind, status, { cause: err, setting: 'isaacSim.image' });
    case 'port-taken':
      return new EngineError(`Could not ${what}: a port is already in use (${raw}). Stop what holds it, or change the isaacSim.*PortBase settings.`, kind, status, { cause: err });
    default:
      return new EngineError(`Could not ${what}: ${raw}`, kind, status, { cause: err });
  }
}
