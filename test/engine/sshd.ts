/**
 * An sshd of a test's own on 127.0.0.1 (Debian's openssh-server), for ssh:// engines: host key and
 * user key from ssh-keygen, public-key login only, and sessions whose DOCKER_HOST is the daemon the
 * test means, so that `docker system dial-stdio` run there (as the docker CLI runs it) reaches it.
 *
 * OpenSSH reads ~/.ssh from the passwd entry's home, not $HOME, so a test cannot move it: `config()`
 * writes a file for `ssh -F` (engine option sshArgs) naming the test's known_hosts and identity; -F
 * also leaves out /etc/ssh/ssh_config and the user's own ~/.ssh/config.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './helpers';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The last lines of a log file, for an error message. */
export function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Stops a child process: SIGTERM, then SIGKILL after `timeoutMs`. */
export async function stopProcess(child: ChildProcess | undefined, timeoutMs = 20_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export interface SshConfigOptions {
  identity?: string;
  knownHost: boolean;
  identitiesOnly?: boolean;
}

export interface TestSshd {
  port: number;
  /** The user's private key (its .pub is the one authorized_keys holds). */
  userKey: string;
  dir: string;
  /** `-F <file>` for ssh, in a folder `name` of its own: known_hosts (with this sshd's key if `knownHost`) and identity. */
  config(name: string, opts: SshConfigOptions): string[];
  stop(): Promise<void>;
}

/** Starts sshd under `dir` (made here), its sessions' DOCKER_HOST set to `dockerHost`. */
export async function startSshd(dir: string, dockerHost: string): Promise<TestSshd> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'isaac-sim-orchestrator-test', '-f', path.join(dir, 'user_key')]);
  const userKey = path.join(dir, 'user_key');
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`), { mode: 0o600 });
  const hostPub = readFileSync(path.join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  // sshd insists on its privilege separation folder.
  let createdRunSshd = false;
  if (!existsSync('/run/sshd')) {
    mkdirSync('/run/sshd', { mode: 0o755 });
    createdRunSshd = true;
  }
  const port = await freePort();
  const log = path.join(dir, 'sshd.log');
  const out = openSync(log, 'a');
  const args = [
    '-D', '-e', '-f', '/dev/null',
    '-o', `ListenAddress=127.0.0.1:${port}`,
    '-o', `HostKey=${path.join(dir, 'host_key')}`,
    '-o', `PidFile=${path.join(dir, 'sshd.pid')}`,
    '-o', `AuthorizedKeysFile=${path.join(dir, 'authorized_keys')}`,
    '-o', 'PasswordAuthentication=no', '-o', 'KbdInteractiveAuthentication=no', '-o', 'UsePAM=no',
    '-o', 'StrictModes=no', '-o', 'PermitRootLogin=prohibit-password',
    '-o', `SetEnv=DOCKER_HOST=${dockerHost} PATH=${process.env.PATH}`,
  ];
  const sshd = spawn('/usr/sbin/sshd', args, { env: { PATH: process.env.PATH }, stdio: ['ignore', out, out] });
  await waitFor(`sshd to listen on 127.0.0.1:${port} (log: ${log})`, async () => {
    if (sshd.exitCode !== null) throw new Error(`sshd exited: ${tail(log)}`);
    return new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
  });
  return {
    port,
    userKey,
    dir,
    config(name, opts) {
      const own = path.join(dir, name);
      mkdirSync(own, { recursive: true, mode: 0o700 });
      const knownHosts = path.join(own, 'known_hosts');
      writeFileSync(knownHosts, opts.knownHost ? `[127.0.0.1]:${port} ${hostPub}\n` : '');
      const file = path.join(own, 'ssh_config');
      writeFileSync(
        file,
        [
          'Host *',
          `  UserKnownHostsFile ${knownHosts}`,
          '  GlobalKnownHostsFile /dev/null',
          '  StrictHostKeyChecking yes',
          `  IdentityFile ${opts.identity ?? 'none'}`,
          `  IdentitiesOnly ${opts.identitiesOnly === false ? 'no' : 'yes'}`,
          '  ControlMaster no',
          '',
        ].join('\n'),
      );
      return ['-F', file];
    },
    async stop() {
      await stopProcess(sshd);
      if (createdRunSshd) rmSync('/run/sshd', { recursive: true, force: true });
    },
  };
}
