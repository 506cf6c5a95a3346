/**
 * Turns whatever dockerode throws into an EngineError whose message says what failed, why, and what
 * to do about it. The raw error is kept as `cause` for the diagnostics log.
 */
export class EngineError extends Error {
  constructor(
    message: string,
    /** The engine could not be reached at all (socket missing, refused, timed out). */
    readonly unreachable: boolean,
    readonly statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
  }
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
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    const fix =
      code === 'EACCES'
        ? 'add your user to the "docker" group (then log in again), or set isaacSim.dockerHost'
        : 'start Docker (e.g. "sudo systemctl start docker"), or point isaacSim.dockerHost at a running engine';
    return new EngineError(`Docker engine unreachable at ${address} (${code}) while trying to ${what}: ${fix}.`, true, status, { cause: err });
  }
  if (/unknown or invalid runtime name|unknown runtime specified/i.test(raw)) {
    const runtime = /(?:runtime name:|runtime specified)\s*(\S+)/i.exec(raw)?.[1] ?? 'nvidia';
    return new EngineError(
      `Could not ${what}: the engine has no "${runtime}" runtime. Install the NVIDIA Container Toolkit and run "sudo nvidia-ctk runtime configure --runtime=docker", or set isaacSim.runtime to "" to use the default runtime.`,
      false,
      status,
      { cause: err },
    );
  }
  if (/could not select device driver/i.test(raw)) {
    return new EngineError(
      `Could not ${what}: the engine cannot hand out GPUs (${raw}). Install the NVIDIA Container Toolkit, or set isaacSim.gpus to "none" to run without a GPU request.`,
      false,
      status,
      { cause: err },
    );
  }
  if (status === 404 && /no such image/i.test(raw)) {
    return new EngineError(`Could not ${what}: ${raw}. Pull the image first (docker pull, after "docker login nvcr.io" for NGC images) or set isaacSim.image to an image you have.`, false, status, { cause: err });
  }
  if (/address already in use/i.test(raw)) {
    return new EngineError(`Could not ${what}: a port is already in use (${raw}). Stop what holds it, or change the isaacSim.*PortBase settings.`, false, status, { cause: err });
  }
  return new EngineError(`Could not ${what}: ${raw}`, false, status, { cause: err });
}
