/**
 * Turns whatever dockerode throws into an EngineError whose message says what failed, why, and what
 * to do about it, and whose `kind` says the same to code: callers switch on the kind, never on the
 * message (the message is for people). The raw error is kept as `cause` for the diagnostics log.
 */

/** What went wrong at the engine, for code to switch on. */
import * as l10n from '@vscode/l10n';
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
 * The ids of the two settings an engine's address is read from, named in messages and in
 * EngineError's `setting`: the top-level ones, or an endpoint's own (isaacSim.endpoints[i].dockerHost,
 * from fleetSettings.ts), so that a message sends the user to the setting the value came from.
 */
export interface EngineSettingIds {
  /** Where the host came from: isaacSim.dockerHost, or isaacSim.endpoints[i].dockerHost. */
  host: string;
  /** Where the context's name came from: isaacSim.dockerContext, or isaacSim.endpoints[i].dockerContext. */
  context: string;
  /**
   * An endpoint's port bases, isaacSim.endpoints[i].*PortBase, for a taken port the engine reports
   * (which port base it was is not known there); unset: only the top-level isaacSim.*PortBase apply.
   */
  portBases?: string;
  /** An endpoint's GPU list, isaacSim.endpoints[i].gpus, for the engine's no-GPU error (whether the endpoint sets its own is not known there); unset: isaacSim.gpus. */
  gpus?: string;
}

/** The top-level settings: one engine, as without isaacSim.endpoints. */
export const TOP_LEVEL_ENGINE_SETTINGS: EngineSettingIds = Object.freeze({ host: 'isaacSim.dockerHost', context: 'isaacSim.dockerContext' });

/** An engine as its failures' messages name it (DockerEngine is one): where it is, and the settings that say so. */
export interface EngineLocation {
  readonly address: string;
  readonly settingIds: EngineSettingIds;
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
 * The system ssh client's failure (sshAgent.ts: code 'ERR_SSH', its stderr kept) described with its
 * fix. The one place that reads OpenSSH's English (and the remote shell's and `docker system
 * dial-stdio`'s): the lines below are what OpenSSH 9 and docker 28 print.
 */
export function sshProblem(err: { failure: 'missing' | 'exited'; command: string; commandLine: string; stderr: string; exitCode: number | null }, address: string, what: string): string {
  const at = l10n.t('the Docker engine at {0}', address);
  if (err.failure === 'missing') {
    return l10n.t('Cannot reach {0} while trying to {1}: the ssh client ("{2}") is not on PATH. ssh:// engines are reached through your ssh client, as "docker -H ssh://…" does: install the OpenSSH client (e.g. "sudo apt-get install openssh-client"), or use a unix:// or tcp:// host.', at, what, err.command);
  }
  const stderr = err.stderr;
  // The last line ssh wrote (warnings such as "Permanently added … to the list of known hosts" come first).
  const last = stderr.trim().split(/\r?\n/).filter((l) => l.trim()).pop()?.trim() ?? l10n.t('exit code {0}', String(err.exitCode));
  const said = l10n.t('ssh said "{0}"', last);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
    return l10n.t('SSH to {0} was stopped while trying to {1} ({2}): the server\'s host key differs from the one recorded in known_hosts, which may be an attack or a reinstalled server. If you know why it changed, remove the old key ("ssh-keygen -R HOST") and connect once with ssh to record the new one.', at, what, said);
  }
  if (/Host key verification failed|No \S+ host key is known/i.test(stderr)) {
    return l10n.t('SSH to {0} was stopped while trying to {1} ({2}): the server\'s host key is not in known_hosts, and ssh cannot ask here (no terminal). Connect once in a terminal with the same host (e.g. "ssh -p PORT user@host", or the ssh:// host\'s name as in ~/.ssh/config), check the fingerprint and accept it, then try again.', at, what, said);
  }
  if (/Permission denied \(|Too many authentication failures/i.test(stderr)) {
    return l10n.t('SSH login to {0} failed while trying to {1} ({2}): no key was accepted. Add your public key to that user\'s ~/.ssh/authorized_keys, and offer the private key through ssh-agent (ssh-add) or an IdentityFile in ~/.ssh/config; a key with a passphrase must be in ssh-agent (there is no prompt here). Check with "ssh -o BatchMode=yes user@host true" in a terminal.', at, what, said);
  }
  if (/Could not resolve hostname/i.test(stderr)) {
    return l10n.t('SSH to {0} failed while trying to {1} ({2}): the host name is not known. Check the name in the ssh:// host, or define it as a Host in ~/.ssh/config.', at, what, said);
  }
  if (/Connection refused/i.test(stderr)) {
    return l10n.t('SSH to {0} failed while trying to {1} ({2}): nothing accepts SSH on that port. Check that the SSH server runs there and the port (ssh://user@host:PORT, or Port in ~/.ssh/config).', at, what, said);
  }
  if (/timed out|No route to host|Network is unreachable/i.test(stderr)) {
    return l10n.t('SSH to {0} failed while trying to {1} ({2}): the host does not answer. Check that it is up and reachable from here (VPN, firewall, ProxyJump in ~/.ssh/config).', at, what, said);
  }
  if (/docker: (command )?not found|docker: No such file or directory/i.test(stderr) || err.exitCode === 127) {
    return l10n.t('Logged in over SSH to {0}, but "docker" is not found there while trying to {1} ({2}): install Docker (18.09 or later) on that host, with docker on the PATH of non-interactive ssh sessions.', at, what, said);
  }
  if (/'dial-stdio' is not a docker command|unknown command "dial-stdio"/i.test(stderr)) {
    return l10n.t('Logged in over SSH to {0}, but its docker CLI has no "docker system dial-stdio" while trying to {1} ({2}): update Docker there to 18.09 or later.', at, what, said);
  }
  if (/failed to open the raw stream connection|Cannot connect to the Docker daemon/i.test(stderr)) {
    const fix = /permission denied/i.test(stderr)
      ? l10n.t('that user may not use the Docker socket there: add it to the "docker" group on that host (then log in again)')
      : l10n.t('the Docker daemon there is not running, or not where its docker CLI looks: start it (e.g. "sudo systemctl start docker") or check DOCKER_HOST for that user');
    return l10n.t('Logged in over SSH to {0}, but "docker system dial-stdio" could not reach the engine there while trying to {1} ({2}): {3}.', at, what, said, fix);
  }
  return l10n.t('SSH to {0} failed while trying to {1} ({2}): run the same in a terminal to see why: {3}', at, what, said, err.commandLine.replace(/ docker system dial-stdio$/, ' docker version')); // l10n-ignore: a command line
}

/** A TLS failure on the way to the engine, described with its fix; undefined for anything else. */
function tlsProblem(code: unknown, raw: string, address: string, what: string): string | undefined {
  if (typeof code === 'string' && TLS_CODE.test(code)) {
    const fix = /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/i.test(`${code} ${raw}`)
      ? l10n.t('the engine did not accept our client certificate: it needs cert.pem and key.pem, signed by a CA the engine trusts (its --tlscacert), beside ca.pem in DOCKER_CERT_PATH or in the context')
      : /ALTNAME|HOSTNAME/i.test(`${code} ${raw}`)
        ? l10n.t('the engine\'s certificate is not issued for this host name or IP address: reach it by a name its certificate lists, or issue it a certificate that lists this one')
        : l10n.t('the engine\'s certificate is not signed by our ca.pem, or TLS is not what that port speaks: check ca.pem (DOCKER_CERT_PATH or the context\'s TLS files) and the port (2376 is TLS, 2375 is not)');
    // OpenSSL's own text ("800C…:error:0A000412:SSL routines:…") says no more than its code.
    const detail = code.startsWith('ERR_SSL_') ? code : `${code}: ${raw}`;
    return l10n.t('TLS to the Docker engine at {0} failed ({1}) while trying to {2}: {3}.', address, detail, what, fix);
  }
  return undefined;
}

/** An SshError from sshAgent.ts (recognised by its code: errors.ts does not import the transport). */
function asSshError(err: unknown): Parameters<typeof sshProblem>[0] | undefined {
  const e = err as { code?: unknown; failure?: unknown; command?: unknown; commandLine?: unknown; stderr?: unknown; exitCode?: unknown } | null;
  if (!e || e.code !== 'ERR_SSH' || (e.failure !== 'missing' && e.failure !== 'exited')) return undefined;
  return { failure: e.failure, command: String(e.command), commandLine: String(e.commandLine), stderr: typeof e.stderr === 'string' ? e.stderr : '', exitCode: typeof e.exitCode === 'number' ? e.exitCode : null };
}

/** `settingIds`: where the engine's address came from (the top-level settings unless given), named in the fixes and in `setting`. */
export function describeEngineError(err: unknown, what: string, address: string, settingIds: EngineSettingIds = TOP_LEVEL_ENGINE_SETTINGS): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  const status = typeof statusCode === 'number' ? statusCode : undefined;
  const raw = rawMessage(err).trim();
  if (code === 'ABORT_ERR' || (err as { name?: unknown } | null)?.name === 'AbortError') {
    return new EngineError(l10n.t('Cancelled: {0} did not finish.', what), 'cancelled', status, { cause: err });
  }
  const ssh = asSshError(err);
  const transport = ssh ? sshProblem(ssh, address, what) : tlsProblem(code, raw, address, what);
  if (transport) return new EngineError(transport, 'unreachable', status, { cause: err, setting: settingIds.host });
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    const fix =
      code === 'EACCES'
        ? l10n.t('add your user to the "docker" group (then log in again), or set {0}', settingIds.host)
        : l10n.t('start Docker (e.g. "sudo systemctl start docker"), or point {0} at a running engine', settingIds.host);
    return new EngineError(l10n.t('Docker engine unreachable at {0} ({1}) while trying to {2}: {3}.', address, code, what, fix), 'unreachable', status, { cause: err, setting: settingIds.host });
  }
  const kind = classifyEngineMessage(raw, status);
  switch (kind) {
    case 'no-runtime': {
      const runtime = /(?:runtime name:|runtime specified)\s*(\S+)/i.exec(raw)?.[1] ?? 'nvidia';
      return new EngineError(
        l10n.t('Could not {0}: the engine has no "{1}" runtime. Install the NVIDIA Container Toolkit and run "sudo nvidia-ctk runtime configure --runtime=docker", or set isaacSim.runtime to "" to use the default runtime.', what, runtime),
        kind,
        status,
        { cause: err, setting: 'isaacSim.runtime' },
      );
    }
    case 'no-gpu':
      return new EngineError(
        settingIds.gpus
          ? l10n.t('Could not {0}: the engine cannot hand out GPUs ({1}). Install the NVIDIA Container Toolkit, or set {2} to "none" to run without a GPU request (isaacSim.gpus if this endpoint does not set its own).', what, raw, settingIds.gpus)
          : l10n.t('Could not {0}: the engine cannot hand out GPUs ({1}). Install the NVIDIA Container Toolkit, or set isaacSim.gpus to "none" to run without a GPU request.', what, raw),
        kind,
        status,
        { cause: err, setting: settingIds.gpus ?? 'isaacSim.gpus' },
      );
    case 'image-missing':
      return new EngineError(l10n.t('Could not {0}: {1}. Pull the image first (docker pull, after "docker login nvcr.io" for NGC images) or set isaacSim.image to an image you have.', what, raw), kind, status, { cause: err, setting: 'isaacSim.image' });
    case 'port-taken':
      return new EngineError(
        settingIds.portBases
          ? l10n.t('Could not {0}: a port is already in use ({1}). Stop what holds it, or change the port bases: {2} where this endpoint sets them, isaacSim.*PortBase for the others.', what, raw, settingIds.portBases)
          : l10n.t('Could not {0}: a port is already in use ({1}). Stop what holds it, or change the isaacSim.*PortBase settings.', what, raw),
        kind,
        status,
        { cause: err },
      );
    default:
      if (status === 400 && /HTTP request to an HTTPS server/i.test(raw)) {
        return new EngineError(
          l10n.t('Could not {0}: the engine at {1} speaks TLS ({2}). Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder of ca.pem, cert.pem and key.pem, or use a context made with "docker context create NAME --docker host=…,ca=…,cert=…,key=…".', what, address, raw),
          'unreachable',
          status,
          { cause: err, setting: settingIds.host },
        );
      }
      return new EngineError(l10n.t('Could not {0}: {1}', what, raw), kind, status, { cause: err });
  }
}
