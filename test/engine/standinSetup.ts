// What the stand-in image suites (standinImage, standin42, standinFull, standinModes) share: the
// image tags, containers and volumes started through the docker CLI (which honours DOCKER_HOST) and
// removed after each file, reading their logs and exit codes, and plain HTTP / TCP probes of their
// ports on 127.0.0.1. standinHooks() builds the images before a file's tests and cleans up after.
//
// Nothing here follows the 4.2 web client's redirect: its Location may name a private address of
// the host and no traffic may leave loopback. Only the header is read.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { dockerOk, dockerRun, run, type Run } from './exec';

const STEP = '0.05'; // seconds between startup lines: keeps each run well under a second
export const TEST_LABEL = 'dev.isaac-sim-orchestrator.test=1';
export const HTTP_ARG = '--/exts/omni.services.transport.server.http/port=';
export const READY_42 = 'Isaac Sim Headless WebRTC App is loaded.';
export const READY_FULL = 'Isaac Sim Full Streaming App is loaded.';

function repoRoot(): string {
  for (const startDir of [__dirname, process.cwd()]) {
    for (let dir = startDir; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'stand-in', 'IMAGE'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`stand-in/IMAGE not found above ${__dirname} or ${process.cwd()}`);
}
const ROOT = repoRoot();
export const TAGS = readFileSync(path.join(ROOT, 'stand-in', 'IMAGE'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
export const IMG = { latest: TAGS[0], v42: 'isaac-sim-standin:4.2.0', v51: 'isaac-sim-standin:5.1.0', v60: 'isaac-sim-standin:6.0.1' };

const docker = dockerRun;

export const containers = new Set<string>();
const volumes = new Set<string>();
export const tempDirs: string[] = [];
let seq = 0;
export const uniq = (what: string) => `standin-test-${process.pid}-${what}-${++seq}`;

export interface StartOpts { env?: Record<string, string>; args?: string[]; eula?: boolean; runArgs?: string[]; create?: boolean }
function runArgs(name: string, image: string, o: StartOpts): string[] {
  const env: Record<string, string> = { STANDIN_STEP_SECONDS: STEP, ...(o.eula === false ? {} : { ACCEPT_EULA: 'Y' }), ...o.env };
  return ['--name', name, '--label', TEST_LABEL, '--network', 'host', ...(o.runArgs ?? []),
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), image, ...(o.args ?? [])];
}
/** Starts (or only creates) a detached container on the host network; returns its name. */
export async function start(image: string, o: StartOpts = {}): Promise<string> {
  const name = uniq('c');
  containers.add(name);
  if (o.create) await dockerOk('create', ...runArgs(name, image, o));
  else await dockerOk('run', '-d', ...runArgs(name, image, o));
  return name;
}
/** Runs a container to its end (not detached); returns exit code and both streams. */
export async function runToEnd(image: string, o: StartOpts = {}): Promise<Run> {
  const name = uniq('r');
  containers.add(name);
  try {
    return await run('docker', ['run', ...runArgs(name, image, o)], 60_000);
  } finally {
    await remove(name);
  }
}
export async function remove(name: string): Promise<void> {
  await docker('rm', '-f', name);
  containers.delete(name);
}
export async function volume(): Promise<string> {
  const v = uniq('v');
  volumes.add(v);
  await dockerOk('volume', 'create', '--label', TEST_LABEL, v);
  return v;
}
export async function logs(name: string): Promise<{ stdout: string; stderr: string }> {
  const r = await docker('logs', name);
  assert.equal(r.code, 0, `docker logs ${name}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
export const lines = (s: string) => s.split('\n').filter((l) => l.length > 0);
export const READY_RE = (title: string) => new RegExp(`^\\[\\d+\\.\\d{3}s\\] ${title.replace(/\./g, '\\.')}$`);

/** Waits for the readiness line ("[N.NNNs] <title> App is loaded."); fails early if the container ends. */
export async function waitReady(name: string, readyLine: string): Promise<string> {
  return waitFor(`${name} readiness`, async () => {
    const l = await logs(name);
    if (lines(l.stdout).some((x) => READY_RE(readyLine).test(x))) return l.stdout;
    const st = (await dockerOk('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name)).trim();
    if (!st.startsWith('running')) throw new Error(`${name} ended (${st}) before ready:\n${l.stdout}\n--- stderr ---\n${l.stderr}`);
    return undefined;
  });
}
export async function exitCode(name: string): Promise<number> {
  const r = await run('docker', ['wait', name], 30_000);
  assert.equal(r.code, 0, `docker wait ${name}: ${r.stderr}`);
  return Number(r.stdout.trim());
}
/**
 * One GET on a connection of its own, never following a redirect (the 4.2 redirect names a
 * non-loopback address). Not fetch, which failed once in CI with a bare "fetch failed" on the third
 * request to the same port; the likely cause is its pool reusing a connection that the stand-in's
 * busybox httpd closes after each reply. A connection per request leaves no such race, and an error
 * here names the request.
 */
export function get(port: number, urlPath: string): Promise<{ status: number; body: string; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port}${urlPath} took over 5 s`)));
    req.on('error', (err) => reject(new Error(`GET 127.0.0.1:${port}${urlPath}: ${err.message}`, { cause: err })));
  });
}
export function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(5000, () => socket.destroy(new Error(`connect to 127.0.0.1:${port} took over 5 s`)));
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('error', reject);
  });
}

/** The hooks of a stand-in test file: call it once at its top level. */
export function standinHooks(): void {
  before(async () => {
    const b = await run('bash', [path.join(ROOT, 'scripts', 'build-standin.sh')], 180_000);
    assert.equal(b.code, 0, `build-standin.sh failed:\n${b.stdout}\n${b.stderr}`);
  });
  after(async () => {
    for (const name of [...containers]) await remove(name);
    for (const v of volumes) await docker('volume', 'rm', '-f', v);
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
}
