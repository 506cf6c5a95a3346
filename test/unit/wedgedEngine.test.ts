/**
 * A "daemon" that accepts connections and never answers (a wedged dockerd, or a socket held by
 * something else): the connect check must give up with a clear error, and the manager must go on
 * retrying rather than wait forever. A plain unix socket server stands in for the wedged daemon.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DockerEngine } from '../../src/docker/engine';
import { EngineError } from '../../src/docker/errors';
import { InstanceManager } from '../../src/instances/manager';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wedged-'));
const socket = path.join(dir, 'docker.sock');
const held: net.Socket[] = [];
let accepted = 0;
const server = net.createServer((conn) => {
  accepted++;
  held.push(conn); // read nothing back, answer nothing
});

before(() => new Promise<void>((resolve) => server.listen(socket, resolve)));
after(() => {
  for (const c of held) c.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('version() gives up on a silent engine with an error that names it and says what to do', async () => {
  const engine = new DockerEngine({ dockerHost: `unix://${socket}` });
  const err = await engine.version(300).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof EngineError, String(err));
  assert.equal(err.unreachable, true);
  // The address names where it came from (endpoint.ts).
  assert.match(err.message, new RegExp(`at unix://${socket.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(from setting isaacSim\\.dockerHost\\) accepted the connection but did not answer within 300 ms`));
  assert.match(err.message, /docker info/);
  assert.ok(accepted >= 1, 'the request really reached the silent server');
});

test('the manager marks a silent engine unreachable and schedules another attempt', async () => {
  const logs: string[] = [];
  const manager = new InstanceManager({
    engineFor: (host) => {
      const engine = new DockerEngine({ dockerHost: host });
      const version = engine.version.bind(engine);
      engine.version = () => version(300);
      return engine;
    },
    log: { debug: (m) => logs.push(`debug ${m}`), info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`), error: (m) => logs.push(`error ${m}`) },
  });
  try {
    manager.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS, dockerHost: `unix://${socket}` } });
    const before = accepted;
    await assert.rejects(manager.connect(), EngineError);
    assert.equal(manager.engineStatus.kind, 'unreachable');
    // The backoff's first retry comes after 250 ms and reaches the server again.
    const deadline = Date.now() + 5000;
    while (accepted < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(accepted >= before + 2, `expected a retry, saw ${accepted - before} connection(s)`);
    assert.equal(logs.filter((l) => l.startsWith('warn')).length, 1, logs.join('\n'));
  } finally {
    manager.dispose();
  }
});
