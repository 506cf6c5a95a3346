/**
 * ssh:// engines the way the docker CLI reaches them: its connection helper (docker/cli
 * cli/connhelper/connhelper.go, with the arguments of cli/connhelper/ssh/ssh.go) runs the SYSTEM ssh
 * client, `ssh [-l user] [-p port] -- host docker system dial-stdio`, and speaks HTTP over the child's
 * stdin and stdout (cli/connhelper/commandconn). So the user's ~/.ssh/config (Host aliases, User,
 * Port, IdentityFile, ProxyJump, ControlMaster), known_hosts, ssh-agent (SSH_AUTH_SOCK) and keys work
 * here exactly as in their terminal and for `docker -H ssh://…`, and host keys are checked by OpenSSH.
 *
 * Here that is an http.Agent (docker-modem's `agent` option, with protocol 'http') whose
 * createConnection spawns ssh (no shell) and returns a Duplex over its pipes. Differences from the CLI:
 * - `-o BatchMode=yes`: the extension host has no terminal, so ssh must never wait for a prompt (a
 *   password, a passphrase, "are you sure you want to continue connecting"); it fails instead, and its
 *   stderr says why (errors.ts turns the usual failures into a message with the fix).
 * - `-o ConnectTimeout=8` (the CLI: 30), so that for a host that does not answer, ssh's own "timed
 *   out" (which errors.ts describes) comes before the engine's 10 s connect check gives up.
 * - `-p` only for a port other than 22: the endpoint does not keep whether ":22" was written, and an
 *   URL without a port must leave the port to ~/.ssh/config, as the CLI does.
 *
 * Connections: one ssh process per HTTP connection, not pooled (the agent's keepAlive is off, so each
 * request says "Connection: close" and its ssh exits after the answer). A pool would save a handshake
 * per request, but its idle ssh processes would have to be unreferenced, timed out and killed; and
 * docker-modem's own ssh transport did not pool either (a new ssh2 connection per request). Users who
 * want the handshake gone put ControlMaster/ControlPersist in ~/.ssh/config, which now applies.
 * Long requests (events, a followed log) hold their ssh for as long as they run. engine.ts makes no
 * hijacked calls (attach, exec start); Node's http client would hand this Duplex to docker-modem's
 * 'upgrade' handler as it does a socket, but that path is not exercised here.
 */
import * as l10n from '@vscode/l10n';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import { Duplex } from 'node:stream';

export interface SshTarget {
  username?: string;
  host: string;
  port: number;
}

export interface SshAgentOptions {
  /** The environment of the ssh child (PATH to find ssh, SSH_AUTH_SOCK for the agent). */
  env: NodeJS.ProcessEnv;
  /**
   * Options put before the CLI's own (e.g. ["-F", "/tmp/test/ssh_config"]). Tests only: OpenSSH reads
   * ~/.ssh from the passwd entry's home, not $HOME, so a test points it at a config file of its own.
   */
  extraArgs?: readonly string[];
  /** The ssh program (default "ssh", looked up in env.PATH). */
  command?: string;
}

/** The remote command, as the CLI runs it for an ssh:// URL without a path. */
export const DIAL_STDIO = ['docker', 'system', 'dial-stdio'];

/** ssh's arguments for the target: the CLI's (connhelper.go, ssh.go), plus BatchMode. */
export function sshArgs(target: SshTarget, extraArgs: readonly string[] = []): string[] {
  const args = [...extraArgs, '-o', 'BatchMode=yes'];
  if (!extraArgs.some((a) => /ConnectTimeout/i.test(a))) args.push('-o', 'ConnectTimeout=8');
  args.push('-T');
  if (target.username) args.push('-l', target.username);
  if (target.port !== 22) args.push('-p', String(target.port));
  // "--": a host name is never taken for an option.
  args.push('--', target.host, ...DIAL_STDIO);
  return args;
}

/** Why the ssh child failed: it could not be started, or it exited before the connection was done with. */
export type SshFailure = 'missing' | 'exited';

/**
 * ssh failed. `stderr` is what ssh (and the remote command) wrote, trimmed to its last 4 KB, for
 * errors.ts to describe; `code` marks it for errors.ts.
 */
export class SshError extends Error {
  readonly code = 'ERR_SSH';
  constructor(
    readonly failure: SshFailure,
    readonly command: string,
    /** The whole command line ("ssh -o BatchMode=yes … -- host docker system dial-stdio"): no secrets in it. */
    readonly commandLine: string,
    readonly stderr: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    options?: { cause?: unknown },
  ) {
    super(failure === 'missing' ? l10n.t('{0} could not be started', command) : l10n.t('{0} exited ({1}): {2}', command, String(exitCode ?? signal), stderr.trim() || l10n.t('no output')), options);
    this.name = 'SshError';
  }
}

const STDERR_KEEP = 4096;

/**
 * One HTTP connection: a Duplex over the stdin/stdout of an ssh child. Ending our side ends ssh's
 * stdin; destroying it (or the HTTP request's end) stops ssh. ssh exiting with a failure destroys the
 * stream with an SshError carrying its stderr, which the HTTP request reports as its error.
 */
export class SshConnection extends Duplex {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private exited = false;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    super();
    const commandLine = [command, ...args].join(' ');
    this.child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_KEEP);
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) this.child.stdout.pause();
    });
    // A write to a stdin whose ssh has gone (EPIPE) is reported by 'close' below, with ssh's stderr.
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      this.exited = true;
      if (err.code === 'ENOENT') this.destroy(new SshError('missing', command, commandLine, '', null, null, { cause: err }));
      else this.destroy(err);
    });
    // 'close': exited and all its pipes drained, so stdout is all pushed and stderr complete.
    this.child.on('close', (code, signal) => {
      this.exited = true;
      if (this.destroyed) return;
      if (code === 0) this.push(null);
      else this.destroy(new SshError('exited', command, commandLine, this.stderr, code, signal));
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.child.stdin.destroyed) return callback();
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.child.stdin.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.exited) {
      this.child.stdin.destroy();
      this.child.kill('SIGTERM');
      // As the CLI's commandconn: SIGKILL when SIGTERM was not enough within 3 s.
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      timer.unref();
      this.child.once('exit', () => clearTimeout(timer));
    }
    callback(err);
  }

  // What Node's http client and Agent call on a net.Socket: nothing to do for pipes.
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** docker-modem's `agent` for an ssh:// engine: every connection is a new ssh child (see the top). */
export class SshAgent extends http.Agent {
  constructor(
    readonly target: SshTarget,
    private readonly options: SshAgentOptions,
  ) {
    super({ keepAlive: false });
  }

  /** The command line, for messages and the log: "ssh -o BatchMode=yes … -- host docker system dial-stdio". */
  get commandLine(): string {
    return [this.options.command ?? 'ssh', ...sshArgs(this.target, this.options.extraArgs)].join(' ');
  }

  override createConnection(): Duplex {
    return new SshConnection(this.options.command ?? 'ssh', sshArgs(this.target, this.options.extraArgs), this.options.env);
  }
}
