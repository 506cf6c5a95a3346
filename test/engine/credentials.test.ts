/**
 * Pulls with the Docker CLI's credentials, against a real engine and a real registry that needs a
 * login: Debian's docker-registry (scripts/registry.sh) on 127.0.0.1 with htpasswd auth, the
 * htpasswd file made by `htpasswd -Bbn` (apache2-utils). The credential helpers are real programs
 * (shell scripts in a temporary folder put on PATH) named by a temporary DOCKER_CONFIG's
 * config.json, run through the protocol (server URL on stdin, JSON on stdout). The engine reaches
 * the registry on 127.0.0.1, which dockerd allows over plain HTTP.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { inspect, promisify } from 'node:util';
import { DockerEngine } from '../../src/docker/engine';
import { pullImage } from '../../src/docker/pull';
import { PullError } from '../../src/docker/pullErrors';
import { InstanceManager } from '../../src/instances/manager';
import { MemoryLogger, REPO, docker, removeContainers, standinSettings } from './helpers';
import { startSshd } from './sshd';

const run = promisify(execFile);

const PORT = 5063;
const REGISTRY = `127.0.0.1:${PORT}`;
const IMAGE = `${REGISTRY}/isaac-sim-creds:tiny`;
const USER = 'credtest';
/** Test-only secrets, random per run so that no other text can contain them by chance. */
const SECRET = `right-${randomUUID()}`;
const WRONG = `wrong-${randomUUID()}`;
const INDEX = 12;

async function registry(command: 'start' | 'stop' | 'status', env: NodeJS.ProcessEnv = {}): Promise<void> {
  await run('bash', [path.join(REPO, 'scripts/registry.sh'), command, String(PORT)], { env: { ...process.env, ...env }, timeout: 120_000 });
}

/** Everything an error can show: message, stack, and the whole object as util.inspect prints it (cause included). */
function allTextOf(value: unknown): string {
  const e = value as { message?: string; stack?: string };
  return [String(value), e?.message ?? '', e?.stack ?? '', inspect(value, { depth: Infinity })].join('\n');
}

function assertNoSecret(text: string): void {
  for (const s of [SECRET, WRONG, Buffer.from(`${USER}:${SECRET}`).toString('base64'), Buffer.from(`${USER}:${WRONG}`).toString('base64')]) {
    assert.ok(!text.includes(s), `a secret shows in:\n${text}`);
  }
}

describe('pulling with the Docker CLI\'s credentials from a registry that needs a login', { timeout: 300_000 }, () => {
  const engine = new DockerEngine({ dockerHost: '' });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'isaac-sim-creds-'));
  const bin = path.join(tmp, 'bin');
  const configDir = path.join(tmp, 'docker-config');
  const configFile = path.join(configDir, 'config.json');
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, DOCKER_CONFIG: configDir };
  const managers: InstanceManager<DockerEngine>[] = [];

  /** docker-credential-NAME: keeps its stdin in NAME.stdin, answers USER and `secret` for our registry, "not found" for any other. */
  function helper(name: string, secret: string): void {
    const answer = JSON.stringify({ ServerURL: REGISTRY, Username: USER, Secret: secret });
    writeFileSync(
      path.join(bin, `docker-credential-${name}`),
      `#!/bin/sh\n[ "$1" = get ] || exit 2\nurl=$(cat)\nprintf '%s' "$url" > "${path.join(tmp, `${name}.stdin`)}"\n` +
        `if [ "$url" = "${REGISTRY}" ]; then printf '%s\\n' '${answer}'; else echo 'credentials not found in native keychain'; exit 1; fi\n`,
      { mode: 0o755 },
    );
  }
  const asked = (name: string) => (existsSync(path.join(tmp, `${name}.stdin`)) ? readFileSync(path.join(tmp, `${name}.stdin`), 'utf8') : undefined);
  const useConfig = (config: unknown) => writeFileSync(configFile, JSON.stringify(config));

  before(
    async () => {
      mkdirSync(bin);
      mkdirSync(configDir);
      const { stdout: htpasswd } = await run('htpasswd', ['-Bbn', USER, SECRET]).catch((err: unknown) => {
        throw new Error(`htpasswd failed (${String(err)}): install Debian's apache2-utils (bash scripts/setup.sh does)`);
      });
      writeFileSync(path.join(tmp, 'htpasswd'), htpasswd);
      if (await registry('status').then(() => true, () => false)) await registry('stop');
      await registry('start', { REGISTRY_HTPASSWD: path.join(tmp, 'htpasswd') });

      // A tiny image (one small file FROM scratch), pushed with a login of its own config folder.
      const ctx = path.join(tmp, 'ctx');
      mkdirSync(ctx);
      writeFileSync(path.join(ctx, 'hello'), randomUUID());
      writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY hello /hello\n');
      await run('docker', ['build', '-q', '-t', IMAGE, ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
      const pushConfig = path.join(tmp, 'push-config');
      mkdirSync(pushConfig);
      const login = execFile('docker', ['--config', pushConfig, 'login', REGISTRY, '-u', USER, '--password-stdin']);
      login.stdin?.end(SECRET);
      await new Promise<void>((resolve, reject) => login.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker login exited ${code}`)))));
      await docker('--config', pushConfig, 'push', IMAGE);
      await docker('rmi', IMAGE);

      helper('isaactest', SECRET);
      helper('isaacwrong', WRONG);
    },
    { timeout: 240_000 },
  );

  beforeEach(async () => {
    for (const name of ['isaactest', 'isaacwrong']) rmSync(path.join(tmp, `${name}.stdin`), { force: true });
    await docker('rmi', '-f', IMAGE).catch(() => undefined);
    assert.equal(await engine.imagePresent(IMAGE), false);
  });

  after(async () => {
    for (const m of managers.splice(0)) m.dispose();
    await removeContainers(`isaac-sim-instance-${INDEX}`);
    await docker('rmi', '-f', IMAGE).catch(() => undefined);
    await registry('stop').catch(() => undefined);
    rmSync(path.join(REPO, '.run', `registry-${PORT}`, 'data'), { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  test('without credentials the registry refuses the pull (the control)', async () => {
    useConfig({});
    await assert.rejects(pullImage(engine, IMAGE, () => undefined, undefined, { env }), (e: unknown) => e instanceof PullError && e.failure === 'unauthorized');
  });

  test('credsStore names a helper: it is asked for the registry on stdin and its answer pulls the image', async () => {
    useConfig({ credsStore: 'isaactest' });
    await pullImage(engine, IMAGE, () => undefined, undefined, { env });
    assert.equal(asked('isaactest'), REGISTRY);
    assert.equal(await engine.imagePresent(IMAGE), true);
  });

  test('an engine on another machine, over ssh://: the helper still runs here (as for the CLI) and its answer pulls the image there', async () => {
    // The "other machine" is this engine behind an sshd of the test's own, whose sessions run `docker system dial-stdio` against it.
    const sshd = await startSshd(path.join(tmp, 'ssh'), process.env.DOCKER_HOST || 'unix:///var/run/docker.sock');
    try {
      const remote = new DockerEngine({ dockerHost: `ssh://root@127.0.0.1:${sshd.port}`, env, sshArgs: sshd.config('pull', { identity: sshd.userKey, knownHost: true }) });
      assert.equal(remote.isLocal, false);
      useConfig({ credsStore: 'isaactest' });
      await pullImage(remote, IMAGE, () => undefined, undefined, { env });
      assert.equal(asked('isaactest'), REGISTRY, 'the helper was asked, on this machine');
      assert.equal(await remote.imagePresent(IMAGE), true);
      assert.equal(await engine.imagePresent(IMAGE), true, 'the engine behind ssh has it');
    } finally {
      await sshd.stop();
    }
  });

  test('a wrong secret from the helper: a 401 message naming the registry, the helper and the fix, without the secret', async () => {
    useConfig({ credsStore: 'isaacwrong' });
    await assert.rejects(pullImage(engine, IMAGE, () => undefined, undefined, { env }), (e: unknown) => {
      assert.ok(e instanceof PullError, String(e));
      assert.equal(e.failure, 'unauthorized');
      assert.ok(e.message.startsWith(`Could not pull "${IMAGE}": ${REGISTRY} refused access`), e.message);
      assert.ok(e.message.includes(`credentials from credsStore "isaacwrong" (docker-credential-isaacwrong, set in ${configFile}) were refused`), e.message);
      assert.ok(e.message.includes(`"docker login ${REGISTRY}"`), e.message);
      assertNoSecret(allTextOf(e));
      return true;
    });
    assert.equal(asked('isaacwrong'), REGISTRY);
    assert.equal(await engine.imagePresent(IMAGE), false);
  });

  test('credHelpers for the registry beats credsStore', async () => {
    useConfig({ credsStore: 'isaacwrong', credHelpers: { [REGISTRY]: 'isaactest' } });
    await pullImage(engine, IMAGE, () => undefined, undefined, { env });
    assert.equal(await engine.imagePresent(IMAGE), true);
    assert.equal(asked('isaactest'), REGISTRY);
    assert.equal(asked('isaacwrong'), undefined, 'the credsStore helper was not run');
  });

  test('a plain "auths" entry still works', async () => {
    useConfig({ auths: { [REGISTRY]: { auth: Buffer.from(`${USER}:${SECRET}`).toString('base64') } } });
    await pullImage(engine, IMAGE, () => undefined, undefined, { env });
    assert.equal(await engine.imagePresent(IMAGE), true);
  });

  test('a start that pulls with a wrong secret: the instance\'s error and every log line are free of it', async () => {
    useConfig({ credsStore: 'isaacwrong' });
    const log = new MemoryLogger();
    const manager = new InstanceManager<DockerEngine>({
      engineFor: (dockerHost) => new DockerEngine({ dockerHost }),
      log,
      ensureImage: (e, image, signal) => pullImage(e, image, () => undefined, signal, { env }),
    });
    managers.push(manager);
    manager.updateSettings({ ok: true, settings: standinSettings({ image: IMAGE, version: '4.2', instanceCount: INDEX + 1 }) });
    const result = await manager.start(INDEX).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(result instanceof Error, 'the start failed');
    assert.match(result.message, /refused access/);
    assertNoSecret(allTextOf(result));
    assertNoSecret(log.lines.join('\n'));
    assertNoSecret(inspect(manager.get(INDEX), { depth: Infinity }));
    assert.ok(result.message.includes(`credsStore "isaacwrong"`), result.message);
    // The log gets the first sentence of the failure (operations.ts shortReason); the whole message goes to the notification.
    assert.ok(log.lines.some((l) => l.startsWith(`error instance-${INDEX} failed: Could not pull "${IMAGE}"`)), `the failure is logged:\n${log.lines.join('\n')}`);
    assert.equal(asked('isaacwrong'), REGISTRY);
  });
});
