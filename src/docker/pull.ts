/**
 * Pulling an image through the engine, with aggregated progress. No `vscode` here.
 *
 * Design note
 * - The engine does the pull (`POST /images/create`, dockerode's `docker.pull`); its JSON progress
 *   lines are followed with `modem.followProgress`, checked with zod and folded by the pure reducer
 *   `reducePullEvent` into one `PullProgress`: per-layer state, bytes, an overall fraction and a
 *   short message for a notification.
 * - The fraction counts each layer's download and extraction as halves of its work, weighted by
 *   the layer's compressed size (layers whose size is not known yet weigh the average known size).
 *   It never goes backwards, so a progress bar fed with its increments stays honest.
 * - Failures are EngineErrors (PullError) whose message names the image and the fix; a cancelled
 *   pull rejects with PullCancelledError (name "AbortError"). Cancelling closes the connection,
 *   which makes the engine stop the pull.
 * - Registry credentials: the engine does not read the Docker CLI's config, the client must send
 *   them, as dockerode's `authconfig` (X-Registry-Auth). `authFor` (registryAuth.ts) finds them as
 *   the CLI does: `credHelpers`, then `credsStore` (a credential helper is run), then `auths` of
 *   `~/.docker/config.json` (or `$DOCKER_CONFIG`); they are looked up and sent only for an engine
 *   on this machine. A refused pull names the registry, where the credentials came from and the
 *   fix, and never a secret.
 */
import * as l10n from '@vscode/l10n';
import type { Readable } from 'node:stream';
import { inspect } from 'node:util';
import type { EngineHandle } from './engineHandle';
import { describeEngineError, type EngineSettingIds } from './errors';
import { PullCancelledError, PullError, type PullFailure } from './pullErrors';
import { initialPullProgress, reducePullEvent, type PullEvent, type PullProgress } from './pullProgress';
import { authFor, describeOrigin, maskSecrets, mayReceiveCredentials, registryOf, secretsOf, type AuthLookupOptions, type RegistryCredentials } from './registryAuth';

/** Raw text of an engine error (HTTP body message, stream error line, or Node error). */
function rawText(err: unknown): string {
  if (typeof err === 'string') return err;
  const json = (err as { json?: unknown } | null)?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') return (json as { message: string }).message;
  if (typeof json === 'string' && json.trim()) {
    try {
      const m = (JSON.parse(json) as { message?: unknown }).message;
      if (typeof m === 'string') return m;
    } catch {
      // not JSON: fall through
    }
  }
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message.replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '').trim();
  return String(err);
}

export interface PullErrorContext {
  statusCode?: number;
  /** What authFor found (to say whether credentials were sent, or a helper holds them). */
  credentials?: RegistryCredentials;
  cause?: unknown;
  /** Where the engine is, for "engine unreachable" messages. */
  engineAddress?: string;
  /** The settings that address came from (default: the top-level ones), named in the fix and the error's `setting`. */
  engineSettingIds?: EngineSettingIds;
}

function loginCommand(registry: string): string {
  return l10n.t('docker login{0}', registry === 'docker.io' ? '' : ` ${registry}`);
}

/** What to do about a refused pull, from what authFor found (never a secret: only where they came from). */
function loginAdvice(registry: string, image: string, credentials: RegistryCredentials | undefined): string {
  const login = loginCommand(registry);
  if (credentials?.withheld) {
    return l10n.t('Isaac Sim Orchestrator sends registry credentials only to a Docker engine on this machine or one reached over ssh:// or verified TLS (tcp:// with DOCKER_TLS_VERIFY or a TLS context), and the engine at {0} is none of these: reach it that way, or log in and pull on that machine ("{1}", then "docker pull {2}" there), then start again.', credentials.withheld, login, image);
  }
  const parts: string[] = [];
  const origin = credentials?.origin;
  if (credentials?.authconfig && origin) {
    // "credentials in FILE were refused" for plain entries: the file is what the user opens.
    const where = origin.kind === 'auths' ? l10n.t('credentials in {0} were refused ("auths" entry "{1}")', origin.file, origin.key) : l10n.t('credentials from {0} were refused', describeOrigin(origin));
    parts.push(registry === 'nvcr.io' ? l10n.t('The {0} {1}: log in again with "{2}" (NGC API keys can expire or be revoked).', registry, where, login) : l10n.t('The {0} {1}: log in again with "{2}".', registry, where, login));
  } else if (credentials?.helperError) {
    parts.push(l10n.t('No credentials were sent: {0}', credentials.helperError.message));
  } else if (origin && origin.kind !== 'auths') {
    parts.push(l10n.t('{0} has no credentials for {1}: log in with "{2}", then start again.', describeOrigin(origin), registry, login));
  } else if (registry === 'nvcr.io') {
    parts.push(
      l10n.t('Log in to NGC first: run "docker login nvcr.io" with the username $oauthtoken and an NGC API key as the password (create one at https://org.ngc.nvidia.com/setup/api-key), then start the instance again.'),
    );
  } else {
    parts.push(l10n.t('Log in first: run "{0}", then start the instance again.', login));
  }
  if (credentials?.problem) parts.push(l10n.t('(Your Docker config could not be used: {0}.)', credentials.problem));
  return parts.join(' ');
}

/** The cause to keep (for the diagnostics log): the engine's error, or a masked copy of its text when it echoes a secret that was sent. */
function maskedCause(cause: unknown, credentials: RegistryCredentials | undefined): unknown {
  const secrets = secretsOf(credentials);
  if (secrets.length === 0) return cause;
  const text = typeof cause === 'string' ? cause : inspect(cause, { depth: 8 });
  return secrets.some((s) => text.includes(s)) ? new Error(maskSecrets(rawText(cause), credentials)) : cause;
}

/** Turns an engine's pull failure into a PullError whose message names the image and the fix. */
export function describePullError(image: string, err: unknown, context: PullErrorContext = {}): PullError {
  const registry = registryOf(image);
  const raw = rawText(err).trim();
  const statusCode = context.statusCode ?? (typeof (err as { statusCode?: unknown } | null)?.statusCode === 'number' ? (err as { statusCode: number }).statusCode : undefined);
  const cause = maskedCause(context.cause ?? err, context.credentials);
  // The engine's words are quoted: should they ever echo a secret that was sent, it is masked.
  const make = (failure: PullFailure, message: string, unreachable = false) =>
    new PullError(maskSecrets(message, context.credentials), image, failure, unreachable, statusCode, { cause, ...(context.engineSettingIds ? { hostSetting: context.engineSettingIds.host } : {}) });
  const head = l10n.t('Could not pull "{0}"', image);

  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ENOENT|ECONNREFUSED|ECONNRESET|EACCES|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code)) {
    return make('engine-unreachable', describeEngineError(err, l10n.t('pull image {0}', image), context.engineAddress ?? l10n.t('its socket'), context.engineSettingIds).message, true);
  }
  if (/invalid reference format|repository name must be|invalid tag format/i.test(raw)) {
    return make('invalid-reference', l10n.t('"{0}" is not a valid image reference ({1}). Set isaacSim.image to a name like nvcr.io/nvidia/isaac-sim:4.2.0.', image, raw));
  }
  if (/toomanyrequests|rate limit/i.test(raw)) {
    return make('rate-limited', l10n.t('{0}: {1} limits how often images may be pulled ({2}). Wait a while, or log in ("docker login {3}") for a higher limit, then start again.', head, registry, raw, registry));
  }
  if (/no basic auth credentials|unauthorized|authentication required|access (to the resource )?is denied|pull access denied|may require 'docker login'|\bdenied:|\b40[13]\b.*(Unauthorized|Forbidden|Authorization Required)/i.test(raw)) {
    const advice = loginAdvice(registry, image, context.credentials);
    return make(
      'unauthorized',
      /repository does not exist/i.test(raw)
        ? l10n.t('{0}: {1} refused access ({2}). {3} The repository may also not exist: check isaacSim.image.', head, registry, raw, advice)
        : l10n.t('{0}: {1} refused access ({2}). {3}', head, registry, raw, advice),
    );
  }
  if (/manifest unknown|manifest for .* not found|not found: manifest|name unknown|repository .* not found|no such image/i.test(raw) || statusCode === 404) {
    const hint =
      registry === 'nvcr.io'
        ? l10n.t('Check the tag in isaacSim.image against the NGC catalog (Isaac Sim tags look like 4.2.0 or 4.5.0).')
        : l10n.t('Check the repository name and tag in isaacSim.image.');
    return make('not-found', l10n.t('{0}: {1} has no such image or tag ({2}). {3}', head, registry, raw, hint));
  }
  if (/no space left on device/i.test(raw)) {
    return make('disk-full', l10n.t('{0}: the Docker engine ran out of disk space ({1}). Free space where Docker keeps its images (docker system df; Isaac Sim images need tens of GB), then start again.', head, raw));
  }
  if (/server gave HTTP response to HTTPS client/i.test(raw)) {
    return make(
      'registry-unreachable',
      l10n.t('{0}: {1} speaks plain HTTP but the engine expects HTTPS ({2}). Add "{3}" to "insecure-registries" in the engine\'s daemon.json, or use an HTTPS registry.', head, registry, raw, registry),
    );
  }
  if (/x509|certificate/i.test(raw)) {
    return make('registry-unreachable', l10n.t('{0}: the engine does not trust {1}\'s TLS certificate ({2}). Install the registry\'s CA certificate for Docker (/etc/docker/certs.d/{3}/ca.crt) or check the registry address.', head, registry, raw, registry));
  }
  if (/dial tcp|connection refused|no such host|i\/o timeout|network is unreachable|no route to host|TLS handshake timeout|context deadline exceeded|server misbehaving|Client\.Timeout|temporary failure in name resolution|proxyconnect/i.test(raw)) {
    return make(
      'registry-unreachable',
      l10n.t('{0}: the Docker engine could not reach the registry {1} ({2}). Check the registry in isaacSim.image, and that the machine running Docker can reach {3} (network, the Docker daemon\'s proxy settings, firewall), then start again.', head, registry, raw, registry),
    );
  }
  return make('other', `${head}: ${raw || l10n.t('the engine gave no reason')}.`);
}

// ---- pull -----------------------------------------------------------------------------------------

export interface PullOptions extends AuthLookupOptions {
  /** Credentials to send; default: `authFor(image)` when the engine may receive them. `null`: send none (and look none up). */
  credentials?: RegistryCredentials | null;
}

/**
 * Pulls `image` through the engine, reporting aggregated progress after every engine event.
 * Resolves when the engine says the image is there. Rejects with PullError (message names the image
 * and the fix) or, when `signal` aborts, with PullCancelledError; the connection is then closed,
 * which stops the pull in the engine.
 */
export async function pullImage(engine: EngineHandle, image: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal, options: PullOptions = {}): Promise<void> {
  if (signal?.aborted) throw new PullCancelledError(image);
  let credentials: RegistryCredentials;
  if (options.credentials === null) credentials = { registry: registryOf(image) };
  else if (options.credentials) credentials = options.credentials;
  // A remote engine: no helper is run, no config is read (registryAuth.ts's design note says why).
  else if (!mayReceiveCredentials(engine)) credentials = { registry: registryOf(image), withheld: engine.address };
  else credentials = await authFor(image, { ...options, ...(signal ? { signal } : {}) });
  if (signal?.aborted) throw new PullCancelledError(image);

  let state = initialPullProgress(image);
  onProgress(state);

  let stream: Readable;
  try {
    stream = (await engine.docker.pull(image, {
      ...(credentials.authconfig ? { authconfig: credentials.authconfig } : {}),
      ...(signal ? { abortSignal: signal } : {}),
    })) as Readable;
  } catch (err) {
    if (signal?.aborted) throw new PullCancelledError(image);
    throw describePullError(image, err, { credentials, engineAddress: engine.address, engineSettingIds: engine.settingIds });
  }

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        // Closing the connection makes the engine stop the pull.
        stream.destroy();
        reject(err);
      } else {
        resolve();
      }
    };
    const onAbort = () => settle(new PullCancelledError(image));
    // After followProgress has seen an error it stops listening; a later one must not go unhandled.
    stream.on('error', () => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return onAbort();

    engine.docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (settled) return;
        if (signal?.aborted) return settle(new PullCancelledError(image));
        if (err) return settle(describePullError(image, err, { credentials, engineAddress: engine.address, engineSettingIds: engine.settingIds }));
        if (state.error) return settle(describePullError(image, state.error, { credentials }));
        if (!state.done) {
          return settle(new PullError(l10n.t('Could not pull "{0}": the engine ended the pull before it finished. Try again; the engine\'s log may say why.', image), image, 'interrupted', false));
        }
        settle();
      },
      (raw: unknown) => {
        if (settled) return;
        const next = reducePullEvent(state, raw as PullEvent);
        if (next === state) return;
        state = next;
        try {
          onProgress(state);
        } catch (err) {
          return settle(err instanceof Error ? err : new Error(String(err)));
        }
        if (state.error) settle(describePullError(image, state.error, { credentials }));
      },
    );
  });
}

