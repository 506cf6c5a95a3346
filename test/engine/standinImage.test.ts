// Behaviour test of the Isaac Sim stand-in images (stand-in/, scripts/build-standin.sh) against
// the real Docker Engine, part 1: the image tags, each version's image config as NVIDIA has it, and
// the stand-in's web viewer. Each image must behave like NVIDIA's image of that version at the
// container boundary (stand-in/README.md names the source of every behaviour); the versions' runs
// are in standin42.test.ts and standinFull.test.ts, the failure modes in standinModes.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerOk } from './exec';
import { buildStandinViewer, viewerCommand, viewerLocalLine } from './helpers';
import { containers, get, IMG, lines, logs, remove, standinHooks, TAGS, TEST_LABEL, uniq, waitFor } from './standinSetup';

async function inspect(image: string): Promise<{ User: string; Entrypoint: string[]; Env: string[]; Healthcheck?: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number } }> {
  return JSON.parse(await dockerOk('image', 'inspect', '-f', '{{json .Config}}', image));
}

standinHooks();

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
