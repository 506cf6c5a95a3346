/**
 * The 6.x web viewer per instance, on the real engine: the extension builds the stand-in viewer's
 * context (stand-in/web-viewer, which mirrors NVIDIA's tools/docker/web-viewer/Dockerfile) through
 * the Engine API with NVIDIA's build args, once per port set, and runs one viewer per instance after
 * the instance is ready, as NVIDIA's docker-compose.yml does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LogAppend, Manager } from '../../src/instances/manager';
import { OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import type { Settings } from '../../src/instances/settings';
import { VIEWER_KEY_LABEL, VIEWER_OF_LABEL, VIEWER_REPOSITORY, VIEWER_SIGNAL_LABEL } from '../../src/instances/webViewerPlan';
import { REPO, docker, dockerInspect, httpGet, newManager, removeInstanceVolumes, standinSettings, waitFor, type MemoryLogger } from './helpers';

const CONTEXT = path.join(REPO, 'stand-in/web-viewer');
const INDEXES = [60, 61];
const BASES = { instanceCount: 1, httpPortBase: 28200, signalPortBase: 29100, streamPortBase: 27900, webViewerPortBase: 28300 } as const;
const instanceName = (i: number) => `isaac-sim-instance-${i}`;
const viewerName = (i: number) => `isaac-sim-web-viewer-${i}`;
const FOREIGN = viewerName(62);

function settingsFor(overrides: Partial<Settings> = {}): Settings {
  return standinSettings({ ...BASES, image: 'isaac-sim-standin:6.0.1', version: 'auto', webViewerBuildContext: CONTEXT, ...overrides, env: { STANDIN_STEP_SECONDS: '0.05', ...(overrides.env ?? {}) } });
}

function harness(settings: Settings): { manager: Manager; lines: Map<number, string[]>; log: MemoryLogger } {
  const { manager, log } = newManager(settings);
  const lines = new Map<number, string[]>();
  manager.onDidAppendLog((e: LogAppend) => lines.set(e.index, [...(lines.get(e.index) ?? []), ...e.lines]));
  return { manager, lines, log };
}

async function viewerServes(manager: Manager, index: number, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    `instance-${index}'s web viewer to serve`,
    () => {
      const v = manager.get(index)?.webViewer;
      if (v?.kind === 'failed') throw new Error(`instance-${index}'s web viewer failed: ${v.reason}`);
      return v?.kind === 'running' && v.answers === true;
    },
    timeoutMs,
  );
}

async function ourImages(): Promise<string[]> {
  return (await docker('image', 'ls', '--filter', `label=${VIEWER_KEY_LABEL}`, '--format', '{{.Repository}}:{{.Tag}}')).split('\n').filter(Boolean);
}

async function cleanUp(): Promise<void> {
  for (const name of [...INDEXES.flatMap((i) => [instanceName(i), viewerName(i)]), FOREIGN]) await docker('rm', '-f', name).catch(() => undefined);
  await removeInstanceVolumes(INDEXES, ['6.x']);
}

before(cleanUp);
after(async () => {
  await cleanUp();
  for (const image of await ourImages()) await docker('rmi', '-f', image).catch(() => undefined);
});

describe('6.x web viewer: built once per port set, run after ready, taken down with its instance', () => {
  const { manager, lines, log } = harness(settingsFor());
  after(async () => {
    for (const i of INDEXES) await manager.remove(i).catch(() => undefined);
    manager.dispose();
  });
  const builds = (i: number) => (lines.get(i) ?? []).filter((l) => l.startsWith('[Isaac Sim Orchestrator] Building ')).length;

  test('two instances: each viewer is built with its own ports, starts after ready and serves a page with its own signal port', { timeout: 300_000 }, async () => {
    for (const i of INDEXES) await manager.start(i);
    for (const i of INDEXES) await viewerServes(manager, i);
    for (const i of INDEXES) {
      const s = manager.get(i);
      assert.equal(s?.state.kind, 'ready', 'the instance is ready');
      const v = s?.webViewer;
      assert.ok(v?.image?.startsWith(`${VIEWER_REPOSITORY}:`), `built as one of ours: ${v?.image}`);
      const page = await httpGet(`http://127.0.0.1:${28300 + i}/`);
      assert.equal(page.status, 200);
      assert.match(page.body, new RegExp(`<span id="signal-port">${29100 + i}</span>`), `instance-${i}'s page has its own signal port baked in:\n${page.body}`);
      const image = JSON.parse(await docker('image', 'inspect', v?.image ?? ''))[0];
      assert.equal(image.Config.Labels[OWNER_LABEL], OWNER_VALUE, 'the image is labelled as ours');
      assert.equal(image.Config.Labels[VIEWER_SIGNAL_LABEL], String(29100 + i), 'with its signal port');
      const c = await dockerInspect(viewerName(i));
      assert.equal(c?.Config.Labels[OWNER_LABEL], OWNER_VALUE);
      assert.equal(c?.Config.Labels[VIEWER_OF_LABEL], String(i), "labelled as that instance's viewer");
      assert.equal(c?.HostConfig.NetworkMode, 'host');
      assert.deepEqual(c?.Config.Cmd, ['npx', 'vite', 'preview', '--host', '127.0.0.1', '--port', String(28300 + i)]);
      assert.equal(c?.Config.User, 'appuser', "the image's own user (uid 1234)");
      const instance = await dockerInspect(instanceName(i));
      assert.ok(Date.parse(c?.State.StartedAt) >= Date.parse(instance?.State.StartedAt), 'the viewer started after its instance');
      assert.equal(builds(i), 1, `one build for instance-${i}: ${(lines.get(i) ?? []).join('\n')}`);
      assert.ok((lines.get(i) ?? []).some((l) => l.includes('Step') || l.includes('RUN') || l.includes('--->')), `the build's own lines are in instance-${i}'s channel`);
      const view = s?.view;
      assert.deepEqual(view, { kind: 'url', url: `http://127.0.0.1:${28300 + i}/` }, 'the sim view shows the viewer');
    }
    const [a, b] = INDEXES.map((i) => manager.get(i)?.webViewer?.image);
    assert.notEqual(a, b, 'one image per port set');
  });

  test('a stop takes the viewer down; the next start reuses the image and starts the viewer again', { timeout: 180_000 }, async () => {
    const i = INDEXES[0];
    const image = manager.get(i)?.webViewer?.image;
    await manager.stop(i);
    await waitFor('the viewer to stop with its instance', async () => (await dockerInspect(viewerName(i)))?.State.Running === false && manager.get(i)?.webViewer?.kind === 'stopped');
    await manager.start(i);
    await viewerServes(manager, i);
    assert.equal(manager.get(i)?.webViewer?.image, image, 'the same image');
    assert.equal(builds(i), 1, 'no second build');
  });

  test('a changed signal port builds a new image; a remove takes the viewer container with it', { timeout: 300_000 }, async () => {
    const i = INDEXES[1];
    const before = manager.get(i)?.webViewer?.image;
    await manager.remove(i);
    await waitFor('the viewer container to go with its instance', async () => (await dockerInspect(viewerName(i))) === undefined);
    manager.updateSettings({ ok: true, settings: settingsFor({ signalPortBase: 29200 }) });
    await manager.start(i);
    await viewerServes(manager, i);
    const after = manager.get(i)?.webViewer?.image;
    assert.notEqual(after, before, 'a new image for the new port set');
    assert.equal(builds(i), 2, 'built again');
    const page = await httpGet(`http://127.0.0.1:${28300 + i}/`);
    assert.match(page.body, new RegExp(`<span id="signal-port">${29200 + i}</span>`), 'the new port is baked in');
    await manager.remove(i);
    await waitFor('the viewer container to go', async () => (await dockerInspect(viewerName(i))) === undefined).catch((err: unknown) => {
      throw new Error(`${String(err)}; viewer: ${JSON.stringify(manager.get(i)?.webViewer)}; log: ${log.lines.filter((l) => l.includes('viewer')).join(' | ')}`);
    });
    manager.updateSettings({ ok: true, settings: settingsFor() });
  });

  test('after a reload the running viewer is adopted, not started again', { timeout: 120_000 }, async () => {
    const i = INDEXES[0];
    const startedAt = (await dockerInspect(viewerName(i)))?.State.StartedAt;
    const { manager: second } = harness(settingsFor());
    try {
      await second.connect();
      await viewerServes(second, i);
      assert.equal((await dockerInspect(viewerName(i)))?.State.StartedAt, startedAt, 'the same run of the viewer');
    } finally {
      second.dispose();
    }
  });
});

describe('6.x web viewer: what stands in its way is named and left alone; a failed build shows its lines', () => {
  test('a foreign container on its name is named and left untouched', { timeout: 180_000 }, async () => {
    const i = 62;
    await docker('create', '--name', FOREIGN, '--network', 'none', 'isaac-sim-standin:6.0.1');
    const { manager } = harness(settingsFor());
    try {
      await manager.start(i);
      await waitFor("the viewer's failure", () => manager.get(i)?.webViewer?.kind === 'failed', 120_000);
      const reason = manager.get(i)?.webViewer?.reason ?? '';
      assert.match(reason, new RegExp(`A container named "${FOREIGN}" .* is not instance-62's web viewer of Isaac Sim Orchestrator`), reason);
      const foreign = await dockerInspect(FOREIGN);
      assert.equal(foreign?.Config.Image, 'isaac-sim-standin:6.0.1', 'left untouched');
      assert.equal(manager.get(i)?.state.kind, 'ready', 'the instance itself is fine');
      await manager.remove(i);
    } finally {
      manager.dispose();
      await docker('rm', '-f', FOREIGN).catch(() => undefined);
      await removeInstanceVolumes([i], ['6.x']);
    }
  });

  test('a process on its port is named, with the setting to move; moved, the next start serves the viewer there', { timeout: 180_000 }, async () => {
    const i = 63;
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(28300 + i, '127.0.0.1', resolve));
    const { manager } = harness(settingsFor());
    try {
      await manager.start(i);
      await waitFor("the viewer's failure", () => manager.get(i)?.webViewer?.kind === 'failed', 120_000);
      const v = manager.get(i)?.webViewer;
      assert.match(v?.reason ?? '', new RegExp(`instance-63's web viewer cannot start: its port ${28300 + i} is already in use on 127\\.0\\.0\\.1 by .*move isaacSim\\.webViewerPortBase, then stop and start the instance`), v?.reason);
      assert.equal(v?.setting, 'isaacSim.webViewerPortBase');
      assert.equal(await dockerInspect(viewerName(i)), undefined, 'nothing was created');
      // The fix the error names: move the base, then stop and start (the container is made again with the new ports).
      manager.updateSettings({ ok: true, settings: settingsFor({ webViewerPortBase: 28400 }) });
      await manager.stop(i);
      await manager.start(i);
      await viewerServes(manager, i);
      assert.equal((await httpGet(`http://127.0.0.1:${28400 + i}/`)).status, 200, 'the viewer serves on the moved port');
      await manager.remove(i);
    } finally {
      manager.dispose();
      server.close();
      await docker('rm', '-f', viewerName(i), instanceName(i)).catch(() => undefined);
      await removeInstanceVolumes([i], ['6.x']);
    }
  });

  test('cancelling a build stops it: no image, no build container left, the viewer says it was cancelled', { timeout: 180_000 }, async () => {
    const i = 65;
    const slow = mkdtempSync(path.join(os.tmpdir(), 'web-viewer-slow-'));
    cpSync(CONTEXT, slow, { recursive: true });
    const dockerfile = path.join(slow, 'Dockerfile');
    // A step that takes long enough to be cancelled in: busybox's sleep, in the builder stage.
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/^WORKDIR \/app$/m, 'WORKDIR /app\nRUN echo slow-step-begins && sleep 120'));
    const { manager, lines } = harness(settingsFor({ webViewerBuildContext: slow }));
    try {
      const imagesBefore = new Set(await ourImages());
      await manager.start(i);
      await waitFor('the slow build step to run', () => manager.get(i)?.webViewer?.kind === 'building' && (lines.get(i) ?? []).some((l) => l.includes('slow-step-begins')), 120_000);
      assert.equal(manager.cancelWebViewer(i), true, 'a build was under way');
      await waitFor('the viewer to say it was cancelled', () => manager.get(i)?.webViewer?.errorKind === 'cancelled');
      assert.match(manager.get(i)?.webViewer?.reason ?? '', /was cancelled: restart the instance to build it again/);
      await waitFor('the build container to go', async () => !(await docker('ps', '-a', '--format', '{{.Command}}')).includes('sleep 120'), 60_000);
      assert.deepEqual((await ourImages()).filter((t) => !imagesBefore.has(t)), [], 'no new viewer image');
      assert.equal(manager.cancelWebViewer(i), false, 'nothing left to cancel');
      assert.equal(manager.get(i)?.state.kind === 'failed', false, 'the instance itself goes on');
      await manager.remove(i);
    } finally {
      manager.dispose();
      await docker('rm', '-f', viewerName(i), instanceName(i)).catch(() => undefined);
      await removeInstanceVolumes([i], ['6.x']);
    }
  });

  test('a build that fails shows the error with the last lines of its log', { timeout: 180_000 }, async () => {
    const i = 64;
    const broken = mkdtempSync(path.join(os.tmpdir(), 'web-viewer-broken-'));
    cpSync(CONTEXT, broken, { recursive: true });
    const dockerfile = path.join(broken, 'Dockerfile');
    // The builder stage's seds edit src/main.ts: point them at a file that is not there.
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/ src\/main\.ts/g, ' src/missing.ts'));
    const { manager, lines } = harness(settingsFor({ webViewerBuildContext: broken }));
    try {
      await manager.start(i);
      await waitFor("the viewer's build failure", () => manager.get(i)?.webViewer?.kind === 'failed', 120_000);
      const v = manager.get(i)?.webViewer;
      assert.equal(v?.errorKind, 'build-failed');
      assert.match(v?.reason ?? '', /^The build of isaac-sim-orchestrator-web-viewer:[0-9a-f]{16} failed at step \[builder \d+\/\d+\] with exit code 1: RUN sed .+[.…] Its last lines:\nsed: .*src\/missing\.ts/s, v?.reason);
      assert.match(v?.reason ?? '', /src\/missing\.ts/, 'the last lines name what failed');
      assert.ok((v?.lastLines ?? []).some((l) => l.includes('src/missing.ts')), `lastLines: ${JSON.stringify(v?.lastLines)}`);
      assert.ok((lines.get(i) ?? []).some((l) => l.includes('src/missing.ts')), "the build's lines are in the channel");
      assert.equal(await dockerInspect(viewerName(i)), undefined, 'no viewer container');
      await manager.remove(i);
    } finally {
      manager.dispose();
      await docker('rm', '-f', viewerName(i), instanceName(i)).catch(() => undefined);
      await removeInstanceVolumes([i], ['6.x']);
    }
  });
});
