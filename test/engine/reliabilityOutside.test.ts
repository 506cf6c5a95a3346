/**
 * Reliability against a real engine and the stand-in, part 1: changes made outside the extension
 * (docker kill / stop / rm -f and an OOM kill, each seen with the right reason; how long each took is
 * printed, the time limit is the benchmark's) and containers of another session adopted with their
 * logs. Races are in reliabilityRaces.test.ts, ownership in reliabilityOwnership.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { describe, test, type TestContext } from 'node:test';
import type { Manager } from '../../src/instances/manager';
import type { InstanceSnapshot } from '../../src/instances/model';
import { docker, dockerInspect, waitFor } from './helpers';
import { assertViewIsReality, latencies, name, reliabilityHooks, session, settingsFor, startReady } from './reliabilitySetup';

/** 4.2's readiness line as Kit prints it: "[12.832s] Isaac Sim Headless WebRTC App is loaded." */
const READY = /^\[\d+\.\d{3}s\] Isaac Sim Headless WebRTC App is loaded\.$/;
const isReady = (l: string) => READY.test(l);

reliabilityHooks();

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

/** `docker logs` of a container, stdout and stderr, as lines (the final newline ends the last line). */
async function dockerBothStreams(containerName: string): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  const [out, err] = await new Promise<[string, string]>((resolve, reject) =>
    execFile('docker', ['logs', containerName], { maxBuffer: 1 << 26 }, (e, stdout, stderr) => (e ? reject(e) : resolve([stdout, stderr]))),
  );
  return [out, err].flatMap((t) => (t === '' ? [] : (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n')));
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
