// Behaviour test of the Isaac Sim stand-in images against the real Docker Engine, part 4: how runs
// end (docker stop's SIGTERM on each version) and the STANDIN_MODE failure modes (fatal lines,
// gpu/nvml failures, PhysX without CUDA, crash after ready, slow, hang, OOM) and instrumentation knobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerOk, standinHangs } from './exec';
import { exitCode, HTTP_ARG, IMG, lines, logs, READY_42, READY_FULL, remove, runToEnd, standinHooks, start, tcpConnect, waitFor, waitReady, type StartOpts } from './standinSetup';

standinHooks();

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
