/**
 * A Docker host URL as the docker CLI takes it (its -H flag, DOCKER_HOST, a context's Host): unix://,
 * npipe://, tcp://host[:port] or ssh://[user@]host[:port], before TLS and default ports are applied.
 * No `vscode` here. Shared by settings validation (at activation) and endpoint resolution (endpoint.ts).
 */
import * as l10n from '@vscode/l10n';

/** A host written as the CLI takes it, before TLS and default ports are applied. */
export type ParsedHost =
  | { kind: 'unix' | 'npipe'; path: string }
  | { kind: 'tcp'; host: string; port?: number }
  | { kind: 'ssh'; username?: string; host: string; port: number };

const HOST_NAME = String.raw`(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)`;
const TCP = new RegExp(String.raw`^tcp://${HOST_NAME}(?::([^/]*))?/?$`);
const SSH = new RegExp(String.raw`^ssh://(?:([^@:/\s]+)(:[^@/\s]*)?@)?${HOST_NAME}(?::([^/]*))?(/.*)?$`);

function portOf(text: string): number | string {
  if (text === '') return l10n.t('the port after ":" is empty');
  if (!/^[0-9]{1,5}$/.test(text)) return l10n.t('the port "{0}" is not a number', text);
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : l10n.t('the port {0} is outside 1-65535', n);
}

/**
 * A Docker host URL (unix://, npipe://, tcp://host[:port], ssh://[user@]host[:port]) or why it is
 * not one. Shared by settings validation and resolveEndpoint.
 */
export function parseDockerHost(text: string): ParsedHost | { problem: string } {
  if (text.startsWith('unix://')) {
    const p = text.slice('unix://'.length);
    return p.startsWith('/') ? { kind: 'unix', path: p } : { problem: l10n.t('a unix:// host needs an absolute socket path, as in unix:///var/run/docker.sock') };
  }
  if (text.startsWith('npipe://')) {
    const p = text.slice('npipe://'.length);
    return p ? { kind: 'npipe', path: p } : { problem: l10n.t('an npipe:// host needs a pipe path, as in npipe:////./pipe/docker_engine') };
  }
  if (text.startsWith('tcp://')) {
    const m = TCP.exec(text);
    if (!m) return { problem: l10n.t('a tcp:// host is tcp://host or tcp://host:port, with no user, path or spaces') };
    if (m[2] === undefined) return { kind: 'tcp', host: m[1] };
    const port = portOf(m[2]);
    return typeof port === 'string' ? { problem: port } : { kind: 'tcp', host: m[1], port };
  }
  if (text.startsWith('ssh://')) {
    const m = SSH.exec(text);
    if (!m) return { problem: l10n.t('an ssh:// host is ssh://user@host or ssh://user@host:port') };
    if (m[2] !== undefined) return { problem: l10n.t('an ssh:// host must not carry a password: use an SSH key, as your ssh client offers it (ssh-agent, ~/.ssh/config IdentityFile, or ~/.ssh/id_*)') };
    if (m[5] !== undefined && m[5] !== '' && m[5] !== '/') return { problem: l10n.t('an ssh:// host takes no path after the host (the CLI refuses one too)') };
    const port = m[4] === undefined ? 22 : portOf(m[4]);
    return typeof port === 'string' ? { problem: port } : { kind: 'ssh', username: m[1], host: m[3], port };
  }
  return { problem: l10n.t('it starts with none of unix://, tcp://, ssh:// or npipe://') };
}
