/** Small helpers shared by the extension-host suites (they run inside VS Code's extension host). */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export const EXTENSION_ID = 'isaac-sim-orchestrator.isaac-sim-orchestrator';

export interface InspectedContainer {
  Name: string;
  State: { Running: boolean };
  Config: { Image: string; Env: string[] | null; Cmd: string[] | null; Entrypoint: string[] | null; Labels: Record<string, string> };
  HostConfig: { Runtime: string; Memory: number; Binds: string[] | null; DeviceRequests: unknown[] | null; NetworkMode: string };
}

/** `docker inspect NAME` through the CLI (a second client, on DOCKER_HOST); undefined when there is none. */
export async function dockerInspect(name: string): Promise<InspectedContainer | undefined> {
  try {
    const { stdout } = await run('docker', ['inspect', '--type', 'container', name]);
    return (JSON.parse(stdout) as InspectedContainer[])[0];
  } catch {
    return undefined;
  }
}

/** Polls `check` every 50 ms until it returns a truthy value, which it resolves with. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface CountingProxy {
  requests: () => number;
  /** `METHOD /path` (query dropped) of every request so far, with the time it was seen. */
  lines: () => Array<{ at: number; line: string }>;
  /** Resolves with the next request line (that `match` matches, if given) as soon as one passes, or undefined once `timeoutMs` has passed without one. */
  nextRequest: (timeoutMs: number, match?: RegExp) => Promise<{ at: number; line: string } | undefined>;
  close: () => void;
}

/**
 * A unix-socket proxy to the real engine that counts (and records) the HTTP requests passing
 * through it. `clock` stamps each request line (the benchmark passes a sub-millisecond one).
 */
export function countingProxy(listenPath: string, upstreamPath: string, clock: () => number = Date.now): Promise<CountingProxy> {
  const seen: Array<{ at: number; line: string }> = [];
  const waiting = new Set<(entry: { at: number; line: string }) => void>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPath);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      const at = clock();
      for (const m of chunk.toString('latin1').matchAll(/^(GET|POST|PUT|DELETE|HEAD) (\/\S*) HTTP\/1\.[01]\r$/gm)) {
        const entry = { at, line: `${m[1]} ${m[2].split('?')[0]}` };
        seen.push(entry);
        for (const wake of waiting) wake(entry);
      }
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  rmSync(listenPath, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPath, () =>
      resolve({
        requests: () => seen.length,
        lines: () => [...seen],
        nextRequest: (timeoutMs, match) =>
          new Promise((resolveNext) => {
            const done = (entry: { at: number; line: string } | undefined) => {
              if (entry && match && !match.test(entry.line)) return;
              clearTimeout(timer);
              waiting.delete(done);
              resolveNext(entry);
            };
            const timer = setTimeout(() => done(undefined), timeoutMs);
            waiting.add(done);
          }),
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      }),
    );
  });
}

/** The socket of the engine the runner's DOCKER_HOST names (the default socket when unset). */
export function upstreamSocket(): string {
  return (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
}
