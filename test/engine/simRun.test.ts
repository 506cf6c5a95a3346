// "Run in Sim" through the extension's own InstanceManager on the real engine: instances started by
// the manager enable their version's code server on pythonServerPortBase + N, the 6.x token is read
// from the log and masked before any line is shown, and runCode reaches the right instance.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { docker, newManager, removeContainers, removeInstanceVolumes, standinSettings, waitFor } from './helpers';
import { isCancelled } from '../../src/instances/errors';
import type { InstanceManager } from '../../src/instances/manager';
import type { DockerEngine } from '../../src/docker/engine';
import { SimPythonError } from '../../src/instances/simPython';
import { tokenFromLogLine } from '../../src/instances/simPythonProtocol';

const BASES = { httpPortBase: 23011, signalPortBase: 23100, streamPortBase: 23200, webViewerPortBase: 23300, pythonServerPortBase: 23400 };
const NAMES = ['isaac-sim-instance-0', 'isaac-sim-instance-1'];
const managers: InstanceManager<DockerEngine>[] = [];

before(async () => {
  await removeContainers(...NAMES);
});
// Each test starts from no containers: a manager of other settings would adopt the last test's.
beforeEach(async () => {
  for (const m of managers.splice(0)) m.dispose();
  await removeContainers(...NAMES);
});
after(async () => {
  for (const m of managers) m.dispose();
  await removeContainers(...NAMES);
  await removeInstanceVolumes([0, 1], ['6.x']);
});

function manager(image: string, more: Record<string, unknown> = {}) {
  const made = newManager(standinSettings({ image, instanceCount: 2, ...BASES, ...more }));
  managers.push(made.manager);
  const shown: string[] = [];
  made.manager.onDidAppendLog((e) => shown.push(...e.lines));
  return { m: made.manager, shown };
}

async function refusal(p: Promise<unknown>): Promise<SimPythonError> {
  const err = await p.then(
    () => assert.fail('the run went through'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SimPythonError, String(err));
  return err;
}

test('6.x: the token comes from the log, never shows, and runs reach instance 0; a stopped one is refused', { timeout: 120_000 }, async () => {
  const { m, shown } = manager('isaac-sim-standin:6.0.1');
  await m.connect();
  await m.start(0);
  await waitFor('instance-0 ready', () => m.get(0)?.state.kind === 'ready', 60_000);
  const code = await waitFor('the token known', () => {
    const c = m.get(0)?.codeServer;
    return c?.kind === 'enabled' && c.token === 'known' ? c : undefined;
  });
  assert.deepEqual(code, { kind: 'enabled', port: 23400, extension: 'isaacsim.code_editor.python_server', token: 'known' });
  // What the engine has, read by the CLI: the token the server printed.
  const token = (await docker('logs', NAMES[0])).split('\n').map(tokenFromLogLine).find((t) => t !== undefined);
  assert.match(token ?? '', /^[A-Za-z0-9_-]{43}$/);
  await waitFor('the token line in the channel', () => shown.some((l) => l.includes('Python server authentication token: ***')));
  assert.ok(!shown.some((l) => l.includes(token!)), 'no shown line carries the token');
  const tail = await m.logTail(0, 500);
  assert.ok(tail.some((l) => l.includes('Python server authentication token: ***')) && !tail.some((l) => l.includes(token!)), 'logTail masks it too');
  assert.equal((await m.logTail(0, 3)).length, 3);

  const ok = await m.runCode(0, 'print("hello from instance-0")');
  assert.deepEqual({ ok: ok.ok, output: ok.output }, { ok: true, output: 'hello from instance-0' });
  const bad = await m.runCode(0, 'print("a")\nraise RuntimeError("at line 2")\n', { origin: { file: '/ws/scene.py', firstLine: 10 } });
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.error?.location?.source, { file: '/ws/scene.py', line: 11 });

  const ac = new AbortController();
  const slow = m.runCode(0, 'import time\ntime.sleep(60)\n', { signal: ac.signal });
  await waitFor('the script sleeping', async () => (await docker('top', NAMES[0], '-o', 'pid,args')).includes('sleep 60'), 20_000);
  ac.abort();
  await assert.rejects(slow, (err: unknown) => isCancelled(err));

  // Instance 1 was never started: refused as not ready, before anything is sent.
  const never = await refusal(m.runCode(1, 'print(1)'));
  assert.equal(never.reason, 'not-ready');
  await m.stop(0);
  await waitFor('instance-0 stopped', () => m.get(0)?.state.kind === 'stopped');
  const stopped = await refusal(m.runCode(0, 'print(1)'));
  assert.equal(stopped.reason, 'not-ready');
  assert.match(stopped.message, /instance-0 is stopped, not ready.*Start it/);
  await assert.rejects(m.logTail(1, 5), /instance-1 has no container.*start it first/);
});

test('6.x: isaacSim.pythonServerToken is what the instance is started with, and a new token recreates it', { timeout: 120_000 }, async () => {
  const { m, shown } = manager('isaac-sim-standin:6.0.1', { pythonServerToken: 'my-own-token-0123456789' });
  await m.connect();
  await m.start(0);
  await waitFor('instance-0 ready', () => m.get(0)?.state.kind === 'ready', 60_000);
  const inspect = JSON.parse(await docker('inspect', NAMES[0]))[0];
  assert.ok((inspect.Args as string[]).includes('--/exts/isaacsim.code_editor.python_server/auth_token=my-own-token-0123456789'));
  assert.equal((await m.runCode(0, 'print("with my token")')).output, 'with my token');
  assert.ok(!shown.some((l) => l.includes('my-own-token-0123456789')), 'the setting\'s token is masked too');
  await m.stop(0);
});

test('4.2: no token; its code server port is checked before create like the others', { timeout: 120_000 }, async () => {
  const { m } = manager('isaac-sim-standin:4.2.0');
  await m.connect();
  // Another program holds instance 1's code server port.
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(23401, '127.0.0.1', r));
  try {
    await assert.rejects(m.start(1), (err: Error) => /23401/.test(err.message) && /pythonServerPortBase/.test(err.message));
    assert.equal((await docker('ps', '-a', '--filter', `name=^${NAMES[1]}$`, '--format', '{{.Names}}')).trim(), '', 'nothing was created');
  } finally {
    holder.close();
  }
  await m.start(0);
  await waitFor('instance-0 ready', () => m.get(0)?.state.kind === 'ready', 60_000);
  assert.deepEqual(m.get(0)?.codeServer, { kind: 'enabled', port: 23400, extension: 'omni.isaac.vscode', token: 'not-needed' });
  const r = await m.runCode(0, 'print("four-two")\nprint("two lines")');
  assert.equal(r.output, 'four-two\ntwo lines');
});
