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
 *   them. `authFor` reads plain `auths` entries of `~/.docker/config.json` (or `$DOCKER_CONFIG`)
 *   and never runs a credential helper; credentials are only sent to an engine on this machine.
 */
import type Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import * as z from 'zod/mini';
import type { DockerEngine } from './engine';
import { describeEngineError, EngineError } from './errors';

// ---- progress -------------------------------------------------------------------------------------

/** Where a layer is in its pull. `exists`: the engine already had it, nothing to do. */
export type LayerPhase = 'waiting' | 'downloading' | 'downloaded' | 'extracting' | 'complete' | 'exists';

export interface LayerProgress {
  /** Short layer id as the engine prints it (12 hex digits). */
  id: string;
  /** The engine's last status text for this layer, e.g. "Downloading", "Pull complete". */
  status: string;
  phase: LayerPhase;
  /** Progress of the current step (download or extraction), bytes. */
  current?: number;
  total?: number;
  /** Compressed size of the layer, once the engine has said it. */
  size?: number;
}

/** Everything known about a pull so far: the aggregated view of the engine's progress events. */
export interface PullProgress {
  image: string;
  /** Layers in the order the engine first mentioned them. */
  layers: LayerProgress[];
  /** Bytes downloaded, over the layers whose size is known. */
  bytesDone: number;
  /** Sum of the known layer sizes (compressed, as downloaded). */
  bytesTotal: number;
  /** Overall progress 0..1 (download and extraction); undefined until the layers are known. Never decreases. */
  fraction: number | undefined;
  /** Short human text, e.g. "Downloaded 3 of 7 layers — 412 MB of 1.9 GB". */
  message: string;
  /** Manifest digest, once the engine printed it. */
  digest?: string;
  /** The engine said the pull finished ("Status: …"). */
  done: boolean;
  /** The engine already had the newest image. */
  upToDate: boolean;
  /** The engine reported a failure in the stream. */
  error?: string;
}

/** One progress line of the engine, as far as we read it. */
export interface PullEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

const orUndefined = <T>(d: T | null | undefined): T | undefined => d ?? undefined;

const PullEventSchema = z.looseObject({
  status: z.optional(z.string()),
  id: z.optional(z.string()),
  progressDetail: z.pipe(
    z.nullish(z.partial(z.object({ current: z.optional(z.number().check(z.nonnegative())), total: z.optional(z.number().check(z.nonnegative())) }))),
    z.transform(orUndefined),
  ),
  progress: z.optional(z.string()),
  error: z.optional(z.string()),
  errorDetail: z.pipe(z.nullish(z.object({ message: z.optional(z.string()), code: z.optional(z.number()) })), z.transform(orUndefined)),
});

/** Checks a raw engine line; something we cannot read becomes an empty event (ignored by the reducer). */
export function parsePullEvent(raw: unknown): PullEvent {
  const parsed = PullEventSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

export function initialPullProgress(image: string): PullProgress {
  return { image, layers: [], bytesDone: 0, bytesTotal: 0, fraction: undefined, message: `Contacting ${registryOf(image)}…`, done: false, upToDate: false };
}

function phaseFor(status: string, previous: LayerPhase | undefined): LayerPhase {
  if (status === 'Pulling fs layer' || status === 'Waiting') return 'waiting';
  if (status === 'Downloading' || /^Retrying in /.test(status)) return 'downloading';
  if (status === 'Verifying Checksum' || status === 'Download complete') return 'downloaded';
  if (status === 'Extracting') return 'extracting';
  if (status === 'Pull complete') return 'complete';
  if (status === 'Already exists') return 'exists';
  return previous ?? 'waiting';
}

/** Layer ids are hex; the "Pulling from REPO" line carries the tag in `id`, which is not a layer. */
function isLayerEvent(e: PullEvent): e is PullEvent & { id: string; status: string } {
  return e.id !== undefined && e.status !== undefined && !e.status.startsWith('Pulling from ');
}

const DOWNLOAD_DONE: ReadonlySet<LayerPhase> = new Set(['downloaded', 'extracting', 'complete']);

/** How much of a layer's work (download, then extraction) is done, 0..1. */
function layerWorkDone(l: LayerProgress): number {
  const part = l.total && l.current !== undefined ? Math.min(1, l.current / l.total) : 0;
  switch (l.phase) {
    case 'waiting':
      return 0;
    case 'downloading':
      return 0.5 * part;
    case 'downloaded':
      return 0.5;
    case 'extracting':
      return 0.5 + 0.5 * part;
    case 'complete':
    case 'exists':
      return 1;
  }
}

/**
 * Folds one engine progress event into the pull's state. Pure: returns a new state (or the same
 * one when the event changes nothing).
 */
export function reducePullEvent(state: PullProgress, raw: PullEvent): PullProgress {
  const event = parsePullEvent(raw);
  if (event.error !== undefined || event.errorDetail?.message !== undefined) {
    const error = (event.errorDetail?.message ?? event.error ?? 'unknown error').trim();
    return { ...state, error, message: `Pull failed: ${error}` };
  }
  let next: PullProgress;
  if (isLayerEvent(event)) {
    const layers = [...state.layers];
    const at = layers.findIndex((l) => l.id === event.id);
    const previous = at >= 0 ? layers[at] : undefined;
    const phase = phaseFor(event.status, previous?.phase);
    const detail = event.progressDetail;
    const hasDetail = detail?.total !== undefined && detail.total > 0;
    const layer: LayerProgress = {
      id: event.id,
      status: event.status,
      phase,
      current: hasDetail ? detail.current : undefined,
      total: hasDetail ? detail.total : undefined,
      size: previous?.size ?? (hasDetail && (phase === 'downloading' || phase === 'extracting') ? detail.total : undefined),
    };
    if (at >= 0) layers[at] = layer;
    else layers.push(layer);
    next = { ...state, layers };
  } else if (event.status !== undefined) {
    const status = event.status;
    if (status.startsWith('Digest: ')) next = { ...state, digest: status.slice('Digest: '.length).trim() };
    else if (status.startsWith('Status: ')) next = { ...state, done: true, upToDate: /up to date/i.test(status) };
    else return state;
  } else {
    return state;
  }
  return summarize(next, state.fraction);
}

function summarize(state: PullProgress, previousFraction: number | undefined): PullProgress {
  const needed = state.layers.filter((l) => l.phase !== 'exists');
  let bytesDone = 0;
  let bytesTotal = 0;
  for (const l of needed) {
    if (l.size === undefined) continue;
    bytesTotal += l.size;
    if (DOWNLOAD_DONE.has(l.phase)) bytesDone += l.size;
    else if (l.phase === 'downloading') bytesDone += Math.min(l.size, l.current ?? 0);
  }

  let fraction = previousFraction;
  if (state.done) fraction = 1;
  else if (needed.length > 0) {
    const sizes = needed.flatMap((l) => (l.size !== undefined ? [l.size] : []));
    const average = sizes.length > 0 ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 1;
    let work = 0;
    let done = 0;
    for (const l of needed) {
      const weight = l.size ?? average;
      work += weight;
      done += weight * layerWorkDone(l);
    }
    const estimate = work > 0 ? done / work : 0;
    fraction = Math.max(previousFraction ?? 0, Math.min(1, estimate));
  }

  return { ...state, bytesDone, bytesTotal, fraction, message: messageFor(state, needed, bytesDone, bytesTotal) };
}

function messageFor(state: PullProgress, needed: LayerProgress[], bytesDone: number, bytesTotal: number): string {
  if (state.done) {
    if (state.upToDate || needed.length === 0) return `${state.image} is up to date`;
    return `Pulled ${state.image} — ${formatBytes(bytesTotal)}`;
  }
  if (state.layers.length === 0) return state.message;
  if (needed.length === 0) return `${state.layers.length === 1 ? 'The only layer is' : `All ${state.layers.length} layers are`} already here; finishing…`;
  const downloaded = needed.filter((l) => DOWNLOAD_DONE.has(l.phase)).length;
  if (downloaded < needed.length) {
    const allSized = needed.every((l) => l.size !== undefined || DOWNLOAD_DONE.has(l.phase));
    const bytes = allSized ? `${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)}` : `${formatBytes(bytesDone)} so far`;
    return `Downloaded ${downloaded} of ${layers(needed.length)} — ${bytes}`;
  }
  const complete = needed.filter((l) => l.phase === 'complete').length;
  if (complete < needed.length) return `Extracting layer ${complete + 1} of ${needed.length} — ${formatBytes(bytesTotal)} downloaded`;
  return `Extracted ${layers(needed.length)}; finishing…`;
}

const layers = (n: number) => `${n} layer${n === 1 ? '' : 's'}`;

/** Decimal units, as the Docker CLI prints them: "36 kB", "3.0 MB", "412 MB", "1.9 GB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // 999.6 MB rounds to "1000 MB": say "1.0 GB" instead.
  if (Math.round(value) >= 1000 && unit < units.length - 1) return `1.0 ${units[unit + 1]}`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

// ---- image references and credentials --------------------------------------------------------------

/** The registry an image reference points at: "nvcr.io", "127.0.0.1:5055", or "docker.io" for Docker Hub names. */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first.toLowerCase();
  return 'docker.io';
}

const DOCKER_HUB_KEYS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** The registry host a config.json key means ("https://nvcr.io/v1/" → "nvcr.io"). */
function hostOfKey(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB_KEYS.has(host) ? 'docker.io' : host;
}

const AuthEntrySchema = z.looseObject({
  auth: z.optional(z.string()),
  username: z.optional(z.string()),
  password: z.optional(z.string()),
  identitytoken: z.optional(z.string()),
});

const DockerConfigSchema = z.looseObject({
  auths: z.optional(z.record(z.string(), AuthEntrySchema)),
  credsStore: z.optional(z.string()),
  credHelpers: z.optional(z.record(z.string(), z.string())),
});

/** What `authFor` found for an image's registry. Never logged as a whole: `authconfig` holds a secret. */
export interface RegistryCredentials {
  registry: string;
  /** What the engine gets as X-Registry-Auth, when a plain `auths` entry was found. */
  authconfig?: Docker.AuthConfigObject;
  /** The file the credentials came from (for the log). */
  source?: string;
  /** The Docker CLI keeps this registry's credentials in this credential helper; we never run one. */
  helper?: string;
  /** Why the config could not be used (unreadable or invalid file), for the log. */
  problem?: string;
}

export interface AuthLookupOptions {
  /** Home folder (default: the user's). */
  home?: string;
  /** Environment (default: process.env), for DOCKER_CONFIG. */
  env?: NodeJS.ProcessEnv;
}

/** The Docker CLI's config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
function dockerConfigPath(options: AuthLookupOptions = {}): string {
  const env = options.env ?? process.env;
  const dir = env.DOCKER_CONFIG || path.join(options.home ?? os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/**
 * Credentials for the registry of `image`, as `docker login` stored them in plain `auths` entries.
 * Like the Docker CLI, a credential helper configured for the registry (`credHelpers`, or a global
 * `credsStore`) takes precedence; we do not run helpers, so then no credentials are returned and
 * `helper` says why. A missing file means no credentials, not an error.
 */
export async function authFor(image: string, options: AuthLookupOptions = {}): Promise<RegistryCredentials> {
  const registry = registryOf(image);
  const file = dockerConfigPath(options);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { registry };
    return { registry, problem: `cannot read ${file} (${code ?? String(err)})` };
  }
  let config: z.infer<typeof DockerConfigSchema>;
  try {
    config = DockerConfigSchema.parse(JSON.parse(text));
  } catch {
    return { registry, problem: `${file} is not a valid Docker config file` };
  }
  const helperKey = Object.keys(config.credHelpers ?? {}).find((k) => hostOfKey(k) === registry);
  if (helperKey !== undefined) return { registry, helper: config.credHelpers?.[helperKey] };
  if (config.credsStore) return { registry, helper: config.credsStore };

  const key = Object.keys(config.auths ?? {}).find((k) => hostOfKey(k) === registry);
  const entry = key !== undefined ? config.auths?.[key] : undefined;
  if (!entry) return { registry };
  const serveraddress = registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
  if (entry.identitytoken) return { registry, source: file, authconfig: { identitytoken: entry.identitytoken, serveraddress } };
  if (entry.username !== undefined && entry.password !== undefined) {
    return { registry, source: file, authconfig: { username: entry.username, password: entry.password, serveraddress } };
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { registry, source: file, authconfig: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress } };
    return { registry, problem: `the "auths" entry for ${key} in ${file} is not "user:password" in base64` };
  }
  return { registry };
}

/**
 * Credentials go only to an engine on this machine (unix socket, named pipe, or TCP on loopback):
 * this extension talks plain HTTP to tcp:// engines, and an NGC API key must not cross a network
 * in clear text.
 */
export function mayReceiveCredentials(engine: Pick<DockerEngine, 'address'>): boolean {
  const a = engine.address;
  if (a.startsWith('unix://') || a.startsWith('npipe://')) return true;
  return /^tcp:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/i.test(a);
}

// ---- errors ---------------------------------------------------------------------------------------

export type PullFailure = 'unauthorized' | 'not-found' | 'registry-unreachable' | 'invalid-reference' | 'disk-full' | 'rate-limited' | 'engine-unreachable' | 'interrupted' | 'other';

/** A pull that failed; the message names the image and what to do. */
export class PullError extends EngineError {
  constructor(
    message: string,
    readonly image: string,
    readonly failure: PullFailure,
    unreachable: boolean,
    statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, unreachable ? 'unreachable' : failure === 'not-found' ? 'image-missing' : 'other', statusCode, {
      ...options,
      setting: unreachable ? 'isaacSim.dockerHost' : failure === 'not-found' || failure === 'invalid-reference' || failure === 'unauthorized' ? 'isaacSim.image' : undefined,
    });
    this.name = 'PullError';
  }
}

/** The user (or the caller) cancelled the pull. Named like DOM's AbortError so generic checks work. */
export class PullCancelledError extends EngineError {
  readonly code = 'ABORT_ERR';
  constructor(readonly image: string) {
    super(`Pull of "${image}" was cancelled; nothing was started.`, 'cancelled');
    this.name = 'AbortError';
  }
}

export function isPullCancelled(err: unknown): err is PullCancelledError {
  return err instanceof PullCancelledError;
}

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
}

function loginAdvice(registry: string, image: string, credentials: RegistryCredentials | undefined): string {
  const parts: string[] = [];
  if (credentials?.authconfig) {
    parts.push(`The ${registry} credentials in ${credentials.source ?? 'your Docker config'} were refused: log in again with "docker login ${registry}"${registry === 'nvcr.io' ? ' (NGC API keys can expire or be revoked)' : ''}.`);
  } else if (registry === 'nvcr.io') {
    parts.push(
      'Log in to NGC first: run "docker login nvcr.io" with the username $oauthtoken and an NGC API key as the password (create one at https://org.ngc.nvidia.com/setup/api-key), then start the instance again.',
    );
  } else {
    parts.push(`Log in first: run "docker login${registry === 'docker.io' ? '' : ` ${registry}`}", then start the instance again.`);
  }
  if (credentials?.helper) {
    parts.push(
      `Your Docker config keeps ${registry} credentials in the credential helper "${credentials.helper}", which Isaac Sim Orchestrator does not run: pull once in a terminal ("docker pull ${image}") and start again.`,
    );
  }
  return parts.join(' ');
}

/** Turns an engine's pull failure into a PullError whose message names the image and the fix. */
export function describePullError(image: string, err: unknown, context: PullErrorContext = {}): PullError {
  const registry = registryOf(image);
  const raw = rawText(err).trim();
  const statusCode = context.statusCode ?? (typeof (err as { statusCode?: unknown } | null)?.statusCode === 'number' ? (err as { statusCode: number }).statusCode : undefined);
  const cause = context.cause ?? err;
  const make = (failure: PullFailure, message: string, unreachable = false) => new PullError(message, image, failure, unreachable, statusCode, { cause });
  const head = `Could not pull "${image}"`;

  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ENOENT|ECONNREFUSED|ECONNRESET|EACCES|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code)) {
    return make('engine-unreachable', describeEngineError(err, `pull image ${image}`, context.engineAddress ?? 'its socket').message, true);
  }
  if (/invalid reference format|repository name must be|invalid tag format/i.test(raw)) {
    return make('invalid-reference', `"${image}" is not a valid image reference (${raw}). Set isaacSim.image to a name like nvcr.io/nvidia/isaac-sim:4.2.0.`);
  }
  if (/toomanyrequests|rate limit/i.test(raw)) {
    return make('rate-limited', `${head}: ${registry} limits how often images may be pulled (${raw}). Wait a while, or log in ("docker login ${registry}") for a higher limit, then start again.`);
  }
  if (/no basic auth credentials|unauthorized|authentication required|access (to the resource )?is denied|pull access denied|may require 'docker login'|\bdenied:|\b40[13]\b.*(Unauthorized|Forbidden|Authorization Required)/i.test(raw)) {
    const maybeMissing = /repository does not exist/i.test(raw) ? ` The repository may also not exist: check isaacSim.image.` : '';
    return make('unauthorized', `${head}: ${registry} refused access (${raw}). ${loginAdvice(registry, image, context.credentials)}${maybeMissing}`);
  }
  if (/manifest unknown|manifest for .* not found|not found: manifest|name unknown|repository .* not found|no such image/i.test(raw) || statusCode === 404) {
    const hint =
      registry === 'nvcr.io'
        ? 'Check the tag in isaacSim.image against the NGC catalog (Isaac Sim tags look like 4.2.0 or 4.5.0).'
        : 'Check the repository name and tag in isaacSim.image.';
    return make('not-found', `${head}: ${registry} has no such image or tag (${raw}). ${hint}`);
  }
  if (/no space left on device/i.test(raw)) {
    return make('disk-full', `${head}: the Docker engine ran out of disk space (${raw}). Free space where Docker keeps its images (docker system df; Isaac Sim images need tens of GB), then start again.`);
  }
  if (/server gave HTTP response to HTTPS client/i.test(raw)) {
    return make(
      'registry-unreachable',
      `${head}: ${registry} speaks plain HTTP but the engine expects HTTPS (${raw}). Add "${registry}" to "insecure-registries" in the engine's daemon.json, or use an HTTPS registry.`,
    );
  }
  if (/x509|certificate/i.test(raw)) {
    return make('registry-unreachable', `${head}: the engine does not trust ${registry}'s TLS certificate (${raw}). Install the registry's CA certificate for Docker (/etc/docker/certs.d/${registry}/ca.crt) or check the registry address.`);
  }
  if (/dial tcp|connection refused|no such host|i\/o timeout|network is unreachable|no route to host|TLS handshake timeout|context deadline exceeded|server misbehaving|Client\.Timeout|temporary failure in name resolution|proxyconnect/i.test(raw)) {
    return make(
      'registry-unreachable',
      `${head}: the Docker engine could not reach the registry ${registry} (${raw}). Check the registry in isaacSim.image, and that the machine running Docker can reach ${registry} (network, the Docker daemon's proxy settings, firewall), then start again.`,
    );
  }
  return make('other', `${head}: ${raw || 'the engine gave no reason'}.`);
}

// ---- pull -----------------------------------------------------------------------------------------

export interface PullOptions extends AuthLookupOptions {
  /** Credentials to send; default: `authFor(image)` when the engine may receive them. `null`: send none. */
  credentials?: RegistryCredentials | null;
}

/**
 * Pulls `image` through the engine, reporting aggregated progress after every engine event.
 * Resolves when the engine says the image is there. Rejects with PullError (message names the image
 * and the fix) or, when `signal` aborts, with PullCancelledError; the connection is then closed,
 * which stops the pull in the engine.
 */
export async function pullImage(engine: DockerEngine, image: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal, options: PullOptions = {}): Promise<void> {
  if (signal?.aborted) throw new PullCancelledError(image);
  const credentials =
    options.credentials === null
      ? { registry: registryOf(image) }
      : (options.credentials ?? (mayReceiveCredentials(engine) ? await authFor(image, options) : { registry: registryOf(image) }));
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
    throw describePullError(image, err, { credentials, engineAddress: engine.address });
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
        if (err) return settle(describePullError(image, err, { credentials, engineAddress: engine.address }));
        if (state.error) return settle(describePullError(image, state.error, { credentials }));
        if (!state.done) {
          return settle(new PullError(`Could not pull "${image}": the engine ended the pull before it finished. Try again; the engine's log may say why.`, image, 'interrupted', false));
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
