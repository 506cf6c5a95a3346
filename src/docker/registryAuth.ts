/**
 * Image references and registry credentials for pulls, found the way the Docker CLI finds them.
 * No `vscode` here. See pull.ts for how they are sent, credentials.ts for running a helper.
 *
 * Design note (each point checked in docker/cli's sources, cited by path)
 * - The file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` (cli/config/config.go, Dir).
 * - The key of a registry: Docker Hub's is "https://index.docker.io/v1/", every other registry's is
 *   its host[:port] as the image names it, e.g. "nvcr.io", "127.0.0.1:5056"
 *   (cli/command/registry.go, ResolveAuthConfig: `configKey = index.Name`, or `registry.IndexServer`
 *   for the official index).
 * - Precedence: `credHelpers[key]` (exact key), else `credsStore`, else the plain `auths` entry
 *   (cli/config/configfile/file.go, getConfiguredCredentialStore and GetCredentialsStore). The
 *   `auths` entry is the exact key, else a key whose host is the key ("https://nvcr.io/v1/"),
 *   as cli/config/credentials/file_store.go (Get, ConvertToHostname) does; Docker Hub's older key
 *   spellings ("docker.io", "index.docker.io") are matched too.
 * - A configured helper that has nothing means no credentials: the CLI does not fall back to
 *   `auths` then (cli/config/credentials/native_store.go, Get, overwrites the file's fields).
 * - A helper that is missing or fails: the CLI drops the error and pulls without credentials
 *   (ResolveAuthConfig ignores GetAuthConfig's error), so a public image still pulls with a
 *   config that names a helper this machine lacks ("desktop" copied from another machine). So do
 *   we, and keep the error (`helperError`): a refused pull then says which helper failed and how.
 * - Not done, as the CLI does: DOCKER_AUTH_CONFIG (newer CLIs read it before the file), and
 *   guessing a store when config.json names none (credentials.DetectDefaultStore; `docker login`
 *   writes the store it guessed into config.json, so a file that holds a login names it).
 * - Who gets them: an engine on this machine (unix socket, named pipe, TCP on loopback), or one
 *   reached over a transport that encrypts and authenticates the engine: ssh://, or tcp:// with
 *   TLS whose certificate is verified (endpoint.ts). The CLI itself sends the client's
 *   credentials to any engine (`docker -H ssh://… pull`), and a helper's secret is this machine's
 *   user's to give. But plain tcp:// to another machine is HTTP, where X-Registry-Auth (base64
 *   JSON) is readable on every hop, and TLS without verification lets anyone on the path pose as
 *   the engine: an NGC API key must not cross a network that way. Such an engine gets none, no
 *   helper is run for it, and a refused pull says to log in and pull on that machine.
 * - Secrets: `authconfig` is not enumerable on a RegistryCredentials, so JSON.stringify or
 *   util.inspect of one never shows it; no message built here, in credentials.ts or in pull.ts
 *   contains a secret (describePullError also masks any that the engine's text would echo).
 */
import * as l10n from '@vscode/l10n';
import type Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as z from 'zod/mini';
import { CredentialHelperError, runCredentialHelper } from './credentials';
import { DockerConfigSchema } from './parse';
import type { EngineHandle } from './engineHandle';

/** The registry an image reference points at: "nvcr.io", "127.0.0.1:5055", or "docker.io" for Docker Hub names. */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  // "index.docker.io/x" is Docker Hub too (distribution/reference normalizes it to docker.io).
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first.toLowerCase() === 'index.docker.io' ? 'docker.io' : first.toLowerCase();
  return 'docker.io';
}

/** Docker Hub's key in config.json and the server URL its helpers are asked for (the CLI's registry.IndexServer). */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** The config key the Docker CLI uses for a registry. */
export function configKeyOf(registry: string): string {
  return registry === 'docker.io' ? DOCKER_HUB_KEY : registry;
}

/** The registry host a config.json key means ("https://nvcr.io/v1/" → "nvcr.io"). */
function hostOfKey(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB_HOSTS.has(host) ? 'docker.io' : host;
}


/** Where a registry's credentials were looked up: a plain entry, or the helper config.json names for it. */
export type CredentialOrigin = { kind: 'auths'; file: string; key: string } | { kind: 'credsStore' | 'credHelpers'; file: string; key: string; helper: string };

/** What `authFor` found for an image's registry. */
export interface RegistryCredentials {
  registry: string;
  /**
   * What the engine gets as X-Registry-Auth. Not enumerable (see `withSecret`): a whole
   * RegistryCredentials can be logged or inspected without showing it.
   */
  authconfig?: Docker.AuthConfigObject;
  /** Where they came from, or the helper that was asked (also when it had none). */
  origin?: CredentialOrigin;
  /** The helper could not be run or failed; the pull went ahead without credentials. */
  helperError?: CredentialHelperError;
  /** Why the config could not be used (unreadable or invalid file, a broken entry). */
  problem?: string;
  /** Credentials were not looked up because the engine at this address is not on this machine. */
  withheld?: string;
}

export interface AuthLookupOptions {
  /** Home folder (default: the user's). */
  home?: string;
  /** Environment (default: process.env): DOCKER_CONFIG, and PATH and the rest for a credential helper. */
  env?: NodeJS.ProcessEnv;
  /** How long a credential helper may take (default credentials.ts HELPER_TIMEOUT_MS). */
  helperTimeoutMs?: number;
  /** Stops a running helper (a cancelled pull). */
  signal?: AbortSignal;
}

/** The Docker CLI's config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(options: AuthLookupOptions = {}): string {
  const env = options.env ?? process.env;
  const dir = env.DOCKER_CONFIG || path.join(options.home ?? os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** `credentials` with `authconfig` attached as a non-enumerable property. */
function withSecret(credentials: RegistryCredentials, authconfig: Docker.AuthConfigObject): RegistryCredentials {
  return Object.defineProperty(credentials, 'authconfig', { value: authconfig, enumerable: false, writable: false, configurable: false });
}

/** Shorter secrets are not masked by value: masking "ab" everywhere would wreck every message (as redact.ts's MIN_SECRET_LENGTH). */
const MIN_MASKED_LENGTH = 4;

/** Every form in which the secret of `credentials` could appear in a text (raw, JSON-escaped, URL-encoded, base64 user:secret). */
export function secretsOf(credentials: RegistryCredentials | undefined): string[] {
  const a = credentials?.authconfig as (Docker.AuthConfigObject & { identitytoken?: string; registrytoken?: string }) | undefined;
  if (!a) return [];
  const raw = [a.password, a.identitytoken, a.registrytoken].filter((s): s is string => typeof s === 'string' && s.length >= MIN_MASKED_LENGTH);
  const forms = raw.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]);
  if (a.password && a.password.length >= MIN_MASKED_LENGTH && a.username !== undefined) forms.push(Buffer.from(`${a.username}:${a.password}`).toString('base64'));
  return [...new Set(forms)].sort((x, y) => y.length - x.length);
}

/** `text` with every form of the secret of `credentials` replaced by "***". */
export function maskSecrets(text: string, credentials: RegistryCredentials | undefined): string {
  let out = text;
  for (const s of secretsOf(credentials)) out = out.split(s).join('***');
  return out;
}

/** Where the credentials were looked up, in words: `credsStore "pass" (docker-credential-pass, set in /h/.docker/config.json)`. */
export function describeOrigin(origin: CredentialOrigin): string {
  if (origin.kind === 'auths') return l10n.t('{0} ("auths" entry "{1}")', origin.file, origin.key);
  const where = origin.kind === 'credsStore' ? `credsStore "${origin.helper}"` : `credHelpers "${origin.key}": "${origin.helper}"`; // l10n-ignore: the config.json key, as written there
  return l10n.t('{0} (docker-credential-{1}, set in {2})', where, origin.helper, origin.file);
}

/**
 * Credentials for the registry of `image`, looked up as the Docker CLI does (see the design
 * note): a credential helper named for the registry or globally is run; else the plain `auths`
 * entry is used. A missing config file means no credentials, not an error; a helper that is
 * missing or fails means none too, with `helperError` saying why.
 */
export async function authFor(image: string, options: AuthLookupOptions = {}): Promise<RegistryCredentials> {
  const registry = registryOf(image);
  const key = configKeyOf(registry);
  const file = dockerConfigPath(options);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { registry };
    return { registry, problem: l10n.t('cannot read {0} ({1})', file, code ?? String(err)) };
  }
  let config: z.infer<ReturnType<typeof DockerConfigSchema>>;
  try {
    config = DockerConfigSchema().parse(JSON.parse(text));
  } catch {
    return { registry, problem: l10n.t('{0} is not a valid Docker config file', file) };
  }

  const perRegistry = config.credHelpers && Object.hasOwn(config.credHelpers, key) ? config.credHelpers[key] : undefined;
  const helper = perRegistry || config.credsStore;
  if (helper) {
    const origin: CredentialOrigin = perRegistry ? { kind: 'credHelpers', file, key, helper } : { kind: 'credsStore', file, key, helper };
    const namedBy = perRegistry ? l10n.t('named by credHelpers "{0}" in {1}', key, file) : l10n.t('named by "credsStore" in {0}', file);
    try {
      const found = await runCredentialHelper({ helper, serverURL: key, namedBy, env: options.env, timeoutMs: options.helperTimeoutMs, signal: options.signal });
      if (!found) return { registry, origin };
      return withSecret({ registry, origin }, { ...found, serveraddress: key });
    } catch (err) {
      if (err instanceof CredentialHelperError) return { registry, origin, helperError: err };
      throw err;
    }
  }

  const auths = config.auths ?? {};
  const entryKey = Object.hasOwn(auths, key) ? key : (Object.keys(auths).find((k) => hostOfKey(k) === registry) ?? undefined);
  const entry = entryKey !== undefined ? auths[entryKey] : undefined;
  if (!entry || entryKey === undefined) return { registry };
  const origin: CredentialOrigin = { kind: 'auths', file, key: entryKey };
  if (entry.identitytoken) return withSecret({ registry, origin }, { identitytoken: entry.identitytoken, serveraddress: key });
  if (entry.auth) {
    // As the CLI: "auth" (base64 of user:password) wins over the separate fields.
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return withSecret({ registry, origin }, { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: key });
    return { registry, origin, problem: l10n.t('the "auths" entry "{0}" in {1} is not "user:password" in base64', entryKey, file) };
  }
  if (entry.username !== undefined && entry.password !== undefined) {
    return withSecret({ registry, origin }, { username: entry.username, password: entry.password, serveraddress: key });
  }
  return { registry, origin };
}

/** A TCP address on this machine's loopback. */
const LOOPBACK_TCP = /^tcp:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/i;

/**
 * Credentials go only to an engine on this machine (unix socket, named pipe, TCP on loopback) or
 * one reached over ssh:// or verified TLS; see the design note for why.
 */
export function mayReceiveCredentials(engine: Pick<EngineHandle, 'address'> & Partial<Pick<EngineHandle, 'isLocal' | 'endpoint'>>): boolean {
  if (engine.isLocal === true) return true;
  const e = engine.endpoint;
  if (e) {
    if (e.kind === 'unix' || e.kind === 'npipe' || e.kind === 'ssh') return true;
    if (e.protocol === 'https' && e.tls?.verify === true) return true;
    return LOOPBACK_TCP.test(e.url);
  }
  // The address as messages show it: "tcp://127.0.0.1:2375 (from DOCKER_HOST)".
  const a = engine.address.replace(/ \(from [^)]*\)$/, '');
  if (a.startsWith('unix://') || a.startsWith('npipe://')) return true;
  return LOOPBACK_TCP.test(a);
}
