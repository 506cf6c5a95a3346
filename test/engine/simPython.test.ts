// "Run in Sim" end to end on the engine: stand-in instances (4.2.0, 5.1.0, 6.0.1) started with the
// Kit arguments that enable their version's Python code server (simPythonProtocol.ts), and the client
// (simPython.ts) talking to them over loopback. The stand-in's server is a protocol stand-in
// (stand-in/python-server.sh, python-handler.sh), not Python: see stand-in/README.md.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { dockerOk, dockerRun } from './exec';
import { waitFor } from './helpers';
import { Redactor } from '../../src/instances/redact';
import { SimPythonError, runInSim, type SimTarget } from '../../src/instances/simPython';
import { PYTHON_SERVER_PORT_BASE, pythonServerArgs, tokenFromLogLine } from '../../src/instances/simPythonProtocol';
import type { VersionId } from '../../src/instances/versions';
import { isCancelled } from '../../src/instances/errors';

const TEST_LABEL = 'dev.isaac-sim-orchestrator.test=1';
const IMAGES: Record<'4.2' | '4.5-5.x' | '6.x', string> = { '4.2': 'isaac-sim-standin:4.2.0', '4.5-5.x': 'isaac-sim-standin:5.1.0', '6.x': 'isaac-sim-standin:6.0.1' };
const READY = /App is loaded\.$/m;
const containers = new Set<string>();
let seq = 0;

after(async () => {
  for (const c of containers) await dockerRun('rm', '-f', c);
});

/** The version's own port arguments, moved per instance so that several run side by side. */
function portArgs(version: VersionId, n: number): string[] {
  const http = `--/exts/omni.services.transport.server.http/port=${8400 + n}`;
  if (version === '6.x') return [http, `--/exts/omni.kit.livestream.app/primaryStream/signalPort=${49300 + n}`];
  return [http, `--/app/livestream/port=${49300 + n}`];
}

interface Started { name: string; port: number; logs: () => Promise<string> }

/** Starts a stand-in instance N with (or without) the code server and waits for its readiness line. */
async function startInstance(version: '4.2' | '4.5-5.x' | '6.x', opts: { server?: boolean; token?: string } = {}): Promise<Started> {
  const n = ++seq;
  const port = PYTHON_SERVER_PORT_BASE + n;
  const name = `simpython-test-${process.pid}-${n}`;
  containers.add(name);
  const server = opts.server === false ? [] : (pythonServerArgs(version, { port, ...(opts.token ? { token: opts.token } : {}) }) ?? []);
  await dockerOk('run', '-d', '--name', name, '--label', TEST_LABEL, '--network', 'host', '-e', 'ACCEPT_EULA=Y', '-e', 'STANDIN_STEP_SECONDS=0.02', '-e', 'STANDIN_SHADER_STEPS=0', IMAGES[version], ...portArgs(version, n), ...server);
  const logs = async () => {
    const r = await dockerRun('logs', name);
    return r.stdout + r.stderr;
  };
  await waitFor(`${name} ready`, async () => READY.test(await logs()), 30_000);
  return { name, port, logs };
}

function target(version: VersionId, s: Started, token?: string): SimTarget {
  return { version, host: '127.0.0.1', port: s.port, label: s.name, state: 'ready', ...(token ? { token } : {}) };
}

async function rejection(p: Promise<unknown>): Promise<SimPythonError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SimPythonError, `expected a SimPythonError, got ${String(err)}`);
    return err;
  }
  assert.fail('the run succeeded, but it should have failed');
}

const RAISING = 'print("before")\n\nraise ValueError("boom at line 3")\n';

test('6.x: the token is read from the log, masked, and a run returns its output', async () => {
  const s = await startInstance('6.x');
  const redactor = new Redactor();
  const lines = (await s.logs()).split('\n');
  const token = lines.map(tokenFromLogLine).find((t) => t !== undefined);
  assert.ok(token, 'a "Python server authentication token:" line in the log');
  redactor.addSecret(token);
  assert.match(token ?? '', /^[A-Za-z0-9_-]{43}$/, 'secrets.token_urlsafe(32) shape');
  const masked = redactor.redact(lines.join('\n'));
  assert.ok(!masked.includes(token!), 'the token is masked in the log');
  assert.ok(redactor.redact(`connect with ${token} now`).includes('connect with *** now'), 'masked anywhere, not only after "token:"');

  const r = await runInSim(target('6.x', s, token), 'print("hello from the sim")');
  assert.deepEqual({ ok: r.ok, output: r.output, hasResult: r.hasResult, result: r.result }, { ok: true, output: 'hello from the sim', hasResult: true, result: null });
});

test('6.x: a raising script returns its traceback, linked to the line in the file', async () => {
  const s = await startInstance('6.x', { token: 'fixed-token-for-test' });
  const r = await runInSim(target('6.x', s, 'fixed-token-for-test'), RAISING, { origin: { file: '/work/scene.py', firstLine: 20 } });
  assert.equal(r.ok, false);
  assert.equal(r.output, 'before');
  assert.equal(r.error?.ename, 'ValueError');
  assert.equal(r.error?.evalue, 'boom at line 3');
  assert.match(r.error?.traceback ?? '', /File "<string>", line 3, in <module>/);
  assert.deepEqual(r.error?.location?.source, { file: '/work/scene.py', line: 22 });
});

test('6.x: a wrong token, and no token, are refused with a message that names the fix', async () => {
  const s = await startInstance('6.x', { token: 'the-right-token' });
  const wrong = await rejection(runInSim(target('6.x', s, 'a-wrong-token'), 'print("x")'));
  assert.equal(wrong.reason, 'auth');
  assert.equal(wrong.setting, 'isaacSim.pythonServerToken');
  assert.match(wrong.message, /refused the token.*Python server authentication token/);
  const none = await rejection(runInSim(target('6.x', s), 'print("x")'));
  assert.equal(none.reason, 'auth');
  assert.match(none.message, /requires a token/);
});

for (const version of ['4.5-5.x', '4.2'] as const) {
  test(`${version}: output and a traceback without any token`, async () => {
    const s = await startInstance(version);
    const ok = await runInSim(target(version, s), 'print("one")\nprint("two")\n');
    assert.deepEqual({ ok: ok.ok, output: ok.output, hasResult: ok.hasResult }, { ok: true, output: 'one\ntwo', hasResult: false });
    const bad = await runInSim(target(version, s), RAISING, { origin: { file: 'a.py', firstLine: 1 } });
    assert.equal(bad.error?.ename, 'ValueError');
    assert.deepEqual(bad.error?.location?.source, { file: 'a.py', line: 3 });
  });
}

test('a stopped instance, and one started without the code server, are refused clearly', async () => {
  const s = await startInstance('4.5-5.x');
  assert.equal((await runInSim(target('4.5-5.x', s), 'print("up")')).output, 'up');
  await dockerOk('stop', '-t', '2', s.name);
  const stopped = await rejection(runInSim(target('4.5-5.x', s), 'print("x")'));
  assert.equal(stopped.reason, 'refused');
  assert.equal(stopped.kind, 'unreachable');
  assert.match(stopped.message, new RegExp(`Nothing listens on 127\\.0\\.0\\.1:${s.port}.*stopped or not yet ready`));

  const plain = await startInstance('6.x', { server: false });
  assert.ok(!/Python server authentication token|Serving at/.test(await plain.logs()), 'no server lines without --enable');
  const off = await rejection(runInSim(target('6.x', plain), 'print("x")'));
  assert.equal(off.reason, 'refused');
});

test('a version without a known code server says so', async () => {
  const err = await rejection(runInSim({ version: 'custom', host: '127.0.0.1', port: PYTHON_SERVER_PORT_BASE, label: 'instance-9' }, 'print(1)'));
  assert.equal(err.reason, 'no-server');
  assert.equal(err.setting, 'isaacSim.version');
  assert.equal(pythonServerArgs('custom', { port: 1 }), undefined);
});

// Only the client side: real Kit runs sync code on its event loop, so it would finish the sleep before
// serving anything else; the stand-in forks per connection, so that is not asserted here.
test('a slow run is cancelled: the run rejects as cancelled while the script still sleeps', async () => {
  const s = await startInstance('6.x', { token: 'cancel-token' });
  const t = target('6.x', s, 'cancel-token');
  const ac = new AbortController();
  const run = runInSim(t, 'import time\nprint("start")\ntime.sleep(120)\nprint("never")\n', { signal: ac.signal });
  // The server has the request once the handler sleeps: then cancel.
  await waitFor('the slow script sleeping', async () => (await dockerRun('top', s.name, '-o', 'pid,args')).stdout.split('\n').some((l) => /\bsleep 120\b/.test(l)), 20_000);
  ac.abort();
  await assert.rejects(run, (err: unknown) => isCancelled(err) && /cancelled/.test(String((err as Error).message)));
  assert.ok((await dockerRun('top', s.name, '-o', 'pid,args')).stdout.includes('sleep 120'), 'the script was still running when the run was cancelled');
});
