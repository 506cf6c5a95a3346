/**
 * Cancelling starts, against a real engine and a real registry whose pull is slowed down.
 *
 * The image is built FROM the stand-in with a layer of random bytes and pushed to Debian's
 * docker-registry on 127.0.0.1 (scripts/registry.sh). The engine pulls it through a throttling TCP
 * proxy of this test (also on 127.0.0.1), so a start is still pulling when Stop, Remove, Stop All or
 * a cancelled notification's signal comes. Each must abort that start, and leave nothing behind: no
 * container, no host folders, no image half-pulled.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DockerEngine } from '../../src/docker/engine';
import { pullImage } from '../../src/docker/pull';
import { errorInfo } from '../../src/instances/errors';
import { InstanceManager } from '../../src/instances/manager';
import { hostFoldersFor } from '../../src/instances/spec';
import type { Settings } from '../../src/instances/settings';
import { MemoryLogger, REPO, STANDIN_IMAGE, docker, dockerInspect, removeContainers, standinSettings, waitFor } from './helpers';

const run = promisify(execFile);

const REGISTRY_PORT = 5057;
const PROXY_PORT = 5058;
/** Bytes per second the proxy lets through towards the engine: a 16 MB layer takes minutes. */
const RATE = 64 * 1024;
const PAYLOAD_BYTES = 16_000_000;
const PUSHED = `127.0.0.1:${REGISTRY_PORT}/isaac-sim-standin:4.2.0-cancel`;
/** The same image, pulled through the slow proxy. */
const SLOW = `127.0.0.1:${PROXY_PORT}/isaac-sim-standin:4.2.0-cancel`;
const INDEXES = [14, 15];

/** A TCP proxy that slows what flows towards the client, and counts it. */
class ThrottlingProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Bytes sent to clients so far. */
  bytesDown = 0;

  constructor(
    private readonly upstreamPort: number,
    private readonly bytesPerSecond: number,
  ) {
    this.server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: this.upstreamPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      // Unthrottled (the control): the same connection handling, without the per-piece timers, which
      // at a high rate on a loaded machine made a 16 MB pull last long enough for the registry to cut it.
      if (!Number.isFinite(this.bytesPerSecond)) {
        upstream.on('data', (chunk: Buffer) => (this.bytesDown += chunk.length));
        upstream.pipe(client);
        return;
      }
      upstream.on('data', (chunk: Buffer) => {
        upstream.pause();
        const send = (offset: number) => {
          if (client.destroyed) return;
          const piece = chunk.subarray(offset, offset + 4096);
          client.write(piece);
          this.bytesDown += piece.length;
          if (offset + piece.length < chunk.length) setTimeout(() => send(offset + piece.length), (1000 * piece.length) / this.bytesPerSecond);
          else setTimeout(() => upstream.resume(), (1000 * piece.length) / this.bytesPerSecond);
        };
        send(0);
      });
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  /** Connections open right now (client and upstream sides). */
  get open(): number {
    return this.sockets.size;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function registry(command: 'start' | 'stop' | 'status'): Promise<void> {
  await run('bash', [path.join(REPO, 'scripts/registry.sh'), command, String(REGISTRY_PORT)], { timeout: 120_000 });
}

describe('cancelling a start that is pulling a slow image', { timeout: 300_000 }, () => {
  const proxy = new ThrottlingProxy(REGISTRY_PORT, RATE);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'isaac-sim-cancel-'));
  const managers: InstanceManager<DockerEngine>[] = [];

  before(
    async () => {
      if (await registry('status').then(() => true, () => false)) await registry('stop');
      await registry('start');
      const ctx = mkdtempSync(path.join(tmp, 'ctx-'));
      writeFileSync(path.join(ctx, 'big'), randomBytes(PAYLOAD_BYTES));
      writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${STANDIN_IMAGE}\nCOPY big /cancel-big\n`);
      await run('docker', ['build', '-q', '-t', PUSHED, ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 1 << 24 });
      await docker('push', PUSHED);
      await docker('rmi', PUSHED);
      await proxy.listen(PROXY_PORT);
    },
    { timeout: 240_000 },
  );

  afterEach(async () => {
    for (const m of managers.splice(0)) m.dispose();
    await removeContainers(...INDEXES.map((i) => `isaac-sim-instance-${i}`));
    await docker('rmi', '-f', SLOW).catch(() => undefined);
    await waitFor('the proxy has no connection left', () => proxy.open === 0, 30_000);
  });

  after(async () => {
    await proxy.close();
    await docker('rmi', '-f', PUSHED).catch(() => undefined);
    await registry('stop').catch(() => undefined);
    rmSync(path.join(REPO, '.run', `registry-${REGISTRY_PORT}`, 'data'), { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  function session(overrides: Partial<Settings> = {}): { manager: InstanceManager<DockerEngine>; settings: Settings; pulls: () => number } {
    // instanceCount 16: instances 14 and 15 are configured, so they have rows (stopped) when nothing exists.
    const settings = standinSettings({ image: SLOW, version: '4.2', instanceCount: 16, pythonServerPortBase: 24400, ...overrides });
    let pulls = 0;
    const manager = new InstanceManager<DockerEngine>({
      engineFor: (dockerHost) => new DockerEngine({ dockerHost }),
      log: new MemoryLogger(),
      ensureImage: (engine, image, signal) => {
        pulls++;
        return pullImage(engine, image, () => undefined, signal);
      },
    });
    manager.updateSettings({ ok: true, settings });
    managers.push(manager);
    return { manager, settings, pulls: () => pulls };
  }

  /** Waits until the engine is transferring the image through the proxy. */
  async function pulling(before: number): Promise<void> {
    await waitFor('layer bytes flowing through the slow proxy', () => proxy.bytesDown > before + 64 * 1024, 60_000);
  }

  async function assertNothingLeft(settings: Settings, index: number): Promise<void> {
    assert.equal(await dockerInspect(`isaac-sim-instance-${index}`), undefined, 'no container');
    for (const folder of hostFoldersFor(settings, index, os.homedir())) assert.equal(existsSync(folder), false, `no host folder ${folder}`);
    await waitFor('the aborted pull closed its connections', () => proxy.open === 0, 30_000);
    assert.equal(await new DockerEngine({ dockerHost: '' }).imagePresent(SLOW), false, 'the image was not pulled');
  }

  function assertCancelled(result: PromiseSettledResult<unknown>, what: string): void {
    assert.equal(result.status, 'rejected', `${what}: the start did not finish`);
    assert.equal(errorInfo((result as PromiseRejectedResult).reason).kind, 'cancelled', `${what}: ${String((result as PromiseRejectedResult).reason)}`);
    assert.match(((result as PromiseRejectedResult).reason as Error).message, /instance-1[45]/);
  }

  test('Stop aborts a start that is pulling: the start rejects as cancelled, nothing is left', async () => {
    const { manager, settings, pulls } = session();
    const bytes = proxy.bytesDown;
    const start = Promise.allSettled([manager.start(14)]);
    await pulling(bytes);
    assert.equal(pulls(), 1);
    await manager.stop(14);
    const [result] = await start;
    assertCancelled(result, 'stop');
    assert.equal(manager.get(14)?.state.kind, 'stopped');
    assert.equal(manager.get(14)?.busy, false);
    await assertNothingLeft(settings, 14);
  });

  test('Remove aborts a pulling start and the start queued behind it', async () => {
    const { manager, settings } = session();
    const bytes = proxy.bytesDown;
    // The second is pending: it waits in the queue for the first.
    const starts = Promise.allSettled([manager.start(14), manager.start(14)]);
    await pulling(bytes);
    await manager.remove(14);
    const results = await starts;
    assertCancelled(results[0], 'remove (pulling start)');
    assertCancelled(results[1], 'remove (pending start)');
    await assertNothingLeft(settings, 14);
  });

  test('the caller\'s signal (a cancelled notification) aborts its start', async () => {
    const { manager, settings } = session();
    const bytes = proxy.bytesDown;
    const controller = new AbortController();
    const start = Promise.allSettled([manager.start(14, { signal: controller.signal })]);
    await pulling(bytes);
    controller.abort();
    const [result] = await start;
    assertCancelled(result, 'signal');
    assert.equal(manager.get(14)?.state.kind, 'stopped');
    await assertNothingLeft(settings, 14);
  });

  test('Stop All aborts the starts of every instance', async () => {
    const { manager, settings } = session();
    const bytes = proxy.bytesDown;
    const starts = Promise.allSettled(INDEXES.map((i) => manager.start(i)));
    await pulling(bytes);
    await manager.stopAll();
    const results = await starts;
    results.forEach((r, k) => assertCancelled(r, `stop all (instance-${INDEXES[k]})`));
    for (const i of INDEXES) await assertNothingLeft(settings, i);
  });

  test('an uncancelled start still pulls and runs (the proxy is slow, not broken)', { timeout: 600_000 }, async () => {
    // Control: without a cancel the same start finishes, so the cancelled ones above were aborted, not failed.
    const { manager } = session({ env: { STANDIN_STEP_SECONDS: '0.05' } });
    const fast = new ThrottlingProxy(REGISTRY_PORT, Infinity);
    await fast.listen(PROXY_PORT + 1);
    try {
      const image = `127.0.0.1:${PROXY_PORT + 1}/isaac-sim-standin:4.2.0-cancel`;
      manager.updateSettings({ ok: true, settings: standinSettings({ image, version: '4.2', instanceCount: 16, pythonServerPortBase: 24400 }) });
      await manager.start(15);
      assert.equal((await dockerInspect('isaac-sim-instance-15'))?.State.Running, true);
      await manager.remove(15);
      await docker('rmi', '-f', image).catch(() => undefined);
    } finally {
      await fast.close();
    }
  });
});
