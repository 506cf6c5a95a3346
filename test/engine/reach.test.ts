/**
 * Reaching Docker as the CLI does (issue 12), against real daemons on loopback only:
 *  a) a dockerd of the test's own on tcp://127.0.0.1:PORT with --tlsverify, certificates made by
 *     openssl here; DockerEngine reaches it through DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH,
 *     and fails with a message that says what is wrong without the client certificate, without TLS,
 *     or with another CA;
 *  b) a context made by `docker context create` (the real CLI, DOCKER_CONFIG in a temp folder)
 *     pointing at that daemon: DOCKER_CONTEXT and `docker context use` both reach it;
 *  c) ssh://: an sshd of the test's own on 127.0.0.1:PORT (host key and user key from ssh-keygen)
 *     whose sessions have DOCKER_HOST set to that daemon's unix socket; the system ssh client runs
 *     `docker system dial-stdio` there, as the docker CLI does. OpenSSH reads ~/.ssh from the passwd
 *     home, so each test gives ssh a config file of its own (`-F`, engine option sshArgs) naming its
 *     known_hosts and identity. The key is offered as an IdentityFile and, separately, through an
 *     ssh-agent (ssh-add); the host key must be in known_hosts; ssh missing from PATH is reported.
 * Every test checks that it reached THIS daemon: a container created in it (over its unix socket, by the
 * CLI) is what the engine lists. Runs as root (CI); the daemon and sshd are stopped in `after`.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { DockerEngine, EngineError } from '../../src/docker/engine';
import { SshAgent } from '../../src/docker/sshAgent';
import { makeCerts, type TestCerts } from '../unit/certs';
import { REPO, waitFor } from './helpers';
import { isolatedDaemonUnavailable } from './isolated';
import { freePort, startSshd, stopProcess, tail, type SshConfigOptions, type TestSshd } from './sshd';

const run = promisify(execFile);
const unavailable = isolatedDaemonUnavailable() ?? (existsSync('/usr/sbin/sshd') ? undefined : 'sshd is not installed (apt-get install -y openssh-server)');
const inCI = process.env.CI === 'true';
const LABEL = 'dev.isaac-sim-orchestrator.reach-test';

/** An environment with none of the variables that choose an engine (the test sets the ones it means). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  return { ...env, ...extra };
}

/** A child process that must be running; its output goes to `log`. */
function startProcess(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const out = openSync(log, 'a');
  return spawn(cmd, args, { env, stdio: ['ignore', out, out] });
}

describe('reaching Docker over TLS, through a context and over ssh://', { skip: !inCI && unavailable ? unavailable : false }, () => {
  let root: string;
  let certs: TestCerts;
  let tlsPort: number;
  let sshPort: number;
  let dockerd: ChildProcess | undefined;
  let sshd: TestSshd | undefined;
  let agent: ChildProcess | undefined;
  let unixHost: string;
  let containerName: string;
  /** A folder holding ca.pem, cert.pem and key.pem, as DOCKER_CERT_PATH expects. */
  let certPath: string;

  /** The daemon's unix socket, for the CLI. */
  const cliOnDaemon = (...args: string[]) => run('docker', ['--host', unixHost, ...args], { env: cleanEnv() });

  /** The engine lists exactly the container made in the test's daemon. */
  async function assertReachesTheDaemon(engine: DockerEngine): Promise<void> {
    const v = await engine.version();
    assert.match(v.apiVersion, /^\d+\.\d+$/);
    const listed = await engine.listByLabel(LABEL);
    assert.deepEqual(listed.map((c) => c.name), [containerName], 'the container made in the test daemon is listed');
  }

  before(async () => {
    if (unavailable) throw new Error(`The reach engine test must run in CI but cannot: ${unavailable}.`);
    root = mkdtempSync('/tmp/rch-');
    certs = makeCerts(path.join(root, 'certs'));
    certPath = path.join(root, 'client');
    mkdirSync(certPath);
    copyFileSync(certs.ca, path.join(certPath, 'ca.pem'));
    copyFileSync(certs.clientCert, path.join(certPath, 'cert.pem'));
    copyFileSync(certs.clientKey, path.join(certPath, 'key.pem'));
    tlsPort = await freePort();
    unixHost = `unix://${root}/d.sock`;
    const log = path.join(root, 'dockerd.log');
    dockerd = startProcess(
      'dockerd',
      [
        '--bridge=none', '--iptables=false',
        '--data-root', path.join(root, 'data'), '--exec-root', path.join(root, 'exec'), '--pidfile', path.join(root, 'dockerd.pid'),
        '-H', unixHost, '-H', `tcp://127.0.0.1:${tlsPort}`,
        '--tlsverify', '--tlscacert', certs.ca, '--tlscert', certs.serverCert, '--tlskey', certs.serverKey,
      ],
      log,
      cleanEnv(),
    );
    await waitFor(`the test dockerd to answer on ${unixHost} (log: ${log})`, async () => {
      if (dockerd?.exitCode !== null) throw new Error(`dockerd exited: ${tail(log)}`);
      return cliOnDaemon('version', '--format', '{{.Server.Version}}').then(() => true, () => false);
    }, 60_000);
    // An image with nothing in it (a container is created, never started) and one labelled container.
    const empty = await run('sh', ['-c', `tar -c -f - --files-from /dev/null | docker --host ${unixHost} import - reach-empty:1`], { env: cleanEnv() });
    assert.match(empty.stdout, /sha256:/);
    containerName = `reach-${path.basename(root)}`;
    await cliOnDaemon('create', '--name', containerName, '--label', `${LABEL}=1`, '--network', 'none', 'reach-empty:1', '/nothing');
  });

  after(async () => {
    await stopProcess(agent);
    await sshd?.stop();
    await stopProcess(dockerd, 30_000);
    if (root) {
      // The daemon's data-root may keep mounts (overlay, its own bind of itself): unmount before removing.
      const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((p) => p && p.startsWith(`${root}/`));
      for (const p of mounts.sort((a, b) => b.length - a.length)) await run('umount', ['-l', p]).catch(() => undefined);
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    }
  });

  describe('a) tcp:// with TLS from DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
    test('reaches the daemon; the address names the source; it is not taken for local', async () => {
      const home = path.join(root, 'home-a');
      mkdirSync(home);
      const engine = new DockerEngine({ dockerHost: '', home, env: cleanEnv({ DOCKER_HOST: `tcp://127.0.0.1:${tlsPort}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath }) });
      assert.equal(engine.address, `tcp://127.0.0.1:${tlsPort} (from env DOCKER_HOST)`);
      assert.equal(engine.isLocal, false);
      assert.equal(engine.endpoint?.protocol, 'https');
      await assertReachesTheDaemon(engine);
    });

    test('the setting with the same variables reaches it too (the setting is the CLI\'s -H)', async () => {
      const engine = new DockerEngine({ dockerHost: `tcp://127.0.0.1:${tlsPort}`, home: root, env: cleanEnv({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath }) });
      assert.match(engine.address, /\(from setting isaacSim\.dockerHost\)$/);
      await assertReachesTheDaemon(engine);
    });

    test('without the client certificate: unreachable, with a message that says the engine wants one', async (t) => {
      const caOnly = path.join(root, 'ca-only');
      mkdirSync(caOnly);
      copyFileSync(certs.ca, path.join(caOnly, 'ca.pem'));
      const engine = new DockerEngine({ dockerHost: '', home: root, env: cleanEnv({ DOCKER_HOST: `tcp://127.0.0.1:${tlsPort}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: caOnly }) });
      const err = await engine.version().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EngineError, String(err));
      t.diagnostic(err.message);
      assert.equal(err.kind, 'unreachable', err.message);
      assert.ok(err.message.includes(`tcp://127.0.0.1:${tlsPort} (from env DOCKER_HOST)`), err.message);
      assert.match(err.message, /client certificate/, err.message);
      assert.doesNotMatch(err.message, /BEGIN/);
    });

    test('without TLS: the engine answers that it speaks TLS, and the message says how to turn it on', async (t) => {
      const engine = new DockerEngine({ dockerHost: '', home: root, env: cleanEnv({ DOCKER_HOST: `tcp://127.0.0.1:${tlsPort}` }) });
      const err = await engine.version().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EngineError, String(err));
      t.diagnostic(err.message);
      assert.match(err.message, /speaks TLS/, err.message);
      assert.match(err.message, /DOCKER_TLS_VERIFY=1/);
    });

    test("with another CA: the engine's certificate is refused, and the message says so", async (t) => {
      const other = makeCerts(path.join(root, 'other-ca'));
      const dir = path.join(root, 'other-client');
      mkdirSync(dir);
      copyFileSync(other.ca, path.join(dir, 'ca.pem'));
      copyFileSync(certs.clientCert, path.join(dir, 'cert.pem'));
      copyFileSync(certs.clientKey, path.join(dir, 'key.pem'));
      const engine = new DockerEngine({ dockerHost: '', home: root, env: cleanEnv({ DOCKER_HOST: `tcp://127.0.0.1:${tlsPort}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }) });
      const err = await engine.version().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EngineError, String(err));
      t.diagnostic(err.message);
      assert.equal(err.kind, 'unreachable');
      assert.match(err.message, /not signed by our ca\.pem/, err.message);
    });
  });

  describe('b) a context made by `docker context create`', () => {
    let config: string;
    before(async () => {
      config = path.join(root, 'home-b', '.docker');
      mkdirSync(config, { recursive: true });
      const env = cleanEnv({ DOCKER_CONFIG: config });
      await run('docker', ['context', 'create', 'tlsd', '--docker', `host=tcp://127.0.0.1:${tlsPort},ca=${certs.ca},cert=${certs.clientCert},key=${certs.clientKey}`], { env });
      // The CLI itself reaches the daemon through it: the same container.
      const { stdout } = await run('docker', ['--context', 'tlsd', 'ps', '-a', '--filter', `label=${LABEL}`, '--format', '{{.Names}}'], { env });
      assert.equal(stdout.trim(), containerName);
    });

    test('DOCKER_CONTEXT reaches it', async () => {
      const engine = new DockerEngine({ dockerHost: '', home: path.join(root, 'home-b'), env: cleanEnv({ DOCKER_CONTEXT: 'tlsd' }) });
      assert.equal(engine.address, `tcp://127.0.0.1:${tlsPort} (from context "tlsd", env DOCKER_CONTEXT)`);
      await assertReachesTheDaemon(engine);
    });

    test('the current context (`docker context use`) reaches it, from ~/.docker and from DOCKER_CONFIG', async () => {
      await run('docker', ['context', 'use', 'tlsd'], { env: cleanEnv({ DOCKER_CONFIG: config }) });
      const fromHome = new DockerEngine({ dockerHost: '', home: path.join(root, 'home-b'), env: cleanEnv() });
      assert.equal(fromHome.address, `tcp://127.0.0.1:${tlsPort} (from context "tlsd")`);
      await assertReachesTheDaemon(fromHome);
      const fromConfig = new DockerEngine({ dockerHost: '', home: path.join(root, 'no-home'), env: cleanEnv({ DOCKER_CONFIG: config }) });
      await assertReachesTheDaemon(fromConfig);
    });

    test('DOCKER_HOST wins over the context, as for the CLI; the setting wins over both', async () => {
      const env = cleanEnv({ DOCKER_CONTEXT: 'tlsd', DOCKER_HOST: unixHost });
      const engine = new DockerEngine({ dockerHost: '', home: path.join(root, 'home-b'), env });
      assert.equal(engine.address, `${unixHost} (from env DOCKER_HOST)`);
      assert.equal(engine.isLocal, true);
      await assertReachesTheDaemon(engine);
      const setting = new DockerEngine({ dockerHost: unixHost, home: path.join(root, 'home-b'), env: cleanEnv({ DOCKER_CONTEXT: 'nope', DOCKER_HOST: 'tcp://127.0.0.1:1' }) });
      await assertReachesTheDaemon(setting);
    });
  });

  describe('c) ssh:// to a local sshd that runs `docker system dial-stdio`', () => {
    let sshDir: string;
    let userKey: string;
    const sshConfig = (name: string, opts: SshConfigOptions) => (sshd ?? assert.fail('no sshd')).config(name, opts);

    before(async () => {
      sshd = await startSshd(path.join(root, 'ssh'), unixHost);
      sshDir = sshd.dir;
      userKey = sshd.userKey;
      sshPort = sshd.port;
    });

    test('with the key as an IdentityFile of the ssh config: reaches the daemon behind sshd, events stream over ssh', async () => {
      const engine = new DockerEngine({ dockerHost: `ssh://root@127.0.0.1:${sshPort}`, env: cleanEnv(), sshArgs: sshConfig('ssh-c1', { identity: userKey, knownHost: true }) });
      assert.equal(engine.address, `ssh://root@127.0.0.1:${sshPort} (from setting isaacSim.dockerHost)`);
      assert.equal(engine.isLocal, false);
      await assertReachesTheDaemon(engine);
      // A long request (the events stream) over its own ssh, while another request is made.
      const label = `${LABEL}.events`;
      const seen: string[] = [];
      let ended: Error | undefined | 'no' = 'no';
      const events = await engine.streamEvents(label, undefined, (e) => seen.push(`${e.action} ${e.labels.name ?? ''}`), (e) => (ended = e));
      const name = `${containerName}-ev`;
      try {
        await cliOnDaemon('create', '--name', name, '--label', `${label}=1`, '--network', 'none', 'reach-empty:1', '/nothing');
        await waitFor('the create event to come over ssh', () => seen.includes(`create ${name}`));
        assert.equal((await engine.version()).apiVersion.length > 0, true, 'another request while the stream is open');
        assert.equal(ended, 'no', 'the stream is still open');
      } finally {
        events.close();
        await cliOnDaemon('rm', '-f', name);
      }
    });

    test('with the key in an ssh-agent (ssh-add, SSH_AUTH_SOCK passed to ssh), from DOCKER_HOST', async () => {
      const sock = path.join(sshDir, 'agent.sock');
      agent = startProcess('ssh-agent', ['-D', '-a', sock], path.join(sshDir, 'agent.log'), cleanEnv());
      await waitFor('ssh-agent to listen', () => existsSync(sock));
      await run('ssh-add', [userKey], { env: cleanEnv({ SSH_AUTH_SOCK: sock }) });
      // No identity file: only the agent has the key.
      const sshArgs = sshConfig('ssh-c2', { knownHost: true, identitiesOnly: false });
      const engine = new DockerEngine({ dockerHost: '', env: cleanEnv({ DOCKER_HOST: `ssh://root@127.0.0.1:${sshPort}`, SSH_AUTH_SOCK: sock }), sshArgs });
      assert.equal(engine.address, `ssh://root@127.0.0.1:${sshPort} (from env DOCKER_HOST)`);
      await assertReachesTheDaemon(engine);
      // The same without SSH_AUTH_SOCK is refused: the key really came from the agent.
      const without = new DockerEngine({ dockerHost: '', env: cleanEnv({ DOCKER_HOST: `ssh://root@127.0.0.1:${sshPort}` }), sshArgs });
      const err = await without.version().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EngineError, String(err));
      assert.match(err.message, /no key was accepted/, err.message);
    });

    test('the production bundle: dist/dockerode.js reaches it through the ssh agent and loads no other file; protocol "ssh" meets the stub', async () => {
      const bundle = path.join(REPO, 'dist', 'dockerode.js');
      assert.ok(existsSync(bundle), 'dist/ is built (node scripts/build.mjs) before the engine tests');
      assert.ok(!existsSync(path.join(REPO, 'dist', 'docker-ssh.js')), 'no ssh2 bundle is built');
      const before = new Set(Object.keys(require.cache));
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built bundle, as the extension loads it
      const Bundled = require(bundle) as typeof import('dockerode');
      const sshAgent = new SshAgent({ username: 'root', host: '127.0.0.1', port: sshPort }, { env: cleanEnv(), extraArgs: sshConfig('ssh-c5', { identity: userKey, knownHost: true }) });
      const overSsh = new Bundled({ protocol: 'http', host: 'docker', agent: sshAgent } as import('dockerode').DockerOptions);
      const listed = await overSsh.listContainers({ all: true, filters: { label: [LABEL] } });
      assert.deepEqual(listed.map((c) => c.Names[0]), [`/${containerName}`]);
      assert.deepEqual(Object.keys(require.cache).filter((k) => !before.has(k)), [bundle], 'only the bundle: no node_modules, no native addon');
      const viaModem = new Bundled({ protocol: 'ssh', host: 'docker' } as import('dockerode').DockerOptions);
      await assert.rejects(viaModem.version(), /docker-modem's ssh transport is not part of Isaac Sim Orchestrator/);
    });

    test('a host key that is not in known_hosts is refused, with a message naming known_hosts', async (t) => {
      const engine = new DockerEngine({ dockerHost: `ssh://root@127.0.0.1:${sshPort}`, env: cleanEnv(), sshArgs: sshConfig('ssh-c3', { identity: userKey, knownHost: false }) });
      const err = await engine.version().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EngineError, String(err));
      t.diagnostic(err.message);
      assert.equal(err.kind, 'unreachable');
      assert.match(err.message, /host key is not in known_hosts/, err.message);
      assert.match(err.message, /Host key verification failed/, err.message);
    });

    test('a key the server does not accept: the message says no key was accepted and what to do', async (t) => {
      const other = path.join(root, 'other_key');
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
      const engine = new DockerEngine({ dockerHost: `ssh://root@127.0.0.1:${sshPort}`, env: cleanEnv(), sshArgs: sshConfig('ssh-c4', { identity: other, knownHost: true }) });
      const err = await engine.version().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EngineError, String(err));
      t.diagnostic(err.message);
      assert.equal(err.kind, 'unreachable');
      assert.match(err.message, /no key was accepted/, err.message);
      assert.match(err.message, /Permission denied \(publickey/, err.message);
      assert.match(err.message, /authorized_keys/);
    });

    test('ssh not on PATH: the message names the ssh client and how to install it', async (t) => {
      const emptyBin = path.join(root, 'empty-bin');
      mkdirSync(emptyBin, { recursive: true });
      const engine = new DockerEngine({ dockerHost: `ssh://root@127.0.0.1:${sshPort}`, env: { PATH: emptyBin }, sshArgs: sshConfig('ssh-c6', { identity: userKey, knownHost: true }) });
      const err = await engine.version().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EngineError, String(err));
      t.diagnostic(err.message);
      assert.equal(err.kind, 'unreachable');
      assert.match(err.message, /the ssh client \("ssh"\) is not on PATH/, err.message);
      assert.match(err.message, /OpenSSH client/);
    });
  });
});
