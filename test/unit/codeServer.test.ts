/**
 * "Run in Sim" in the domain: the 6.x token read from the log before the line is masked, kept per run,
 * what the snapshot says about an instance's code server, and the checks before anything is sent.
 * The wire and the real stand-in are in test/engine/simPython.test.ts and simRun.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerInfo, LogLine } from '../../src/instances/engineApi';
import { runCodeIn } from '../../src/instances/codeRun';
import { LogFollower } from '../../src/instances/logFollower';
import type { InstanceSnapshot } from '../../src/instances/model';
import { Redactor } from '../../src/instances/redact';
import { parseSettings, portRangeProblems } from '../../src/instances/settings';
import { buildContainerSpec, portsFor } from '../../src/instances/spec';
import { SimPythonError } from '../../src/instances/simPython';
import { tokenFromLogLine } from '../../src/instances/simPythonProtocol';
import { codeServerOf } from '../../src/instances/snapshot';
import { InstanceStore } from '../../src/instances/store';
import { FakeEngine } from './fakeEngine';

const STARTED = Date.parse('2026-12-02T03:00:00.000Z');
const TOKEN = 'Abc-DEF_0123456789abcdefghijklmnopqrstuvwxyz';
const at = (ms: number, text: string): LogLine => ({ stream: 'stdout', text, ts: BigInt(STARTED + ms) * 1_000_000n });
const info = (startedAt = STARTED): ContainerInfo => ({ id: 'c'.repeat(64), name: 'isaac-sim-instance-0', image: 'nvcr.io/nvidia/isaac-sim:6.0.1', labels: {}, running: true, status: 'running', exitCode: 0, oomKilled: false, startedAt, args: [] });
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('the token on the log path', () => {
  test('the token line is handed over raw before it is masked, so its own line shows no token', async () => {
    const earlier = 'Python server authentication token: OLD-token-of-an-earlier-run-0123';
    const lines = [at(-60_000, earlier), at(5, 'starting'), at(10, `Python server authentication token: ${TOKEN}`), at(11, `[Info] [isaacsim.code_editor.python_server.extension] Python server authentication token: ${TOKEN}`), at(12, `again ${TOKEN}`)];
    const engine = new FakeEngine({
      followLogs: async (_id, _opts, onLine, onEnd) => {
        for (const l of lines) onLine(l);
        setImmediate(() => onEnd());
        return { close() {} };
      },
    });
    const redactor = new Redactor();
    const seen: Array<[string, number | undefined]> = [];
    const shown: string[] = [];
    const follower = new LogFollower(0, {
      log: quiet,
      redact: (t) => redactor.redact(t),
      currentRun: () => STARTED,
      onRunLine: () => {},
      onTokenLine: (text, run) => {
        seen.push([tokenFromLogLine(text) ?? '', run]);
        redactor.addSecret(tokenFromLogLine(text) ?? '');
      },
      onAppend: (l) => shown.push(...l),
    });
    follower.follow(engine, info(), 100);
    await follower.whenEnded(info().id);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, [
      ['OLD-token-of-an-earlier-run-0123', undefined],
      [TOKEN, STARTED],
      [TOKEN, STARTED],
    ]);
    assert.ok(shown.length === lines.length && shown.every((l) => !l.includes(TOKEN) && !l.includes('OLD-token')), shown.join('\n'));
    assert.equal(shown[2], 'Python server authentication token: ***');
    assert.equal(shown[4], 'again ***');
  });

  test('the store keeps a token for the run that printed it; else the setting\'s', () => {
    const store = new InstanceStore({ log: quiet, now: () => STARTED, redact: (t) => t });
    const six = parseSettings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1' });
    assert.ok(six.ok);
    store.setSettings(six.settings, 1);
    store.setInfo(0, info());
    assert.equal(store.codeToken(0), undefined);
    store.setCodeToken(0, TOKEN, STARTED);
    assert.equal(store.codeToken(0), TOKEN);
    const code = store.live(0).codeServer;
    assert.equal(code.kind === 'enabled' ? code.token : code.reason, 'known');
    store.setInfo(0, info(STARTED + 60_000));
    assert.equal(store.codeToken(0), undefined, 'a new run generates a new token');
    const parsed = parseSettings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1', pythonServerToken: 'from-the-setting-0123' });
    assert.ok(parsed.ok);
    store.setSettings(parsed.settings, 1);
    assert.equal(store.codeToken(0), 'from-the-setting-0123');
    store.setCodeToken(0, TOKEN, STARTED + 60_000);
    assert.equal(store.codeToken(0), TOKEN, 'what the run printed wins: it is what the server checks');
    store.dispose();
  });
});

describe('the snapshot\'s code server', () => {
  test('per version: the extension and port, whether a token is needed and known; or why there is none', () => {
    assert.deepEqual(codeServerOf('4.2', { http: 8211, signal: 49100, python: 8226 }, false), { kind: 'enabled', port: 8226, extension: 'omni.isaac.vscode', token: 'not-needed' });
    assert.deepEqual(codeServerOf('4.5-5.x', { signal: 49100, http: 8011, python: 8230 }, false), { kind: 'enabled', port: 8230, extension: 'isaacsim.code_editor.vscode', token: 'not-needed' });
    assert.deepEqual(codeServerOf('6.x', { python: 8227 }, false), { kind: 'enabled', port: 8227, extension: 'isaacsim.code_editor.python_server', token: 'missing' });
    assert.equal((codeServerOf('6.x', { python: 8227 }, true) as { token: string }).token, 'known');
    const custom = codeServerOf('custom', { http: 8211 }, false);
    assert.ok(custom.kind === 'none' && /custom image.*isaacSim\.version/.test(custom.reason));
    const off = codeServerOf('4.2', { http: 8211, signal: 49100 }, false, true);
    assert.ok(off.kind === 'none' && /isaacSim\.pythonServerPortBase is null.*set it to a port/.test(off.reason));
    const old = codeServerOf('6.x', { signal: 49100, http: 8011 }, false);
    assert.ok(old.kind === 'none' && /created without isaacsim\.code_editor\.python_server.*stop and start/.test(old.reason), 'a container from before the code server');
  });
});

describe('isaacSim.pythonServerPortBase null: no code server', () => {
  test('no port, no Kit arguments, no range to check; a container that has one still shows it', () => {
    const parsed = parseSettings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1', pythonServerPortBase: null, instanceCount: 16 });
    assert.ok(parsed.ok);
    for (const version of ['4.2', '4.5-5.x', '6.x'] as const) {
      assert.equal(portsFor(parsed.settings, version, 3).python, undefined, version);
      const body = buildContainerSpec(parsed.settings, 3, { version, home: '/h' });
      assert.ok(!body.Cmd.some((a) => /vscode|code_editor/.test(a)), `${version}: ${body.Cmd.join(' ')}`);
      assert.deepEqual(portRangeProblems(parsed.settings, version), [], `${version}: 16 instances fit, with no code server range`);
    }
    const store = new InstanceStore({ log: quiet, now: () => STARTED, redact: (t) => t });
    store.setSettings(parsed.settings, 1);
    assert.equal(store.live(0).codeServer.kind, 'none');
    store.setInfo(0, { ...info(), labels: { 'dev.isaac-sim-orchestrator.ports': '{"signal":49100,"python":8226}' } });
    assert.deepEqual(store.live(0).codeServer, { kind: 'enabled', port: 8226, extension: 'isaacsim.code_editor.python_server', token: 'missing' }, 'its container was made with one');
    store.dispose();
  });
});

describe('checks before a run is sent', () => {
  function snapshot(more: Partial<InstanceSnapshot>): InstanceSnapshot {
    return { label: 'instance-0', version: '6.x', state: { kind: 'ready', since: 1 }, codeServer: { kind: 'enabled', port: 1, extension: 'isaacsim.code_editor.python_server', token: 'known' }, ...more } as InstanceSnapshot;
  }
  async function refused(p: Promise<unknown>): Promise<SimPythonError> {
    const err = await p.then(
      () => assert.fail('the run was sent'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SimPythonError, String(err));
    return err;
  }
  const local = { isLocal: true, address: 'unix:///var/run/docker.sock' };

  test('no server, no engine, a remote engine, a missing token, not ready: each refused with its fix', async () => {
    const none = await refused(runCodeIn({ snapshot: snapshot({ codeServer: { kind: 'none', reason: 'No Python code server is known for a custom image: set isaacSim.version.' } }), engine: local, token: undefined }, 'print(1)'));
    assert.equal(none.reason, 'no-server');
    assert.match(none.message, /^instance-0 has no Python code server\. No Python code server is known/);
    const offline = await refused(runCodeIn({ snapshot: snapshot({}), engine: undefined, token: TOKEN }, 'print(1)'));
    assert.equal(offline.reason, 'not-ready');
    assert.match(offline.message, /not connected.*Refresh/);
    const remote = await refused(runCodeIn({ snapshot: snapshot({}), engine: { isLocal: false, address: 'ssh://sim@gpu-box' }, token: TOKEN }, 'print(1)'));
    assert.equal(remote.reason, 'remote');
    assert.match(remote.message, /engine at ssh:\/\/sim@gpu-box.*127\.0\.0\.1:1 of that machine only.*Remote - SSH/);
    const missing = await refused(runCodeIn({ snapshot: snapshot({ codeServer: { kind: 'enabled', port: 1, extension: 'isaacsim.code_editor.python_server', token: 'missing' } }), engine: local, token: undefined }, 'print(1)'));
    assert.equal(missing.reason, 'auth');
    assert.equal(missing.setting, 'isaacSim.pythonServerToken');
    assert.match(missing.message, /has not printed one yet/);
    const stopped = await refused(runCodeIn({ snapshot: snapshot({ state: { kind: 'stopped', since: 1 }, codeServer: { kind: 'enabled', port: 1, extension: 'isaacsim.code_editor.python_server', token: 'missing' } }), engine: local, token: undefined }, 'print(1)'));
    assert.equal(stopped.reason, 'not-ready', 'a stopped instance is refused for being stopped, not for its token');
    assert.match(stopped.message, /is stopped, not ready.*Start it/);
  });
});
