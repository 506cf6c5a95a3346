/**
 * The SSH side of an ssh:// engine, as options for docker-modem's SSH transport (its lib/ssh.js:
 * an ssh2 Client per request that runs `docker system dial-stdio` on the remote and speaks the
 * Engine API over that channel, the way the docker CLI's ssh connection helper does).
 *
 * Keys are offered the way ssh(1) offers them without a config: first the agent at SSH_AUTH_SOCK,
 * then the default identity files ~/.ssh/id_rsa, id_ecdsa, id_ed25519 (ssh(1) -i's list, without the
 * hardware-key and legacy ones ssh2 cannot use); a file with a passphrase is skipped (there is no
 * prompt here: load such a key into ssh-agent). ssh2 would accept any host key: like ssh(1) with
 * StrictHostKeyChecking, the server's key must be in ~/.ssh/known_hosts (or /etc/ssh/ssh_known_hosts),
 * plain or hashed (HashKnownHosts), "[host]:port" for a port other than 22.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];

type AuthMethod = { type: 'agent'; username: string; agent: string } | { type: 'publickey'; username: string; key: Buffer };

export interface SshTransport {
  username: string;
  /** docker-modem's `sshOptions`, handed to ssh2's Client.connect (with host, port and username). */
  sshOptions: {
    authHandler: AuthMethod[];
    hostVerifier: (key: Buffer) => boolean;
    readyTimeout: number;
  };
  /** What is offered, for the log: "ssh-agent (SSH_AUTH_SOCK), ~/.ssh/id_ed25519". Never key material. */
  offered: string[];
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The names a known_hosts line must list for this host and port. */
function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** A known_hosts host pattern (plain with * and ?, or |1|salt|hash) matches the name. */
function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** Keys recorded for the name in known_hosts files: trusted ones, and @revoked ones. */
export function knownHostKeys(files: string[], host: string, port: number): { trusted: Buffer[]; revoked: Buffer[] } {
  const name = knownHostName(host, port);
  const trusted: Buffer[] = [];
  const revoked: Buffer[] = [];
  for (const file of files) {
    const text = readIfThere(file)?.toString('utf8');
    if (!text) continue;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
      if (marker === '@cert-authority' || fields.length < 3) continue; // host certificates: not supported, not trusted
      const patterns = fields[0].split(',');
      const negated = patterns.some((p) => p.startsWith('!') && patternMatches(p.slice(1), name));
      if (negated || !patterns.some((p) => !p.startsWith('!') && patternMatches(p, name))) continue;
      const key = Buffer.from(fields[2], 'base64');
      (marker === '@revoked' ? revoked : trusted).push(key);
    }
  }
  return { trusted, revoked };
}

export function sshTransport(ssh: { username?: string; host: string; port: number }, env: NodeJS.ProcessEnv, home: string): SshTransport {
  let username = ssh.username;
  if (!username) {
    try {
      username = os.userInfo().username;
    } catch {
      username = env.USER || 'root';
    }
  }
  const authHandler: AuthMethod[] = [];
  const offered: string[] = [];
  if (env.SSH_AUTH_SOCK) {
    authHandler.push({ type: 'agent', username, agent: env.SSH_AUTH_SOCK });
    offered.push('ssh-agent (SSH_AUTH_SOCK)');
  }
  for (const name of DEFAULT_IDENTITIES) {
    const file = path.join(home, '.ssh', name);
    const key = readIfThere(file);
    if (key) {
      authHandler.push({ type: 'publickey', username, key });
      offered.push(file);
    }
  }
  const knownHosts = [path.join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
  return {
    username,
    offered,
    sshOptions: {
      authHandler,
      // Read on every connection, so that a key recorded with ssh(1) counts at once.
      hostVerifier: (key: Buffer) => {
        const { trusted, revoked } = knownHostKeys(knownHosts, ssh.host, ssh.port);
        return !revoked.some((k) => k.equals(key)) && trusted.some((k) => k.equals(key));
      },
      readyTimeout: 20_000,
    },
  };
}
