/**
 * Where the Docker engine is: the same answer the docker CLI gives, worked out before any connection.
 * No `vscode` here, and no dockerode. A host's syntax is dockerHost.ts's (settings validation uses it too).
 *
 * Order (checked against docker CLI 28.2.2 on this machine, and the CLI reference's environment
 * variables at docs.docker.com/engine/reference/commandline/cli/):
 *   1. the setting isaacSim.dockerHost (as the CLI's -H flag);
 *   1b. the setting isaacSim.dockerContext (as the CLI's --context flag, which comes before DOCKER_HOST;
 *      settings refuse both at once, as the CLI refuses -H with --context);
 *   2. env DOCKER_HOST (with DOCKER_HOST and DOCKER_CONTEXT both set, `docker context show` prints
 *      "default" and `docker version` goes to DOCKER_HOST);
 *   3. env DOCKER_CONTEXT;
 *   4. `currentContext` in config.json of the config folder (env DOCKER_CONFIG, else ~/.docker);
 *   5. the default socket /var/run/docker.sock; when it does not exist but $XDG_RUNTIME_DIR/docker.sock
 *      does, that one (rootless Docker's socket). The context named "default" is this step.
 *
 * A context's files, as `docker context create x --docker host=tcp://127.0.0.1:2376,ca=…,cert=…,key=…`
 * wrote them with CLI 28.2.2 (DOCKER_CONFIG pointed at a temp folder):
 *   contexts/meta/<sha256 hex of the name>/meta.json
 *     {"Name":"x","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://127.0.0.1:2376","SkipTLSVerify":false}}}
 *   contexts/tls/<sha256 hex of the name>/docker/{ca.pem,cert.pem,key.pem}   (only the files given)
 * The Host is stored as typed (`host=tcp://127.0.0.1` is kept without a port). A missing context is an
 * error for the CLI too ("context "x": context not found: open …/meta.json: no such file or directory").
 *
 * TLS for tcp:// (CLI flags --tls/--tlsverify and their variables): DOCKER_TLS_VERIFY (non-empty)
 * means TLS with the server verified against ca.pem; DOCKER_TLS (non-empty) TLS without verification;
 * the files come from DOCKER_CERT_PATH, else the config folder; cert.pem/key.pem that do not exist
 * are left out, as the CLI does for its default paths. A tcp:// host without a port gets 2376 with TLS
 * and 2375 without (the CLI's -H default, docker(1)). A context's TLS is its own files (and
 * SkipTLSVerify), never these variables.
 *
 * Key material is read into Buffers here and never put into a message.
 *
 * "The setting" is the one the value came from: isaacSim.dockerHost and isaacSim.dockerContext, or an
 * endpoint's own isaacSim.endpoints[i].dockerHost / .dockerContext (ResolveInput.settingIds). Messages,
 * addresses and the errors' `setting` name it.
 */
import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDockerHost } from './dockerHost';
import { EngineError, TOP_LEVEL_ENGINE_SETTINGS, type EngineSettingIds } from './errors';

export type EndpointSource = 'setting' | 'context setting' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'current context' | 'default' | 'rootless';

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Verify the engine's certificate (false: DOCKER_TLS without _VERIFY, or a context's SkipTLSVerify). */
  verify: boolean;
  /** The folder the files came from, for messages. */
  dir: string;
}

export interface Endpoint {
  source: EndpointSource;
  contextName?: string;
  kind: 'unix' | 'npipe' | 'tcp' | 'ssh';
  socketPath?: string;
  host?: string;
  port?: number;
  protocol: 'http' | 'https';
  tls?: TlsMaterial;
  ssh?: { username?: string; host: string; port: number };
  /** The engine's URL, ports filled in: "tcp://127.0.0.1:2376". */
  url: string;
  /** The URL and where it came from, for messages: 'tcp://127.0.0.1:2376 (from context "ci")'. */
  address: string;
}

export type EndpointResult = { ok: true; endpoint: Endpoint } | { ok: false; error: EngineError; address: string };

export interface ResolveInput {
  /** The value of isaacSim.dockerHost, or of the endpoint's own dockerHost ("" when unset). */
  setting: string;
  /** The value of isaacSim.dockerContext, or of the endpoint's own dockerContext ("" or left out when unset). */
  context?: string;
  /** The ids of the settings those two values came from (default: the top-level ones). */
  settingIds?: EngineSettingIds;
  env: NodeJS.ProcessEnv;
  home: string;
  /** The system socket; only tests change it. */
  defaultSocket?: string;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

const idsOf = (input: ResolveInput): EngineSettingIds => input.settingIds ?? TOP_LEVEL_ENGINE_SETTINGS;

/** sha256 of the context name: the folder name the CLI's context store uses. */
export function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** The docker CLI's config folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG || path.join(home, '.docker');
}

/** Where a host came from, in the words of a message. */
function originText(source: EndpointSource, ids: EngineSettingIds, contextName: string | undefined, metaFile?: string): string {
  switch (source) {
    case 'setting':
      return l10n.t('setting {0}', ids.host);
    case 'DOCKER_HOST':
      return l10n.t('env DOCKER_HOST');
    case 'context setting':
      return l10n.t('context "{0}" (named by setting {1}{2})', String(contextName), ids.context, metaFile ? `, ${metaFile}` : '');
    case 'DOCKER_CONTEXT':
      return l10n.t('context "{0}" (named by env DOCKER_CONTEXT{1})', String(contextName), metaFile ? `, ${metaFile}` : '');
    case 'current context':
      return l10n.t('context "{0}" (the current context in config.json{1})', String(contextName), metaFile ? `, ${metaFile}` : '');
    case 'default':
      return l10n.t('the default socket');
    case 'rootless':
      return l10n.t('the rootless socket in $XDG_RUNTIME_DIR');
  }
}

function addressOf(url: string, source: EndpointSource, ids: EngineSettingIds, contextName?: string): string {
  switch (source) {
    case 'setting':
      return l10n.t('{0} (from setting {1})', url, ids.host);
    case 'DOCKER_HOST':
      return l10n.t('{0} (from env DOCKER_HOST)', url);
    case 'context setting':
      return l10n.t('{0} (from context "{1}", setting {2})', url, String(contextName), ids.context);
    case 'DOCKER_CONTEXT':
      return l10n.t('{0} (from context "{1}", env DOCKER_CONTEXT)', url, String(contextName));
    case 'current context':
      return l10n.t('{0} (from context "{1}")', url, String(contextName));
    case 'default':
      return l10n.t('{0} (default)', url);
    case 'rootless':
      return l10n.t('{0} (rootless, from $XDG_RUNTIME_DIR)', url);
  }
}

class ResolveError extends Error {
  constructor(
    message: string,
    readonly address: string,
    /** The setting to fix: the host setting when left out, or the context setting for a context it names. */
    readonly setting?: string,
  ) {
    super(message);
  }
}

function readOptional(file: string, what: string, origin: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new ResolveError(l10n.t('Cannot read the {0} {1} for {2} ({3}): make it readable by this user.', what, file, origin, (err as { code?: string }).code ?? String(err)), file);
  }
}

/** TLS from DOCKER_TLS_VERIFY / DOCKER_TLS and DOCKER_CERT_PATH, or undefined when neither is set. */
function envTls(env: NodeJS.ProcessEnv, home: string, origin: string): TlsMaterial | undefined {
  const verify = !!env.DOCKER_TLS_VERIFY;
  if (!verify && !env.DOCKER_TLS) return undefined;
  const dir = env.DOCKER_CERT_PATH || dockerConfigDir(env, home);
  const because = l10n.t('{0} with env {1} set', origin, verify ? 'DOCKER_TLS_VERIFY' : 'DOCKER_TLS');
  const ca = readOptional(path.join(dir, 'ca.pem'), l10n.t('CA certificate'), because);
  if (verify && !ca) {
    throw new ResolveError(
      env.DOCKER_CERT_PATH
        ? l10n.t('The engine of {0} is to be reached over TLS (env DOCKER_TLS_VERIFY is set), but there is no CA certificate {1} (env DOCKER_CERT_PATH): put ca.pem, cert.pem and key.pem there, point DOCKER_CERT_PATH at their folder, or unset DOCKER_TLS_VERIFY.', origin, path.join(dir, 'ca.pem'))
        : l10n.t('The engine of {0} is to be reached over TLS (env DOCKER_TLS_VERIFY is set), but there is no CA certificate {1}: put ca.pem, cert.pem and key.pem there, point DOCKER_CERT_PATH at their folder, or unset DOCKER_TLS_VERIFY.', origin, path.join(dir, 'ca.pem')),
      dir,
    );
  }
  const cert = readOptional(path.join(dir, 'cert.pem'), l10n.t('client certificate'), because);
  const key = readOptional(path.join(dir, 'key.pem'), l10n.t('client key'), because);
  if (!!cert !== !!key) {
    throw new ResolveError(l10n.t('{0} is missing beside {1} ({2}): a client certificate needs both files.', path.join(dir, cert ? 'key.pem' : 'cert.pem'), path.join(dir, cert ? 'cert.pem' : 'key.pem'), because), dir);
  }
  return { ca, cert, key, verify, dir };
}

/** A context's own TLS files and SkipTLSVerify, or undefined when it has neither. */
function contextTls(configDir: string, name: string, skipVerify: boolean, origin: string): TlsMaterial | undefined {
  const dir = path.join(configDir, 'contexts', 'tls', contextId(name), 'docker');
  const ca = readOptional(path.join(dir, 'ca.pem'), l10n.t('CA certificate'), origin);
  const cert = readOptional(path.join(dir, 'cert.pem'), l10n.t('client certificate'), origin);
  const key = readOptional(path.join(dir, 'key.pem'), l10n.t('client key'), origin);
  if (!ca && !cert && !key && !skipVerify) return undefined;
  return { ca, cert, key, verify: !skipVerify, dir };
}

function fromHost(text: string, source: EndpointSource, ids: EngineSettingIds, tls: (() => TlsMaterial | undefined) | undefined, contextName: string | undefined, origin: string, fix: string): Endpoint {
  const parsed = parseDockerHost(text);
  if ('problem' in parsed) {
    throw new ResolveError(l10n.t('The Docker host "{0}" from {1} is not valid: {2}. {3}', text, origin, parsed.problem, fix), text);
  }
  const base = { source, ...(contextName !== undefined ? { contextName } : {}) };
  switch (parsed.kind) {
    case 'unix':
    case 'npipe': {
      const url = `${parsed.kind}://${parsed.path}`;
      return { ...base, kind: parsed.kind, socketPath: parsed.path, protocol: 'http', url, address: addressOf(url, source, ids, contextName) };
    }
    case 'tcp': {
      const material = tls?.();
      const port = parsed.port ?? (material ? 2376 : 2375);
      const host = parsed.host.replace(/^\[(.*)\]$/, '$1');
      const url = `tcp://${parsed.host}:${port}`;
      return { ...base, kind: 'tcp', host, port, protocol: material ? 'https' : 'http', ...(material ? { tls: material } : {}), url, address: addressOf(url, source, ids, contextName) };
    }
    case 'ssh': {
      const host = parsed.host.replace(/^\[(.*)\]$/, '$1');
      const url = `ssh://${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.port === 22 ? '' : `:${parsed.port}`}`;
      return { ...base, kind: 'ssh', host, port: parsed.port, protocol: 'http', ssh: { ...(parsed.username ? { username: parsed.username } : {}), host, port: parsed.port }, url, address: addressOf(url, source, ids, contextName) };
    }
  }
}

function fromContext(name: string, source: 'context setting' | 'DOCKER_CONTEXT' | 'current context', input: ResolveInput): Endpoint {
  if (name === 'default') return defaultSocket(input);
  const ids = idsOf(input);
  const configDir = dockerConfigDir(input.env, input.home);
  const metaFile = path.join(configDir, 'contexts', 'meta', contextId(name), 'meta.json');
  const how =
    source === 'context setting' ? l10n.t('named by setting {0}', ids.context) : source === 'DOCKER_CONTEXT' ? l10n.t('named by env DOCKER_CONTEXT') : l10n.t('the current context in {0}', path.join(configDir, 'config.json'));
  const other =
    source === 'context setting'
      ? l10n.t('set {0} to another context (docker context ls) or to ""', ids.context)
      : source === 'DOCKER_CONTEXT'
        ? l10n.t('unset DOCKER_CONTEXT or name another context')
        : l10n.t('choose another with "docker context use NAME"');
  let text: string;
  try {
    text = readFileSync(metaFile, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ResolveError(
      code === 'ENOENT'
        ? l10n.t('Docker context "{0}" ({1}) does not exist: {2} is missing. Create it ("docker context create {3} --docker host=…"), {4}, or set {5}.', name, how, metaFile, name, other, ids.host)
        : l10n.t('Cannot read Docker context "{0}" ({1}): {2}: {3}. Make it readable, {4}, or set {5}.', name, how, metaFile, code ?? String(err), other, ids.host),
      l10n.t('context "{0}"', name),
    );
  }
  let host: unknown;
  let skip: unknown;
  try {
    const meta = JSON.parse(text) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
    host = meta?.Endpoints?.docker?.Host;
    skip = meta?.Endpoints?.docker?.SkipTLSVerify;
  } catch (err) {
    throw new ResolveError(l10n.t('Docker context "{0}" ({1}) is damaged: {2} is not JSON ({3}). Recreate it with "docker context create", {4}, or set {5}.', name, how, metaFile, (err as Error).message, other, ids.host), l10n.t('context "{0}"', name));
  }
  if (typeof host !== 'string' || host === '') {
    throw new ResolveError(l10n.t('Docker context "{0}" ({1}) has no Docker endpoint: {2} has no Endpoints.docker.Host. Recreate it with "docker context create {3} --docker host=…", {4}, or set {5}.', name, how, metaFile, name, other, ids.host), l10n.t('context "{0}"', name));
  }
  const origin = originText(source, ids, name, metaFile);
  return fromHost(host, source, ids, () => contextTls(configDir, name, skip === true, origin), name, origin, l10n.t('Fix it with "docker context update {0} --docker host=…", {1}, or set {2}.', name, other, ids.host));
}

function defaultSocket(input: ResolveInput): Endpoint {
  const system = input.defaultSocket ?? DEFAULT_SOCKET;
  const runtime = input.env.XDG_RUNTIME_DIR;
  if (!existsSync(system) && runtime && path.isAbsolute(runtime) && existsSync(path.join(runtime, 'docker.sock'))) {
    const socketPath = path.join(runtime, 'docker.sock');
    const url = `unix://${socketPath}`;
    return { source: 'rootless', kind: 'unix', socketPath, protocol: 'http', url, address: addressOf(url, 'rootless', idsOf(input)) };
  }
  const url = `unix://${system}`;
  return { source: 'default', kind: 'unix', socketPath: system, protocol: 'http', url, address: addressOf(url, 'default', idsOf(input)) };
}

function currentContext(input: ResolveInput): string | undefined {
  const file = path.join(dockerConfigDir(input.env, input.home), 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw new ResolveError(l10n.t('Cannot read the docker CLI config {0} ({1}), which may name the current context: make it readable, or set {2}.', file, (err as { code?: string }).code ?? String(err), idsOf(input).host), l10n.t('{0} (the docker CLI config)', file));
  }
  let current: unknown;
  try {
    current = (JSON.parse(text) as { currentContext?: unknown } | null)?.currentContext;
  } catch (err) {
    throw new ResolveError(l10n.t('The docker CLI config {0} is not JSON ({1}), so its current context cannot be read: fix the file, or set {2}.', file, (err as Error).message, idsOf(input).host), l10n.t('{0} (the docker CLI config)', file));
  }
  return typeof current === 'string' && current !== '' ? current : undefined;
}

/** Runs `fn`; a failure's address becomes `where` (what could not be resolved, and from where), its setting `setting`. */
function at<T>(where: string, fn: () => T, setting: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ResolveError) throw new ResolveError(err.message, where, setting);
    throw err;
  }
}

function resolve(input: ResolveInput): Endpoint {
  const { setting } = input;
  const ids = idsOf(input);
  if (setting) {
    const origin = l10n.t('setting {0}', ids.host);
    return at(
      l10n.t('{0} (from setting {1})', setting, ids.host),
      () => fromHost(setting, 'setting', ids, () => envTls(input.env, input.home, origin), undefined, origin, l10n.t('Set {0} to "" or to a host such as "unix:///var/run/docker.sock", "tcp://host:2376" or "ssh://user@host".', ids.host)),
      ids.host,
    );
  }
  if (input.context) {
    const name = input.context;
    return at(l10n.t('context "{0}" (from setting {1})', name, ids.context), () => fromContext(name, 'context setting', input), ids.context); // l10n-ignore: an id of fromContext's source
  }
  const dockerHost = input.env.DOCKER_HOST;
  if (dockerHost) {
    return at(
      l10n.t('{0} (from env DOCKER_HOST)', dockerHost),
      () => fromHost(dockerHost, 'DOCKER_HOST', ids, () => envTls(input.env, input.home, l10n.t('env DOCKER_HOST')), undefined, l10n.t('env DOCKER_HOST'), l10n.t('Fix or unset DOCKER_HOST, or set {0}, which comes first.', ids.host)),
      ids.host,
    );
  }
  const named = input.env.DOCKER_CONTEXT;
  if (named) return at(l10n.t('context "{0}" (from env DOCKER_CONTEXT)', named), () => fromContext(named, 'DOCKER_CONTEXT', input), ids.host);
  const current = currentContext(input);
  if (current) return at(l10n.t('context "{0}" (the current context)', current), () => fromContext(current, 'current context', input), ids.host); // l10n-ignore: an id of fromContext's source
  return defaultSocket(input);
}

/**
 * The engine's endpoint, as the docker CLI would find it, or an EngineError (kind 'settings')
 * whose message names the source and the fix. Never throws.
 */
export function resolveEndpoint(input: ResolveInput): EndpointResult {
  try {
    return { ok: true, endpoint: resolve(input) };
  } catch (err) {
    if (!(err instanceof ResolveError)) throw err;
    return { ok: false, address: err.address, error: new EngineError(err.message, 'settings', undefined, { setting: err.setting ?? idsOf(input).host }) };
  }
}

/** Where the engine is, for a message: the endpoint's address, or what could not be resolved. */
export function describeEndpoint(input: ResolveInput): string {
  const r = resolveEndpoint(input);
  return r.ok ? r.endpoint.address : r.address;
}
