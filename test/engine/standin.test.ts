// Behaviour test of the Isaac Sim stand-in images (stand-in/, scripts/build-standin.sh) against
// the real Docker Engine, through the docker CLI (which honours DOCKER_HOST). One image per Isaac
// Sim version (4.2.0, 5.1.0, 6.0.1); each must behave like NVIDIA's image of that version at the
// container boundary (stand-in/README.md names the source of every behaviour).
//
// Tests never follow the 4.2 web client's redirect: its Location may name a private address of
// the host and no traffic may leave loopback. Only the header is read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { dockerOk, dockerRun, run, standinHangs, type Run } from './exec';
import { buildStandinViewer, viewerCommand, viewerLocalLine } from './helpers';

const STEP = '0.05'; // seconds between startup lines: keeps each run well under a second
const TEST_LABEL = 'dev.isaac-sim-orchestrator.test=1';
const HTTP_ARG = '--/exts/omni.services.transport.server.http/port=';
const READY_42 = 'Isaac Sim Headless WebRTC App is loaded.';
const READY_FULL = 'Isaac Sim Full Streaming App is loaded.';
const SHADER_WAIT = '[Warning] [gpu.foundation.plugin] Waiting for compilation of ray tracing shaders by GPU driver: 30 seconds so far';
const SHADER_DONE = /\[Warning\] \[gpu\.foundation\.plugin\] Ray tracing shader compilation finished after \d+ seconds/;
const PLAYER_PATH = '/isaac-sim/extscache/omni.services.streamclient.webrtc-1.3.8/web/js/kit-player.js';

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
const TAGS = readFileSync(path.join(ROOT, 'stand-in', 'IMAGE'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
const IMG = { latest: TAGS[0], v42: 'isaac-sim-standin:4.2.0', v51: 'isaac-sim-standin:5.1.0', v60: 'isaac-sim-standin:6.0.1' };

const docker = dockerRun;

const containers = new Set<string>();
const volumes = new Set<string>();
const tempDirs: string[] = [];
let seq = 0;
const uniq = (what: string) => `standin-test-${process.pid}-${what}-${++seq}`;

interface StartOpts { env?: Record<string, string>; args?: string[]; eula?: boolean; runArgs?: string[]; create?: boolean }
function runArgs(name: string, image: string, o: StartOpts): string[] {
  const env: Record<string, string> = { STANDIN_STEP_SECONDS: STEP, ...(o.eula === false ? {} : { ACCEPT_EULA: 'Y' }), ...o.env };
  return ['--name', name, '--label', TEST_LABEL, '--network', 'host', ...(o.runArgs ?? []),
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), image, ...(o.args ?? [])];
}
/** Starts (or only creates) a detached container on the host network; returns its name. */
async function start(image: string, o: StartOpts = {}): Promise<string> {
  const name = uniq('c');
  containers.add(name);
  if (o.create) await dockerOk('create', ...runArgs(name, image, o));
  else await dockerOk('run', '-d', ...runArgs(name, image, o));
  return name;
}
/** Runs a container to its end (not detached); returns exit code and both streams. */
async function runToEnd(image: string, o: StartOpts = {}): Promise<Run> {
  const name = uniq('r');
  containers.add(name);
  try {
    return await run('docker', ['run', ...runArgs(name, image, o)], 60_000);
  } finally {
    await remove(name);
  }
}
async function remove(name: string): Promise<void> {
  await docker('rm', '-f', name);
  containers.delete(name);
}
async function volume(): Promise<string> {
  const v = uniq('v');
  volumes.add(v);
  await dockerOk('volume', 'create', '--label', TEST_LABEL, v);
  return v;
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
const READY_RE = (title: string) => new RegExp(`^\\[\\d+\\.\\d{3}s\\] ${title.replace(/\./g, '\\.')}$`);

/** Waits for the readiness line ("[N.NNNs] <title> App is loaded."); fails early if the container ends. */
async function waitReady(name: string, readyLine: string): Promise<string> {
  return waitFor(`${name} readiness`, async () => {
    const l = await logs(name);
    if (lines(l.stdout).some((x) => READY_RE(readyLine).test(x))) return l.stdout;
    const st = (await dockerOk('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name)).trim();
    if (!st.startsWith('running')) throw new Error(`${name} ended (${st}) before ready:\n${l.stdout}\n--- stderr ---\n${l.stderr}`);
    return undefined;
  });
}
async function exitCode(name: string): Promise<number> {
  const r = await run('docker', ['wait', name], 30_000);
  assert.equal(r.code, 0, `docker wait ${name}: ${r.stderr}`);
  return Number(r.stdout.trim());
}
async function get(port: number, urlPath: string): Promise<{ status: number; body: string; headers: Headers }> {
  // redirect: 'manual' — never follow (the 4.2 redirect names a non-loopback address).
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}
function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(5000, () => socket.destroy(new Error(`connect to 127.0.0.1:${port} took over 5 s`)));
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('error', reject);
  });
}
async function inspect(image: string): Promise<{ User: string; Entrypoint: string[]; Env: string[]; Healthcheck?: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number } }> {
  return JSON.parse(await dockerOk('image', 'inspect', '-f', '{{json .Config}}', image));
}

/**
 * Runs the demo page's player (kit-player.js as served) the way a browser would: with the
 * page's ?server= and a #signal-status element. Returns the status text it shows.
 */
async function runPlayer(httpPort: number, server = '127.0.0.1'): Promise<string> {
  const js = (await get(httpPort, '/streaming/webrtc-demo/js/kit-player.js')).body;
  const el = { textContent: '' };
  const window: Record<string, unknown> = { location: { search: `?server=${server}`, hostname: '127.0.0.1' } };
  const ctx = vm.createContext({ window, document: { getElementById: (id: string) => (id === 'signal-status' ? el : null) }, fetch, URLSearchParams });
  vm.runInContext(js, ctx);
  await (window.SetupWebRTCPlayer as () => Promise<unknown>)();
  return el.textContent;
}

before(async () => {
  const b = await run('bash', [path.join(ROOT, 'scripts', 'build-standin.sh')], 180_000);
  assert.equal(b.code, 0, `build-standin.sh failed:\n${b.stdout}\n${b.stderr}`);
});
after(async () => {
  for (const name of [...containers]) await remove(name);
  for (const v of volumes) await docker('volume', 'rm', '-f', v);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

// ---- image config ---------------------------------------------------------------------------

test('tags: stand-in/IMAGE lists latest then the three versions; latest is the 4.2.0 image', async () => {
  assert.deepEqual(TAGS, [IMG.latest, IMG.v42, IMG.v51, IMG.v60]);
  assert.equal(IMG.latest, 'isaac-sim-standin:latest');
  const id = async (t: string) => (await dockerOk('image', 'inspect', '-f', '{{.Id}}', t)).trim();
  assert.equal(await id(IMG.latest), await id(IMG.v42));
  const labels = await Promise.all(TAGS.map((t) => dockerOk('image', 'inspect', '-f', '{{ index .Config.Labels "dev.isaac-sim-orchestrator.standin-hash" }}', t)));
  assert.equal(new Set(labels.map((l) => l.trim())).size, 1, 'one content hash on every tag');
});

test('image config per version: User, Entrypoint, Env, Healthcheck as NVIDIA has them', async () => {
  const c42 = await inspect(IMG.v42);
  assert.equal(c42.User ?? '', '', '4.2 runs as root');
  assert.deepEqual(c42.Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
  assert.equal(c42.Healthcheck ?? undefined, undefined);

  const c51 = await inspect(IMG.v51);
  assert.equal(c51.User, 'isaac-sim');
  assert.deepEqual(c51.Entrypoint, ['/isaac-sim/runheadless.sh']);
  for (const e of ['NVIDIA_VISIBLE_DEVICES=all', 'NVIDIA_DRIVER_CAPABILITIES=all', 'MIN_DRIVER_VERSION=570.169',
    'OMNI_SERVER=https://omniverse-content-production.s3-us-west-2.amazonaws.com/Assets/Isaac/5.1']) assert.ok(c51.Env.includes(e), e);
  assert.equal(c51.Healthcheck ?? undefined, undefined);

  const c60 = await inspect(IMG.v60);
  assert.equal(c60.User, 'isaac-sim');
  assert.deepEqual(c60.Entrypoint, ['/isaac-sim/runheadless.sh']);
  for (const e of ['NVIDIA_VISIBLE_DEVICES=all', 'NVIDIA_DRIVER_CAPABILITIES=all', 'MIN_DRIVER_VERSION=570.169']) assert.ok(c60.Env.includes(e), e);
  assert.ok(!c60.Env.some((e) => e.startsWith('OMNI_SERVER=')), '6.0.1 sets no OMNI_SERVER');
  const hc = c60.Healthcheck;
  assert.ok(hc, '6.0.1 has a HEALTHCHECK');
  assert.match(hc.Test.join(' '), /\/isaac-sim\/\.nvidia-omniverse\/logs\/Kit.*kit_\*\.log.*AppReady/);
  assert.equal(hc.Timeout, 10e9);
  assert.equal(hc.StartPeriod, 180e9);
  assert.equal(hc.Retries, 3);

  // uid 1234 and its folders (named volumes copy this ownership up).
  const r = await dockerOk('run', '--rm', '--label', TEST_LABEL, '--entrypoint', '/bin/sh', IMG.v60, '-c',
    'id -u; echo $HOME; stat -c "%u:%g %n" /isaac-sim /isaac-sim/kit/cache /isaac-sim/.nvidia-omniverse/config /isaac-sim/.cache /isaac-sim/.nv/ComputeCache /isaac-sim/.nvidia-omniverse/logs /isaac-sim/.local/share/ov/data /isaac-sim/.local/share/ov/pkg');
  const [uid, home, ...owners] = lines(r);
  assert.equal(uid, '1234');
  assert.equal(home, '/isaac-sim');
  for (const o of owners) assert.match(o, /^1234:1234 /, o);
});

// ---- 4.2 -------------------------------------------------------------------------------------

test('4.2: startup log, web client redirect (not followed), demo page, player on 49100, signalling port', { timeout: 60_000 }, async () => {
  const http = 18411;
  const name = await start(IMG.v42, { env: { ISAACSIM_INSTANCE_LABEL: 'instance-7' }, args: [`${HTTP_ARG}${http}`, '--/app/livestream/port=49100', '--/app/some/other=1'] });
  try {
    const stdout = await waitReady(name, READY_42);
    const out = lines(stdout);
    assert.match(out.find((l) => l.startsWith('[Info] [carb] Logging to file: ')) ?? '', /^\[Info\] \[carb\] Logging to file: \/root\/\.nvidia-omniverse\/logs\/Kit\/Isaac-Sim\/4\.2\/kit_\d{8}_\d{6}\.log$/);
    assert.ok(out.some((l) => /^\[\d+\.\d{3}s\] \[ext: omni\.kit\.livestream\.core-4\.3\.6\] startup$/.test(l)), stdout);
    assert.ok(out.includes('Streaming server started.'), stdout);
    assert.match(out[out.length - 1], READY_RE(READY_42));
    for (const invented of ['Shader cache hit', 'Compiling shaders', 'shader cache:', 'Streaming server listening', '[standin]', 'stand-in virtual device']) {
      assert.ok(!stdout.includes(invented), `no invented line "${invented}"`);
    }
    // Web client: /streaming/webrtc-client/ answers 307 to the demo page on a non-loopback address.
    for (const p of ['/streaming/webrtc-client/?server=127.0.0.1', '/streaming/webrtc-client/']) {
      const r = await get(http, p);
      assert.equal(r.status, 307, p);
      const loc = r.headers.get('location') ?? '';
      const m = /^http:\/\/([\d.]+):(\d+)\/streaming\/webrtc-demo\/\?server=([\d.]+)$/.exec(loc);
      assert.ok(m, `Location ${loc}`);
      assert.equal(m[1], m[3]);
      assert.equal(Number(m[2]), http);
    }
    // The bare path: busybox httpd first adds the slash (302); never followed here.
    const bare = await get(http, '/streaming/webrtc-client?server=127.0.0.1');
    assert.ok([302, 307].includes(bare.status));
    // The demo page.
    const page = await get(http, '/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Isaac Sim stand-in — instance-7<\/title>/);
    assert.match(page.body, /id="instance-label">instance-7</);
    assert.match(page.body, /id="load-count"/);
    assert.match(page.body, /id="signal-status"/);
    assert.match(page.body, /src="js\/kit-player\.js"/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'no external URLs in the page');
    assert.equal(page.headers.get('x-frame-options'), null);
    const js = await get(http, '/streaming/webrtc-demo/js/kit-player.js');
    assert.equal(js.status, 200);
    assert.match(js.body, /\b49100\b/);
    assert.equal(await runPlayer(http), 'signalling: connected to port 49100 (instance-7)');
    // The signalling server answers with CORS.
    const sig = await get(49100, '/cgi-bin/signal');
    assert.equal(sig.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(JSON.parse(sig.body), { label: 'instance-7', port: 49100 });
    // 4.5+ endpoints are not here; nothing else on the web client.
    assert.equal((await get(http, '/nothing/')).status, 404);
  } finally {
    await remove(name);
  }
});

test('4.2: page-load counter: /cgi-bin/hit increments, /cgi-bin/loads only reads', { timeout: 60_000 }, async () => {
  const http = 18412;
  const name = await start(IMG.v42, { args: [`${HTTP_ARG}${http}`, '--/app/livestream/port=49412'] });
  try {
    await waitReady(name, READY_42);
    assert.equal((await get(http, '/cgi-bin/loads')).body.trim(), '0');
    assert.equal((await get(http, '/cgi-bin/hit')).body.trim(), '1');
    assert.equal((await get(http, '/cgi-bin/hit')).body.trim(), '2');
    assert.equal((await get(http, '/cgi-bin/loads')).body.trim(), '2');
    const hits = await Promise.all(Array.from({ length: 10 }, () => get(http, '/cgi-bin/hit')));
    assert.deepEqual(hits.map((h) => Number(h.body.trim())).sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  } finally {
    await remove(name);
  }
});

test('4.2: kit-player.js rewritten with docker cp before start makes the player use that port; two instances each reach their own', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'standin-test-'));
  tempDirs.push(dir);
  const names: string[] = [];
  try {
    for (const i of [1, 2]) {
      const http = 18420 + i;
      const signal = 49420 + i;
      const name = await start(IMG.v42, { create: true, env: { ISAACSIM_INSTANCE_LABEL: `instance-${i}` }, args: [`${HTTP_ARG}${http}`, `--/app/livestream/port=${signal}`] });
      names.push(name);
      // What OmniGibson's Dockerfile does with sed, done from outside before the start.
      const orig = await run('docker', ['cp', `${name}:${PLAYER_PATH}`, path.join(dir, `orig-${i}.js`)]);
      assert.equal(orig.code, 0, orig.stderr);
      const js = readFileSync(path.join(dir, `orig-${i}.js`), 'utf8');
      assert.match(js, /\b49100\b/);
      const file = path.join(dir, 'kit-player.js');
      writeFileSync(file, js.replace(/49100/g, String(signal)));
      await dockerOk('cp', file, `${name}:${PLAYER_PATH}`);
      await dockerOk('start', name);
    }
    for (const name of names) await waitReady(name, READY_42);
    for (const i of [1, 2]) {
      const js = (await get(18420 + i, '/streaming/webrtc-demo/js/kit-player.js')).body;
      assert.ok(js.includes(String(49420 + i)) && !js.includes('49100'), 'the served file is the rewritten one');
      assert.equal(await runPlayer(18420 + i), `signalling: connected to port ${49420 + i} (instance-${i})`);
    }
  } finally {
    for (const n of names) await remove(n);
  }
});

test('4.2: an unrewritten player on a non-default signalling port finds no answer on 49100', { timeout: 60_000 }, async () => {
  const http = 18431;
  const name = await start(IMG.v42, { args: [`${HTTP_ARG}${http}`, '--/app/livestream/port=49431'] });
  try {
    await waitReady(name, READY_42);
    await assert.rejects(tcpConnect(49100)); // nothing of ours on 49100
    assert.equal(await runPlayer(http), 'signalling: no answer on port 49100');
  } finally {
    await remove(name);
  }
});

test('4.2: ACCEPT_EULA unset: refusal text, exit 1', { timeout: 60_000 }, async () => {
  const r = await runToEnd(IMG.v42, { eula: false, args: [`${HTTP_ARG}18441`] });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /must be accepted before\nIsaac Sim can start\./);
  assert.ok(r.stdout.includes('e.g.: -e "ACCEPT_EULA=Y"'));
});

test('docker stop: SIGTERM ends each version with exit code 0 (not the SIGKILL after the grace period: 137)', { timeout: 60_000 }, async () => {
  const cases: [string, StartOpts, string][] = [
    [IMG.v42, { args: [`${HTTP_ARG}18451`, '--/app/livestream/port=49451'] }, READY_42],
    [IMG.v51, { args: [`${HTTP_ARG}18452`, '--/app/livestream/port=49452'] }, READY_FULL],
    [IMG.v60, { env: { ISAACSIM_SIGNAL_PORT: '49453' }, args: [`${HTTP_ARG}18453`] }, READY_FULL],
  ];
  for (const [image, o, ready] of cases) {
    const name = await start(image, o);
    try {
      await waitReady(name, ready);
      await dockerOk('stop', '-t', '10', name);
      assert.equal(await exitCode(name), 0, image);
    } finally {
      await remove(name);
    }
  }
});

// ---- 5.1 / 6.0.1 -----------------------------------------------------------------------------

const MOUNTS = ['/isaac-sim/kit/cache', '/isaac-sim/.cache', '/isaac-sim/.nv/ComputeCache', '/isaac-sim/.nvidia-omniverse/logs',
  '/isaac-sim/.nvidia-omniverse/config', '/isaac-sim/.local/share/ov/data', '/isaac-sim/.local/share/ov/pkg'];

for (const [image, ver] of [[IMG.v51, '5.1'], [IMG.v60, '6.0']] as const) {
  test(`${ver}: uid 1234 with named volumes at NVIDIA's paths: license, privacy, shaders once, ready; cached second start`, { timeout: 90_000 }, async () => {
    const vols = await Promise.all(MOUNTS.map(() => volume()));
    const mountArgs = MOUNTS.flatMap((m, i) => ['-v', `${vols[i]}:${m}`]);
    const port = ver === '5.1' ? 49511 : 49611;
    const portArgs = ver === '5.1' ? { args: [`--/app/livestream/port=${port}`, `${HTTP_ARG}${port - 31000}`] } : { env: { ISAACSIM_SIGNAL_PORT: String(port) }, args: [`${HTTP_ARG}${port - 31000}`] };
    const first = await start(image, { ...portArgs, runArgs: mountArgs });
    try {
      const stdout = await waitReady(first, READY_FULL);
      const { stderr } = await logs(first);
      assert.match(stdout, /^\nThe NVIDIA Isaac Sim Additional Software and Materials License must be accepted before\n/);
      assert.ok(stdout.includes(ver === '5.1' ? 'OMNI_ENV_PRIVACY_CONSENT environment variable' : 'not setting the PRIVACY_CONSENT environment variable'), 'privacy text of the version');
      assert.match(stdout, new RegExp(`\\[Info\\] \\[carb\\] Logging to file: /isaac-sim/\\.nvidia-omniverse/logs/Kit/Isaac-Sim Streaming/${ver.replace('.', '\\.')}/kit_\\d{8}_\\d{6}\\.log`));
      assert.ok(stderr.includes(SHADER_WAIT), stderr);
      assert.match(stderr, SHADER_DONE);
      if (ver === '5.1') assert.match(stdout, /\[Info\] \[omni\.services\.livestream\.nvcf\] rtx_ready for streaming/);
      await tcpConnect(port);
      const sig = await get(port, '/cgi-bin/signal');
      assert.equal(sig.headers.get('access-control-allow-origin'), '*');
      assert.equal(JSON.parse(sig.body).port, port);
      assert.equal((await get(port - 31000, '/streaming/webrtc-client/?server=127.0.0.1')).status, 404, 'no web client in 4.5+');
      assert.equal((await dockerOk('exec', first, 'id', '-u')).trim(), '1234');
      await dockerOk('stop', first);
    } finally {
      await remove(first);
    }
    const second = await start(image, { ...portArgs, runArgs: mountArgs });
    try {
      await waitReady(second, READY_FULL);
      const { stdout, stderr } = await logs(second);
      assert.ok(!`${stdout}${stderr}`.includes('ray tracing shaders'), 'cached start: no shader lines');
      assert.doesNotMatch(`${stdout}${stderr}`, SHADER_DONE);
    } finally {
      await remove(second);
    }
  });

  test(`${ver}: a root-owned host folder at /isaac-sim/kit/cache: Permission denied, exit 1, never ready`, { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'standin-test-cache-'));
    tempDirs.push(dir);
    chmodSync(dir, 0o755);
    const r = await runToEnd(image, { env: { ISAACSIM_SIGNAL_PORT: '49621' }, args: ['--/app/livestream/port=49621'], runArgs: ['-v', `${dir}:/isaac-sim/kit/cache`] });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /\/isaac-sim\/kit\/cache\S*: Permission denied/);
    assert.ok(!r.stdout.includes('App is loaded.'));
  });
}

test('5.1: STANDIN_ARCH=aarch64: the real refusal line, then a shell that ends (no terminal)', { timeout: 60_000 }, async () => {
  const r = await runToEnd(IMG.v51, { env: { STANDIN_ARCH: 'aarch64' } });
  assert.equal(r.stdout.trim(), 'Livestreaming is not supported on aarch64 for 5.1.0.');
  assert.equal(r.code, 0);
});

test('6.0.1: the ISAACSIM_* env interface (signal port listening) and HEALTHCHECK goes healthy', { timeout: 60_000 }, async () => {
  const name = await start(IMG.v60, { env: { ISAACSIM_HOST: '127.0.0.1', ISAACSIM_SIGNAL_PORT: '49631', ISAACSIM_STREAM_PORT: '47931', ISAACSIM_INSTANCE_LABEL: 'six' } });
  try {
    await waitReady(name, READY_FULL);
    await tcpConnect(49631);
    assert.deepEqual(JSON.parse((await get(49631, '/cgi-bin/signal')).body), { label: 'six', port: 49631 });
    await waitFor('healthy', async () => ((await dockerOk('inspect', '-f', '{{.State.Health.Status}}', name)).trim() === 'healthy' ? true : undefined), 15_000);
  } finally {
    await remove(name);
  }
  // Args win over env (NVIDIA puts the env flags before "$@").
  const name2 = await start(IMG.v60, { env: { ISAACSIM_SIGNAL_PORT: '49632' }, args: ['--/exts/omni.kit.livestream.app/primaryStream/signalPort=49633'] });
  try {
    await waitReady(name2, READY_FULL);
    await tcpConnect(49633);
    await assert.rejects(tcpConnect(49632));
  } finally {
    await remove(name2);
  }
});

test('6.0.1: ACCEPT_EULA unset: license.sh refusal, exit 1', { timeout: 60_000 }, async () => {
  const r = await runToEnd(IMG.v60, { eula: false });
  assert.equal(r.code, 1);
  assert.ok(r.stdout.includes('Please accept the EULA above by setting the ACCEPT_EULA environment variable.'));
  assert.ok(!r.stdout.includes('Omniverse Software collects'), 'privacy.sh does not run');
});

test('a signalling port held by someone else: the instance fails instead of going ready', { timeout: 60_000 }, async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(49641, '127.0.0.1', resolve));
  try {
    const r = await runToEnd(IMG.v60, { env: { ISAACSIM_SIGNAL_PORT: '49641' } });
    assert.equal(r.code, 1);
    assert.ok(!r.stdout.includes('App is loaded.'));
    assert.match(r.stderr, /Address already in use/);
  } finally {
    server.close();
  }
});

// ---- modes ------------------------------------------------------------------------------------

const FATALS: Record<string, RegExp> = {
  'no-gpu-device': /\[Error\] \[gpu\.foundation\.plugin\] No device could be created\. Some known system issues:/,
  'cuda-999': /\[Error\] \[carb\.cudainterop\.plugin\] CUDA error 999: cudaErrorUnknown/,
  vulkan: /\[Error\] \[carb\.graphics-vulkan\.plugin\] VkResult: ERROR_INCOMPATIBLE_DRIVER/,
  'driver-unsupported': /\[Error\] \[gpu\.foundation\.plugin\] The currently installed NVIDIA graphics driver is unsupported or has known issues\./,
  'no-gpu-devices-compat': /\[Error\] \[omni\.gpu_foundation_factory\.plugin\] Failed to create any GPU devices, including an attempt with compatibility mode\./,
  'hydra-rtx': /\[omni\.hydra\.rtx\] HydraEngine rtx failed creating scene renderer\./,
  'cuda-bad-state': /Skipping NVIDIA GPU due CUDA being in bad state/,
  'livestream-plugin': /\[Plugin: libcarb\.livestream-rtc\.plugin\.so\] Could not load the dynamic library/,
  nvenc: /nvEncOpenEncodeSessionEx failed/,
  'rtx-resource-manager': /Failed to acquire rtx::resourcemanager::ResourceManager/,
  nvml: /^Failed to initialize NVML: Unknown Error$/m,
  permission: /\[Error\] \[omni\.kit\.app\.plugin\] failed to open file '.*user\.config\.json' - unable to save the dictionary/,
};

test('STANDIN_MODE=fatal: each id prints its real line and exits 1, never ready', { timeout: 120_000 }, async () => {
  for (const [id, re] of Object.entries(FATALS)) {
    const image = id === 'permission' ? IMG.v60 : id === 'livestream-plugin' ? IMG.v51 : IMG.v42;
    const r = await runToEnd(image, { env: { STANDIN_MODE: 'fatal', STANDIN_FATAL: id, ISAACSIM_SIGNAL_PORT: '49651' }, args: [`${HTTP_ARG}18651`, '--/app/livestream/port=49651'] });
    assert.equal(r.code, 1, `${id}: ${r.stdout}\n${r.stderr}`);
    assert.match(`${r.stdout}\n${r.stderr}`, re, id);
    assert.ok(!r.stdout.includes('App is loaded.'), id);
    const lastErr = lines(r.stderr).pop() ?? '';
    assert.ok(!lastErr.includes('[standin]'), `${id}: no stand-in lines`);
  }
  const bad = await runToEnd(IMG.v42, { env: { STANDIN_MODE: 'fatal', STANDIN_FATAL: 'nope' } });
  assert.equal(bad.code, 2);
});

test('gpu-fail / nvml-fail are the no-gpu-device / nvml classes', { timeout: 60_000 }, async () => {
  const g = await runToEnd(IMG.v51, { env: { STANDIN_MODE: 'gpu-fail' } });
  assert.equal(g.code, 1);
  assert.match(g.stderr, FATALS['no-gpu-device']);
  const n = await runToEnd(IMG.v60, { env: { STANDIN_MODE: 'nvml-fail' } });
  assert.equal(n.code, 1);
  assert.match(n.stderr, FATALS.nvml);
});

test('physx-no-cuda: the PhysX CUDA line, then ready anyway; exit-unexplained: real non-table lines, exit 1', { timeout: 60_000 }, async () => {
  const name = await start(IMG.v60, { env: { STANDIN_MODE: 'physx-no-cuda', ISAACSIM_SIGNAL_PORT: '49661' } });
  try {
    await waitReady(name, READY_FULL);
    assert.match((await logs(name)).stderr, /\[Error\] \[omni\.physx\.plugin\] CUDA libs are present, but no suitable CUDA GPU was found!/);
  } finally {
    await remove(name);
  }
  const r = await runToEnd(IMG.v51, { env: { STANDIN_MODE: 'exit-unexplained' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[Error\] \[gpu\.foundation\.plugin\] carb::graphics::createInstance failed\./);
  for (const re of Object.values(FATALS)) assert.doesNotMatch(r.stderr, re);
});

test('crash-after-ready: ready, then exit 139', { timeout: 60_000 }, async () => {
  const name = await start(IMG.v42, { env: { STANDIN_MODE: 'crash-after-ready', STANDIN_CRASH_AFTER_SECONDS: '0.3' }, args: [`${HTTP_ARG}18671`, '--/app/livestream/port=49671'] });
  try {
    await waitReady(name, READY_42);
    assert.equal(await exitCode(name), 139);
  } finally {
    await remove(name);
  }
});

test('slow mode stretches every startup step by STANDIN_SLOW_FACTOR', { timeout: 60_000 }, async () => {
  const t0 = Date.now();
  const name = await start(IMG.v60, { env: { STANDIN_MODE: 'slow', STANDIN_SLOW_FACTOR: '6', ISAACSIM_SIGNAL_PORT: '49681' } });
  try {
    await waitReady(name, READY_FULL);
    assert.ok(Date.now() - t0 > 5 * 0.05 * 6 * 1000, `slow start took only ${Date.now() - t0} ms`);
  } finally {
    await remove(name);
  }
});

test('hang: alive, never ready, nothing listening; SIGTERM still ends it (exit 0)', { timeout: 60_000 }, async () => {
  const name = await start(IMG.v51, { env: { STANDIN_MODE: 'hang' }, args: ['--/app/livestream/port=49691'] });
  try {
    await waitFor(`${name} to sit in its hang`, async () => ((await standinHangs(name)) ? true : undefined));
    const { stdout } = await logs(name);
    assert.ok(!stdout.includes('App is loaded.'));
    await assert.rejects(tcpConnect(49691));
    await dockerOk('stop', '-t', '10', name);
    assert.equal(await exitCode(name), 0);
  } finally {
    await remove(name);
  }
});

test('oom with a 64 MiB limit: OOM-killed (exit 137), never ready', { timeout: 60_000 }, async () => {
  const name = await start(IMG.v42, { env: { STANDIN_MODE: 'oom' }, runArgs: ['-m', '64m', '--memory-swap', '64m'], args: [`${HTTP_ARG}18701`] });
  try {
    assert.equal(await exitCode(name), 137);
    const st = (await dockerOk('inspect', '-f', '{{.State.OOMKilled}}', name)).trim();
    assert.ok(st === 'true' || st === 'false');
    assert.ok(!(await logs(name)).stdout.includes('App is loaded.'));
  } finally {
    await remove(name);
  }
});

test('instrumentation knobs: STANDIN_ECHO_ENV and STANDIN_TICK_SECONDS are marked [standin]', { timeout: 60_000 }, async () => {
  const name = await start(IMG.v60, { env: { STANDIN_ECHO_ENV: 'SECRET_X', SECRET_X: 'hunter2', STANDIN_TICK_SECONDS: '0.2', ISAACSIM_SIGNAL_PORT: '49711' } });
  try {
    await waitReady(name, READY_FULL);
    await waitFor('tick 2', async () => ((await logs(name)).stderr.includes('[Info] [standin] tick 2') ? true : undefined), 10_000);
    const { stdout } = await logs(name);
    assert.match(stdout, /\[Info\] \[standin\] env SECRET_X=hunter2/);
    assert.match(stdout, /\[Info\] \[standin\] tick 1/);
  } finally {
    await remove(name);
  }
});

test('web viewer (stand-in/web-viewer): page at / shows the baked signal port, counts loads', { timeout: 60_000 }, async () => {
  const port = 18721;
  const image = await buildStandinViewer({ signalPort: 49722, streamPort: 47722 });
  const name = uniq('viewer');
  containers.add(name);
  await dockerOk('run', '-d', '--name', name, '--network', 'host', '-l', TEST_LABEL, image, ...viewerCommand(port));
  try {
    await waitFor('viewer', async () => ((await logs(name)).stdout.includes(viewerLocalLine(port)) ? true : undefined));
    const page = await get(port, '/');
    assert.match(page.body, /id="signal-port">49722</);
    assert.match(page.body, /id="stream-port">47722</);
    assert.equal((await get(port, '/cgi-bin/hit')).body.trim(), '1');
    assert.equal((await get(port, '/cgi-bin/loads')).body.trim(), '1');
  } finally {
    await remove(name);
  }
});
