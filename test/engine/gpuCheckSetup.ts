// What the scripts/gpu-check.sh suites (gpuCheckVersions, gpuCheckSelection) share: the script, the
// versioned stand-in images, the containers a test makes (this suite's label; removed after each
// file), the oracles that measure what is really there without the script (TCP connect, UDP bind,
// HTTP without redirects), and the readers of the report. gpuCheckHooks() starts an engine and
// builds the images if they are missing before a file's tests, and cleans up after.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { dockerOk, dockerRun, run } from './exec';

function repoRoot(): string {
  for (const startDir of [__dirname, process.cwd()]) {
    for (let dir = startDir; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'scripts', 'gpu-check.sh'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`scripts/gpu-check.sh not found above ${__dirname} or ${process.cwd()}`);
}
const ROOT = repoRoot();
const SCRIPT = path.join(ROOT, 'scripts', 'gpu-check.sh');
export const IMAGE = { v42: 'isaac-sim-standin:4.2.0', v51: 'isaac-sim-standin:5.1.0', v6: 'isaac-sim-standin:6.0.1' };
export const OWNER = 'dev.isaac-sim-orchestrator.owner=isaac-sim-orchestrator';
const MINE = 'dev.isaac-sim-orchestrator.test=gpu-check';
// hang mode stops for good right after the shader phase, whose last line is this one.
export const SHADERS_DONE = /Ray tracing shader compilation finished after/;
const READY_RE = /Isaac Sim Headless WebRTC App is loaded\.|Isaac Sim Full Streaming App is loaded\.|Simulation App Startup Complete/;
export const SIGNAL_6X = '--/exts/omni.kit.livestream.app/primaryStream/signalPort=';
export const STREAM_6X = '--/exts/omni.kit.livestream.app/primaryStream/streamPort=';
// Instance numbers far from what the other suites use; ports derive from them, far from the defaults.
export const http = (n: number) => 18300 + n;
// Below Linux's ephemeral range (32768-60999): NVIDIA's 49100/47998 bases sit inside it, where an
// outgoing connection's local port can hold the port a test container binds (seen once in CI).
export const signal = (n: number) => 19100 + n;
export const media = (n: number) => 17900 + n;
export const webViewer = (n: number) => 8210 + n;

export const docker = dockerRun;
export const gpuCheck = (...args: string[]) => run('bash', [SCRIPT, ...args], 120_000);

export const containers = new Set<string>();
export const images = new Set<string>();
export const dirs: string[] = [];

/** Creates (or, with start, runs) a container; refuses to touch a same-named one that is not ours. */
export async function container(name: string, image: string, opts: { labels?: string[]; env?: Record<string, string>; args?: string[]; runArgs?: string[]; start?: boolean } = {}): Promise<string> {
  const existing = await docker('inspect', '-f', '{{index .Config.Labels "dev.isaac-sim-orchestrator.test"}}', name);
  if (existing.code === 0) {
    assert.equal(existing.stdout.trim(), 'gpu-check', `a container named ${name} exists and is not this suite's: not touching it`);
    await docker('rm', '-f', name);
  }
  const env = { ACCEPT_EULA: 'Y', STANDIN_STEP_SECONDS: '0.05', ...opts.env };
  containers.add(name);
  await dockerOk(
    opts.start === false ? 'create' : 'run', ...(opts.start === false ? [] : ['-d']),
    '--name', name, '--network', 'host', '-l', MINE,
    ...(opts.labels ?? []).flatMap((l) => ['-l', l]),
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...(opts.runArgs ?? []), image, ...(opts.args ?? []),
  );
  return name;
}
/** An extension-style instance: isaac-sim-instance-N with the owner and instance labels. */
export function instance(n: number, image: string, opts: { env?: Record<string, string>; args?: string[]; runArgs?: string[] } = {}): Promise<string> {
  return container(`isaac-sim-instance-${n}`, image, { ...opts, labels: [OWNER, `dev.isaac-sim-orchestrator.instance=${n}`] });
}

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
export async function logText(name: string): Promise<string> {
  const r = await docker('logs', name);
  return r.stdout + r.stderr;
}
export async function waitReady(name: string): Promise<void> {
  await waitFor(`${name} readiness line`, async () => {
    if (READY_RE.test(await logText(name))) return true;
    const state = (await dockerOk('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name)).trim();
    if (!state.startsWith('running')) throw new Error(`${name} ended (${state}) before ready:\n${await logText(name)}`);
    return false;
  });
}

// ---- oracles: what is really there, measured without the script ---------------------------
export function tcpListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.setTimeout(3000, () => { s.destroy(); resolve(false); });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
/** Something holds UDP 127.0.0.1:port (or the wildcard) when we cannot bind it. */
export function udpBound(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    s.once('error', (e: NodeJS.ErrnoException) => { s.close(); if (e.code === 'EADDRINUSE') resolve(true); else reject(e); });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}
export async function httpStatus(port: number, urlPath: string): Promise<{ status: string; location: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { redirect: 'manual', signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return { status: String(res.status), location: res.headers.get('location') ?? '' };
  } catch {
    return { status: '000', location: '' };
  }
}

// ---- reading the report ---------------------------------------------------------------------
export function summary(report: string): { checked: number; problems: number } {
  const lines = report.trimEnd().split('\n');
  const m = /^gpu-check: (\d+) container\(s\) checked, (\d+) problem\(s\)$/.exec(lines[lines.length - 1]);
  assert.ok(m, `last line is not the summary:\n${report}`);
  return { checked: Number(m[1]), problems: Number(m[2]) };
}
/** The block of one container, from its "== NAME" line to the next blank line. */
export function section(report: string, name: string): string {
  const start = report.indexOf(`\n== ${name} `);
  assert.ok(start >= 0, `no section for ${name}:\n${report}`);
  const end = report.indexOf('\n\n', start + 1);
  return report.slice(start + 1, end < 0 ? undefined : end);
}
export const problemsIn = (text: string) => text.split('\n').filter((l) => l.trimStart().startsWith('PROBLEM:'));
/** The report line of a port check (label kit-http, signal or media). */
export function portLine(sec: string, label: string): string {
  const l = sec.split('\n').find((x) => new RegExp(`^  ${label} +(tcp|udp) `).test(x));
  assert.ok(l, `no ${label} port line:\n${sec}`);
  return l;
}
export function assertListening(sec: string, label: string, port: number, listening: boolean): void {
  const l = portLine(sec, label);
  assert.match(l, new RegExp(` ${port} `), l);
  if (listening) assert.match(l, / listening: 127\.0\.0\.1:\d+/, l);
  else assert.match(l, /NOT listening|not listening/, l);
}

/** The hooks of a gpu-check test file: call it once at its top level. */
export function gpuCheckHooks(): void {
  before(async () => {
    const info = await docker('info', '--format', '{{.ServerVersion}}');
    if (info.code !== 0) {
      const d = await run('bash', [path.join(ROOT, 'scripts', 'dockerd.sh'), 'start'], 120_000);
      assert.equal(d.code, 0, `no Docker engine and dockerd.sh start failed:\n${d.stdout}\n${d.stderr}`);
    }
    const missing = async () => (await Promise.all(Object.values(IMAGE).map(async (i) => ((await docker('image', 'inspect', i)).code === 0 ? '' : i)))).filter(Boolean);
    if ((await missing()).length > 0) {
      const b = await run('bash', [path.join(ROOT, 'scripts', 'build-standin.sh')], 300_000);
      assert.equal(b.code, 0, `build-standin.sh failed:\n${b.stdout}\n${b.stderr}`);
    }
    assert.deepEqual(await missing(), [], 'the versioned stand-in images (scripts/build-standin.sh)');
  });

  after(async () => {
    for (const name of containers) await docker('rm', '-f', name);
    for (const image of images) await docker('rmi', '-f', image);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
}
