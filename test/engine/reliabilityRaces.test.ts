/**
 * Reliability against a real engine and the stand-in, part 2: races between our own commands (the
 * manager's view must equal `docker inspect` afterwards, with no orphan and no unhandled rejection).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCancelled } from '../../src/instances/errors';
import type { Manager } from '../../src/instances/manager';
import { dockerInspect, waitFor } from './helpers';
import { allInstanceContainers, assertViewIsReality, name, ownedContainerNames, reliabilityHooks, session, settingsFor, startReady } from './reliabilitySetup';

reliabilityHooks();

/** Each command either succeeded or failed with an Error that names the instance and reads as a sentence. */
function assertClearOutcomes(results: PromiseSettledResult<unknown>[], commands: string[]): void {
  results.forEach((r, k) => {
    if (r.status === 'fulfilled') return;
    const e = r.reason as unknown;
    assert.ok(e instanceof Error, `${commands[k]} rejected with a non-Error: ${String(e)}`);
    assert.match(e.message, /instance-\d|[0-9a-f]{12}/, `${commands[k]}: the error names the instance or its container: ${e.message}`);
    assert.doesNotMatch(e.message, /undefined|\[object Object\]|HTTP code \d+/, `${commands[k]}: a clear message: ${e.message}`);
  });
}

function describeOutcomes(results: PromiseSettledResult<unknown>[], commands: string[]): string {
  return results.map((r, k) => `${commands[k]}: ${r.status === 'fulfilled' ? 'ok' : (r.reason as Error).message}`).join('; ');
}

// ---- 3. races between our own commands -----------------------------------------------------------

describe('races: concurrent commands end consistent, with no orphan and no unhandled rejection', () => {
  async function fire(manager: Manager, commands: string[], index = 0): Promise<PromiseSettledResult<unknown>[]> {
    const calls = commands.map((c) => {
      switch (c) {
        case 'start':
          return manager.start(index);
        case 'stop':
          return manager.stop(index);
        case 'restart':
          return manager.restart(index);
        case 'remove':
          return manager.remove(index);
        case 'startAll':
          return manager.startAll();
        case 'stopAll':
          return manager.stopAll();
        case 'removeAll':
          return manager.removeAll();
        default:
          throw new Error(`unknown command ${c}`);
      }
    });
    const results = await Promise.allSettled(calls);
    assertClearOutcomes(results, commands);
    return results;
  }

  /**
   * Every command succeeded, except starts that a later Stop, Remove or Restart aborted: those reject
   * as cancelled (errors.ts kind), and only those.
   */
  function assertAllSucceeded(results: PromiseSettledResult<unknown>[], commands: string[]): void {
    results.forEach((r, k) => {
      if (r.status === 'fulfilled') return;
      const aborters = commands.slice(k + 1).filter((c) => ['stop', 'remove', 'restart', 'stopAll', 'removeAll'].includes(c));
      assert.ok(
        (commands[k] === 'start' || commands[k] === 'restart') && isCancelled(r.reason) && aborters.length > 0,
        `every command succeeded or was a start cancelled by a later stop/remove/restart: ${describeOutcomes(results, commands)}`,
      );
    });
  }

  test('Start All twice at once creates each container once', async () => {
    const manager = session(settingsFor({ instanceCount: 3 }));
    const commands = ['startAll', 'startAll'];
    const results = await fire(manager, commands);
    assertAllSucceeded(results, commands);
    assert.deepEqual(await ownedContainerNames(), [name(0), name(1), name(2)]);
    assert.deepEqual(await allInstanceContainers(), [name(0), name(1), name(2)]);
    await assertViewIsReality(manager, [0, 1, 2]);
  });

  test('Start All in two sessions at once creates each container once', async () => {
    const settings = settingsFor({ instanceCount: 2 });
    const a = session(settings);
    const b = session(settings);
    const results = await Promise.allSettled([a.startAll(), b.startAll()]);
    assertClearOutcomes(results, ['a.startAll', 'b.startAll']);
    assert.deepEqual(await ownedContainerNames(), [name(0), name(1)]);
    for (const i of [0, 1]) assert.equal((await dockerInspect(name(i)))?.State.Running, true, `${name(i)} runs`);
    assertAllSucceeded(results, ['a.startAll', 'b.startAll']);
    await assertViewIsReality(a, [0, 1]);
    await assertViewIsReality(b, [0, 1]);
  });

  test('Remove All in two sessions at once: nothing left, no error', async () => {
    const settings = settingsFor({ instanceCount: 2 });
    const a = session(settings);
    const b = session(settings);
    await a.startAll();
    await b.connect();
    const results = await Promise.allSettled([a.removeAll(), b.removeAll()]);
    assertClearOutcomes(results, ['a.removeAll', 'b.removeAll']);
    assertAllSucceeded(results, ['a.removeAll', 'b.removeAll']);
    assert.deepEqual(await allInstanceContainers(), []);
    await waitFor('both sessions show none', () => [a, b].every((m) => m.list().every((s) => !s.exists)), 2_000);
    await assertViewIsReality(a, [0, 1]);
    await assertViewIsReality(b, [0, 1]);
  });

  test('stop during start: the start is cancelled before it creates anything, or completes and is stopped', async () => {
    const manager = session(settingsFor());
    const commands = ['start', 'stop'];
    const results = await fire(manager, commands);
    assertAllSucceeded(results, commands);
    const c = await dockerInspect(name(0));
    if (results[0].status === 'rejected') assert.equal(c, undefined, 'a cancelled start left no container');
    else assert.equal(c?.State.Running, false, 'a completed start was stopped');
    assert.equal(manager.get(0)?.state.kind, 'stopped');
    await assertViewIsReality(manager, [0]);
  });

  test('stop while the simulator is still loading: stopped', async () => {
    const manager = session(settingsFor({ env: { STANDIN_STEP_SECONDS: '0.3' } }));
    await manager.start(0);
    assert.equal(manager.get(0)?.state.kind, 'loading');
    await manager.stop(0);
    assert.equal(manager.get(0)?.state.kind, 'stopped');
    await assertViewIsReality(manager, [0]);
  });

  test('remove during start: nothing left', async () => {
    const manager = session(settingsFor());
    const commands = ['start', 'remove'];
    assertAllSucceeded(await fire(manager, commands), commands);
    assert.deepEqual(await allInstanceContainers(), []);
    await assertViewIsReality(manager, [0]);
  });

  test('restart during stop: running again', async () => {
    const manager = session(settingsFor());
    await startReady(manager);
    const before = await dockerInspect(name(0));
    const commands = ['stop', 'restart'];
    assertAllSucceeded(await fire(manager, commands), commands);
    const c = await dockerInspect(name(0));
    assert.equal(c?.State.Running, true);
    assert.equal(c?.Id, before?.Id, 'the same container');
    assert.notEqual(c?.State.StartedAt, before?.State.StartedAt, 'a new run');
    await assertViewIsReality(manager, [0]);
    await waitFor('ready again', () => manager.get(0)?.state.kind === 'ready', 30_000);
  });

  test('restart during remove: the restart starts a new container', async () => {
    const manager = session(settingsFor());
    await startReady(manager);
    const before = await dockerInspect(name(0));
    const commands = ['remove', 'restart'];
    const results = await fire(manager, commands);
    assertAllSucceeded(results, commands);
    const c = await dockerInspect(name(0));
    assert.equal(c?.State.Running, true);
    assert.notEqual(c?.Id, before?.Id);
    assert.deepEqual(await ownedContainerNames(), [name(0)]);
    await assertViewIsReality(manager, [0]);
  });

  test('restart of an adopted container in a fresh session restarts it', async () => {
    const settings = settingsFor();
    const first = session(settings);
    await startReady(first);
    const before = await dockerInspect(name(0));
    first.dispose();
    const second = session(settings);
    await second.restart(0); // the first command of the session: nothing is known yet
    const c = await dockerInspect(name(0));
    assert.equal(c?.Id, before?.Id);
    assert.notEqual(c?.State.StartedAt, before?.State.StartedAt, 'it was restarted, not left as it was');
    await assertViewIsReality(second, [0]);
  });

  test('Start + Remove + Start: one new running container', async () => {
    const manager = session(settingsFor());
    const commands = ['start', 'remove', 'start'];
    assertAllSucceeded(await fire(manager, commands), commands);
    assert.deepEqual(await allInstanceContainers(), [name(0)]);
    assert.equal((await dockerInspect(name(0)))?.State.Running, true);
    await assertViewIsReality(manager, [0]);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready', 30_000);
    await assertViewIsReality(manager, [0]);
  });

  test('Remove + Start + Remove on a running instance: nothing left', async () => {
    const manager = session(settingsFor());
    await startReady(manager);
    const commands = ['remove', 'start', 'remove'];
    assertAllSucceeded(await fire(manager, commands), commands);
    assert.deepEqual(await allInstanceContainers(), []);
    await assertViewIsReality(manager, [0]);
  });

  test('Remove + Start fired the moment the first start has created its container (before it runs)', async () => {
    const manager = session(settingsFor());
    const later: Array<Promise<PromiseSettledResult<unknown>[]>> = [];
    let armed = true;
    const sub = manager.onDidChange(() => {
      const s = manager.get(0);
      if (armed && s?.exists && s.startedAt === undefined) {
        armed = false; // firing commands changes the view again, synchronously
        later.push(fire(manager, ['remove', 'start']));
      }
    });
    const first = await Promise.allSettled([manager.start(0)]);
    sub.dispose();
    assert.equal(later.length, 1, 'the second pair was fired while the first start was in progress');
    const results = [...first, ...(await later[0])];
    assertAllSucceeded(results, ['start', 'remove', 'start']);
    assert.deepEqual(await allInstanceContainers(), [name(0)]);
    assert.equal((await dockerInspect(name(0)))?.State.Running, true);
    await assertViewIsReality(manager, [0]);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready', 30_000);
    await assertViewIsReality(manager, [0]);
  });

  test('Remove + Start fired from the engine\'s start event (while loading)', async () => {
    const manager = session(settingsFor({ env: { STANDIN_STEP_SECONDS: '0.2' } }));
    let fired: Promise<PromiseSettledResult<unknown>[]> | undefined;
    let armed = true;
    const sub = manager.onDidChange(() => {
      if (armed && manager.get(0)?.state.kind === 'loading') {
        armed = false;
        fired = fire(manager, ['remove', 'start', 'stop', 'start']);
      }
    });
    await manager.start(0);
    await waitFor('the loading state fired the others', () => fired);
    sub.dispose();
    assertAllSucceeded(await fired!, ['remove', 'start', 'stop', 'start']);
    assert.deepEqual(await allInstanceContainers(), [name(0)]);
    assert.equal((await dockerInspect(name(0)))?.State.Running, true);
    await assertViewIsReality(manager, [0]);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready', 30_000);
    await assertViewIsReality(manager, [0]);
  });

  test('Start All + Remove All at once: nothing left (Remove All covers starts in flight)', async () => {
    const manager = session(settingsFor({ instanceCount: 2 }));
    const commands = ['startAll', 'removeAll'];
    assertAllSucceeded(await fire(manager, commands), commands);
    assert.deepEqual(await allInstanceContainers(), []);
    await assertViewIsReality(manager, [0, 1]);
  });

  test('Start All + Stop All at once: nothing runs, nothing half-made', async () => {
    const manager = session(settingsFor({ instanceCount: 2 }));
    const commands = ['startAll', 'stopAll'];
    assertAllSucceeded(await fire(manager, commands), commands);
    // Each start was cancelled before it created its container, or completed and was stopped.
    for (const n of await ownedContainerNames()) assert.equal((await dockerInspect(n))?.State.Running, false, `${n} stopped`);
    await assertViewIsReality(manager, [0, 1]);
  });

  test('many concurrent commands on one instance run in order and end as the last one says', async () => {
    const manager = session(settingsFor());
    const commands = ['start', 'stop', 'restart', 'start', 'remove', 'start', 'restart', 'stop', 'start', 'remove', 'restart', 'start', 'stop', 'restart', 'start'];
    const ids = new Set<string>();
    const sub = manager.onDidChange(() => {
      const id = manager.get(0)?.containerId;
      if (id) ids.add(id);
    });
    const results = await fire(manager, commands);
    sub.dispose();
    assertAllSucceeded(results, commands);
    // Sequentially: the last command is a start (after a restart): running.
    assert.deepEqual(await allInstanceContainers(), [name(0)]);
    assert.equal((await dockerInspect(name(0)))?.State.Running, true);
    // Two removes in the sequence: at most three containers in turn (starts that a later command
    // cancelled created none), never two at once (checked by name).
    assert.ok(ids.size >= 1 && ids.size <= 3, `one to three containers in turn (${[...ids].map((i) => i.slice(0, 12)).join(', ')})`);
    await assertViewIsReality(manager, [0]);
    await waitFor('ready', () => manager.get(0)?.state.kind === 'ready', 30_000);
    await assertViewIsReality(manager, [0]); // late events of the earlier containers changed nothing
  });

  test('many concurrent commands ending in remove: nothing left', async () => {
    const manager = session(settingsFor());
    const commands = ['restart', 'start', 'stop', 'start', 'restart', 'remove', 'restart', 'stop', 'remove'];
    assertAllSucceeded(await fire(manager, commands), commands);
    assert.deepEqual(await allInstanceContainers(), []);
    await assertViewIsReality(manager, [0]);
  });
});
