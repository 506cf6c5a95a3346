/**
 * With several engines (isaacSim.endpoints) an endpoint's engine comes from its own
 * isaacSim.endpoints[i].dockerHost / .dockerContext: every message, address and EngineError
 * `setting` about where that engine is must name those, never the top-level isaacSim.dockerHost /
 * isaacSim.dockerContext (which the user would then edit in vain). Without names given, the texts
 * are the single engine's, unchanged. Contexts are made by the real docker CLI, as in endpoint.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveEndpoint, type ResolveInput } from '../../src/docker/endpoint';
import { DockerEngine } from '../../src/docker/engine';
import { EngineError, describeEngineError, type EngineSettingIds } from '../../src/docker/errors';
import { describePullError } from '../../src/docker/pull';
import { PullError } from '../../src/docker/pullErrors';
import { checkEngine } from '../../src/instances/doctorChecks';
import { hostDoctorDeps } from '../../src/instances/doctorHost';
import { Fleet } from '../../src/instances/fleet';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';

const TOP_HOST = 'isaacSim.dockerHost';
const TOP_CONTEXT = 'isaacSim.dockerContext';
const ENDPOINT: EngineSettingIds = { host: 'isaacSim.endpoints[1].dockerHost', context: 'isaacSim.endpoints[1].dockerContext' };

let root: string;
let home: string;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'endpoint-names-'));
  home = path.join(root, 'home');
  const config = path.join(home, '.docker');
  mkdirSync(config, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: config };
  for (const name of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[name];
  execFileSync('docker', ['context', 'create', 'plain', '--docker', 'host=tcp://127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
});

after(() => rmSync(root, { recursive: true, force: true }));

function resolved(over: Partial<ResolveInput>) {
  return resolveEndpoint({ setting: '', home, env: {}, defaultSocket: path.join(root, 'no.sock'), ...over });
}

function failed(over: Partial<ResolveInput>): { error: EngineError; address: string } {
  const r = resolved(over);
  if (r.ok) assert.fail(`expected a failure, got ${r.endpoint.address}`);
  assert.equal(r.error.kind, 'settings');
  return r;
}

/** Neither top-level id appears (isaacSim.endpoints[1].dockerHost does not contain "isaacSim.dockerHost"). */
function namesNoTopLevel(text: string): void {
  assert.ok(!text.includes(TOP_HOST) && !text.includes(TOP_CONTEXT), text);
}

describe("resolving an endpoint's own dockerHost / dockerContext", () => {
  test('a bad dockerHost: message, address and setting name isaacSim.endpoints[1].dockerHost; without names, isaacSim.dockerHost as before', () => {
    const named = failed({ setting: 'tcp://h:0', settingIds: ENDPOINT });
    assert.equal(named.error.setting, ENDPOINT.host);
    assert.equal(named.address, 'tcp://h:0 (from setting isaacSim.endpoints[1].dockerHost)');
    assert.ok(named.error.message.includes('The Docker host "tcp://h:0" from setting isaacSim.endpoints[1].dockerHost is not valid'), named.error.message);
    assert.ok(named.error.message.includes('Set isaacSim.endpoints[1].dockerHost to "" or to a host such as'), named.error.message);
    namesNoTopLevel(`${named.error.message} ${named.address}`);

    const plain = failed({ setting: 'tcp://h:0' });
    assert.equal(plain.error.setting, TOP_HOST);
    assert.equal(plain.address, 'tcp://h:0 (from setting isaacSim.dockerHost)');
    assert.equal(
      plain.error.message,
      'The Docker host "tcp://h:0" from setting isaacSim.dockerHost is not valid: the port 0 is outside 1-65535. Set isaacSim.dockerHost to "" or to a host such as "unix:///var/run/docker.sock", "tcp://host:2376" or "ssh://user@host".',
    );
    // Only the names differ: the rest of the English is the single engine's.
    assert.equal(named.error.message, plain.error.message.replaceAll(TOP_HOST, ENDPOINT.host));
  });

  test('a missing context: the context setting is the one to fix, the other way out is the endpoint\'s dockerHost', () => {
    const named = failed({ context: 'nope', settingIds: ENDPOINT });
    assert.equal(named.error.setting, ENDPOINT.context);
    assert.equal(named.address, 'context "nope" (from setting isaacSim.endpoints[1].dockerContext)');
    assert.ok(named.error.message.includes('Docker context "nope" (named by setting isaacSim.endpoints[1].dockerContext) does not exist'), named.error.message);
    assert.ok(named.error.message.includes('set isaacSim.endpoints[1].dockerContext to another context (docker context ls) or to ""'), named.error.message);
    assert.ok(named.error.message.endsWith(', or set isaacSim.endpoints[1].dockerHost.'), named.error.message);
    namesNoTopLevel(`${named.error.message} ${named.address}`);

    const plain = failed({ context: 'nope' });
    assert.equal(plain.error.setting, TOP_CONTEXT);
    assert.equal(plain.address, 'context "nope" (from setting isaacSim.dockerContext)');
    assert.ok(plain.error.message.endsWith(', or set isaacSim.dockerHost.'), plain.error.message);
    assert.equal(named.error.message, plain.error.message.replaceAll(TOP_CONTEXT, ENDPOINT.context).replaceAll(TOP_HOST, ENDPOINT.host));
  });

  test("an endpoint with dockerHost \"\" falls back as the CLI does; the fixes that say \"set the host setting\" name the endpoint's", () => {
    const byEnv = failed({ env: { DOCKER_CONTEXT: 'nope' }, settingIds: ENDPOINT });
    assert.equal(byEnv.error.setting, ENDPOINT.host);
    assert.ok(byEnv.error.message.endsWith('or set isaacSim.endpoints[1].dockerHost.'), byEnv.error.message);
    namesNoTopLevel(byEnv.error.message);

    const badConfig = path.join(root, 'bad-config');
    mkdirSync(badConfig, { recursive: true });
    writeFileSync(path.join(badConfig, 'config.json'), '{ not json');
    const config = failed({ env: { DOCKER_CONFIG: badConfig }, settingIds: ENDPOINT });
    assert.equal(config.error.setting, ENDPOINT.host);
    assert.match(config.error.message, /fix the file, or set isaacSim\.endpoints\[1\]\.dockerHost\.$/);

    const tls = failed({ setting: 'tcp://127.0.0.1:2376', env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(root, 'no-certs') }, settingIds: ENDPOINT });
    assert.equal(tls.error.setting, ENDPOINT.host);
    assert.match(tls.error.message, /^The engine of setting isaacSim\.endpoints\[1\]\.dockerHost is to be reached over TLS/);
    assert.equal(tls.address, 'tcp://127.0.0.1:2376 (from setting isaacSim.endpoints[1].dockerHost)');
  });

  test("a resolved endpoint's address names where it came from", () => {
    const host = resolved({ setting: 'unix:///run/x.sock', settingIds: ENDPOINT });
    assert.ok(host.ok);
    assert.equal(host.endpoint.address, 'unix:///run/x.sock (from setting isaacSim.endpoints[1].dockerHost)');
    const context = resolved({ context: 'plain', settingIds: ENDPOINT });
    assert.ok(context.ok);
    assert.equal(context.endpoint.address, 'tcp://127.0.0.1:2375 (from context "plain", setting isaacSim.endpoints[1].dockerContext)');
    const plain = resolved({ context: 'plain' });
    assert.ok(plain.ok);
    assert.equal(plain.endpoint.address, 'tcp://127.0.0.1:2375 (from context "plain", setting isaacSim.dockerContext)');
  });
});

describe('describeEngineError with the setting the host came from', () => {
  const refused = () => Object.assign(new Error('connect ECONNREFUSED /run/x.sock'), { code: 'ECONNREFUSED' });
  const denied = () => Object.assign(new Error('connect EACCES /run/x.sock'), { code: 'EACCES' });

  test('unreachable (ECONNREFUSED, EACCES): the fix and the setting name the endpoint\'s dockerHost', () => {
    const e = describeEngineError(refused(), 'list containers', 'unix:///run/x.sock (from setting isaacSim.endpoints[1].dockerHost)', ENDPOINT);
    assert.equal(e.kind, 'unreachable');
    assert.equal(e.setting, ENDPOINT.host);
    assert.equal(
      e.message,
      'Docker engine unreachable at unix:///run/x.sock (from setting isaacSim.endpoints[1].dockerHost) (ECONNREFUSED) while trying to list containers: start Docker (e.g. "sudo systemctl start docker"), or point isaacSim.endpoints[1].dockerHost at a running engine.',
    );
    const d = describeEngineError(denied(), 'list containers', 'unix:///run/x.sock', ENDPOINT);
    assert.equal(d.setting, ENDPOINT.host);
    assert.match(d.message, /add your user to the "docker" group \(then log in again\), or set isaacSim\.endpoints\[1\]\.dockerHost\.$/);
    namesNoTopLevel(d.message);
  });

  test('without names: the single engine\'s English and setting, unchanged', () => {
    const e = describeEngineError(refused(), 'list containers', 'unix:///run/x.sock');
    assert.equal(e.setting, TOP_HOST);
    assert.equal(e.message, 'Docker engine unreachable at unix:///run/x.sock (ECONNREFUSED) while trying to list containers: start Docker (e.g. "sudo systemctl start docker"), or point isaacSim.dockerHost at a running engine.');
    assert.equal(describeEngineError(denied(), 'x', 'a').message, 'Docker engine unreachable at a (EACCES) while trying to x: add your user to the "docker" group (then log in again), or set isaacSim.dockerHost.');
  });

  test('TLS and plain-HTTP-to-TLS failures carry the endpoint\'s setting too', () => {
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    assert.equal(describeEngineError(tls, 'x', 'a', ENDPOINT).setting, ENDPOINT.host);
    const http = Object.assign(new Error('(HTTP code 400) unexpected - Client sent an HTTP request to an HTTPS server.'), { statusCode: 400 });
    assert.equal(describeEngineError(http, 'x', 'a', ENDPOINT).setting, ENDPOINT.host);
  });

  test("a pull that cannot reach the engine names the endpoint's dockerHost in its fix and setting", () => {
    const e = describePullError('nvcr.io/nvidia/isaac-sim:4.2.0', refused(), { engineAddress: 'unix:///run/x.sock', engineSettingIds: ENDPOINT });
    assert.ok(e instanceof PullError);
    assert.equal(e.setting, ENDPOINT.host);
    assert.match(e.message, /point isaacSim\.endpoints\[1\]\.dockerHost at a running engine/);
    assert.equal(describePullError('nvcr.io/nvidia/isaac-sim:4.2.0', refused(), { engineAddress: 'unix:///run/x.sock' }).setting, TOP_HOST);
  });
});

describe("the engine, the doctor and the fleet carry an endpoint's names", () => {
  test('a DockerEngine given the names: its address, its settings error, and an unreachable socket all name them', async () => {
    const missing = new DockerEngine({ dockerHost: '', dockerContext: 'nope', settingIds: ENDPOINT, env: {}, home });
    assert.equal(missing.address, 'context "nope" (from setting isaacSim.endpoints[1].dockerContext)');
    await assert.rejects(missing.version(), (e: unknown) => e instanceof EngineError && e.kind === 'settings' && e.setting === ENDPOINT.context);
    const socket = `unix://${path.join(root, 'nothing-here.sock')}`;
    const absent = new DockerEngine({ dockerHost: socket, settingIds: ENDPOINT, env: {}, home });
    await assert.rejects(absent.listByLabel('x'), (e: unknown) => {
      assert.ok(e instanceof EngineError);
      assert.equal(e.kind, 'unreachable');
      assert.equal(e.setting, ENDPOINT.host);
      assert.ok(e.message.includes(`${socket} (from setting isaacSim.endpoints[1].dockerHost)`), e.message);
      assert.match(e.message, /point isaacSim\.endpoints\[1\]\.dockerHost at a running engine\.$/);
      return true;
    });
  });

  test("the doctor's engine check for an endpoint's unreachable engine: the report's address and the fix name its dockerHost", async () => {
    const socket = `unix://${path.join(root, 'nothing-here.sock')}`;
    const settings = { ...DEFAULT_SETTINGS, dockerHost: socket };
    const engine = new DockerEngine({ dockerHost: socket, settingIds: ENDPOINT, env: {}, home });
    const deps = hostDoctorDeps({ settings, engine, instances: [] });
    assert.deepEqual(deps.engineSettingIds, ENDPOINT, "the engine's names, when none are given");
    const facts = await checkEngine(deps, engine.address, 5000);
    assert.equal(facts.check.ok, false);
    assert.match(facts.check.fix ?? '', /set `isaacSim\.endpoints\[1\]\.dockerHost` to a running engine/);
    namesNoTopLevel(`${facts.check.detail} ${facts.check.fix}`);
    const noClient = hostDoctorDeps({ settings: { ...DEFAULT_SETTINGS, dockerContext: 'nope' }, settingIds: ENDPOINT, engine: undefined, instances: [], home });
    assert.equal(noClient.engineAddress, 'context "nope" (from setting isaacSim.endpoints[1].dockerContext)');
    const top = await checkEngine(hostDoctorDeps({ settings, engine: new DockerEngine({ dockerHost: socket, env: {}, home }), instances: [] }), socket, 5000);
    assert.match(top.check.fix ?? '', /set `isaacSim\.dockerHost` to a running engine/);
  });

  test('a fleet of real engine clients: an endpoint whose context is missing fails naming isaacSim.endpoints[1].dockerContext', async () => {
    const fleet = new Fleet<DockerEngine>({ engineFor: (dockerHost, dockerContext, settingIds) => new DockerEngine({ dockerHost, dockerContext, settingIds, env: {}, home }), log: quiet });
    try {
      fleet.update(parseSettings({ ...DEFAULT_SETTINGS, endpoints: [{ name: 'a', dockerContext: 'plain' }, { name: 'lab', dockerContext: 'nope' }] }));
      const lab = fleet.require('lab');
      await assert.rejects(lab.connect(), (e: unknown) => e instanceof EngineError && e.kind === 'settings' && e.setting === ENDPOINT.context);
      assert.equal(lab.currentEngine?.address, 'context "nope" (from setting isaacSim.endpoints[1].dockerContext)');
      const message = fleet.status('lab')?.message ?? '';
      assert.ok(message.includes('(named by setting isaacSim.endpoints[1].dockerContext) does not exist'), message);
      namesNoTopLevel(message);
      assert.equal(fleet.require('a').currentEngine, undefined, 'a was not asked to connect');
    } finally {
      fleet.dispose();
    }
  });
});
