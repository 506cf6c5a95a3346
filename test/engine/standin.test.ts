// Behaviour test of the Isaac Sim stand-in image (stand-in/, scripts/build-standin.sh)
// against the real Docker Engine, through the docker CLI (which honours DOCKER_HOST).
// Other engine tests rely on these behaviours, so they are pinned here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const READY = 'Isaac Sim Full Streaming App is loaded.';
const HTTP_ARG = '--/exts/omni.services.transport.server.http/port=';
const STEP = '0.05'; // seconds between startup lines: keeps each run ~1 s

/** The repo root: the first folder holding stand-in/IMAGE above this file (or the cwd). */
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
const IMAGE = readFileSync(path.join(ROOT, 'stand-in', 'IMAGE'), 'utf8').trim();

interface Run { code: number; stdout: string; stderr: string }

function run(file: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err.killed || err.signal || typeof err.code !== 'number')) {
        reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}
const docker = (...args: string[]) => run('docker', args);

async function dockerOk(...args: string[]): Promise<string> {
  const r = await docker(...args);
  assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const created = new Set<string>();
let seq = 0;

/** Starts a detached stand-in container on the host network; returns its name. */
async function start(opts: { env?: Record<string, string>; args?: string[]; eula?: boolean; runArgs?: string[] } = {}): Promise<string> {
  const name = `standin-test-${process.pid}-${++seq}`;
  const env: Record<string, string> = { STANDIN_STEP_SECONDS: STEP, ...(opts.eula === false ? {} : { ACCEPT_EULA: 'Y' }), ...opts.env };
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  created.add(name);
  await dockerOk('run', '-d', '--name', name, '--network', 'host', ...(opts.runArgs ?? []), ...envArgs, IMAGE, ...(opts.args ?? []));
  return name;
}

async function remove(name: string): Promise<void> {
  await docker('rm', '-f', name);
  created.delete(name);
}

async function logs(name: string): Promise<{ stdout: string; stderr: string }> {
  const r = await docker('logs', name);
  assert.equal(r.code, 0, `docker logs ${name}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lines = (s: string) => s.split('\n').filter((l) => l.length > 0);

/** Waits for the readiness line; fails early if the container exits first. */
async function waitReady(name: string, readyLine = READY): Promise<void> {
  await waitFor(`${name} readiness`, async () => {
    const l = await logs(name);
    if (lines(l.stdout).includes(readyLine)) return true;
    const state = (await dockerOk('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name)).trim();
    if (!state.startsWith('running')) {
      throw new Error(`${name} ended (${state}) before ready:\n${l.stdout}\n--- stderr ---\n${l.stderr}`);
    }
    return undefined;
  });
}

async function exitCode(name: string): Promise<number> {
  const r = await run('docker', ['wait', name], 30_000);
  assert.equal(r.code, 0, `docker wait ${name}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** "[1.234s] text" -> milliseconds, for lines that carry the stand-in's clock. */
function stampMs(line: string): number | undefined {
  const m = /^\[(\d+)\.(\d{3})s\] /.exec(line);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : undefined;
}

function assertIncreasing(stream: string, label: string): void {
  let last = -1;
  for (const l of lines(stream)) {
    const ms = stampMs(l);
    if (ms === undefined) continue;
    assert.ok(ms > last, `${label}: stamp not increasing at "${l}"`);
    last = ms;
  }
}

async function get(port: number, urlPath: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** Opens a TCP connection to 127.0.0.1:port (what the extension's TCP probe does), then closes it. */
function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(5000, () => socket.destroy(new Error(`connect to 127.0.0.1:${port} took over 5 s`)));
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('error', reject);
  });
}

/** A connection to 127.0.0.1:port is refused (nothing listens there). */
async function assertRefused(port: number, what: string): Promise<void> {
  await assert.rejects(tcpConnect(port), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED', `${what}: expected ECONNREFUSED on ${port}`);
}

async function state(name: string): Promise<{ status: string; exitCode: number; oomKilled: boolean }> {
  const s = (await dockerOk('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}', name)).trim().split(' ');
  return { status: s[0], exitCode: Number(s[1]), oomKilled: s[2] === 'true' };
}

const tempDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'standin-test-'));
  tempDirs.push(d);
  return d;
}

before(async () => {
  // Builds only when missing or stale (a ~1 s no-op otherwise); makes the suite self-contained.
  const b = await run('bash', [path.join(ROOT, 'scripts', 'build-standin.sh')], 120_000);
  assert.equal(b.code, 0, `build-standin.sh failed:\n${b.stdout}\n${b.stderr}`);
});

after(async () => {
  for (const name of [...created]) await remove(name);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

test('normal mode: ordered, unique startup lines on both streams, then the readiness line', { timeout: 60_000 }, async () => {
  const port = 18211;
  const name = await start({
    env: { ISAACSIM_INSTANCE_LABEL: 'instance-7' },
    args: [`${HTTP_ARG}${port}`, '--/exts/omni.kit.livestream.webrtc/port=18011', '--/app/livestream/port=18899', '--unknown-flag'],
  });
  try {
    await waitReady(name);
    const { stdout, stderr } = await logs(name);
    const out = lines(stdout);
    const err = lines(stderr);
    assert.ok(out.length >= 15, `expected >= 15 stdout lines, got ${out.length}`);
    assert.ok(err.length >= 1, 'expected warning lines on stderr');
    assert.ok(err.some((l) => l.includes('[Warning] [omni.hub] OmniHub: Hub encountered error')), stderr);

    // The readiness line is the last line, bare, exactly once.
    assert.equal(out[out.length - 1], READY);
    assert.equal(out.filter((l) => l === READY).length, 1);

    // Every other line carries a clock that increases strictly across BOTH streams.
    assertIncreasing(stdout, 'stdout');
    assertIncreasing(stderr, 'stderr');
    const all = [...out.slice(0, -1), ...err];
    const stamps = all.map((l) => stampMs(l));
    assert.ok(stamps.every((s) => s !== undefined), 'every non-ready line has a [S.mmms] stamp');
    assert.equal(new Set(stamps).size, stamps.length, 'stamps are unique across stdout and stderr');
    assert.equal(new Set(all).size, all.length, 'lines are unique');

    const at = (needle: string) => {
      const i = out.findIndex((l) => l.includes(needle));
      assert.ok(i >= 0, `missing line containing "${needle}"\n${stdout}`);
      return i;
    };
    const argv = at('[Info] [omni.kit.app] argv');
    assert.ok(out[argv].includes('--unknown-flag'), 'unknown args are printed, not rejected');
    assert.ok(at('instance-7') > argv);
    const shaders = at('[Info] [omni.rtx] Compiling shaders');
    assert.ok(at('shader cache: 1/4') > shaders);
    assert.ok(at('shader cache: 4/4') > at('shader cache: 1/4'));
    const serving = at(`Serving on http://127.0.0.1:${port}`);
    assert.ok(serving > at('shader cache: 4/4'));
    assert.ok(out.length - 1 > serving);
    assert.ok(stderr.includes('WebRTC port 18011') && stderr.includes('native port 18899'), 'port args are parsed');

    // The web client answers, names its instance, and is iframe-friendly and self-contained.
    const page = await get(port, '/streaming/webrtc-client/?server=127.0.0.1');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Isaac Sim stand-in — instance-7<\/title>/);
    assert.match(page.body, /id="instance-label">instance-7</);
    assert.match(page.body, /id="load-count"/);
    assert.match(page.body, /@keyframes/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'no external URLs in the page');
    assert.equal(page.headers.get('x-frame-options'), null);
  } finally {
    await remove(name);
  }
});

test('page-load counter: /cgi-bin/hit increments, /cgi-bin/loads only reads', { timeout: 60_000 }, async () => {
  const port = 18212;
  const name = await start({ args: [`${HTTP_ARG}${port}`] });
  try {
    await waitReady(name);
    const loads = await get(port, '/cgi-bin/loads');
    assert.equal(loads.status, 200);
    assert.match(loads.headers.get('content-type') ?? '', /text\/plain/);
    assert.equal(loads.body.trim(), '0');
    assert.equal((await get(port, '/cgi-bin/hit')).body.trim(), '1');
    assert.equal((await get(port, '/cgi-bin/hit')).body.trim(), '2');
    assert.equal((await get(port, '/cgi-bin/loads')).body.trim(), '2');
    assert.equal((await get(port, '/cgi-bin/loads')).body.trim(), '2');
    // Concurrent loads are all counted.
    const hits = await Promise.all(Array.from({ length: 10 }, () => get(port, '/cgi-bin/hit')));
    assert.deepEqual(hits.map((h) => Number(h.body.trim())).sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal((await get(port, '/cgi-bin/loads')).body.trim(), '12');
  } finally {
    await remove(name);
  }
});

test('docker stop: SIGTERM is handled, the container ends with exit code 0', { timeout: 60_000 }, async () => {
  const port = 18213;
  const name = await start({ args: [`${HTTP_ARG}${port}`] });
  try {
    await waitReady(name);
    await dockerOk('stop', '-t', '10', name);
    assert.equal(await exitCode(name), 0);
    const { stdout } = await logs(name);
    assert.ok(lines(stdout).some((l) => l.endsWith('[Info] [omni.kit.app] Shutting down (SIGTERM)')), stdout);
    // httpd went down with it.
    await assert.rejects(get(port, '/streaming/webrtc-client/'));
  } finally {
    await remove(name);
  }
});

test('gpu-fail: the real failure lines, exit code 1, never ready', { timeout: 60_000 }, async () => {
  const name = await start({ env: { STANDIN_MODE: 'gpu-fail' }, args: [`${HTTP_ARG}18214`] });
  try {
    assert.equal(await exitCode(name), 1);
    const { stdout, stderr } = await logs(name);
    for (const needle of [
      '[Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!',
      'Failed to acquire rtx::resourcemanager::ResourceManager!',
      '[gpu.foundation.plugin] No device could be created',
    ]) {
      assert.ok(stderr.includes(needle), `missing "${needle}" on stderr:\n${stderr}`);
    }
    assert.ok(!stdout.includes(READY) && !stderr.includes(READY), 'no readiness line');
    assert.ok(!stdout.includes('Serving on'), 'no HTTP server');
  } finally {
    await remove(name);
  }
});

test('crash-after-ready (via --standin-mode, custom ready line): ready, then a fatal line and exit 139', { timeout: 60_000 }, async () => {
  const readyLine = 'Isaac Sim Headless Native App is loaded.';
  const name = await start({
    env: { STANDIN_CRASH_AFTER_SECONDS: '0.5', STANDIN_READY_LINE: readyLine },
    args: [`${HTTP_ARG}18215`, '--standin-mode=crash-after-ready'],
  });
  try {
    assert.equal(await exitCode(name), 139);
    const { stdout, stderr } = await logs(name);
    assert.ok(lines(stdout).includes(readyLine), `ready line missing:\n${stdout}`);
    assert.ok(!stdout.includes(READY), 'the default ready line is replaced');
    const fatal = lines(stderr).find((l) => l.includes('[Fatal] [carb.crashreporter-breakpad.plugin]'));
    assert.ok(fatal, `no fatal line:\n${stderr}`);
    const ready = lines(stdout).findIndex((l) => l === readyLine);
    const beforeReady = stampMs(lines(stdout)[ready - 1]);
    assert.ok(beforeReady !== undefined && stampMs(fatal)! > beforeReady, 'fatal line comes after readiness');
  } finally {
    await remove(name);
  }
});

test('ACCEPT_EULA missing: refusal message and exit code 1', { timeout: 60_000 }, async () => {
  const name = await start({ eula: false, args: [`${HTTP_ARG}18216`] });
  try {
    assert.equal(await exitCode(name), 1);
    const { stdout, stderr } = await logs(name);
    assert.match(stdout + stderr, /EULA\) must be accepted/);
    assert.match(stdout + stderr, /ACCEPT_EULA=Y/);
    assert.ok(!stdout.includes(READY));
  } finally {
    await remove(name);
  }
});

test('slow mode stretches every startup step by STANDIN_SLOW_FACTOR', { timeout: 60_000 }, async () => {
  const name = await start({
    env: { STANDIN_MODE: 'slow', STANDIN_STEP_SECONDS: '0.02', STANDIN_SLOW_FACTOR: '10' },
    args: [`${HTTP_ARG}18217`],
  });
  try {
    await waitReady(name);
    const out = lines((await logs(name)).stdout);
    const a = stampMs(out.find((l) => l.includes('[ext: omni.kit.async_engine'))!);
    const b = stampMs(out.find((l) => l.includes('[ext: omni.client'))!);
    assert.ok(a !== undefined && b !== undefined);
    // One step is 0.02 s x 10 = 200 ms; sleep never returns early, so this lower bound is safe.
    assert.ok(b - a >= 190, `step took ${b - a} ms`);
  } finally {
    await remove(name);
  }
});

test('a taken HTTP port makes the second instance fail instead of claiming readiness', { timeout: 60_000 }, async () => {
  const port = 18218;
  const first = await start({ args: [`${HTTP_ARG}${port}`] });
  try {
    await waitReady(first);
    const second = await start({ args: [`${HTTP_ARG}${port}`] });
    try {
      assert.equal(await exitCode(second), 1);
      const { stdout, stderr } = await logs(second);
      assert.match(stderr, new RegExp(`Failed to bind 127\\.0\\.0\\.1:${port}`));
      assert.ok(!stdout.includes(READY));
    } finally {
      await remove(second);
    }
  } finally {
    await remove(first);
  }
});

// ---- livestream profile (Isaac Sim 4.5-6.x) ------------------------------------------------

/** Checks a ready livestream-style instance: signal port accepts again and again, HTTP port refuses. */
async function checkLivestream(name: string, signal: number, stream: number, httpPort: number): Promise<void> {
  await waitReady(name);
  const { stdout, stderr } = await logs(name);
  const out = lines(stdout);
  assert.equal(out[out.length - 1], READY, 'the readiness line comes last');
  const listening = out.findIndex((l) =>
    l.endsWith(`[Info] [omni.kit.livestream.app] Streaming server listening on 127.0.0.1:${signal} (signal), ${stream} (media)`));
  assert.ok(listening >= 0, `no listening line:\n${stdout}`);
  assert.ok(listening < out.length - 1, 'listening comes before readiness');
  assert.ok(!stdout.includes('Serving on'), 'no legacy web client');
  assert.ok(!stdout.includes('[ext: omni.services.transport.server.http'), 'no legacy HTTP server ext');
  assertIncreasing(stdout, 'stdout');
  assertIncreasing(stderr, 'stderr');
  // A TCP probe connects, repeatedly, also many at once.
  for (let i = 0; i < 5; i++) await tcpConnect(signal);
  await Promise.all(Array.from({ length: 20 }, () => tcpConnect(signal)));
  // It is an HTTP endpoint like the real signalling server; no legacy client there either.
  const page = await get(signal, '/');
  assert.equal(page.status, 200);
  assert.match(page.body, /livestream signalling \(stand-in\) for /);
  assert.equal((await get(signal, '/streaming/webrtc-client/')).status, 404);
  await assertRefused(httpPort, 'HTTP port in livestream style');
  // SIGTERM ends the listener with the app.
  await dockerOk('stop', '-t', '10', name);
  assert.equal(await exitCode(name), 0);
  await assertRefused(signal, 'signal port after stop');
}

test('livestream style (6.x args): TCP listener on the signal port, nothing on the HTTP port', { timeout: 60_000 }, async () => {
  const [httpPort, signal, stream] = [18221, 18231, 18232];
  const name = await start({
    env: { ISAACSIM_INSTANCE_LABEL: 'instance-2' },
    // What the extension passes for 4.5-6.x: both signal forms (same value), stream port, public IP.
    args: [
      `${HTTP_ARG}${httpPort}`,
      `--/app/livestream/port=${signal}`,
      '--/app/livestream/enabled=true',
      `--/exts/omni.kit.livestream.app/primaryStream/signalPort=${signal}`,
      `--/exts/omni.kit.livestream.app/primaryStream/streamPort=${stream}`,
      '--/exts/omni.kit.livestream.app/primaryStream/publicIp=127.0.0.1',
    ],
  });
  try {
    await waitReady(name);
    assert.match((await logs(name)).stdout, /profile=livestream, signal=18231, stream=18232, publicIp=127\.0\.0\.1/);
    await checkLivestream(name, signal, stream, httpPort);
  } finally {
    await remove(name);
  }
});

test('livestream style (4.5/5.x: --/app/livestream/port with STANDIN_PROFILE=livestream)', { timeout: 60_000 }, async () => {
  const [httpPort, signal] = [18222, 18233];
  const name = await start({
    env: { STANDIN_PROFILE: 'livestream' },
    args: [`${HTTP_ARG}${httpPort}`, `--/app/livestream/port=${signal}`],
  });
  try {
    await checkLivestream(name, signal, 47998, httpPort);
  } finally {
    await remove(name);
  }
});

test('a taken signal port makes the instance fail with the bind line, never ready', { timeout: 60_000 }, async () => {
  const signal = 18235;
  // A holder that accepts and then neither answers nor closes: the worst case for a probe.
  const holder = net.createServer({ allowHalfOpen: true }, () => undefined);
  await new Promise<void>((resolve, reject) => { holder.once('error', reject); holder.listen(signal, '127.0.0.1', resolve); });
  try {
    const name = await start({ args: [`${HTTP_ARG}18227`, `--/exts/omni.kit.livestream.app/primaryStream/signalPort=${signal}`] });
    try {
      assert.equal(await exitCode(name), 1);
      const { stdout, stderr } = await logs(name);
      assert.ok(
        lines(stderr).some((l) => l.endsWith(`[Error] [omni.kit.livestream.app] Failed to bind 127.0.0.1:${signal} (address in use?)`)),
        `no bind line:\n${stderr}`,
      );
      assert.ok(!stdout.includes(READY) && !stderr.includes(READY), 'no readiness line');
      assert.ok(!stdout.includes('Streaming server listening'), 'no listening line');
    } finally {
      await remove(name);
    }
  } finally {
    holder.close();
  }
});

// ---- web viewer (6.x's separate container) -------------------------------------------------

test('web-viewer mode: page at / names the instance and its signal port, counts loads', { timeout: 60_000 }, async () => {
  const port = 18223;
  // No ACCEPT_EULA: the viewer is not the simulator.
  const name = await start({
    eula: false,
    env: { STANDIN_MODE: 'web-viewer', STANDIN_WEB_VIEWER_PORT: String(port), STANDIN_SIGNAL_PORT: '18234', ISAACSIM_INSTANCE_LABEL: 'instance-4' },
  });
  try {
    await waitFor(`${name} serving line`, async () => {
      const l = await logs(name);
      if (lines(l.stdout).some((x) => x.endsWith(`[Info] [web-viewer] serving on http://127.0.0.1:${port}/`))) return true;
      const s = await state(name);
      if (s.status !== 'running') throw new Error(`${name} ended (${s.status} ${s.exitCode}):\n${l.stdout}\n${l.stderr}`);
      return undefined;
    });
    const page = await get(port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Isaac Sim Web Viewer \(stand-in\) — instance-4<\/title>/);
    assert.match(page.body, /id="instance-label">instance-4</);
    assert.match(page.body, /id="signal-port">18234</);
    assert.match(page.body, /id="load-count"/);
    assert.match(page.body, /@keyframes/);
    assert.match(page.body, /fetch\('cgi-bin\/hit'/, 'relative hit URL from /');
    assert.doesNotMatch(page.body, /https?:\/\//, 'no external URLs in the page');
    assert.equal(page.headers.get('x-frame-options'), null);

    assert.equal((await get(port, '/cgi-bin/loads')).body.trim(), '0');
    const hit = await get(port, '/cgi-bin/hit');
    assert.equal(hit.body.trim(), '1');
    assert.equal(hit.headers.get('access-control-allow-origin'), '*');
    assert.equal((await get(port, '/cgi-bin/hit')).body.trim(), '2');
    assert.equal((await get(port, '/cgi-bin/loads')).body.trim(), '2');

    await dockerOk('stop', '-t', '10', name);
    assert.equal(await exitCode(name), 0);
    assert.ok(lines((await logs(name)).stdout).some((l) => l.endsWith('[Info] [web-viewer] Shutting down (SIGTERM)')));
    await assert.rejects(get(port, '/'));
  } finally {
    await remove(name);
  }
});

// ---- first start vs cached start ------------------------------------------------------------

test('first start compiles shaders and writes the cache marker; a start with the same cache hits it', { timeout: 60_000 }, async () => {
  const cache = tempDir();
  const mount = ['-v', `${cache}:/root/.nv/ComputeCache`];
  const first = await start({ runArgs: mount, args: [`${HTTP_ARG}18224`] });
  try {
    await waitReady(first);
    const out = lines((await logs(first)).stdout);
    const at = (needle: string) => out.findIndex((l) => l.includes(needle));
    assert.ok(at('[Info] [omni.rtx] Compiling shaders (first start can take minutes)') >= 0, out.join('\n'));
    for (let i = 1; i <= 4; i++) assert.ok(at(`[Info] [omni.rtx] shader cache: ${i}/4`) > at('Compiling shaders'));
    assert.ok(at('Serving on') > at('shader cache: 4/4'));
    assert.ok(!out.some((l) => l.includes('Shader cache hit')));
    assert.ok(existsSync(path.join(cache, 'standin-shader-cache')), 'marker written into the mounted folder');
  } finally {
    await remove(first);
  }
  const second = await start({ runArgs: mount, args: [`${HTTP_ARG}18225`] });
  try {
    await waitReady(second);
    const out = lines((await logs(second)).stdout);
    const hit = out.findIndex((l) => l.endsWith('[Info] [omni.rtx] Shader cache hit: 1432 shaders loaded from /root/.nv/ComputeCache'));
    assert.ok(hit >= 0, `no cache hit line:\n${out.join('\n')}`);
    assert.ok(!out.some((l) => l.includes('shader cache: 1/4')), 'no compile steps on a cached start');
    assert.ok(!out.some((l) => l.includes('Compiling shaders')));
    assert.ok(out.findIndex((l) => l === READY) > hit);
  } finally {
    await remove(second);
  }
  // Nothing mounted, STANDIN_SHADER_STEPS=2: a first start again, with two steps.
  const third = await start({ env: { STANDIN_SHADER_STEPS: '2' }, args: [`${HTTP_ARG}18226`] });
  try {
    await waitReady(third);
    const out = lines((await logs(third)).stdout);
    assert.ok(out.some((l) => l.endsWith('[Info] [omni.rtx] shader cache: 2/2')), out.join('\n'));
    assert.ok(!out.some((l) => /shader cache: (3\/|\d+\/4$)/.test(l)), out.join('\n'));
    assert.equal((await dockerOk('exec', third, 'cat', '/root/.nv/ComputeCache/standin-shader-cache')).trim(), '1432');
  } finally {
    await remove(third);
  }
});

// ---- more failure modes --------------------------------------------------------------------

test('nvml-fail: the NVML and CUDA lines, exit code 1, never ready', { timeout: 60_000 }, async () => {
  const name = await start({ env: { STANDIN_MODE: 'nvml-fail' }, args: [`${HTTP_ARG}18228`] });
  try {
    assert.equal(await exitCode(name), 1);
    const { stdout, stderr } = await logs(name);
    const err = lines(stderr);
    const nvml = err.findIndex((l) => l.endsWith('[Error] [carb.windowing-glfw.plugin] Failed to initialize NVML: Unknown Error'));
    const cuda = err.findIndex((l) => l.endsWith('[Error] [carb.cudainterop.plugin] CUDA initialization failed: cuInit returned 999 (CUDA_ERROR_UNKNOWN)'));
    assert.ok(nvml >= 0 && cuda > nvml, `NVML line then CUDA line expected:\n${stderr}`);
    assert.ok(!stderr.includes('no suitable CUDA GPU'), 'not the gpu-fail lines');
    assert.ok(!stdout.includes(READY) && !stderr.includes(READY), 'no readiness line');
    assert.ok(!stdout.includes('Serving on'));
  } finally {
    await remove(name);
  }
});

test('oom with a 64 MiB limit: the kernel OOM-kills it (OOMKilled, exit 137), never ready', { timeout: 60_000 }, async () => {
  const name = await start({ runArgs: ['-m', '64m', '--memory-swap', '64m'], env: { STANDIN_MODE: 'oom' }, args: [`${HTTP_ARG}18229`] });
  try {
    assert.equal(await exitCode(name), 137);
    const s = await state(name);
    assert.equal(s.oomKilled, true, 'State.OOMKilled');
    const { stdout, stderr } = await logs(name);
    assert.ok(lines(stdout).some((l) => l.endsWith('[Info] [omni.physx] Allocating scene buffers')), stdout);
    assert.ok(!stdout.includes(READY) && !stderr.includes(READY), 'no readiness line');
    assert.ok(!stderr.includes('no container memory limit'), 'the limit was seen');
  } finally {
    await remove(name);
  }
});

test('hang: alive after the normal startup time, never ready, nothing listening; SIGTERM still ends it', { timeout: 60_000 }, async () => {
  const port = 18230;
  const name = await start({ env: { STANDIN_MODE: 'hang' }, args: [`${HTTP_ARG}${port}`] });
  try {
    // A normal start with this step takes ~1 s; wait for the last line before the hang, then 3 s more.
    await waitFor(`${name} shader phase`, async () => ((await logs(name)).stdout.includes('shader cache: 4/4') ? true : undefined));
    await new Promise((r) => setTimeout(r, 3000));
    const s = await state(name);
    assert.equal(s.status, 'running');
    const { stdout, stderr } = await logs(name);
    assert.ok(!stdout.includes(READY) && !stderr.includes(READY), 'no readiness line');
    assert.ok(!stdout.includes('Serving on'));
    await assertRefused(port, 'HTTP port while hung');
    await dockerOk('stop', '-t', '10', name);
    assert.equal(await exitCode(name), 0);
  } finally {
    await remove(name);
  }
});
