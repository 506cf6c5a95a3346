/**
 * isaacSim.dockerHost changed (or Retry pressed) while a connect to the old host is still waiting:
 * the old attempt must not install its engine, its event stream or its status. Scripted fake
 * engines control when each host answers; this is ordering logic, the real engine is covered in
 * test/engine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeEngine } from './fakeEngine';
import { InstanceManager } from '../../src/instances/manager';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';

interface Fake {
  host: string;
  answer: (version: string) => void;
  fail: (err: Error) => void;
  streams: number;
  closed: number;
  lists: number;
}

function fakes() {
  const made: Fake[] = [];
  const engineFor = (host: string): FakeEngine => {
    let answer!: (v: string) => void;
    let fail!: (e: Error) => void;
    const version = new Promise<string>((resolve, reject) => {
      answer = resolve;
      fail = reject;
    });
    const fake: Fake = { host, answer: (v) => answer(v), fail: (e) => fail(e), streams: 0, closed: 0, lists: 0 };
    made.push(fake);
    return new FakeEngine(
      {
        version: async () => ({ version: await version }),
        streamEvents: async () => {
          fake.streams++;
          return { close: () => void fake.closed++ };
        },
        listByLabel: async () => {
          fake.lists++;
          return [];
        },
      },
      { address: host },
    );
  };
  return { made, engineFor };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

test('a connect to the old host that answers after the host changed is dropped; the new host is the connection', async () => {
  const { made, engineFor } = fakes();
  const manager = new InstanceManager({ engineFor, log: quiet });
  try {
    manager.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS, dockerHost: 'unix:///old.sock' } });
    const first = manager.connect();
    await settle();
    assert.equal(made.length, 1);
    manager.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS, dockerHost: 'unix:///new.sock' } });
    await settle();
    assert.equal(made.length, 2, 'a new engine client for the new host');
    const [oldHost, newHost] = made;
    oldHost.answer('old-version'); // the old host answers late
    await settle();
    assert.equal(manager.engineStatus.kind, 'connecting', 'the old host did not become the connection');
    assert.equal(oldHost.streams, 0, 'no event stream was opened on the old host');
    newHost.answer('new-version');
    await first; // the first caller ends up with the current connection
    assert.deepEqual(manager.engineStatus, { kind: 'connected', version: 'new-version' });
    assert.equal(manager.currentEngine?.address, 'unix:///new.sock');
    assert.equal(newHost.streams, 1);
    assert.equal(newHost.lists, 1, 'the new host was resynced');
  } finally {
    manager.dispose();
  }
});

test('an old attempt that fails after the host changed does not mark the new host unreachable', async () => {
  const { made, engineFor } = fakes();
  const manager = new InstanceManager({ engineFor, log: quiet });
  try {
    manager.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS, dockerHost: 'tcp://127.0.0.9:1' } });
    const first = manager.connect().catch((e: unknown) => e);
    await settle();
    manager.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS, dockerHost: 'unix:///new.sock' } });
    await settle();
    made[0].fail(new Error('connect ETIMEDOUT 127.0.0.9:1'));
    await settle();
    assert.notEqual(manager.engineStatus.kind, 'unreachable');
    made[1].answer('27.0');
    assert.equal(await first, undefined, 'the first caller got the new connection, not the old error');
    assert.equal(manager.engineStatus.kind, 'connected');
  } finally {
    manager.dispose();
  }
});

test('an event stream opened by an attempt that became stale is closed at once', async () => {
  const { made, engineFor } = fakes();
  const manager = new InstanceManager({ engineFor, log: quiet });
  try {
    manager.updateSettings({ ok: true, settings: { ...DEFAULT_SETTINGS, dockerHost: 'unix:///a.sock' } });
    const first = manager.connect();
    await settle();
    made[0].answer('1');
    await settle();
    assert.equal(manager.engineStatus.kind, 'connected');
    // Retry while connected: the old stream is closed, a new engine client connects.
    const again = manager.reconnect();
    await settle();
    assert.equal(made[0].closed, 1, 'the old event stream was closed');
    made[1].answer('2');
    await Promise.all([first, again]);
    assert.deepEqual(manager.engineStatus, { kind: 'connected', version: '2' });
  } finally {
    manager.dispose();
  }
});
