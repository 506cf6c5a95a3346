/**
 * Reliability against a real engine and the stand-in: changes made outside the extension (docker
 * kill / stop / rm -f and an OOM kill, each seen with the right reason; how long each took is printed,
 * the time limit is the benchmark's), containers of
 * another session adopted with their logs, races between our own commands (the manager's view must
 * equal `docker inspect` afterwards, with no orphan and no unhandled rejection), and ownership: a
 * foreign container with our name or on our ports is named in the error and left untouched.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { after, afterEach, before, describe, test, type TestContext } from 'node:test';
import { ForeignContainerError, isCancelled } from '../../src/instances/errors';
import type { Manager } from '../../src/instances/manager';
import { OWNER_FILTER } from '../../src/instances/sync';
import { OWNER_LABEL, OWNER_VALUE, type InstanceSnapshot } from '../../src/instances/model';
import type { Settings } from '../../src/instances/settings';
import { docker, dockerInspect, newManager, removeContainers, removeInstanceVolumes, standinSettings, STANDIN_IMAGE, waitFor } from './helpers';

/** This suite's ports: 25211–25299 only (other suites use other ranges). */
const BASES = { httpPortBase: 25211, signalPortBase: 25271, streamPortBase: 25281, webViewerPortBase: 25291 };
const NAMES = ['isaac-sim-instance-0', 'isaac-sim-instance-1', 'isaac-sim-instance-2'];
const FOREIGN = 'isaac-sim-foreign-reliability';
/** 4.2's readiness line as Kit prints it: "[12.832s] Isaac Sim Headless WebRTC App is loaded." */
const READY = /^\[\d+\.\d{3}s\] Isaac Sim Headless WebRTC App is loaded\.$/;
const isReady = (l: string) => READY.test(l);

const name = (i: number) => `isaac-sim-instance-${i}`;

// ---- bookkeeping --------------------------------------------------------------------------------

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

let managers: Manager[] = [];
function session(settings: Settings): Manager {
  const { manager } = newManager(settings);
  managers.push(manager);
  return manager;
}

const latencies: string[] = [];

before(() => removeContainers(...NAMES, FOREIGN));
afterEach(async () => {
  for (const m of managers) m.dispose();
  managers = [];
  await removeContainers(...NAMES, FOREIGN);
  const seen = unhandled.splice(0);
  assert.deepEqual(seen.map(String), [], 'no unhandled rejection');
});
after(async () => {
  await removeContainers(...NAMES, FOREIGN);
  await removeInstanceVolumes([0, 1, 2]);
  if (latencies.length > 0) console.log(`# outside-change latencies (CLI returned → manager.list() changed): ${latencies.join(', ')}`);
});

function settingsFor(overrides: Partial<Settings> = {}): Settings {
  return standinSettings({ instanceCount: 1, ...BASES, ...overrides });
}

/** Resolves with performance.now() at the first change after which `pred` holds for the instance. */
function when(manager: Manager, index: number, what: string, pred: (s: InstanceSnapshot) => boolean, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = manager.list().find((x) => x.index === index);
      if (s && pred(s)) {
        finish();
        resolve(performance.now());
      }
    };
    const sub = manager.onDidChange(check);
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; manager shows ${JSON.stringify(manager.get(index))}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      sub.dispose();
    };
    check();
  });
}

/** Runs a docker CLI command that may exit non-zero; returns its exit code. */
function dockerStatus(...args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('docker', args, { stdio: 'ignore' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', () => resolve(127));
  });
}

/**
 * Another test file may run instances with indexes 20 and up on the same engine at the same time:
 * this suite looks only at the names its own indexes (< 20) and its foreign container can have.
 */
function ofThisSuite(containerName: string): boolean {
  const m = /^isaac-sim-(?:instance|orchestrator-volumes)-(\d+)(?:-[0-9a-f]{8})?$/.exec(containerName);
  return m ? Number(m[1]) < 20 : containerName === FOREIGN;
}

/** `docker logs` of a container, stdout and stderr, as lines (the final newline ends the last line). */
async function dockerBothStreams(containerName: string): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  const [out, err] = await new Promise<[string, string]>((resolve, reject) =>
    execFile('docker', ['logs', containerName], { maxBuffer: 1 << 26 }, (e, stdout, stderr) => (e ? reject(e) : resolve([stdout, stderr]))),
  );
  return [out, err].flatMap((t) => (t === '' ? [] : (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n')));
}

async function ownedContainerNames(): Promise<string[]> {
  const out = await docker('ps', '-a', '--filter', `label=${OWNER_FILTER}`, '--format', '{{.Names}}');
  return out.split('\n').filter(Boolean).filter(ofThisSuite).sort();
}

/** Every container whose name is one this suite's instances could have, whoever made it. */
async function allInstanceContainers(): Promise<string[]> {
  const out = await docker('ps', '-a', '--filter', 'name=isaac-sim-', '--format', '{{.Names}}');
  return out.split('\n').filter(Boolean).filter(ofThisSuite).sort();
}

/** The manager's view of each instance equals what `docker inspect` says, right now. */
async function assertViewIsReality(manager: Manager, indexes: number[]): Promise<void> {
  for (const i of indexes) {
    const c = await dockerInspect(name(i));
    const s = manager.get(i);
    assert.ok(s, `instance-${i} is listed`);
    const view = JSON.stringify({ kind: s.state.kind, reason: s.state.reason, exists: s.exists, id: s.containerId?.slice(0, 12), startedAt: s.startedAt, busy: s.busy });
    const real = c ? `${c.Id.slice(0, 12)} ${c.State.Status} (exit ${c.State.ExitCode}, started ${c.State.StartedAt})` : 'no container';
    const where = `instance-${i}: manager shows ${view}, docker inspect says ${real}`;
    assert.equal(s.busy, false, `${where}: no operation left in flight`);
    if (!c) {
      assert.equal(s.exists, false, where);
      assert.equal(s.containerId, undefined, where);
      assert.equal(s.startedAt, undefined, where);
      assert.ok(['stopped', 'failed'].includes(s.state.kind), where);
      continue;
    }
    assert.equal(c.Config.Labels[OWNER_LABEL], OWNER_VALUE, `${where}: the container is ours`);
    assert.equal(s.exists, true, where);
    assert.equal(s.containerId, c.Id, where);
    if (c.State.Running) {
      assert.ok(['loading', 'ready'].includes(s.state.kind), where);
      assert.equal(s.startedAt, Date.parse(c.State.StartedAt), where);
    } else {
      assert.ok(['stopped', 'failed'].includes(s.state.kind), where);
      assert.equal(s.startedAt, undefined, where);
    }
  }
}

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

async function startReady(manager: Manager, index = 0): Promise<void> {
  await manager.start(index);
  await waitFor(`instance-${index} ready`, () => manager.get(index)?.state.kind === 'ready', 30_000);
}

// ---- 2. changes made outside ----------------------------------------------------------------------

describe('changes made outside show in manager.list(), with the right reason', () => {
  async function measure(t: TestContext, manager: Manager, what: string, pred: (s: InstanceSnapshot) => boolean, cli: () => Promise<unknown>): Promise<number> {
    const seen = when(manager, 0, what, pred);
    const invoked = performance.now();
    await cli();
    const returned = performance.now();
    const changedAt = await seen;
    const latency = changedAt - returned;
    latencies.push(`${what} ${latency.toFixed(0)} ms (${(changedAt - invoked).toFixed(0)} ms from invoking it)`);
    t.diagnostic(`${what}: ${latency.toFixed(1)} ms from the CLI's return to the change (negative: it showed before the CLI returned), ${(changedAt - invoked).toFixed(1)} ms from invoking the CLI`);
    return latency;
  }

  test('docker kill: failed, "killed (SIGKILL, exit 137)"', async (t) => {
    const manager = session(settingsFor());
    const failures: string[] = [];
    manager.onDidFail((f) => failures.push(f.snapshot.state.diagnosisId ?? '?'));
    await startReady(manager);
    await measure(t, manager, 'docker kill', (s) => s.state.kind === 'failed', () => docker('kill', name(0)));
    const s = manager.get(0)!;
    assert.equal(s.state.diagnosisId, 'killed');
    assert.equal(s.state.reason, 'killed (SIGKILL, exit 137)');
    assert.equal(s.state.exitCode, 137);
    assert.equal(s.exists, true);
    assert.equal(s.startedAt, undefined);
    const c = await dockerInspect(name(0));
    assert.equal(c?.State.Status, 'exited');
    assert.equal(c?.State.OOMKilled, false);
    assert.deepEqual(failures, ['killed'], 'announced once');
    await assertViewIsReality(manager, [0]);
  });

  test('docker stop: stopped (not a failure), exit 0', async (t) => {
    const manager = session(settingsFor());
    const failures: string[] = [];
    manager.onDidFail((f) => failures.push(f.snapshot.state.diagnosisId ?? '?'));
    await startReady(manager);
    await measure(t, manager, 'docker stop', (s) => s.state.kind === 'stopped', () => docker('stop', '-t', '10', name(0)));
    const s = manager.get(0)!;
    assert.equal(s.state.reason, undefined);
    assert.equal(s.state.exitCode, 0);
    assert.equal(s.exists, true);
    assert.deepEqual(failures, [], 'a stop is no failure');
    await assertViewIsReality(manager, [0]);
  });

  test('docker rm -f: not created (removed), no container id left', async (t) => {
    const manager = session(settingsFor());
    await startReady(manager);
    await measure(t, manager, 'docker rm -f', (s) => !s.exists && s.state.kind === 'stopped', () => docker('rm', '-f', name(0)));
    const s = manager.get(0)!;
    assert.equal(s.containerId, undefined);
    assert.equal(s.startedAt, undefined);
    assert.equal(await dockerInspect(name(0)), undefined);
    await assertViewIsReality(manager, [0]);
  });

  test('an OOM kill of the running, ready simulator: failed, "out of memory"', async (t) => {
    // From outside, on a ready instance: lower its memory limit with `docker update`, then run
    // processes inside its cgroup (docker exec) that allocate past it. The simulator (the
    // container's PID 1) is made the OOM killer's choice, so the kernel kills it and the engine
    // records OOMKilled, as when Isaac Sim itself outgrows its limit. 16 × 8 MiB held is twice the
    // limit (8 × 8 MiB sat right at it and did not always trigger the killer).
    const manager = session(settingsFor());
    await startReady(manager);
    await docker('update', '--memory', '64m', '--memory-swap', '64m', name(0));
    const allocate = 'echo 1000 > /proc/1/oom_score_adj; for i in $(seq 1 16); do (x=aaaaaaaaaaaaaaaa; while [ ${#x} -lt 8388608 ]; do x="$x$x"; done; sleep 60) & done; wait';
    await measure(t, manager, 'OOM kill', (s) => s.state.kind === 'failed', () => dockerStatus('exec', name(0), 'sh', '-c', allocate));
    const c = await dockerInspect(name(0));
    assert.equal(c?.State.OOMKilled, true, 'the engine saw an OOM kill');
    const s = manager.get(0)!;
    assert.equal(s.state.diagnosisId, 'oom');
    assert.equal(s.state.reason, 'out of memory (OOM killed, exit 137)');
    assert.equal(s.state.exitCode, 137);
    assert.match(s.state.fix ?? '', /isaacSim\.memoryLimitGiB/);
    await assertViewIsReality(manager, [0]);
  });
});

describe('containers of another session are adopted, logs and all', () => {
  test('a running container from an earlier session: adopted, shown ready, its logs followed (new lines too), and ours to stop', async () => {
    const settings = settingsFor({ instanceCount: 2, env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_TICK_SECONDS: '0.2' } });
    const first = session(settings);
    await startReady(first, 0);
    await first.start(1);
    await first.stop(1);
    first.dispose();

    const second = session(settings);
    const lines: string[] = [];
    second.onDidAppendLog((e) => {
      if (e.index === 0) lines.push(...e.lines);
    });
    await second.connect();
    assert.equal(second.get(0)?.exists, true);
    assert.equal(second.get(0)?.containerId, (await dockerInspect(name(0)))?.Id);
    await waitFor('instance-0 ready in the second session', () => second.get(0)?.state.kind === 'ready', 10_000);
    assert.equal(second.get(1)?.state.kind, 'stopped', 'the stopped one is adopted as stopped');
    assert.equal(second.get(1)?.exists, true);
    await waitFor('the earlier lines (from the log tail)', () => lines.some(isReady), 10_000);
    const tick = (l: string) => Number(/\[standin\] tick (\d+)/.exec(l)?.[1] ?? NaN);
    const lastTickNow = Math.max(0, ...(await docker('logs', name(0)).then((o) => o.split('\n').map(tick).filter((n) => !Number.isNaN(n)))));
    await waitFor('new lines written after adoption', () => lines.some((l) => tick(l) >= lastTickNow + 3), 10_000);
    // The license banner prints blank lines (the only lines that repeat): each arrives as often as the engine has it.
    const nonBlank = lines.filter((l) => l !== '');
    assert.equal(new Set(nonBlank).size, nonBlank.length, 'no line delivered twice');
    const engineLines = await dockerBothStreams(name(0));
    assert.equal(lines.length - nonBlank.length, engineLines.filter((l) => l === '').length, 'blank lines as many times as docker logs has them');
    const ticks = lines.map(tick).filter((n) => !Number.isNaN(n));
    assert.deepEqual(ticks, Array.from({ length: ticks.length }, (_, k) => k + 1), 'every tick, in order, none lost');

    await second.stop(0);
    assert.equal((await dockerInspect(name(0)))?.State.Running, false, 'an adopted container is ours to stop');
    await second.remove(1);
    assert.equal(await dockerInspect(name(1)), undefined, 'and ours to remove');
    await assertViewIsReality(second, [0, 1]);
  });

  test('a container another session creates while we are connected appears, and its logs are followed', async () => {
    const settings = settingsFor();
    const watcher = session(settings);
    const lines: string[] = [];
    watcher.onDidAppendLog((e) => lines.push(...e.lines));
    await watcher.connect();
    assert.equal(watcher.get(0)?.exists, false);
    const other = session(settings);
    await other.start(0);
    await waitFor('the watcher shows the new container', () => watcher.get(0)?.exists === true, 5_000);
    await waitFor('ready in the watcher', () => watcher.get(0)?.state.kind === 'ready', 30_000);
    await waitFor('the readiness line in the watcher\'s log', () => lines.some(isReady), 10_000);
    assert.equal(lines.filter(isReady).length, 1);
    await assertViewIsReality(watcher, [0]);
  });
});

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

// ---- 4/5. ownership ------------------------------------------------------------------------------

describe('only our containers are ever touched', () => {
  async function snapshotOf(containerName: string) {
    const c = await dockerInspect(containerName);
    assert.ok(c, `${containerName} exists`);
    return { id: c.Id as string, running: c.State.Running as boolean, startedAt: c.State.StartedAt as string, pid: c.State.Pid as number };
  }

  test('a foreign container with our name: every command names it and leaves it untouched', async () => {
    await docker('run', '-d', '--name', name(0), '--network', 'host', '--entrypoint', '/bin/sleep', STANDIN_IMAGE, '300');
    const before = await snapshotOf(name(0));
    const manager = session(settingsFor());
    for (const [what, call] of [
      ['start', () => manager.start(0)],
      ['restart', () => manager.restart(0)],
      ['stop', () => manager.stop(0)],
      ['remove', () => manager.remove(0)],
    ] as const) {
      await assert.rejects(call(), (err: Error) => {
        assert.ok(err instanceof ForeignContainerError, `${what}: ${err.message}`);
        assert.match(err.message, /"isaac-sim-instance-0"/);
        assert.match(err.message, /not created by Isaac Sim Orchestrator/);
        assert.match(err.message, /left untouched/);
        return true;
      });
    }
    await assert.rejects(manager.startAll(), /Could not start instance-0: A container named "isaac-sim-instance-0".*left untouched/s);
    await manager.stopAll();
    await manager.removeAll();
    assert.deepEqual(await snapshotOf(name(0)), before, 'same id, still running, same StartedAt');
    assert.deepEqual(await ownedContainerNames(), [], 'nothing of ours was created');
    assert.equal(manager.get(0)?.exists, false, 'not shown as ours');
  });

  test('a foreign container on our HTTP port: the error names the container; nothing created; it is left untouched', async () => {
    await docker('run', '-d', '--name', FOREIGN, '--network', 'host', '--entrypoint', '/bin/busybox', STANDIN_IMAGE, 'httpd', '-f', '-p', '127.0.0.1:25211', '-h', '/isaac-sim');
    await waitFor('the foreign httpd listens on 25211', async () => (await fetch('http://127.0.0.1:25211/').catch(() => undefined)) !== undefined, 10_000);
    const before = await snapshotOf(FOREIGN);
    const manager = session(settingsFor());
    await assert.rejects(manager.start(0), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`instance-0 cannot start: its Kit HTTP port 25211 is already in use on 127\\.0\\.0\\.1 by container "${FOREIGN}" \\(id ${before.id.slice(0, 12)}, image ${STANDIN_IMAGE}; not created by Isaac Sim Orchestrator; left untouched\\)`),
      );
      assert.match(err.message, new RegExp(`Nothing was created: stop that container yourself \\(docker stop ${FOREIGN}\\), or move isaacSim\\.httpPortBase`));
      return true;
    });
    assert.equal(await dockerInspect(name(0)), undefined, 'no isaac-sim-instance-0');
    assert.deepEqual(await ownedContainerNames(), []);
    assert.deepEqual(await snapshotOf(FOREIGN), before, 'same id, still running, same StartedAt');
    const s = manager.get(0)!;
    assert.equal(s.state.kind, 'failed');
    assert.equal(s.state.diagnosisId, 'port-taken');
    assert.equal(s.exists, false);
  });

  test('a plain process on our UDP media port (6.x): named by command and pid', async () => {
    const holder: ChildProcess = spawn(process.execPath, ['-e', "require('dgram').createSocket('udp4').bind(25281, '127.0.0.1', () => console.log('bound'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
      });
      const comm = readFileSync(`/proc/${holder.pid}/comm`, 'utf8').trim(); // "node", unless the binary is named otherwise
      const manager = session(settingsFor({ image: 'isaac-sim-standin:6.0.1' }));
      await assert.rejects(
        manager.start(0),
        new RegExp(`instance-0 cannot start: its [^.]*port 25281 is already in use on 127\\.0\\.0\\.1 by another process: ${comm} \\(pid ${holder.pid}\\)\\. Nothing was created: stop ${comm} \\(pid ${holder.pid}\\), or move isaacSim\\.streamPortBase`),
      );
      assert.equal(await dockerInspect(name(0)), undefined, 'nothing was created');
      assert.equal(holder.exitCode, null, 'the holder still runs');
    } finally {
      holder.kill();
    }
  });

  test('our own container of another session on the port: named as ours', async () => {
    const first = session(settingsFor({ instanceCount: 2 }));
    await startReady(first, 1); // HTTP 25212
    first.dispose();
    const second = session(settingsFor({ httpPortBase: 25212 }));
    await assert.rejects(second.start(0), /its Kit HTTP port 25212 is already in use on 127\.0\.0\.1 by (instance-1 \(running\)|container "isaac-sim-instance-1" \(instance-1 of Isaac Sim Orchestrator)/);
    assert.equal(await dockerInspect(name(0)), undefined, 'nothing was created');
    assert.equal((await dockerInspect(name(1)))?.State.Running, true, 'instance-1 left running');
  });
});
