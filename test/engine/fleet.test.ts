/**
 * Several engines at once (isaacSim.endpoints, src/instances/fleet.ts) against real Docker engines,
 * each reached another way the docker CLI knows (issue 12, point 5):
 *  - "main": the sandbox's engine over ssh://, through an sshd of the test's own whose sessions run
 *    `docker system dial-stdio` against it;
 *  - "a": a dockerd this file starts, on tcp://127.0.0.1:PORT with --tlsverify, reached with
 *    DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (certificates made here with openssl);
 *  - "b": another dockerd on TLS with certificates of another CA, reached only through a context made
 *    by `docker context create` (endpoint dockerContext): its certificates are the context's own.
 * No bridge, no iptables; containers use host networking on the same loopback, so each endpoint has
 * its own port bases. Daemon "a" is killed (SIGKILL): only its host goes unreachable while the others
 * still stop and start; when it is started again its host recovers by itself.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { contextId } from '../../src/docker/endpoint';
import { DockerEngine } from '../../src/docker/engine';
import { Fleet } from '../../src/instances/fleet';
import { parseSettings } from '../../src/instances/settings';
import { makeCerts, type TestCerts } from '../unit/certs';
import { MemoryLogger, STANDIN_IMAGE, standinSettings, waitFor } from './helpers';
import { freePort, startSshd, type TestSshd } from './sshd';

const run = promisify(execFile);
const NAME = 'isaac-sim-instance-0';

/** A dockerd of this test's own: its socket, data, exec root and pid file under `dir`. */
class ExtraDaemon {
  readonly host: string;
  private child: ChildProcess | undefined;
  private containerd: ChildProcess | undefined;
  /** `listen` adds the daemon's -H tcp://… and TLS flags. */
  constructor(
    private readonly dir: string,
    private readonly listen: readonly string[] = [],
  ) {
    mkdirSync(dir, { recursive: true });
    this.host = `unix://${path.join(dir, 'd.sock')}`;
  }

  docker(...args: string[]): Promise<string> {
    return run('docker', ['-H', this.host, ...args], { maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout);
  }

  /**
   * Starts dockerd (and, the first time, a containerd of its own beside it: a containerd that dockerd
   * ran itself would die or hang with the killed daemon, and the restart could not reuse it).
   */
  async start(): Promise<void> {
    if (!this.containerd) {
      writeFileSync(path.join(this.dir, 'containerd.toml'), 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
      const cargs = ['-c', path.join(this.dir, 'containerd.toml'), '--address', path.join(this.dir, 'c.sock'), '--root', path.join(this.dir, 'c-root'), '--state', path.join(this.dir, 'c-state')];
      this.containerd = this.spawnLogged('containerd', cargs, 'containerd.log');
      await waitFor('containerd', () => existsSync(path.join(this.dir, 'c.sock')), 30_000);
    }
    const args = ['--bridge=none', '--iptables=false', '-H', this.host, '--containerd', path.join(this.dir, 'c.sock'), '--data-root', path.join(this.dir, 'data'), '--exec-root', path.join(this.dir, 'x'), '--pidfile', path.join(this.dir, 'd.pid'), ...this.listen];
    this.child = this.spawnLogged('dockerd', args, 'dockerd.log');
    await waitFor(`dockerd on ${this.host}`, () => this.docker('info', '--format', '{{.ServerVersion}}').then((v) => v.trim().length > 0), 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${readFileSync(path.join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-20).join('\n')}`);
    });
  }

  private spawnLogged(command: string, args: string[], logName: string): ChildProcess {
    const out = openSync(path.join(this.dir, logName), 'a');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    return child;
  }

  /** SIGKILL to dockerd: the engine is gone at once, nothing is shut down cleanly (its containerd stays, and is reused at the restart). */
  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return;
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed dockerd to be gone', () => !alive(pid), 20_000);
    this.child = undefined;
  }

  async stop(): Promise<void> {
    for (const child of [this.child, this.containerd]) {
      const pid = child?.pid;
      if (!pid || !alive(pid)) continue;
      process.kill(pid, 'SIGTERM');
      await waitFor(`${String(child?.spawnfile)} to stop`, () => !alive(pid), 30_000).catch(() => process.kill(pid, 'SIGKILL'));
    }
    this.child = undefined;
    this.containerd = undefined;
    // dockerd leaves bind mounts under its exec and data roots: release them before removing the folder.
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(this.dir));
    for (const m of mounts.reverse()) await run('umount', ['-l', m]).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat); // a zombie is gone for our purpose
  } catch {
    return false;
  }
}

/** dockerd flags for TLS on 127.0.0.1:`port` with `certs`. */
function tlsListen(port: number, certs: TestCerts): string[] {
  return ['-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', certs.ca, '--tlscert', certs.serverCert, '--tlskey', certs.serverKey];
}

describe('several engines at once: over ssh://, over TLS, and through a docker context', () => {
  const root = mkdtempSync('/tmp/fl-');
  const certsA = makeCerts(path.join(root, 'certs-a'));
  const certsB = makeCerts(path.join(root, 'certs-b'));
  let tlsPort = 0;
  let contextPort = 0;
  let a: ExtraDaemon;
  let b: ExtraDaemon;
  let sshd: TestSshd | undefined;
  const main = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const log = new MemoryLogger();
  /** What the engines resolve from: the CLI's config folder of the test (the context), and TLS for tcp:// hosts from the setting. */
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DOCKER_CONFIG: path.join(root, 'docker-config'), DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(root, 'client-a') };
  let fleet: Fleet<DockerEngine>;
  const dockerOf = (host: string) => (host === 'a' ? a.docker.bind(a) : host === 'b' ? b.docker.bind(b) : (...args: string[]) => run('docker', args).then((r) => r.stdout));
  const stateOn = async (host: string) => (await dockerOf(host)('inspect', '--format', '{{.State.Status}}', NAME)).trim();

  before(async () => {
    tlsPort = await freePort();
    contextPort = await freePort();
    a = new ExtraDaemon(path.join(root, 'a'), tlsListen(tlsPort, certsA));
    b = new ExtraDaemon(path.join(root, 'b'), tlsListen(contextPort, certsB));
    mkdirSync(env.DOCKER_CERT_PATH as string);
    copyFileSync(certsA.ca, path.join(env.DOCKER_CERT_PATH as string, 'ca.pem'));
    copyFileSync(certsA.clientCert, path.join(env.DOCKER_CERT_PATH as string, 'cert.pem'));
    copyFileSync(certsA.clientKey, path.join(env.DOCKER_CERT_PATH as string, 'key.pem'));
    // The context, as the CLI makes it: its TLS files are copied into the context store.
    await run('docker', ['context', 'create', 'fleet-b', '--docker', `host=tcp://127.0.0.1:${contextPort},ca=${certsB.ca},cert=${certsB.clientCert},key=${certsB.clientKey}`], { env });
    sshd = await startSshd(path.join(root, 'ssh'), main);
    await Promise.all([a.start(), b.start()]);
    // The stand-in image, into each new engine.
    await Promise.all([a, b].map((d) => run('sh', ['-c', `docker save ${STANDIN_IMAGE} | docker -H '${d.host}' load`], { maxBuffer: 1 << 24 })));
    await run('docker', ['rm', '-f', NAME]).catch(() => undefined);
    const base = standinSettings({ instanceCount: 1, httpPortBase: 29211, signalPortBase: 29100 });
    const result = parseSettings({
      ...base,
      endpoints: [
        { name: 'main', dockerHost: `ssh://root@127.0.0.1:${sshd.port}` },
        { name: 'a', dockerHost: `tcp://127.0.0.1:${tlsPort}`, httpPortBase: 29311, signalPortBase: 29300 },
        { name: 'b', dockerContext: 'fleet-b', httpPortBase: 29411, signalPortBase: 29400 },
      ],
    });
    assert.ok(result.ok, JSON.stringify(result));
    const sshArgs = sshd.config('fleet', { identity: sshd.userKey, knownHost: true });
    fleet = new Fleet<DockerEngine>({ engineFor: (dockerHost, dockerContext, settingIds) => new DockerEngine({ dockerHost, dockerContext, settingIds, env, sshArgs }), log, probeIntervalMs: 100 });
    fleet.update(result);
  });

  after(async () => {
    fleet?.dispose();
    await run('docker', ['rm', '-f', NAME]).catch(() => undefined);
    for (const d of [a, b]) await d?.docker('rm', '-f', NAME).catch(() => undefined);
    await Promise.all([a?.stop(), b?.stop()]);
    await sshd?.stop();
    if (!process.env.FLEET_KEEP) rmSync(root, { recursive: true, force: true });
  });

  test('three hosts, each with its own manager, settings and engine', () => {
    assert.deepEqual(fleet.hosts.map((h) => h.name), ['main', 'a', 'b']);
    assert.ok(fleet.multiple);
    for (const h of fleet.hosts) assert.ok(h.manager, `${h.name} has a manager`);
    assert.deepEqual(fleet.hosts.map((h) => h.manager?.get(0)?.ports.http), [29211, 29311, 29411]);
  });

  test("each host's engine is reached its own way: ssh://, TLS from the environment, the context's own TLS; its address names the endpoint's own setting", async () => {
    await fleet.connectAll();
    const address = (name: string) => fleet.host(name)?.manager?.currentEngine?.address;
    const endpoint = (name: string) => fleet.host(name)?.manager?.currentEngine?.endpoint;
    assert.equal(address('main'), `ssh://root@127.0.0.1:${sshd?.port} (from setting isaacSim.endpoints[0].dockerHost)`);
    assert.equal(endpoint('main')?.kind, 'ssh');
    assert.equal(address('a'), `tcp://127.0.0.1:${tlsPort} (from setting isaacSim.endpoints[1].dockerHost)`);
    assert.deepEqual([endpoint('a')?.protocol, endpoint('a')?.tls?.verify], ['https', true]);
    assert.equal(address('b'), `tcp://127.0.0.1:${contextPort} (from context "fleet-b", setting isaacSim.endpoints[2].dockerContext)`);
    assert.deepEqual([endpoint('b')?.protocol, endpoint('b')?.tls?.dir], ['https', path.join(env.DOCKER_CONFIG as string, 'contexts', 'tls', contextId('fleet-b'), 'docker')]);
    // The control: the same host without the context (TLS from DOCKER_CERT_PATH, the other CA) is refused.
    const bare = new DockerEngine({ dockerHost: `tcp://127.0.0.1:${contextPort}`, env });
    await assert.rejects(bare.version(), /certificate/i);
  });

  test('instances start on all three engines at once and become ready', async () => {
    await fleet.connectAll();
    for (const h of fleet.hosts) assert.equal(fleet.status(h.name)?.engine, "connected", `${h.name}: ${fleet.status(h.name)?.message}`);
    await Promise.all(fleet.managers().map((m) => m.startAll()));
    await waitFor('every host 1/1 ready', () => fleet.hosts.every((h) => fleet.status(h.name)?.ready === 1), 120_000);
    for (const h of fleet.hosts) {
      assert.equal(await stateOn(h.name), 'running', `${h.name}'s container runs on its own engine`);
      assert.match(fleet.status(h.name)?.version ?? '', /^\d+\.\d+/, `${h.name} knows its engine version`);
    }
    // Each container is on its own engine: a's is not b's.
    const ids = await Promise.all(fleet.hosts.map((h) => dockerOf(h.name)('inspect', '--format', '{{.Id}}', NAME)));
    assert.equal(new Set(ids.map((s) => s.trim())).size, 3);
    assert.deepEqual(fleet.hosts.map((h) => h.manager?.get(0)?.containerId), ids.map((s) => s.trim()));
  });

  test('a killed daemon marks only its own host unreachable; the others still stop and start', async () => {
    await a.kill();
    await waitFor("a's host unreachable", () => fleet.status('a')?.engine === 'unreachable', 30_000);
    assert.match(fleet.status('a')?.message ?? '', /unreachable|connect|ENOENT|ECONNREFUSED|lost/i);
    assert.equal(fleet.host('a')?.manager?.snapshot.engine.kind, 'unreachable', "a's instances are read under an unreachable engine");
    await assert.rejects(fleet.require('a').start(0), /unreachable|connect|ENOENT|ECONNREFUSED/i, 'a start on the dead engine fails with a clear error');
    for (const name of ['main', 'b']) assert.equal(fleet.status(name)?.engine, 'connected', `${name} stays connected`);
    const bm = fleet.require('b');
    await bm.stop(0);
    assert.equal(bm.get(0)?.state.kind, 'stopped');
    assert.equal(await stateOn('b'), 'exited');
    await bm.start(0);
    await waitFor('b ready again', () => bm.get(0)?.state.kind === 'ready', 60_000);
    assert.equal(await stateOn('b'), 'running');
    await fleet.require('main').stop(0);
    assert.equal(await stateOn('main'), 'exited');
    assert.equal(fleet.status('a')?.engine, 'unreachable', 'a is still down, and said so');
  });

  test('the daemon comes back: its host recovers by itself and reads its instance again', async () => {
    await a.start();
    const am = fleet.require('a');
    await waitFor("a's host connected again (no reload, no Retry)", () => fleet.status('a')?.engine === 'connected', 30_000);
    // Without --live-restore the restarted daemon does not keep the container running: the state read again is the engine's.
    const truth = await stateOn('a');
    await waitFor(`a's instance read again (${truth})`, () => (truth === 'running' ? am.get(0)?.state.kind === 'ready' || am.get(0)?.state.kind === 'loading' : am.get(0)?.state.kind === 'stopped' || am.get(0)?.state.kind === 'failed'), 30_000);
    assert.equal(am.get(0)?.exists, true);
    await am.stop(0).catch(() => undefined);
    await am.start(0);
    await waitFor('a ready again', () => am.get(0)?.state.kind === 'ready', 60_000);
    assert.equal(await stateOn('a'), 'running');
    assert.equal(fleet.status('b')?.engine, 'connected');
  });
});

describe('two endpoints that reach one engine under two spellings', () => {
  // The sandbox's engine as its socket, and again with a "/./" in the path: the settings see two hosts, the engine's ID one.
  const socket = (process.env.DOCKER_HOST || 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  const respelled = `unix://${path.dirname(socket)}/./${path.basename(socket)}`;
  const log = new MemoryLogger();
  let fleet: Fleet<DockerEngine> | undefined;
  after(() => fleet?.dispose());

  test('the second to connect is refused, naming the first and the setting to fix; the first runs', async () => {
    const result = parseSettings({ ...standinSettings({ instanceCount: 1 }), endpoints: [{ name: 'one', dockerHost: `unix://${socket}` }, { name: 'two', dockerHost: respelled }] });
    assert.ok(result.ok, JSON.stringify(result));
    fleet = new Fleet<DockerEngine>({ engineFor: (dockerHost, dockerContext) => new DockerEngine({ dockerHost, dockerContext }), log });
    fleet.update(result);
    assert.deepEqual(fleet.hosts.map((h) => h.problems), [[], []], 'the settings cannot tell the two apart');
    await fleet.connectAll();
    const kinds = fleet.hosts.map((h) => fleet?.status(h.name)?.engine);
    assert.deepEqual([...kinds].sort(), ['connected', 'unreachable'], JSON.stringify(kinds));
    const refused = fleet.hosts.find((h) => fleet?.status(h.name)?.engine === 'unreachable');
    const first = fleet.hosts.find((h) => h !== refused);
    assert.match(
      fleet.status(refused?.name ?? '')?.message ?? '',
      new RegExp(`^Endpoint "${refused?.name}" reaches the same Docker engine as endpoint "${first?.name}" \\(engine \\S+ on \\S+, data root /[^)]+\\), under another address: .* Remove one of them from isaacSim\\.endpoints\\.$`),
    );
  });
});
