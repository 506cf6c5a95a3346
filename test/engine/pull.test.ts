/**
 * Image pulls through the extension's code against a real Docker engine and a real registry
 * (Debian's docker-registry, started by scripts/registry.sh on 127.0.0.1 only).
 *
 * The pushed image is built FROM the stand-in with layers of random content, so after `docker rmi`
 * those layers are really gone and the pull has to transfer them (the stand-in's own layer shows up
 * as "Already exists").
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DockerEngine } from '../../src/docker/engine';
import { pullImage } from '../../src/docker/pull';
import { PullCancelledError, PullError } from '../../src/docker/pullErrors';
import type { PullProgress } from '../../src/docker/pullProgress';
import { docker, REPO, STANDIN_IMAGE } from './helpers';

const run = promisify(execFile);

const PORT = 5055;
const AUTH_PORT = 5056;
const CLOSED_PORT = 5059;
const IMAGE = `127.0.0.1:${PORT}/isaac-sim-standin:pulltest`;
const AUTH_IMAGE = `127.0.0.1:${AUTH_PORT}/isaac-sim-standin:pulltest-auth`;
const USER = 'pulltest';
const PASSWORD = 'pulltest-password';
// bcrypt of PASSWORD (cost 5), for the registry's htpasswd file. A test-only secret.
const PASSWORD_BCRYPT = '$2b$05$1lW/FC/CwXGskoPYeOXThuohxITELuCaIpfxh5a0unQqIYIwqPmJC';
// Big enough that a cancelled pull is still transferring when the engine sees the connection close.
const PAYLOAD_BYTES = 32_000_000;

async function registry(command: 'start' | 'stop' | 'status', port: number, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run('bash', [path.join(REPO, 'scripts/registry.sh'), command, String(port)], { env: { ...process.env, ...env }, timeout: 300_000 });
  return stdout;
}

async function registryRunning(port: number): Promise<boolean> {
  return registry('status', port).then(
    () => true,
    () => false,
  );
}

/** Builds `tag` FROM the stand-in with two layers of random bytes: content no other image has. */
async function buildUniqueImage(tag: string, dir: string): Promise<void> {
  const ctx = mkdtempSync(path.join(dir, 'ctx-'));
  writeFileSync(path.join(ctx, 'big'), randomBytes(PAYLOAD_BYTES));
  writeFileSync(path.join(ctx, 'small'), randomUUID());
  writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${STANDIN_IMAGE}\nCOPY big /pulltest-big\nCOPY small /pulltest-small\n`);
  await run('docker', ['build', '-q', '-t', tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 1 << 24 });
}

/** Removes a local tag; the rmi output must show layers deleted, so the pull has to fetch them. */
async function removeLocally(tag: string): Promise<void> {
  const out = await docker('rmi', tag);
  assert.match(out, /Deleted: sha256:/, `docker rmi ${tag} deleted no layer:\n${out}`);
}

/**
 * Counts the engine's image "pull" events for `ref` from now on, as `docker events` (a second
 * client) streams them; the engine sends them in the order they happened.
 */
function imagePullEvents(ref: string): { count: () => number; waitFor: (n: number, timeoutMs?: number) => Promise<void>; stop: () => void } {
  // --since replays what happened before the CLI's subscription was in place.
  const since = (Date.now() / 1000).toFixed(3);
  const child = execFile('docker', ['events', '--since', since, '--filter', 'type=image', '--filter', 'event=pull', '--format', '{{json .}}']);
  let seen = 0;
  let buffered = '';
  let wake = () => {};
  child.stdout?.on('data', (chunk: Buffer | string) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const e = JSON.parse(line) as { id?: string; Actor?: { ID?: string } };
      if (e.id === ref || e.Actor?.ID === ref) seen++;
    }
    wake();
  });
  return {
    count: () => seen,
    waitFor: (n, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${n} "pull" event(s) of ${ref} (saw ${seen})`)), timeoutMs);
        wake = () => {
          if (seen < n) return;
          clearTimeout(timer);
          resolve();
        };
        wake();
      }),
    stop: () => child.kill(),
  };
}

async function imageGone(engine: DockerEngine, tag: string): Promise<void> {
  await docker('rmi', '-f', tag).catch(() => undefined);
  assert.equal(await engine.imagePresent(tag), false);
}

function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('pulling an image from a real registry', { timeout: 600_000 }, () => {
  const engine = new DockerEngine({ dockerHost: '' });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'isaac-sim-pull-'));
  const startedByUs = new Set<number>();

  before(
    async () => {
      for (const [port, env] of [
        [PORT, {}],
        [AUTH_PORT, { REGISTRY_HTPASSWD: path.join(tmp, 'htpasswd') }],
      ] as const) {
        if (port === AUTH_PORT) writeFileSync(path.join(tmp, 'htpasswd'), `${USER}:${PASSWORD_BCRYPT}\n`);
        if (await registryRunning(port)) await registry('stop', port); // a leftover: restart it with this run's config
        await registry('start', port, env);
        startedByUs.add(port);
      }
      await buildUniqueImage(IMAGE, tmp);
      await docker('push', IMAGE);
      await removeLocally(IMAGE);
    },
    { timeout: 300_000 },
  );

  after(async () => {
    for (const tag of [IMAGE, AUTH_IMAGE]) await docker('rmi', '-f', tag).catch(() => undefined);
    for (const port of startedByUs) {
      await registry('stop', port).catch(() => undefined);
      // Our registries hold only test images: drop their storage so runs do not pile up blobs.
      rmSync(path.join(REPO, '.run', port === PORT ? 'registry' : `registry-${port}`, 'data'), { recursive: true, force: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  test('pulls the image: layer progress, bytes done == total, fraction 1, then the image is there', async () => {
    assert.equal(await engine.imagePresent(IMAGE), false);
    const seen: PullProgress[] = [];
    await pullImage(engine, IMAGE, (p) => seen.push(p));
    const end = seen[seen.length - 1];

    assert.ok(seen.length >= 5, `only ${seen.length} progress reports`);
    assert.equal(seen[0].fraction, undefined);
    assert.ok(seen.some((p) => p.layers.some((l) => l.phase === 'downloading' && l.current !== undefined && l.total !== undefined)), 'no download progress with bytes');
    assert.ok(seen.some((p) => p.layers.some((l) => l.phase === 'extracting')), 'no extraction progress');
    assert.ok(end.layers.some((l) => l.phase === 'exists'), 'the stand-in layer should already exist');
    const fetched = end.layers.filter((l) => l.phase !== 'exists');
    assert.equal(fetched.length, 2, JSON.stringify(end.layers));
    assert.ok(fetched.every((l) => l.phase === 'complete'));
    assert.equal(end.done, true);
    assert.equal(end.upToDate, false);
    assert.equal(end.fraction, 1);
    assert.equal(end.bytesDone, end.bytesTotal);
    assert.ok(end.bytesTotal > PAYLOAD_BYTES, `only ${end.bytesTotal} bytes counted`);
    assert.match(end.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(end.message, `Pulled ${IMAGE} — ${end.bytesTotal >= 10e6 ? Math.round(end.bytesTotal / 1e6) : (end.bytesTotal / 1e6).toFixed(1)} MB`);
    for (let i = 1; i < seen.length; i++) assert.ok((seen[i].fraction ?? 0) >= (seen[i - 1].fraction ?? 0), 'fraction went back');

    assert.equal(await engine.imagePresent(IMAGE), true);
    const inspected = JSON.parse(await docker('image', 'inspect', IMAGE))[0];
    assert.ok(inspected.RepoDigests.some((d: string) => d.endsWith(end.digest ?? '?')), JSON.stringify(inspected.RepoDigests));
  });

  test('pulling again: up to date, nothing transferred', async () => {
    const seen: PullProgress[] = [];
    await pullImage(engine, IMAGE, (p) => seen.push(p));
    const end = seen[seen.length - 1];
    assert.equal(end.upToDate, true);
    assert.equal(end.fraction, 1);
    assert.equal(end.message, `${IMAGE} is up to date`);
  });

  test('a tag the registry does not have: PullError naming the image and the tag check', async () => {
    const missing = `127.0.0.1:${PORT}/isaac-sim-standin:no-such-tag`;
    await assert.rejects(pullImage(engine, missing, () => undefined), (e: unknown) => {
      assert.ok(e instanceof PullError, String(e));
      assert.equal(e.failure, 'not-found');
      assert.ok(e.message.startsWith(`Could not pull "${missing}": 127.0.0.1:${PORT} has no such image or tag`), e.message);
      assert.match(e.message, /manifest unknown/);
      assert.match(e.message, /Check the repository name and tag in isaacSim\.image/);
      return true;
    });
    assert.equal(await engine.imagePresent(missing), false);
  });

  test('a registry nobody serves: PullError saying the registry cannot be reached', async () => {
    assert.equal(await portClosed(CLOSED_PORT), true, `something listens on 127.0.0.1:${CLOSED_PORT}`);
    const image = `127.0.0.1:${CLOSED_PORT}/isaac-sim-standin:pulltest`;
    await assert.rejects(pullImage(engine, image, () => undefined), (e: unknown) => {
      assert.ok(e instanceof PullError, String(e));
      assert.equal(e.failure, 'registry-unreachable');
      assert.ok(e.message.startsWith(`Could not pull "${image}": the Docker engine could not reach the registry 127.0.0.1:${CLOSED_PORT}`), e.message);
      assert.match(e.message, /connection refused/);
      return true;
    });
  });

  test('cancelled right after the first engine event: rejects with the cancelled message', async () => {
    await imageGone(engine, IMAGE);
    // The engine logs an image "pull" event for each pull that completes. Watched from before the
    // cancelled pull to the event of the later pull below (the marker), the cancelled one must have
    // logged none: the engine stopped it rather than finishing it in the background.
    const pulls = imagePullEvents(IMAGE);
    const controller = new AbortController();
    const seen: PullProgress[] = [];
    const result = await pullImage(
      engine,
      IMAGE,
      (p) => {
        seen.push(p);
        // The first report is our own initial state; the second is the engine's first event.
        if (seen.length === 2) controller.abort();
      },
      controller.signal,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(result instanceof PullCancelledError, `expected a cancellation, got ${String(result)}`);
    assert.equal(result.name, 'AbortError');
    assert.equal(result.message, `Pull of "${IMAGE}" was cancelled; nothing was started.`);
    assert.equal(seen.length, 2, 'no progress may be reported after the cancellation');
    assert.equal(await engine.imagePresent(IMAGE), false, 'the image is not there after the cancellation');
    // The engine is still usable and the image can be pulled afterwards.
    await pullImage(engine, IMAGE, () => undefined);
    assert.equal(await engine.imagePresent(IMAGE), true);
    try {
      await pulls.waitFor(1);
      assert.equal(pulls.count(), 1, 'one "pull" event, the second pull\'s: the engine finished the cancelled pull anyway');
    } finally {
      pulls.stop();
    }
  });

  test('a registry that needs a login: refused without credentials, pulled with the ones docker login stored', async () => {
    // docker login / push with a private config folder: the machine's ~/.docker is never touched.
    const home = path.join(tmp, 'home');
    const config = path.join(home, '.docker');
    mkdirSync(config, { recursive: true });
    const login = execFile('docker', ['--config', config, 'login', `127.0.0.1:${AUTH_PORT}`, '-u', USER, '--password-stdin']);
    login.stdin?.end(PASSWORD);
    await new Promise<void>((resolve, reject) => login.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker login exited ${code}`)))));
    await buildUniqueImage(AUTH_IMAGE, tmp);
    await docker('--config', config, 'push', AUTH_IMAGE);
    await removeLocally(AUTH_IMAGE);

    const emptyHome = path.join(tmp, 'empty-home');
    mkdirSync(emptyHome, { recursive: true });
    await assert.rejects(pullImage(engine, AUTH_IMAGE, () => undefined, undefined, { home: emptyHome, env: {} }), (e: unknown) => {
      assert.ok(e instanceof PullError, String(e));
      assert.equal(e.failure, 'unauthorized');
      assert.ok(e.message.startsWith(`Could not pull "${AUTH_IMAGE}": 127.0.0.1:${AUTH_PORT} refused access`), e.message);
      assert.match(e.message, new RegExp(`docker login 127\\.0\\.0\\.1:${AUTH_PORT}`));
      return true;
    });

    const wrongHome = path.join(tmp, 'wrong-home');
    mkdirSync(path.join(wrongHome, '.docker'), { recursive: true });
    writeFileSync(path.join(wrongHome, '.docker/config.json'), JSON.stringify({ auths: { [`127.0.0.1:${AUTH_PORT}`]: { auth: Buffer.from(`${USER}:wrong`).toString('base64') } } }));
    await assert.rejects(pullImage(engine, AUTH_IMAGE, () => undefined, undefined, { home: wrongHome, env: {} }), (e: unknown) => {
      assert.ok(e instanceof PullError && e.failure === 'unauthorized', String(e));
      assert.match(e.message, /credentials in .*config\.json were refused/);
      return true;
    });

    const seen: PullProgress[] = [];
    await pullImage(engine, AUTH_IMAGE, (p) => seen.push(p), undefined, { home, env: {} });
    assert.equal(seen[seen.length - 1].done, true);
    assert.equal(await engine.imagePresent(AUTH_IMAGE), true);
  });
});
