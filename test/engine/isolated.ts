/**
 * A Docker daemon of a test's own: its own socket, data-root, exec-root and pid file under one
 * short folder in /tmp, so a test can kill and restart it without touching the shared engine.
 * Started through scripts/dockerd.sh (DOCKERD_DATA_ROOT / DOCKERD_RUN_DIR / DOCKERD_EXTRA_ARGS).
 *
 *   const d = await IsolatedDaemon.create();   // folder only
 *   await d.start({ liveRestore: true });      // dockerd answers on d.host
 *   await d.loadStandin();                     // the stand-in image, built into this daemon
 *   d.kill();                                  // SIGKILL, as a crash would
 *   await d.teardown();                        // always: containers, daemon, mounts, folders
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './helpers';

const run = promisify(execFile);

/** Why an isolated daemon cannot run here, or undefined when it can. */
export function isolatedDaemonUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'an isolated dockerd needs root';
  const found = spawnSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' });
  if (found.status !== 0) return 'dockerd is not installed (apt-get install -y docker.io)';
  return undefined;
}

export class IsolatedDaemon {
  /** unix:///tmp/isr-XXXXXX/d.sock */
  readonly host: string;
  private readonly dataRoot: string;
  private readonly runDir: string;
  private liveRestore = false;

  private constructor(readonly root: string) {
    // Short paths: the daemon's socket and containerd's sockets under the exec-root must stay
    // under the 108-byte unix socket limit.
    this.host = `unix://${root}/d.sock`;
    this.dataRoot = path.join(root, 'data');
    this.runDir = path.join(root, 'run');
  }

  static create(): IsolatedDaemon {
    return new IsolatedDaemon(mkdtempSync('/tmp/isr-'));
  }

  private get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DOCKER_HOST: this.host,
      DOCKERD_DATA_ROOT: this.dataRoot,
      DOCKERD_RUN_DIR: this.runDir,
      DOCKERD_EXTRA_ARGS: this.liveRestore ? '--live-restore' : '',
      DOCKERD_TIMEOUT: '60',
    };
  }

  /** Starts dockerd (again) on this folder; resolves once it answers. */
  async start(opts: { liveRestore?: boolean } = {}): Promise<void> {
    this.liveRestore = opts.liveRestore ?? this.liveRestore;
    try {
      await run('bash', [path.join(REPO, 'scripts/dockerd.sh'), 'start'], { env: this.env, timeout: 90_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`isolated dockerd did not start: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}\n${this.logTail()}`, { cause: err });
    }
  }

  /** Stops the daemon the ordinary way (SIGTERM). With --live-restore its containers keep running. */
  async stop(): Promise<void> {
    await run('bash', [path.join(REPO, 'scripts/dockerd.sh'), 'stop'], { env: this.env, timeout: 60_000 });
  }

  /** Builds the stand-in image into this daemon (about a second: FROM scratch + busybox). */
  async loadStandin(): Promise<void> {
    await run('bash', [path.join(REPO, 'scripts/build-standin.sh')], { env: { ...process.env, DOCKER_HOST: this.host }, timeout: 120_000 });
  }

  /** The docker CLI against this daemon only (the variable is set for the child, not for us). */
  async docker(...args: string[]): Promise<string> {
    const { stdout } = await run('docker', ['--host', this.host, ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOCKER_HOST: this.host } });
    return stdout;
  }

  /** stdout and stderr of a CLI call against this daemon, kept apart. */
  async dockerSplit(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run('docker', ['--host', this.host, ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOCKER_HOST: this.host } });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw `docker inspect` JSON, read field by field in assertions
  async inspect(name: string): Promise<Record<string, any> | undefined> {
    try {
      return JSON.parse(await this.docker('inspect', name))[0];
    } catch {
      return undefined;
    }
  }

  /** The running dockerd's pid (from its own pid file, checked against /proc), if any. */
  pid(): number | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(path.join(this.runDir, 'docker.pid'), 'utf8').trim());
    } catch {
      return undefined;
    }
    return Number.isInteger(pid) && pid > 0 && isProcessWith(pid, this.root) ? pid : undefined;
  }

  /** SIGKILLs the daemon, as a crash would. Returns Date.now() right before the signal. */
  kill(): number {
    const pid = this.pid();
    if (pid === undefined) throw new Error('isolated dockerd is not running');
    const at = Date.now();
    process.kill(pid, 'SIGKILL');
    return at;
  }

  /**
   * Waits until the killed daemon (and the containerd it ran, which dies with it) is dead. Their
   * parent here is pid 1, which may reap them only seconds later, and dockerd trusts a pid file whose
   * process still exists, even as a zombie: it then refuses to start ("pid file found") or waits in
   * vain for the dead containerd's socket. So the dead processes' pid files are removed.
   */
  async waitGone(timeoutMs = 10_000): Promise<void> {
    const pidFiles = [path.join(this.runDir, 'docker.pid'), path.join(this.runDir, 'exec/containerd/containerd.pid')];
    const pids = pidFiles.map((f) => {
      try {
        return Number(readFileSync(f, 'utf8').trim());
      } catch {
        return 0;
      }
    });
    const deadline = Date.now() + timeoutMs;
    const daemonAlive = () => this.pid() !== undefined;
    // containerd normally dies with dockerd; if one ever outlives it, dockerd reuses it (keep its file).
    const containerdGrace = Date.now() + 2000;
    while (daemonAlive() || (pids[1] > 0 && isAlive(pids[1]) && Date.now() < containerdGrace)) {
      if (Date.now() > deadline) throw new Error('isolated dockerd still running after SIGKILL');
      await new Promise((r) => setTimeout(r, 50));
    }
    pidFiles.forEach((file, k) => {
      if (pids[k] > 0 && !isAlive(pids[k])) {
        try {
          if (Number(readFileSync(file, 'utf8').trim()) === pids[k]) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      }
    });
  }

  logTail(lines = 30): string {
    try {
      const all = readFileSync(path.join(this.runDir, 'dockerd.log'), 'utf8').trimEnd().split('\n');
      return `--- tail of the isolated dockerd log ---\n${all.slice(-lines).join('\n')}`;
    } catch {
      return '(no isolated dockerd log)';
    }
  }

  /**
   * Always safe to call, also after a failed or half-done start: removes every container of this
   * daemon, stops it, kills what is left of it (its containerd, shims and container processes, found
   * by this folder's path and its containers' ids), unmounts everything under the folder, deletes it.
   */
  async teardown(): Promise<void> {
    const problems: string[] = [];
    if (!existsSync(this.root)) return;
    try {
      // A killed daemon left running containers behind: start it again (without live-restore it
      // stops them itself) so that they are removed the proper way.
      if (this.pid() === undefined && existsSync(this.dataRoot)) {
        this.liveRestore = false;
        await this.waitGone(); // removes a dead daemon's pid files
        await this.start().catch((err: unknown) => problems.push(`restart for cleanup: ${String(err)}`));
      }
      if (this.pid() !== undefined) {
        const ids = (await this.docker('ps', '-aq').catch(() => '')).split('\n').filter(Boolean);
        if (ids.length > 0) await this.docker('rm', '-f', ...ids).catch((err: unknown) => problems.push(`docker rm: ${String(err)}`));
        await run('bash', [path.join(REPO, 'scripts/dockerd.sh'), 'stop'], { env: this.env, timeout: 60_000 }).catch((err: unknown) => problems.push(`dockerd.sh stop: ${String(err)}`));
      }
    } finally {
      this.killLeftovers();
      this.unmountAll();
      try {
        rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        problems.push(`rm ${this.root}: ${String(err)}`);
      }
    }
    if (problems.length > 0) process.stderr.write(`isolated dockerd teardown: ${problems.join('; ')}\n`);
  }

  /** SIGKILLs, by pid, processes that belong to this daemon and are still alive. */
  private killLeftovers(): void {
    const containerIds = (() => {
      try {
        return readdirSync(path.join(this.dataRoot, 'containers')).filter((d) => /^[0-9a-f]{64}$/.test(d));
      } catch {
        return [];
      }
    })();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid === process.pid) continue;
      const ours = isProcessWith(pid, this.root) || (containerIds.length > 0 && inCgroupOf(pid, containerIds));
      if (!ours) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private unmountAll(): void {
    let mounts: string[];
    try {
      mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n');
    } catch {
      return;
    }
    const points = mounts
      .map((l) => l.split(' ')[1]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
      .filter((p): p is string => p !== undefined && (p === this.root || p.startsWith(`${this.root}/`)))
      .sort((a, b) => b.length - a.length);
    for (const p of points) spawnSync('umount', ['-l', p]);
  }
}

/** The process exists and is not a zombie. */
function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The process is alive (not a zombie) and its command line names `root`. */
function isProcessWith(pid: number, root: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => arg.includes(`${root}/`) || arg === root);
  } catch {
    return false;
  }
}

function inCgroupOf(pid: number, ids: string[]): boolean {
  try {
    const cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    return ids.some((id) => cgroup.includes(id));
  } catch {
    return false;
  }
}
