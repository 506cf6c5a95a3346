// Behaviour test of the Isaac Sim stand-in images against the real Docker Engine, part 3: the 5.1.0
// and 6.0.1 images (uid 1234 with named volumes at NVIDIA's paths, a root-owned cache folder, the
// aarch64 refusal, the ISAACSIM_* env interface and HEALTHCHECK, the EULA refusal, a signalling
// port held by someone else).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dockerOk } from './exec';
import { get, HTTP_ARG, IMG, logs, READY_FULL, remove, runToEnd, standinHooks, start, tcpConnect, tempDirs, volume, waitFor, waitReady } from './standinSetup';

const SHADER_WAIT = '[Warning] [gpu.foundation.plugin] Waiting for compilation of ray tracing shaders by GPU driver: 30 seconds so far';
const SHADER_DONE = /\[Warning\] \[gpu\.foundation\.plugin\] Ray tracing shader compilation finished after \d+ seconds/;

standinHooks();

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
