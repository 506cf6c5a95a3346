/**
 * Processes of the end-to-end harness (host.ts, hostBrowser.ts): stopping code-server's process tree,
 * reading the process table from /proc, running a command to its end, a log's tail.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

/**
 * SIGTERM to the server's process group (code-server then ends its extension hosts), SIGKILL to
 * whatever is left after 5 s, including descendants that moved to a session of their own (a
 * terminal's shell). Resolves when none of them exists any more.
 */
export async function stopProcessTree(pid: number, exited: Promise<void>): Promise<void> {
  const tree = new Map<number, string>([[pid, startTime(pid) ?? '']]);
  for (const p of descendants(pid)) {
    tree.set(p, startTime(p) ?? '');
  }
  const signalAll = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is empty already
    }
    for (const [p, started] of tree) {
      // Pids are reused: only signal a process that is still the one we recorded.
      if (p !== pid && startTime(p) === started) {
        try {
          process.kill(p, sig);
        } catch {
          // gone
        }
      }
    }
  };
  signalAll('SIGTERM');
  const gone = (): boolean => [...tree].every(([p, started]) => startTime(p) !== started) && !groupAlive(pid);
  const deadline = Date.now() + 5_000;
  while (!gone() && Date.now() < deadline) {
    await delay(100);
  }
  if (!gone()) {
    signalAll('SIGKILL');
    const hard = Date.now() + 5_000;
    while (!gone() && Date.now() < hard) {
      await delay(50);
    }
  }
  await exited;
}

/** Start time of a live (not zombie) process, from /proc/PID/stat; undefined when gone. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function procTable(): Array<{ pid: number; ppid: number; pgid: number; state: string }> {
  const rows = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      rows.push({ pid: Number(name), state: f[0] ?? '', ppid: Number(f[1]), pgid: Number(f[2]) });
    } catch {
      // exited while we looked
    }
  }
  return rows;
}

function descendants(root: number): number[] {
  const table = procTable();
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift();
    for (const row of table) {
      if (row.ppid === parent) {
        found.push(row.pid);
        queue.push(row.pid);
      }
    }
  }
  return found;
}

/** Process groups of the Chromium that runs with this profile (Playwright starts it detached). */
export function chromiumProcessGroups(profileDir: string): Set<number> {
  const groups = new Set<number>();
  for (const row of procTable()) {
    try {
      const cmdline = readFileSync(`/proc/${row.pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes(`--user-data-dir=${profileDir}`)) {
        groups.add(row.pgid);
      }
    } catch {
      // exited while we looked
    }
  }
  return groups;
}

export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) {
    await delay(50);
  }
}

function groupAlive(pgid: number): boolean {
  return procTable().some((row) => row.pgid === pgid && row.state !== 'Z');
}

/** Runs a command to completion; resolves with its stdout + stderr when piped. */
export function run(cmd: string, args: string[], options: Parameters<typeof spawn>[2]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, options);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve(output) : reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${signal ?? code})\n${output.slice(-4000)}`)),
    );
  });
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
