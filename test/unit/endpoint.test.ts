/**
 * Where the engine is (src/docker/endpoint.ts): the docker CLI's order, each source, contexts, TLS and
 * ssh://. The contexts are made by the real docker CLI (`docker context create` / `docker context use`
 * with DOCKER_CONFIG pointed at a temp folder: they need no daemon), with certificates from openssl,
 * so the files read are the ones the CLI writes, not a copy typed by hand.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseDockerHost } from '../../src/docker/dockerHost';
import { contextId, resolveEndpoint, type Endpoint, type ResolveInput } from '../../src/docker/endpoint';
import { DockerEngine, EngineError } from '../../src/docker/engine';
import { describeEngineError } from '../../src/docker/errors';
import { checkEngine } from '../../src/instances/doctorChecks';
import { hostDoctorDeps } from '../../src/instances/doctorHost';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';
import { makeCerts, type TestCerts } from './certs';

let root: string;
/** A home folder whose ~/.docker the CLI filled. */
let home: string;
let configDir: string;
let certs: TestCerts;
/** A socket file that exists, standing in for /var/run/docker.sock. */
let systemSocket: string;
let socketServer: net.Server;
const missingSocket = '/nonexistent-reach-test/docker.sock';

/** The docker CLI on a config folder of the test's own (and no engine variables of ours). */
function cli(config: string, ...args: string[]): void {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: config };
  for (const name of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[name];
  execFileSync('docker', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
}

function input(over: Partial<ResolveInput> & { env?: NodeJS.ProcessEnv } = {}): ResolveInput {
  return { setting: '', home, defaultSocket: systemSocket, ...over, env: over.env ?? {} };
}

function ok(over: Partial<ResolveInput> = {}): Endpoint {
  const r = resolveEndpoint(input(over));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.endpoint;
}

function failure(over: Partial<ResolveInput> = {}): { error: EngineError; address: string } {
  const r = resolveEndpoint(input(over));
  assert.equal(r.ok, false, `expected a failure, got ${r.ok ? r.endpoint.address : ''}`);
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof EngineError);
  assert.equal(r.error.kind, 'settings');
  assert.equal(r.error.setting, 'isaacSim.dockerHost');
  return r;
}

before(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'reach-unit-'));
  home = path.join(root, 'home');
  configDir = path.join(home, '.docker');
  mkdirSync(configDir, { recursive: true });
  certs = makeCerts(path.join(root, 'certs'));
  systemSocket = path.join(root, 'system.sock');
  socketServer = net.createServer();
  await new Promise<void>((resolve) => socketServer.listen(systemSocket, resolve));
  const tls = `ca=${certs.ca},cert=${certs.clientCert},key=${certs.clientKey}`;
  cli(configDir, 'context', 'create', 'ci', '--docker', `host=tcp://127.0.0.1:2376,${tls}`);
  cli(configDir, 'context', 'create', 'ci-noport', '--docker', `host=tcp://127.0.0.1,${tls}`);
  cli(configDir, 'context', 'create', 'plain', '--docker', 'host=tcp://127.0.0.1');
  cli(configDir, 'context', 'create', 'insecure', '--docker', 'host=tcp://127.0.0.1:2376,skip-tls-verify=true');
  cli(configDir, 'context', 'create', 'remote', '--docker', 'host=ssh://root@127.0.0.1:2222');
  cli(configDir, 'context', 'create', 'sock', '--docker', 'host=unix:///run/other/docker.sock');
  cli(configDir, 'context', 'use', 'plain');
});

after(async () => {
  await new Promise<void>((resolve) => socketServer.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

describe('the order is the docker CLI\'s: setting, DOCKER_HOST, DOCKER_CONTEXT, current context, default socket', () => {
  const all = () => ({ DOCKER_HOST: 'tcp://127.0.0.1:2375', DOCKER_CONTEXT: 'ci' });

  test('the setting comes first', () => {
    const e = ok({ setting: 'unix:///run/setting.sock', env: all() });
    assert.equal(e.source, 'setting');
    assert.equal(e.kind, 'unix');
    assert.equal(e.socketPath, '/run/setting.sock');
    assert.equal(e.address, 'unix:///run/setting.sock (from setting isaacSim.dockerHost)');
  });

  test('isaacSim.dockerContext (the CLI\'s --context) comes next, before DOCKER_HOST, with the context\'s own TLS files', () => {
    const e = ok({ context: 'ci', env: all() });
    assert.equal(e.source, 'context setting');
    assert.equal(e.contextName, 'ci');
    assert.deepEqual([e.kind, e.host, e.port, e.protocol], ['tcp', '127.0.0.1', 2376, 'https']);
    assert.deepEqual(e.tls?.cert, readFileSync(certs.clientCert));
    assert.equal(e.address, 'tcp://127.0.0.1:2376 (from context "ci", setting isaacSim.dockerContext)');
    // The host setting still wins (settings refuse both at once).
    assert.equal(ok({ setting: 'unix:///run/setting.sock', context: 'ci' }).source, 'setting');
  });

  test('a missing context named by isaacSim.dockerContext: the error names that setting, the meta.json path and the fix', () => {
    const r = resolveEndpoint(input({ context: 'nope' }));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.kind, 'settings');
    assert.equal(r.error.setting, 'isaacSim.dockerContext');
    assert.ok(r.error.message.includes('Docker context "nope" (named by setting isaacSim.dockerContext) does not exist'), r.error.message);
    assert.ok(r.error.message.includes(path.join(configDir, 'contexts', 'meta', contextId('nope'), 'meta.json')), r.error.message);
    assert.match(r.error.message, /set isaacSim\.dockerContext to another context \(docker context ls\) or to ""/);
    assert.equal(r.address, 'context "nope" (from setting isaacSim.dockerContext)');
  });

  test('then DOCKER_HOST, before DOCKER_CONTEXT (as `docker context show` says "default" when both are set)', () => {
    const e = ok({ env: all() });
    assert.equal(e.source, 'DOCKER_HOST');
    assert.deepEqual([e.kind, e.host, e.port, e.protocol], ['tcp', '127.0.0.1', 2375, 'http']);
    assert.equal(e.address, 'tcp://127.0.0.1:2375 (from env DOCKER_HOST)');
  });

  test('then DOCKER_CONTEXT, with the context\'s TLS files', () => {
    const e = ok({ env: { DOCKER_CONTEXT: 'ci' } });
    assert.equal(e.source, 'DOCKER_CONTEXT');
    assert.equal(e.contextName, 'ci');
    assert.deepEqual([e.kind, e.host, e.port, e.protocol], ['tcp', '127.0.0.1', 2376, 'https']);
    assert.equal(e.tls?.verify, true);
    assert.deepEqual(e.tls?.ca, readFileSync(certs.ca));
    assert.deepEqual(e.tls?.cert, readFileSync(certs.clientCert));
    assert.deepEqual(e.tls?.key, readFileSync(certs.clientKey));
    assert.equal(e.tls?.dir, path.join(configDir, 'contexts', 'tls', contextId('ci'), 'docker'));
    assert.equal(e.address, 'tcp://127.0.0.1:2376 (from context "ci", env DOCKER_CONTEXT)');
  });

  test('then the current context of ~/.docker/config.json (set by `docker context use`)', () => {
    const e = ok();
    assert.equal(e.source, 'current context');
    assert.equal(e.contextName, 'plain');
    assert.equal(e.url, 'tcp://127.0.0.1:2375');
    assert.equal(e.address, 'tcp://127.0.0.1:2375 (from context "plain")');
  });

  test('then the default socket; the context "default" is that socket too', () => {
    const bare = path.join(root, 'bare-home');
    mkdirSync(bare, { recursive: true });
    const e = ok({ home: bare });
    assert.deepEqual([e.source, e.kind, e.socketPath], ['default', 'unix', systemSocket]);
    assert.equal(e.address, `unix://${systemSocket} (default)`);
    assert.equal(ok({ env: { DOCKER_CONTEXT: 'default' } }).socketPath, systemSocket);
  });

  test('the rootless socket in $XDG_RUNTIME_DIR, only when the system socket does not exist', () => {
    const runtime = path.join(root, 'xdg');
    mkdirSync(runtime, { recursive: true });
    writeFileSync(path.join(runtime, 'docker.sock'), '');
    const bare = path.join(root, 'bare-home');
    const rootless = ok({ home: bare, defaultSocket: missingSocket, env: { XDG_RUNTIME_DIR: runtime } });
    assert.deepEqual([rootless.source, rootless.socketPath], ['rootless', path.join(runtime, 'docker.sock')]);
    assert.match(rootless.address, /\(rootless, from \$XDG_RUNTIME_DIR\)$/);
    assert.equal(ok({ home: bare, env: { XDG_RUNTIME_DIR: runtime } }).source, 'default', 'the system socket exists: it wins');
    assert.equal(ok({ home: bare, defaultSocket: missingSocket, env: { XDG_RUNTIME_DIR: path.join(root, 'no-xdg') } }).socketPath, missingSocket, 'no rootless socket: the default, for its error');
  });

  test('DOCKER_CONFIG replaces ~/.docker, as for the CLI', () => {
    const other = path.join(root, 'other-config');
    cli(other, 'context', 'create', 'elsewhere', '--docker', 'host=unix:///run/elsewhere.sock');
    cli(other, 'context', 'use', 'elsewhere');
    const e = ok({ env: { DOCKER_CONFIG: other } });
    assert.deepEqual([e.source, e.contextName, e.socketPath], ['current context', 'elsewhere', '/run/elsewhere.sock']);
    // ~/.docker's contexts are not looked at any more.
    assert.match(failure({ env: { DOCKER_CONFIG: other, DOCKER_CONTEXT: 'ci' } }).error.message, new RegExp(other.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  });
});

describe('contexts', () => {
  test('a tcp:// context without a port: 2376 with TLS files, 2375 without', () => {
    assert.equal(ok({ env: { DOCKER_CONTEXT: 'ci-noport' } }).url, 'tcp://127.0.0.1:2376');
    assert.equal(ok({ env: { DOCKER_CONTEXT: 'ci-noport' } }).protocol, 'https');
    assert.equal(ok({ env: { DOCKER_CONTEXT: 'plain' } }).url, 'tcp://127.0.0.1:2375');
    assert.equal(ok({ env: { DOCKER_CONTEXT: 'plain' } }).tls, undefined);
  });

  test('skip-tls-verify: TLS without verifying the engine', () => {
    const e = ok({ env: { DOCKER_CONTEXT: 'insecure' } });
    assert.equal(e.protocol, 'https');
    assert.equal(e.tls?.verify, false);
    assert.equal(e.tls?.ca, undefined);
  });

  test('ssh:// and unix:// contexts', () => {
    const s = ok({ env: { DOCKER_CONTEXT: 'remote' } });
    assert.deepEqual([s.kind, s.ssh], ['ssh', { username: 'root', host: '127.0.0.1', port: 2222 }]);
    assert.equal(s.address, 'ssh://root@127.0.0.1:2222 (from context "remote", env DOCKER_CONTEXT)');
    assert.equal(ok({ env: { DOCKER_CONTEXT: 'sock' } }).socketPath, '/run/other/docker.sock');
  });

  test('DOCKER_TLS_VERIFY does not apply to a context (its TLS is its own)', () => {
    assert.equal(ok({ env: { DOCKER_CONTEXT: 'plain', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' } }).protocol, 'http');
  });

  test('a context that does not exist: the error names it, its source, the meta.json path and the fix', () => {
    const named = failure({ env: { DOCKER_CONTEXT: 'nope' } });
    const meta = path.join(configDir, 'contexts', 'meta', contextId('nope'), 'meta.json');
    assert.ok(named.error.message.includes('Docker context "nope"'), named.error.message);
    assert.ok(named.error.message.includes('env DOCKER_CONTEXT'), named.error.message);
    assert.ok(named.error.message.includes(meta), named.error.message);
    assert.match(named.error.message, /docker context create nope/);
    assert.match(named.error.message, /isaacSim\.dockerHost/);
    assert.equal(named.address, 'context "nope" (from env DOCKER_CONTEXT)');

    const cfg = path.join(root, 'gone-config');
    mkdirSync(cfg, { recursive: true });
    writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'gone' }));
    const current = failure({ env: { DOCKER_CONFIG: cfg } });
    assert.ok(current.error.message.includes('the current context in'), current.error.message);
    assert.ok(current.error.message.includes(path.join(cfg, 'config.json')), current.error.message);
    assert.match(current.error.message, /docker context use/);
  });

  test('a damaged meta.json or config.json is named with its path', () => {
    const cfg = path.join(root, 'damaged-config');
    mkdirSync(path.join(cfg, 'contexts', 'meta', contextId('broken')), { recursive: true });
    writeFileSync(path.join(cfg, 'contexts', 'meta', contextId('broken'), 'meta.json'), '{"Name":"broken",');
    assert.match(failure({ env: { DOCKER_CONFIG: cfg, DOCKER_CONTEXT: 'broken' } }).error.message, /meta\.json is not JSON/);
    writeFileSync(path.join(cfg, 'contexts', 'meta', contextId('broken'), 'meta.json'), '{"Name":"broken","Endpoints":{}}');
    assert.match(failure({ env: { DOCKER_CONFIG: cfg, DOCKER_CONTEXT: 'broken' } }).error.message, /has no Endpoints\.docker\.Host/);
    writeFileSync(path.join(cfg, 'config.json'), '{ not json');
    const bad = failure({ env: { DOCKER_CONFIG: cfg } });
    assert.ok(bad.error.message.includes(`${path.join(cfg, 'config.json')} is not JSON`), bad.error.message);
  });

  test("a context's bad host names the context and says how to fix it", () => {
    const cfg = path.join(root, 'badhost-config');
    mkdirSync(path.join(cfg, 'contexts', 'meta', contextId('odd')), { recursive: true });
    writeFileSync(path.join(cfg, 'contexts', 'meta', contextId('odd'), 'meta.json'), JSON.stringify({ Name: 'odd', Endpoints: { docker: { Host: 'tcp://h:70000' } } }));
    const e = failure({ env: { DOCKER_CONFIG: cfg, DOCKER_CONTEXT: 'odd' } }).error;
    assert.match(e.message, /"tcp:\/\/h:70000" from context "odd"/);
    assert.match(e.message, /outside 1-65535/);
    assert.match(e.message, /docker context update odd/);
  });
});

describe('tcp:// and TLS from the environment', () => {
  test('default ports: 2375 without TLS, 2376 with DOCKER_TLS_VERIFY (the CLI\'s -H default)', () => {
    assert.equal(ok({ env: { DOCKER_HOST: 'tcp://127.0.0.1' } }).url, 'tcp://127.0.0.1:2375');
    const tls = ok({ env: { DOCKER_HOST: 'tcp://127.0.0.1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.dir } });
    assert.deepEqual([tls.url, tls.protocol, tls.tls?.verify], ['tcp://127.0.0.1:2376', 'https', true]);
    assert.equal(ok({ setting: 'tcp://127.0.0.1:1234', env: {} }).port, 1234);
  });

  test('DOCKER_CERT_PATH gives ca.pem, cert.pem and key.pem; without it the config folder does', () => {
    const dir = path.join(root, 'env-certs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'ca.pem'), readFileSync(certs.ca));
    writeFileSync(path.join(dir, 'cert.pem'), readFileSync(certs.clientCert));
    writeFileSync(path.join(dir, 'key.pem'), readFileSync(certs.clientKey));
    const e = ok({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } });
    assert.deepEqual([e.tls?.ca, e.tls?.cert, e.tls?.key, e.tls?.dir], [readFileSync(certs.ca), readFileSync(certs.clientCert), readFileSync(certs.clientKey), dir]);
    // The setting takes the same variables, as the CLI's -H does.
    assert.equal(ok({ setting: 'tcp://127.0.0.1:2376', env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } }).protocol, 'https');
    const fromConfig = ok({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: dir } });
    assert.equal(fromConfig.tls?.dir, dir);
  });

  test('a CA alone: TLS without a client certificate (cert.pem and key.pem are optional, as for the CLI)', () => {
    const dir = path.join(root, 'ca-only');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'ca.pem'), readFileSync(certs.ca));
    const e = ok({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } });
    assert.deepEqual([e.protocol, e.tls?.cert, e.tls?.key], ['https', undefined, undefined]);
  });

  test('DOCKER_TLS without _VERIFY: TLS, engine not verified', () => {
    const e = ok({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS: '1', DOCKER_CERT_PATH: path.join(root, 'no-such-dir') } });
    assert.deepEqual([e.protocol, e.tls?.verify], ['https', false]);
  });

  test('DOCKER_TLS_VERIFY without a ca.pem, or a cert.pem without its key.pem: errors that name the variable, the path and the fix', () => {
    const missing = path.join(root, 'no-certs');
    const e = failure({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: missing } });
    assert.ok(e.error.message.includes('env DOCKER_HOST'), e.error.message);
    assert.ok(e.error.message.includes('DOCKER_TLS_VERIFY'), e.error.message);
    assert.ok(e.error.message.includes(path.join(missing, 'ca.pem')), e.error.message);
    assert.match(e.error.message, /DOCKER_CERT_PATH/);
    assert.equal(e.address, 'tcp://127.0.0.1:2376 (from env DOCKER_HOST)');
    const half = path.join(root, 'half-certs');
    mkdirSync(half, { recursive: true });
    writeFileSync(path.join(half, 'ca.pem'), readFileSync(certs.ca));
    writeFileSync(path.join(half, 'cert.pem'), readFileSync(certs.clientCert));
    assert.match(failure({ setting: 'tcp://127.0.0.1:2376', env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: half } }).error.message, /key\.pem is missing beside .*cert\.pem \(setting isaacSim\.dockerHost/);
  });

  test('a bad DOCKER_HOST or setting: the message names the source', () => {
    const env = failure({ env: { DOCKER_HOST: 'localhost:2375' } }).error.message;
    assert.ok(env.includes('"localhost:2375" from env DOCKER_HOST'), env);
    assert.match(env, /unset DOCKER_HOST/);
    const setting = failure({ setting: 'tcp://h:0', env: { DOCKER_HOST: 'unix:///fine.sock' } }).error.message;
    assert.ok(setting.includes('"tcp://h:0" from setting isaacSim.dockerHost'), setting);
  });
});

describe('ssh://', () => {
  test('parse: user, host and port (22 by default); no password, no path', () => {
    assert.deepEqual(parseDockerHost('ssh://root@127.0.0.1:2222'), { kind: 'ssh', username: 'root', host: '127.0.0.1', port: 2222 });
    assert.deepEqual(parseDockerHost('ssh://host.example'), { kind: 'ssh', username: undefined, host: 'host.example', port: 22 });
    const e = ok({ setting: 'ssh://me@host.example' });
    assert.deepEqual([e.kind, e.ssh, e.url], ['ssh', { username: 'me', host: 'host.example', port: 22 }, 'ssh://me@host.example']);
    assert.match((parseDockerHost('ssh://me:pw@host') as { problem: string }).problem, /password/);
    assert.match((parseDockerHost('ssh://me@host/path') as { problem: string }).problem, /no path/);
  });
});

describe('DockerEngine on a resolved endpoint', () => {
  test('isLocal: sockets only; tcp:// to 127.0.0.1 and ssh:// are not assumed local', () => {
    assert.equal(new DockerEngine({ dockerHost: 'unix:///run/x.sock' }).isLocal, true);
    assert.equal(new DockerEngine({ dockerHost: 'tcp://127.0.0.1:2375' }).isLocal, false);
    assert.equal(new DockerEngine({ dockerHost: 'ssh://root@127.0.0.1:2222', env: {}, home }).isLocal, false);
    assert.equal(new DockerEngine({ dockerHost: '', env: { DOCKER_CONTEXT: 'ci' }, home }).isLocal, false);
  });

  test('an endpoint that cannot be resolved: the constructor does not throw, every call fails with its error', async () => {
    const engine = new DockerEngine({ dockerHost: '', env: { DOCKER_CONTEXT: 'nope' }, home });
    assert.equal(engine.address, 'context "nope" (from env DOCKER_CONTEXT)');
    assert.equal(engine.endpoint, undefined);
    assert.equal(engine.isLocal, false);
    await assert.rejects(engine.version(), (e: unknown) => e instanceof EngineError && e.kind === 'settings' && /Docker context "nope"/.test(e.message));
    await assert.rejects(engine.listByLabel('x'), (e: unknown) => e instanceof EngineError && e.kind === 'settings');
  });

  test("the doctor's engine check shows the endpoint's error, naming its source, with a fix that is not \"start Docker\"", async () => {
    const engine = new DockerEngine({ dockerHost: '', env: { DOCKER_CONTEXT: 'nope' }, home });
    const deps = hostDoctorDeps({ settings: { ...DEFAULT_SETTINGS }, engine, instances: [] });
    const facts = await checkEngine(deps, deps.engineAddress ?? engine.address, 5000);
    assert.equal(facts.reachable, false);
    assert.equal(facts.check.ok, false);
    assert.match(facts.check.detail, /Docker context "nope" \(named by env DOCKER_CONTEXT\) does not exist/);
    assert.match(facts.check.fix ?? '', /comes before `DOCKER_HOST` and docker contexts/);
    assert.doesNotMatch(facts.check.fix ?? '', /systemctl/);
  });

  test('the address shows the endpoint and its source, and no key material', () => {
    const engine = new DockerEngine({ dockerHost: '', env: { DOCKER_CONTEXT: 'ci' }, home });
    assert.equal(engine.address, 'tcp://127.0.0.1:2376 (from context "ci", env DOCKER_CONTEXT)');
    assert.doesNotMatch(JSON.stringify({ address: engine.address }), /BEGIN/);
  });
});

describe('transport failures are described with their fix', () => {
  test('a TLS alert for a missing client certificate', () => {
    const err = Object.assign(new Error('tlsv13 alert certificate required'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    const e = describeEngineError(err, 'ask the engine for its version', 'tcp://127.0.0.1:2376 (from env DOCKER_HOST)');
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /TLS to the Docker engine at tcp:\/\/127\.0\.0\.1:2376 \(from env DOCKER_HOST\) failed/);
    assert.match(e.message, /client certificate/);
  });

  test('an untrusted engine certificate', () => {
    const err = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    assert.match(describeEngineError(err, 'x', 'a').message, /not signed by our ca\.pem/);
  });

  test('plain HTTP to a TLS port: says the engine speaks TLS and how to turn it on', () => {
    const err = Object.assign(new Error('(HTTP code 400) unexpected - Client sent an HTTP request to an HTTPS server.'), { statusCode: 400 });
    const e = describeEngineError(err, 'ask the engine for its version', 'tcp://127.0.0.1:2376 (from env DOCKER_HOST)');
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /speaks TLS.*DOCKER_TLS_VERIFY=1/);
  });
});
