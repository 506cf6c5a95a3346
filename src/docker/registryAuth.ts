/**
 * Image references and registry credentials for pulls: which registry an image is on, and the
 * plain `auths` entries of the Docker CLI's config (never a credential helper), sent only to an
 * engine on this machine. See pull.ts.
 */
import type Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { lazily } from './parse';
import type { DockerEngine } from './engine';

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

const DockerConfigSchema = lazily(() =>
  z.looseObject({
    auths: z.optional(
      z.record(
        z.string(),
        z.looseObject({
          auth: z.optional(z.string()),
          username: z.optional(z.string()),
          password: z.optional(z.string()),
          identitytoken: z.optional(z.string()),
        }),
      ),
    ),
    credsStore: z.optional(z.string()),
    credHelpers: z.optional(z.record(z.string(), z.string())),
  }),
);

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
  let config: z.infer<ReturnType<typeof DockerConfigSchema>>;
  try {
    config = DockerConfigSchema().parse(JSON.parse(text));
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

