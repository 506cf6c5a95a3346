/**
 * The Docker CLI as the UI suite uses it from outside the workbench: inspect, stop and remove containers.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** `docker inspect NAME` → State.Running, or undefined when there is no such container. */
export async function dockerRunning(name: string): Promise<boolean | undefined> {
  try {
    const { stdout } = await execFileP('docker', ['inspect', '-f', '{{.State.Running}}', name]);
    return stdout.trim() === 'true';
  } catch {
    return undefined;
  }
}

/** `docker inspect NAME` → the facts the suite checks, or undefined when there is no such container. */
export async function dockerState(name: string): Promise<{ id: string; running: boolean; exitCode: number; env: string[] } | undefined> {
  try {
    const { stdout } = await execFileP('docker', ['inspect', '-f', '{{json .Id}} {{json .State.Running}} {{json .State.ExitCode}} {{json .Config.Env}}', name]);
    const [id, running, exitCode, env] = stdout.trim().split(' ').map((part) => JSON.parse(part) as unknown);
    return { id: String(id), running: running === true, exitCode: Number(exitCode), env: Array.isArray(env) ? env.map(String) : [] };
  } catch {
    return undefined;
  }
}

/** Bind-mount sources of a container (to tell whose it is); undefined when it does not exist. */
export async function dockerBinds(name: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await execFileP('docker', ['inspect', '-f', '{{range .HostConfig.Binds}}{{println .}}{{end}}', name]);
    return stdout.split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** `docker stop -t 2 NAME` (from outside, as a user in a terminal would). */
export async function dockerStop(name: string): Promise<void> {
  await execFileP('docker', ['stop', '-t', '2', name]);
}

/** `docker rm -f` the containers that exist among `names`; returns the ones removed. */
export async function dockerRemove(names: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const name of names) {
    if ((await dockerRunning(name)) === undefined) continue;
    await execFileP('docker', ['rm', '-f', name]).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
