/**
 * Registry credentials as the Docker CLI finds them: config.json's credHelpers, credsStore and
 * auths, and the credential helper protocol. The helpers are real programs (small shell scripts
 * written to a temporary folder put on PATH), run through the real protocol: the server URL on
 * stdin, JSON on stdout. Nothing here talks to Docker; the engine side is
 * test/engine/credentials.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { inspect } from 'node:util';
import Docker from 'dockerode';
import { CredentialHelperError } from '../../src/docker/credentials';
import type { DockerEngine } from '../../src/docker/engine';
import { describePullError, pullImage } from '../../src/docker/pull';
import { PullError } from '../../src/docker/pullErrors';
import type { Endpoint } from '../../src/docker/endpoint';
import { authFor, mayReceiveCredentials } from '../../src/docker/registryAuth';

const IMAGE = 'nvcr.io/nvidia/isaac-sim:4.2.0';
const LOCAL = '127.0.0.1:5056/isaac-sim-standin:x';
const HUB = 'me/private:1';
const b64 = (s: string) => Buffer.from(s).toString('base64');

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temporary DOCKER_CONFIG folder and a bin folder on PATH, for one test. */
function setup(config?: unknown) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'isaac-creds-'));
  dirs.push(root);
  const configDir = path.join(root, 'docker-config');
  const bin = path.join(root, 'bin');
  mkdirSync(configDir);
  mkdirSync(bin);
  const file = path.join(configDir, 'config.json');
  if (config !== undefined) writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  const env = { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, DOCKER_CONFIG: configDir };
  /** Writes docker-credential-NAME: it keeps what it read on stdin in NAME.stdin, then runs `body`. */
  const helper = (name: string, body: string) => {
    const script = path.join(bin, `docker-credential-${name}`);
    writeFileSync(script, `#!/bin/sh\n[ "$1" = get ] || { echo "unexpected action: $1" >&2; exit 2; }\ncat > "${path.join(root, `${name}.stdin`)}"\n${body}\n`, { mode: 0o755 });
  };
  /** A helper that answers with a username and secret. */
  const answering = (name: string, username: string, secret: string) => helper(name, `printf '%s\\n' '${JSON.stringify({ ServerURL: 'ignored', Username: username, Secret: secret })}'`);
  /** What helper NAME read on stdin, or undefined when it was never run. */
  const asked = (name: string) => {
    const f = path.join(root, `${name}.stdin`);
    return existsSync(f) ? readFileSync(f, 'utf8') : undefined;
  };
  return { root, file, env, helper, answering, asked };
}

/** Waits (polling, bounded) until `check` holds. */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Everything an error can show: message, stack, and the whole object as util.inspect prints it (cause included). */
function allTextOf(value: unknown): string {
  const e = value as { message?: string; stack?: string };
  return [String(value), e?.message ?? '', e?.stack ?? '', inspect(value, { depth: Infinity }), JSON.stringify(value) ?? ''].join('\n');
}

function assertNoSecret(value: unknown, ...secrets: string[]): void {
  const text = allTextOf(value);
  for (const s of secrets) assert.ok(!text.includes(s), `the secret ${JSON.stringify(s)} shows in:\n${text}`);
}

describe('authFor: which credentials, in the Docker CLI\'s order', () => {
  test('credHelpers for the registry beats credsStore, which beats auths; the others are not run', async () => {
    const auths = { [LOCAL.split('/')[0]]: { auth: b64('file-user:file-secret') } };
    const s = setup({ auths, credsStore: 'store', credHelpers: { '127.0.0.1:5056': 'per' } });
    s.answering('store', 'store-user', 'store-secret');
    s.answering('per', 'per-user', 'per-secret');
    const found = await authFor(LOCAL, { env: s.env });
    assert.deepEqual(found.authconfig, { username: 'per-user', password: 'per-secret', serveraddress: '127.0.0.1:5056' });
    assert.deepEqual(found.origin, { kind: 'credHelpers', file: s.file, key: '127.0.0.1:5056', helper: 'per' });
    assert.equal(s.asked('per'), '127.0.0.1:5056', 'the server URL on stdin, no newline (as the CLI writes it)');
    assert.equal(s.asked('store'), undefined, 'credsStore is not asked when credHelpers names the registry');

    writeFileSync(s.file, JSON.stringify({ auths, credsStore: 'store', credHelpers: { 'other.example.com': 'per', 'https://127.0.0.1:5056': 'per' } }));
    const global = await authFor(LOCAL, { env: s.env });
    assert.deepEqual(global.authconfig, { username: 'store-user', password: 'store-secret', serveraddress: '127.0.0.1:5056' });
    assert.deepEqual(global.origin, { kind: 'credsStore', file: s.file, key: '127.0.0.1:5056', helper: 'store' });

    writeFileSync(s.file, JSON.stringify({ auths }));
    const plain = await authFor(LOCAL, { env: s.env });
    assert.deepEqual(plain.authconfig, { username: 'file-user', password: 'file-secret', serveraddress: '127.0.0.1:5056' });
    assert.deepEqual(plain.origin, { kind: 'auths', file: s.file, key: '127.0.0.1:5056' });
  });

  test('key forms: Docker Hub is asked as https://index.docker.io/v1/, others by host[:port]', async () => {
    const s = setup({ credsStore: 'store' });
    s.answering('store', 'u', 'p4ssword');
    for (const [image, key] of [
      [HUB, 'https://index.docker.io/v1/'],
      ['ubuntu:24.04', 'https://index.docker.io/v1/'],
      ['docker.io/library/ubuntu:24.04', 'https://index.docker.io/v1/'],
      ['index.docker.io/me/private:1', 'https://index.docker.io/v1/'],
      [IMAGE, 'nvcr.io'],
      [LOCAL, '127.0.0.1:5056'],
      ['localhost:5000/a/b:c', 'localhost:5000'],
    ] as const) {
      const found = await authFor(image, { env: s.env });
      assert.equal(s.asked('store'), key, image);
      assert.equal(found.authconfig?.serveraddress, key, image);
    }
  });

  test('credHelpers keys are exact, as in the CLI: Hub\'s URL key applies, "docker.io" does not', async () => {
    const s = setup({ credsStore: 'store', credHelpers: { 'https://index.docker.io/v1/': 'hub' } });
    s.answering('store', 'store-user', 'store-secret');
    s.answering('hub', 'hub-user', 'hub-secret');
    assert.equal((await authFor(HUB, { env: s.env })).authconfig?.username, 'hub-user');
    writeFileSync(s.file, JSON.stringify({ credsStore: 'store', credHelpers: { 'docker.io': 'hub' } }));
    assert.equal((await authFor(HUB, { env: s.env })).authconfig?.username, 'store-user');
  });

  test('a "<token>" username means an identity token', async () => {
    const s = setup({ credsStore: 'store' });
    s.answering('store', '<token>', 'refresh-token-value');
    assert.deepEqual((await authFor(IMAGE, { env: s.env })).authconfig, { identitytoken: 'refresh-token-value', serveraddress: 'nvcr.io' });
  });

  test('"credentials not found in native keychain" means none, and auths is not used instead (as in the CLI)', async () => {
    const s = setup({ auths: { 'nvcr.io': { auth: b64('u:file-secret') } }, credsStore: 'store' });
    s.helper('store', `echo 'credentials not found in native keychain'; exit 1`);
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.authconfig, undefined);
    assert.equal(found.helperError, undefined);
    assert.deepEqual(found.origin, { kind: 'credsStore', file: s.file, key: 'nvcr.io', helper: 'store' });
    const e = describePullError(IMAGE, 'unauthorized: authentication required', { credentials: found });
    assert.match(e.message, /credsStore "store" \(docker-credential-store, set in .*config\.json\) has no credentials for nvcr\.io: log in with "docker login nvcr\.io"/);
  });

  test('an empty answer is no credentials', async () => {
    const s = setup({ credsStore: 'store' });
    s.answering('store', '', '');
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.authconfig, undefined);
    assert.equal(found.helperError, undefined);
  });
});

describe('authFor: helpers that cannot answer', () => {
  test('a helper missing from PATH: a typed error naming the program, the file that names it and the fix; no credentials', async () => {
    const s = setup({ auths: { 'nvcr.io': { auth: b64('u:file-secret') } }, credsStore: 'nosuch' });
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.authconfig, undefined);
    assert.ok(found.helperError instanceof CredentialHelperError);
    assert.equal(found.helperError.failure, 'missing');
    assert.equal(found.helperError.program, 'docker-credential-nosuch');
    const m = found.helperError.message;
    assert.ok(m.includes('docker-credential-nosuch'), m);
    assert.ok(m.includes(`"credsStore" in ${s.file}`), m);
    assert.match(m, /not on the PATH/);
    assert.match(m, /docker login nvcr\.io/);
    assertNoSecret(found, 'file-secret');
  });

  test('the credHelpers entry is named when it is the one that points at a missing helper', async () => {
    const s = setup({ credHelpers: { 'nvcr.io': 'ngc' } });
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.helperError?.failure, 'missing');
    assert.ok(found.helperError?.message.includes(`credHelpers "nvcr.io" in ${s.file}`), found.helperError?.message);
  });

  test('a failing helper: its stderr and exit code are quoted, never its stdout', async () => {
    const s = setup({ credsStore: 'store' });
    s.helper('store', `echo '{"Username":"u","Secret":"half-written-secret"}'; echo 'keyring is locked' >&2; exit 3`);
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.helperError?.failure, 'failed');
    assert.match(found.helperError?.message ?? '', /docker-credential-store .* exited with code 3 when asked for nvcr\.io: keyring is locked/);
    assertNoSecret(found, 'half-written-secret');
    assertNoSecret(describePullError(IMAGE, 'unauthorized: authentication required', { credentials: found }), 'half-written-secret');
  });

  test('a failing helper built on the protocol library: its one-line error on stdout is quoted', async () => {
    const s = setup({ credsStore: 'store' });
    s.helper('store', `echo 'error getting credentials - err: exit status 2, out: gpg: decryption failed: No secret key'; exit 1`);
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.helperError?.failure, 'failed');
    assert.match(found.helperError?.message ?? '', /exited with code 1 when asked for nvcr\.io: error getting credentials .*No secret key/);
  });

  test('an answer that is not the protocol\'s JSON: a bad-answer error that does not show the output', async () => {
    const s = setup({ credsStore: 'store' });
    s.helper('store', `echo 'Username=u Secret=plain-text-secret'`);
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.helperError?.failure, 'bad-answer');
    assert.equal(found.authconfig, undefined);
    assertNoSecret(found, 'plain-text-secret');
  });

  test('a helper that does not answer in time is killed: a timeout error', async () => {
    const s = setup({ credsStore: 'store' });
    s.helper('store', 'exec sleep 60');
    const found = await authFor(IMAGE, { env: s.env, helperTimeoutMs: 300 });
    assert.equal(found.helperError?.failure, 'timeout');
    assert.match(found.helperError?.message ?? '', /did not answer within/);
  });

  test('a cancelled pull stops its helper', async () => {
    const s = setup({ credsStore: 'store' });
    s.helper('store', 'exec sleep 60');
    const controller = new AbortController();
    const lookup = authFor(IMAGE, { env: s.env, signal: controller.signal });
    // The helper has started when it has read its stdin.
    await until('the helper read its stdin', () => s.asked('store') !== undefined);
    controller.abort();
    assert.equal((await lookup).helperError?.failure, 'cancelled');
  });

  test('a helper name that is a path is refused, never run', async () => {
    const s = setup({ credsStore: '../bin/docker-credential-evil' });
    s.answering('evil', 'u', 'p');
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.helperError?.failure, 'invalid-name');
    assert.equal(s.asked('evil'), undefined);
  });
});

describe('authFor: plain auths entries and the config file', () => {
  test('no config file: no credentials, no problem', async () => {
    const s = setup();
    assert.deepEqual(await authFor(IMAGE, { env: s.env }), { registry: 'nvcr.io' });
  });

  test('an "auth" entry (base64 user:password) whose password holds colons', async () => {
    const s = setup({ auths: { 'nvcr.io': { auth: b64('$oauthtoken:nvapi-abc:with-colon') } } });
    const found = await authFor(IMAGE, { env: s.env });
    assert.deepEqual(found.authconfig, { username: '$oauthtoken', password: 'nvapi-abc:with-colon', serveraddress: 'nvcr.io' });
    assert.deepEqual(found.origin, { kind: 'auths', file: s.file, key: 'nvcr.io' });
  });

  test('keys written as URLs match their host; other registries do not match', async () => {
    const s = setup({ auths: { 'https://nvcr.io/v1/': { auth: b64('u:p') }, '127.0.0.1:5056': { username: 'a', password: 'b' } } });
    assert.equal((await authFor(IMAGE, { env: s.env })).authconfig?.password, 'p');
    assert.deepEqual((await authFor(LOCAL, { env: s.env })).authconfig, { username: 'a', password: 'b', serveraddress: '127.0.0.1:5056' });
    assert.equal((await authFor('127.0.0.1:5055/x:y', { env: s.env })).authconfig, undefined);
    assert.equal((await authFor('ubuntu', { env: s.env })).authconfig, undefined);
  });

  test('Docker Hub entries under https://index.docker.io/v1/ (and its older spellings)', async () => {
    for (const key of ['https://index.docker.io/v1/', 'docker.io', 'https://index.docker.io/v1']) {
      const s = setup({ auths: { [key]: { auth: b64('me:tok') } } });
      const found = await authFor(HUB, { env: s.env });
      assert.equal(found.registry, 'docker.io');
      assert.deepEqual(found.authconfig, { username: 'me', password: 'tok', serveraddress: 'https://index.docker.io/v1/' }, key);
    }
  });

  test('identity tokens are passed as such', async () => {
    const s = setup({ auths: { 'nvcr.io': { auth: b64('<token>:'), identitytoken: 'idt' } } });
    assert.deepEqual((await authFor(IMAGE, { env: s.env })).authconfig, { identitytoken: 'idt', serveraddress: 'nvcr.io' });
  });

  test('DOCKER_CONFIG wins over the home folder', async () => {
    const home = setup();
    mkdirSync(path.join(home.root, '.docker'));
    writeFileSync(path.join(home.root, '.docker/config.json'), JSON.stringify({ auths: { 'nvcr.io': { auth: b64('home:h') } } }));
    const other = setup({ auths: { 'nvcr.io': { auth: b64('x:y') } } });
    assert.equal((await authFor(IMAGE, { home: home.root, env: {} })).authconfig?.username, 'home');
    const found = await authFor(IMAGE, { home: home.root, env: { DOCKER_CONFIG: path.dirname(other.file) } });
    assert.equal(found.authconfig?.username, 'x');
    assert.equal(found.origin?.file, other.file);
  });

  test('a broken file or entry: no credentials, and a problem', async () => {
    const broken = await authFor(IMAGE, { env: setup('{ not json').env });
    assert.equal(broken.authconfig, undefined);
    assert.match(broken.problem ?? '', /not a valid Docker config file/);
    const badEntry = await authFor(IMAGE, { env: setup({ auths: { 'nvcr.io': { auth: b64('no-colon') } } }).env });
    assert.equal(badEntry.authconfig, undefined);
    assert.match(badEntry.problem ?? '', /not "user:password"/);
    assert.equal((await authFor(IMAGE, { env: setup({ auths: { 'nvcr.io': {} } }).env })).authconfig, undefined);
  });
});

describe('secrets stay out of every text', () => {
  test('a found credential: the secret is in authconfig only, never in JSON or util.inspect of the result', async () => {
    const s = setup({ credsStore: 'store' });
    s.answering('store', 'u', 'helper-secret-value');
    const found = await authFor(IMAGE, { env: s.env });
    assert.equal(found.authconfig?.password, 'helper-secret-value');
    assertNoSecret(found, 'helper-secret-value');
    const plain = await authFor(IMAGE, { env: setup({ auths: { 'nvcr.io': { auth: b64('u:file-secret-value') } } }).env });
    assert.equal(plain.authconfig?.password, 'file-secret-value');
    assertNoSecret(plain, 'file-secret-value', b64('u:file-secret-value'));
  });

  test('refused credentials: the message names the registry, where they came from and the fix, never the secret', async () => {
    const s = setup({ auths: { '127.0.0.1:5056': { auth: b64('u:file-secret-value') } }, credHelpers: { 'nvcr.io': 'ngc' }, credsStore: 'store' });
    s.answering('store', 'u', 'store-secret-value');
    s.answering('ngc', '$oauthtoken', 'nvapi-secret-value');
    const cases: Array<[string, RegExp, string]> = [
      [IMAGE, /The nvcr\.io credentials from credHelpers "nvcr\.io": "ngc" \(docker-credential-ngc, set in .*config\.json\) were refused: log in again with "docker login nvcr\.io" \(NGC API keys/, 'nvapi-secret-value'],
      [LOCAL, /The 127\.0\.0\.1:5056 credentials from credsStore "store" \(docker-credential-store, set in .*config\.json\) were refused: log in again with "docker login 127\.0\.0\.1:5056"/, 'store-secret-value'],
    ];
    for (const [image, expected, secret] of cases) {
      const found = await authFor(image, { env: s.env });
      assert.ok(found.authconfig, image);
      // An engine that echoed the secret back: masked too.
      for (const raw of ['unauthorized: authentication required', `unauthorized: bad credentials ${secret}`, { json: { message: `denied: "${secret}"` } }]) {
        const e = describePullError(image, raw, { credentials: found });
        assert.ok(e instanceof PullError && e.failure === 'unauthorized', String(e));
        assert.match(e.message, expected);
        assertNoSecret(e, secret);
      }
    }
    writeFileSync(s.file, JSON.stringify({ auths: { '127.0.0.1:5056': { auth: b64('u:file-secret-value') } } }));
    const plain = await authFor(LOCAL, { env: s.env });
    const e = describePullError(LOCAL, `unauthorized: ${b64('u:file-secret-value')}`, { credentials: plain });
    assert.match(e.message, /The 127\.0\.0\.1:5056 credentials in .*config\.json were refused \("auths" entry "127\.0\.0\.1:5056"\): log in again with "docker login 127\.0\.0\.1:5056"/);
    assertNoSecret(e, 'file-secret-value', b64('u:file-secret-value'));
  });

  test('a secret too short to mask by value does not wreck the message', async () => {
    const s = setup({ auths: { 'nvcr.io': { auth: b64('u:p') } } });
    const e = describePullError(IMAGE, 'unauthorized: authentication required', { credentials: await authFor(IMAGE, { env: s.env }) });
    assert.ok(e.message.startsWith(`Could not pull "${IMAGE}": nvcr.io refused access (unauthorized: authentication required).`), e.message);
  });

  test('a helper that failed: the refused pull says which, and how to fix it', async () => {
    const s = setup({ credsStore: 'desktop' });
    const e = describePullError(IMAGE, 'unauthorized: authentication required', { credentials: await authFor(IMAGE, { env: s.env }) });
    assert.match(e.message, /No credentials were sent: The Docker credential helper docker-credential-desktop \(named by "credsStore" in .*config\.json\) is not on the PATH/);
  });
});

describe('pullImage and credentials (a scripted engine: no socket is opened)', () => {
  function scriptedEngine(address: string) {
    const stream = new PassThrough();
    const calls: Array<Record<string, unknown>> = [];
    const modem = new Docker({ socketPath: '/nonexistent.sock' }).modem;
    const engine = { address, docker: { modem, pull: async (_image: string, opts: Record<string, unknown>) => (calls.push(opts), stream) } } as unknown as DockerEngine;
    const finish = () => {
      stream.write(JSON.stringify({ status: `Status: Image is up to date for ${IMAGE}` }) + '\n');
      stream.end();
    };
    return { engine, calls, finish, stream };
  }

  test('a helper\'s answer goes to a local engine as dockerode\'s authconfig', async () => {
    const s = setup({ credsStore: 'store' });
    s.answering('store', '$oauthtoken', 'nvapi-from-helper');
    const { engine, calls, finish } = scriptedEngine('unix:///var/run/docker.sock');
    const done = pullImage(engine, IMAGE, () => undefined, undefined, { env: s.env });
    await until('the engine was asked to pull', () => calls.length > 0);
    finish();
    await done;
    assert.deepEqual(calls[0].authconfig, { username: '$oauthtoken', password: 'nvapi-from-helper', serveraddress: 'nvcr.io' });
  });

  test('a remote engine: no helper is run, nothing is sent, and a refusal says to log in and pull on that machine', async () => {
    const s = setup({ credsStore: 'store' });
    s.answering('store', 'u', 'never-sent');
    const { engine, calls, stream } = scriptedEngine('tcp://192.0.2.1:2375');
    const done = pullImage(engine, IMAGE, () => undefined, undefined, { env: s.env });
    await until('the engine was asked to pull', () => calls.length > 0);
    stream.write(JSON.stringify({ errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' }) + '\n');
    await assert.rejects(done, (e: unknown) => {
      assert.ok(e instanceof PullError && e.failure === 'unauthorized', String(e));
      assert.match(e.message, /only to a Docker engine on this machine or one reached over ssh:\/\/ or verified TLS .*, and the engine at tcp:\/\/192\.0\.2\.1:2375 is none of these: reach it that way, or log in/);
      assert.match(e.message, /"docker login nvcr\.io", then "docker pull nvcr\.io\/nvidia\/isaac-sim:4\.2\.0" there/);
      return true;
    });
    assert.equal(calls[0].authconfig, undefined);
    assert.equal(s.asked('store'), undefined, 'the helper was not run for a remote engine');
  });
});

describe('mayReceiveCredentials', () => {
  test('only engines on this machine', () => {
    assert.equal(mayReceiveCredentials({ address: 'unix:///var/run/docker.sock' }), true);
    assert.equal(mayReceiveCredentials({ address: 'npipe:////./pipe/docker_engine' }), true);
    assert.equal(mayReceiveCredentials({ address: 'tcp://127.0.0.1:2375' }), true);
    assert.equal(mayReceiveCredentials({ address: 'tcp://localhost:2375' }), true);
    assert.equal(mayReceiveCredentials({ address: 'tcp://[::1]:2375' }), true);
    assert.equal(mayReceiveCredentials({ address: 'tcp://10.1.2.3:2375' }), false);
    assert.equal(mayReceiveCredentials({ address: 'tcp://127.0.0.1.evil.example:2375' }), false);
    assert.equal(mayReceiveCredentials({ address: 'tcp://gpu-box:2375' }), false);
    assert.equal(mayReceiveCredentials({ address: 'ssh://me@gpu-box', isLocal: false }), false, 'without its endpoint, an address alone does not say the transport');
    assert.equal(mayReceiveCredentials({ address: 'tcp://127.0.0.1:2375 (from DOCKER_HOST)' }), true, 'the address with its source');
  });

  test('with the endpoint: also ssh:// and verified TLS, never plain or unverified tcp:// to another machine', () => {
    const at = (endpoint: Endpoint) => mayReceiveCredentials({ address: endpoint.address, isLocal: false, endpoint });
    const base = { source: 'setting' as const, address: 'x' };
    assert.equal(at({ ...base, kind: 'ssh', protocol: 'http', ssh: { host: 'gpu-box', port: 22 }, url: 'ssh://gpu-box' }), true);
    assert.equal(at({ ...base, kind: 'tcp', protocol: 'https', host: 'gpu-box', port: 2376, tls: { verify: true, dir: '/c' }, url: 'tcp://gpu-box:2376' }), true);
    assert.equal(at({ ...base, kind: 'tcp', protocol: 'https', host: 'gpu-box', port: 2376, tls: { verify: false, dir: '/c' }, url: 'tcp://gpu-box:2376' }), false, 'TLS without verification');
    assert.equal(at({ ...base, kind: 'tcp', protocol: 'http', host: 'gpu-box', port: 2375, url: 'tcp://gpu-box:2375' }), false, 'plain HTTP to another machine');
    assert.equal(at({ ...base, kind: 'tcp', protocol: 'http', host: '127.0.0.1', port: 2375, url: 'tcp://127.0.0.1:2375' }), true, 'plain HTTP on loopback');
  });
});
