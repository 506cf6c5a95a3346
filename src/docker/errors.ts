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
  /**
   * Where the engine is cannot be worked out (endpoint.ts): a bad isaacSim.dockerHost or DOCKER_HOST,
   * a missing context, unreadable TLS files. The same kind as a bad setting: nothing was tried.
   */
  | 'settings'
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

/** Node's codes for a failed TLS handshake or certificate check. */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|CERT_|EPROTO$)/;

/**
 * A TLS or SSH failure on the way to the engine, described with its fix; undefined for anything else.
 * ssh2 marks its errors with a `level` ('client-authentication', 'handshake', …), read here.
 */
function transportProblem(err: unknown, code: unknown, raw: string, address: string, what: string): string | undefined {
  const level = (err as { level?: unknown } | null)?.level;
  if (typeof code === 'string' && TLS_CODE.test(code)) {
    const fix = /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/i.test(`${code} ${raw}`)
      ? 'the engine did not accept our client certificate: it needs cert.pem and key.pem, signed by a CA the engine trusts (its --tlscacert), beside ca.pem in DOCKER_CERT_PATH or in the context'
      : /ALTNAME|HOSTNAME/i.test(`${code} ${raw}`)
        ? "the engine's certificate is not issued for this host name or IP address: reach it by a name its certificate lists, or issue it a certificate that lists this one"
        : "the engine's certificate is not signed by our ca.pem, or TLS is not what that port speaks: check ca.pem (DOCKER_CERT_PATH or the context's TLS files) and the port (2376 is TLS, 2375 is not)";
    // OpenSSL's own text ("800C…:error:0A000412:SSL routines:…") says no more than its code.
    const detail = code.startsWith('ERR_SSL_') ? code : `${code}: ${raw}`;
    return `TLS to the Docker engine at ${address} failed (${detail}) while trying to ${what}: ${fix}.`;
  }
  if (level === 'client-authentication') {
    return `SSH login to the Docker engine at ${address} failed (${raw}) while trying to ${what}: no key was accepted. Add your public key to that user's ~/.ssh/authorized_keys, and offer the private key through ssh-agent (ssh-add, SSH_AUTH_SOCK) or as ~/.ssh/id_ed25519, id_ecdsa or id_rsa (without a passphrase).`;
  }
  if (level === 'handshake' && /host denied/i.test(raw)) {
    return `SSH to the Docker engine at ${address} was stopped (${raw}) while trying to ${what}: the server's host key is not in ~/.ssh/known_hosts, or differs from the one recorded there. Connect once with ssh (which shows the key's fingerprint and records it) if you trust it, then try again.`;
  }
  if (level === 'client-timeout') {
    return `SSH to the Docker engine at ${address} timed out (${raw}) while trying to ${what}: check that the host is up and its SSH server answers.`;
  }
  return undefined;
}

export function describeEngineError(err: unknown, what: string, address: string): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  const status = typeof statusCode === 'number' ? statusCode : undefined;
  const raw = rawMessage(err).trim();
  if (code === 'ABORT_ERR' || (err as { name?: unknown } | null)?.name === 'AbortError') {
    return new EngineError(`Cancelled: ${what} did not finish.`, 'cancelled', status, { cause: err });
  }
  const transport = transportProblem(err, code, raw, address, what);
  if (transport) return new EngineError(transport, 'unreachable', status, { cause: err, setting: 'isaacSim.dockerHost' });
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
      if (status === 400 && /HTTP request to an HTTPS server/i.test(raw)) {
        return new EngineError(
          `Could not ${what}: the engine at ${address} speaks TLS (${raw}). Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder of ca.pem, cert.pem and key.pem, or use a context made with "docker context create NAME --docker host=…,ca=…,cert=…,key=…".`,
          'unreachable',
          status,
          { cause: err, setting: 'isaacSim.dockerHost' },
        );
      }
      return new EngineError(`Could not ${what}: ${raw}`, kind, status, { cause: err });
  }
}
