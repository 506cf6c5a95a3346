/**
 * Manager-level figures, without VS Code: the extension's InstanceManager and DockerEngine straight
 * against the engine (as test/engine does). It starts the 3 stand-in instances the VS Code part
 * then finds running, and leaves them running.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DockerEngine } from '../../src/docker/engine';
import { InstanceManager, type Logger } from '../../src/instances/manager';
import { OWNER_FILTER } from '../../src/instances/sync';
import { DEFAULT_SETTINGS, parseSettings, type Settings } from '../../src/instances/settings';
import { INSTANCES, MAX_INSTANCE_COUNT, benchSettings, containerName, delay, listenToEngineEvents, nowMs, waitFor } from './shared';

const exec = promisify(execFile);

export interface ManagerFigures {
  connectMs: number;
  /** Start command → ready, instance 0 on an empty data folder (the stand-in "compiles shaders"). */
  firstStartToReadyMs: number;
  /** Start command → ready for new containers with the shader cache warm (instances 1, 2). */
  cachedCreateToReadyMs: number[];
  /** Start command → ready for an existing stopped container (one per trial). */
  restartToReadyMs: number[];
  /** Engine event of an outside `docker stop` → the manager's state changed (one per trial). */
  stopEventToStateMs: number[];
}

export class QuietLogger implements Logger {
  readonly lines: string[] = [];
  debug(m: string) { this.lines.push(`debug ${m}`); }
  info(m: string) { this.lines.push(`info ${m}`); }
  warn(m: string) { this.lines.push(`warn ${m}`); }
  error(m: string) { this.lines.push(`error ${m}`); }
}

export interface BenchManager {
  manager: InstanceManager<DockerEngine>;
  log: QuietLogger;
  state: (i: number) => string | undefined;
  settings: Settings;
}

/** The extension's InstanceManager + DockerEngine on the engine, with the bench settings for `instanceCount` instances. */
export function benchManager(opts: { upstreamSocket: string; image: string; dataRoot: string }, instanceCount = INSTANCES): BenchManager {
  const dockerHost = `unix://${opts.upstreamSocket}`;
  const parsed = parseSettings({ ...DEFAULT_SETTINGS, ...benchSettings(opts.image, opts.dataRoot, Math.min(instanceCount, MAX_INSTANCE_COUNT)), dockerHost });
  if (!parsed.ok) throw new Error(`bench settings invalid: ${parsed.problems.map((p) => p.message).join(' ')}`);
  const store = new Map<string, unknown>();
  const log = new QuietLogger();
  const manager = new InstanceManager({
    engineFor: (host) => new DockerEngine({ dockerHost: host }),
    log,
    store: { get: <T>(key: string) => store.get(key) as T | undefined, update: async (key, value) => void store.set(key, value) },
  });
  manager.updateSettings(parsed);
  return { manager, log, state: (i) => manager.get(i)?.state.kind, settings: parsed.settings };
}

/**
 * Starts instances 0..count-1 at manager level, all at once (those running stay), waits until all
 * are ready, and leaves them running. Beyond isaacSim.instanceCount's maximum the manager is asked by
 * index: `start(i)` does not check the count. Instances the manager does not see ready within 180 s
 * but whose containers run are returned in `notReady` (the workbench run then shows whether the
 * extension sees them ready); one that failed, or whose container does not run, throws.
 */
export async function startInstances(opts: { upstreamSocket: string; image: string; dataRoot: string }, count: number): Promise<{ ms: number; notReady: string[] }> {
  const { manager, log, state } = benchManager(opts, count);
  try {
    await manager.connect();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: count }, (_, i) => manager.start(i)));
    const indexes = Array.from({ length: count }, (_, i) => i);
    const settled = () => indexes.every((i) => state(i) === 'ready' || state(i) === 'failed');
    await waitFor(`${count} instances ready`, settled, 180_000).catch(() => undefined);
    const ms = performance.now() - t0;
    const running = async (i: number) =>
      (await exec('docker', ['--host', `unix://${opts.upstreamSocket}`, 'inspect', '-f', '{{.State.Running}}', containerName(i)]).catch(() => ({ stdout: '' }))).stdout.trim() === 'true';
    const bad: number[] = [];
    for (const i of indexes) if (state(i) === 'failed' || (state(i) !== 'ready' && !(await running(i)))) bad.push(i);
    if (bad.length) {
      const states = bad.map((i) => `instance-${i} ${JSON.stringify(manager.get(i)?.state)}`).join(', ');
      throw new Error(`${bad.length} of ${count} instances failed or are not running at manager level: ${states}\n${log.lines.slice(-20).join('\n')}`);
    }
    const notReady = indexes.filter((i) => state(i) !== 'ready').map((i) => `instance-${i} ${JSON.stringify(manager.get(i)?.state)}`);
    return { ms, notReady };
  } finally {
    manager.dispose();
  }
}

export async function managerBench(opts: { upstreamSocket: string; image: string; dataRoot: string; trials: number; progress: (line: string) => void }): Promise<ManagerFigures> {
  const dockerHost = `unix://${opts.upstreamSocket}`;
  const { manager, log, state } = benchManager(opts);
  const events = await listenToEngineEvents(opts.upstreamSocket, OWNER_FILTER);
  try {
    const c0 = performance.now();
    await manager.connect();
    const connectMs = performance.now() - c0;

    const startToReady = async (i: number): Promise<number> => {
      const t0 = performance.now();
      await manager.start(i);
      await waitFor(`instance-${i} ready`, () => state(i) === 'ready' || state(i) === 'failed', 120_000);
      if (state(i) !== 'ready') throw new Error(`instance-${i} failed to start: ${JSON.stringify(manager.get(i)?.state)}\n${log.lines.slice(-20).join('\n')}`);
      return performance.now() - t0;
    };
    const firstStartToReadyMs = await startToReady(0);
    const cachedCreateToReadyMs = [];
    for (let i = 1; i < INSTANCES; i++) cachedCreateToReadyMs.push(await startToReady(i));
    opts.progress(`manager: 3 instances ready (first start ${Math.round(firstStartToReadyMs)} ms)`);

    const stopEventToStateMs: number[] = [];
    const restartToReadyMs: number[] = [];
    for (let k = 0; k < opts.trials; k++) {
      const i = k % INSTANCES;
      const name = containerName(i);
      let changedAt: number | undefined;
      const sub = manager.onDidChange(() => {
        if (changedAt === undefined && state(i) !== 'ready') changedAt = nowMs();
      });
      try {
        events.clear();
        await exec('docker', ['--host', dockerHost, 'stop', '-t', '5', name]);
        await waitFor(`${name}: state change after docker stop`, () => changedAt !== undefined && events.events(name).length > 0, 20_000);
        stopEventToStateMs.push(changedAt! - events.events(name)[0].engineAt);
      } finally {
        sub.dispose();
      }
      await waitFor(`${name} stopped`, () => state(i) === 'stopped' || state(i) === 'failed', 30_000);
      await delay(100);
      restartToReadyMs.push(await startToReady(i));
    }
    return { connectMs, firstStartToReadyMs, cachedCreateToReadyMs, restartToReadyMs, stopEventToStateMs };
  } finally {
    events.close();
    manager.dispose(); // leaves the containers running
  }
}
