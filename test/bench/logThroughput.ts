/**
 * Log throughput (issue #10): one stand-in instance prints BENCH_LOG_LINES (default 1,000,000)
 * numbered filler lines after readiness, as fast as awk prints them (STANDIN_SPAM_LINES; the lines
 * are filler, not Isaac Sim output). Two followers read them in the same run, both attached before
 * the first filler line is printed (the lines wait for a file that `docker exec` creates):
 *   cli:  `docker logs -f <container>`, its stdout and stderr piped into a small Node process of
 *         its own that only counts bytes and newlines (in this process, a slow follower would
 *         slow the count of the CLI's lines too) and reports when it has the last line;
 *   ours: the extension's whole follower, `InstanceManager` (DockerEngine.followLogs → line
 *         splitting → cursor → redaction → readiness classification → onDidAppendLog) → the same
 *         `ChannelBatch` the log channels use → a counting sink in place of the OutputChannel.
 * Each one's time runs from the `docker exec` that releases the lines until it has the last one.
 * BENCH_LOG_ALONE=1 leaves the CLI follower out (no ratio): the event-loop figures with nothing else
 * of this run reading the log.
 * CPUs: on a machine with 2 or more CPUs scripts/bench.sh puts the engine it started (and with it
 * the producer) on CPUs 1..N-1 and this process on CPU 0 with taskset; the CLI follower is spawned
 * from here, so both followers share CPU 0 and neither shares a CPU with the engine and the
 * producer (BENCH_LOG_OTHER_CPUS names the engine's CPUs, for the record). The JSON records where
 * each one was allowed to run (Cpus_allowed_list of this process, the container's first process,
 * the engine, the CLI's counting process).
 * Also: heap growth of this process over the run (after a full GC on both ends), the longest
 * event-loop delay while the lines flow (perf_hooks.monitorEventLoopDelay), the producer's own
 * span (engine timestamps of the first and last filler line) and a `docker logs` of the complete
 * log afterwards. One JSON line on stdout, also written to .run/bench-logs.json. Exits non-zero only
 * when the harness fails, never because a figure misses its target.
 *
 *   node out/test/bench/logThroughput.js        (after `node scripts/build.mjs --tests`; DOCKER_HOST honoured)
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import { DockerEngine } from '../../src/docker/engine';
import { parseTimestampNanos } from '../../src/docker/parse';
import { InstanceManager, type Logger } from '../../src/instances/manager';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';
import { ChannelBatch } from '../../src/views/channelBatch';
import { BlockMeter, idleBaseline } from './loopMeter';
import { benchSettings, containerName, waitFor } from './shared';

const exec = promisify(execFile);
const REPO = process.env.BENCH_REPO ?? path.resolve(__dirname, '../../..');
const LINES = Number(process.env.BENCH_LOG_LINES ?? 1_000_000);
/** `regex`: add a readiness pattern that is not plain text, so every line also runs through the linear-time matcher. */
const READINESS = process.env.BENCH_LOG_READINESS ?? 'default';
const RUN = path.join(REPO, '.run/bench-logs');
const GATE = '/tmp/standin-spam-go';
const NAME = containerName(0);
const LAST = `[standin] filler ${LINES}\n`;
const ALONE = process.env.BENCH_LOG_ALONE === '1';
const OTHER_CPUS = process.env.BENCH_LOG_OTHER_CPUS ?? '';
const TARGETS = { ratio: 0.8, heapGrowthMiB: 50, eventLoopDelayMaxMs: 50 };

/** Counts what a follower received; notes when the last filler line came. */
class Counter {
  bytes = 0;
  lines = 0;
  writes = 0;
  doneAt: number | undefined;
  private tail = '';

  /** `text` in arbitrary pieces (a pipe); the last line may straddle two. */
  chunk(text: string): void {
    this.count(text);
    const seen = this.tail + text;
    if (this.doneAt === undefined && seen.includes(LAST)) this.doneAt = performance.now();
    this.tail = seen.slice(-LAST.length);
  }

  /** `text` in whole lines (a ChannelBatch write). */
  write(text: string): void {
    this.count(text);
    if (this.doneAt === undefined && text.endsWith(LAST)) this.doneAt = performance.now();
  }

  private count(text: string): void {
    this.writes++;
    this.bytes += text.length;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lines++;
  }
}

class QuietLogger implements Logger {
  readonly lines: string[] = [];
  debug(m: string) { this.lines.push(`debug ${m}`); }
  info(m: string) { this.lines.push(`info ${m}`); }
  warn(m: string) { this.lines.push(`warn ${m}`); }
  error(m: string) { this.lines.push(`error ${m}`); }
}

const gc = (): void => (globalThis as { gc?: () => void }).gc!();
const heapUsed = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function docker(...args: string[]): Promise<string> {
  return (await exec('docker', args, { maxBuffer: 16 << 20 })).stdout;
}

/** Engine timestamps (ns) of the first and last filler line, from `docker logs -t`. */
async function producerSpan(): Promise<{ first?: bigint; last?: bigint }> {
  const child = spawn('docker', ['logs', '-t', NAME], { stdio: ['ignore', 'pipe', 'ignore'] });
  let partial = '';
  let first: bigint | undefined;
  let last: bigint | undefined;
  const firstText = ' [standin] filler 1';
  const lastText = ` ${LAST.slice(0, -1)}`;
  child.stdout.setEncoding('utf8');
  for await (const piece of child.stdout as AsyncIterable<string>) {
    const lines = (partial + piece).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (first === undefined && line.endsWith(firstText)) first = parseTimestampNanos(line.slice(0, line.indexOf(' ')));
      if (line.endsWith(lastText)) last = parseTimestampNanos(line.slice(0, line.indexOf(' ')));
    }
  }
  return { first, last };
}

/** `docker logs <container>` of the complete log, to the end: the CLI reading a finished log. */
async function cliCompleteLog(): Promise<{ ms: number; lines: number }> {
  const counter = new Counter();
  const t0 = performance.now();
  const child = spawn('docker', ['logs', NAME], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('latin1');
  child.stderr.setEncoding('latin1');
  child.stdout.on('data', (t: string) => counter.chunk(t));
  child.stderr.on('data', (t: string) => counter.chunk(t));
  await new Promise((resolve) => child.on('close', resolve));
  return { ms: performance.now() - t0, lines: counter.lines };
}

/**
 * `docker logs -f` in a counting process of its own. It reports its count every 50 ms and, once,
 * the wall-clock time (ms since the epoch) at which it had the last filler line.
 */
function cliFollower(): { pid: number | undefined; lines: () => number; doneAt: () => number | undefined; stop: () => void } {
  const script = `
    const [name, last] = process.argv.slice(1);
    const logs = require('node:child_process').spawn('docker', ['logs', '-f', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0, tail = '', doneAt;
    const now = () => performance.timeOrigin + performance.now();
    const report = () => process.stdout.write(JSON.stringify({ lines, doneAt }) + '\\n');
    const count = (t) => {
      for (let i = t.indexOf('\\n'); i !== -1; i = t.indexOf('\\n', i + 1)) lines++;
      const seen = tail + t;
      if (doneAt === undefined && seen.includes(last)) { doneAt = now(); report(); }
      tail = seen.slice(-last.length);
    };
    for (const s of [logs.stdout, logs.stderr]) { s.setEncoding('latin1'); s.on('data', count); }
    setInterval(report, 50);
    process.on('SIGTERM', () => { logs.kill(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script, NAME, LAST], { stdio: ['ignore', 'pipe', 'inherit'] });
  let latest: { lines: number; doneAt?: number } = { lines: 0 };
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (t: string) => {
    const reports = (partial + t).split('\n');
    partial = reports.pop() ?? '';
    if (reports.length > 0) latest = JSON.parse(reports[reports.length - 1]) as typeof latest;
  });
  return { pid: child.pid, lines: () => latest.lines, doneAt: () => latest.doneAt, stop: () => child.kill('SIGTERM') };
}

/** The CPUs a process may run on (Linux /proc/PID/status), or null where that cannot be read. */
function allowedCpus(pid: number | string): string | null {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Where this run's processes were allowed to run: ours, the CLI follower, the container's first process, the engine. */
async function cpuPlacement(cliPid: number | undefined): Promise<Record<'ours' | 'cli' | 'container' | 'engine' | 'engineCpus', string | null>> {
  const containerPid = (await docker('inspect', '-f', '{{.State.Pid}}', NAME)).trim();
  const enginePid = process.env.BENCH_LOG_ENGINE_PID;
  return {
    ours: allowedCpus(process.pid),
    cli: cliPid === undefined ? null : allowedCpus(cliPid),
    container: allowedCpus(containerPid),
    engine: enginePid ? allowedCpus(enginePid) : null,
    engineCpus: OTHER_CPUS || null,
  };
}

/** Removes a leftover container of an earlier run of this benchmark; refuses to touch anyone else's. */
async function clearLeftover(): Promise<void> {
  let binds: string;
  try {
    binds = await docker('inspect', '-f', '{{range .HostConfig.Binds}}{{println .}}{{end}}', NAME);
  } catch {
    return; // no such container
  }
  if (!binds.split('\n').some((b) => b.startsWith(`${RUN}/`))) {
    throw new Error(`A container named ${NAME} exists and is not this benchmark's (its data is not under ${RUN}): remove it or use another engine (DOCKER_HOST).`);
  }
  await docker('rm', '-f', NAME);
}

async function main(): Promise<void> {
  if (!Number.isInteger(LINES) || LINES < 1) throw new Error(`BENCH_LOG_LINES must be a whole number ≥ 1, got "${process.env.BENCH_LOG_LINES}"`);
  const image = readFileSync(path.join(REPO, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim();
  await clearLeftover();
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  const readinessPatterns = READINESS === 'regex' ? [...DEFAULT_SETTINGS.readinessPatterns, '^\\[[0-9.]+s\\] Isaac Sim (?:Full Streaming|Headless WebRTC) App is loaded\\.$'] : DEFAULT_SETTINGS.readinessPatterns;
  const parsed = parseSettings({
    ...DEFAULT_SETTINGS,
    ...benchSettings(image, path.join(RUN, 'isaac-sim-data')),
    instanceCount: 1,
    readinessPatterns,
    dockerHost: process.env.DOCKER_HOST ?? '',
    env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_SHADER_STEPS: '0', STANDIN_SPAM_LINES: String(LINES), STANDIN_SPAM_ON: GATE },
  });
  if (!parsed.ok) throw new Error(`bench settings invalid: ${parsed.problems.map((p) => p.message).join(' ')}`);

  const log = new QuietLogger();
  const store = new Map<string, unknown>();
  const manager = new InstanceManager({
    engineFor: (host) => new DockerEngine({ dockerHost: host }),
    log,
    store: { get: <T>(key: string) => store.get(key) as T | undefined, update: async (key, value) => void store.set(key, value) },
  });
  const ours = new Counter();
  const batch = new ChannelBatch((text) => ours.write(text));
  const appended = manager.onDidAppendLog((e) => batch.push(e.lines));
  let cli: ReturnType<typeof cliFollower> | undefined;
  try {
    manager.updateSettings(parsed);
    await manager.connect();
    await manager.start(0);
    const state = () => manager.get(0)?.state.kind;
    await waitFor('instance-0 ready', () => state() === 'ready' || state() === 'failed', 120_000);
    if (state() !== 'ready') throw new Error(`instance-0 did not become ready: ${JSON.stringify(manager.get(0)?.state)}\n${log.lines.slice(-20).join('\n')}`);

    const follower = ALONE ? undefined : cliFollower();
    cli = follower;
    // Both followers are attached and have caught up with the start-up lines.
    await waitFor('docker logs -f to catch up', () => {
      batch.flush();
      return follower ? follower.lines() > 0 && follower.lines() === ours.lines : ours.lines > 0;
    }, 30_000);
    const linesBefore = { ours: ours.lines, cli: follower?.lines() ?? 0 };

    const placement = await cpuPlacement(follower?.pid);
    const heapBefore = heapUsed();
    const baseline = idleBaseline();
    const blocks = new BlockMeter();
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    blocks.start();
    const cpu0 = process.cpuUsage();
    const usage0 = process.resourceUsage();
    const t0 = performance.now();
    const t0Epoch = performance.timeOrigin + t0;
    await docker('exec', NAME, 'touch', GATE);
    await waitFor('both followers to have every line', () => ours.doneAt !== undefined && (!follower || follower.doneAt() !== undefined), 600_000);
    delay.disable();
    blocks.stop();
    const idle = await baseline.stop();
    const cpu = process.cpuUsage(cpu0);
    const usage = process.resourceUsage();
    batch.flush();
    const heapAfter = heapUsed();
    if (process.env.BENCH_LOG_HEAPSNAPSHOT) v8.writeHeapSnapshot(process.env.BENCH_LOG_HEAPSNAPSHOT);

    const span = await producerSpan();
    const complete = await cliCompleteLog();
    const cliMs = follower ? follower.doneAt()! - t0Epoch : NaN;
    const oursMs = ours.doneAt! - t0;
    const producerMs = span.first !== undefined && span.last !== undefined ? Number(span.last - span.first) / 1e6 : undefined;
    const result = {
      bench: 'log-throughput',
      at: new Date().toISOString(),
      lines: LINES,
      readiness: READINESS,
      loadavg: os.loadavg().map((l) => round(l, 2)),
      cpus: os.cpus().length,
      cpuPlacement: placement,
      cli: follower ? { command: 'docker logs -f', ms: round(cliMs), linesPerSec: Math.round(LINES / (cliMs / 1000)), linesReceived: follower.lines() - linesBefore.cli } : null,
      ours: {
        path: 'InstanceManager → ChannelBatch → counting sink',
        ms: round(oursMs),
        linesPerSec: Math.round(LINES / (oursMs / 1000)),
        linesReceived: ours.lines - linesBefore.ours,
        writes: ours.writes,
        cpuMs: round((cpu.user + cpu.system) / 1000),
      },
      ratio: follower ? round(cliMs / oursMs, 3) : null,
      // Alone: against the complete log, which also holds the start-up lines ours counted.
      sameLines: ours.lines === (follower ? follower.lines() : complete.lines),
      heapGrowthMiB: round((heapAfter - heapBefore) / 2 ** 20, 2),
      eventLoopDelayMaxMs: round(delay.max / 1e6),
      eventLoopDelayP99Ms: round(delay.percentile(99) / 1e6),
      eventLoopDelayP999Ms: round(delay.percentile(99.9) / 1e6),
      // Times the kernel took the CPU away from this process while it had work: on a busy machine
      // those stalls are in the event-loop delay too.
      involuntaryContextSwitches: usage.involuntaryContextSwitches - usage0.involuntaryContextSwitches,
      niceness: os.getPriority(),
      mainThreadBusyMaxMs: blocks.maxRunMs === null ? null : round(blocks.maxRunMs),
      longestTickGap: blocks.worst,
      idleProcessEventLoopDelay: idle,
      producer: producerMs !== undefined ? { ms: round(producerMs), linesPerSec: Math.round(LINES / (producerMs / 1000)) } : null,
      cliCompleteLog: { command: 'docker logs', ms: round(complete.ms), linesPerSec: Math.round(complete.lines / (complete.ms / 1000)), lines: complete.lines },
      targets: TARGETS,
      met: {
        ratio: follower ? cliMs / oursMs >= TARGETS.ratio : null,
        heapGrowth: (heapAfter - heapBefore) / 2 ** 20 <= TARGETS.heapGrowthMiB,
        eventLoopDelay: delay.max / 1e6 <= TARGETS.eventLoopDelayMaxMs,
        mainThreadBusy: blocks.maxRunMs === null ? null : blocks.maxRunMs <= TARGETS.eventLoopDelayMaxMs,
      },
    };
    const json = JSON.stringify(result);
    writeFileSync(path.join(REPO, '.run/bench-logs.json'), json + '\n');
    process.stdout.write(json + '\n');
  } finally {
    cli?.stop();
    appended.dispose();
    batch.dispose();
    await manager.remove(0).catch((err: unknown) => process.stderr.write(`logThroughput: could not remove ${NAME}: ${String(err)}\n`));
    manager.dispose();
  }
}

if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  // Heap figures need a full GC on both ends: run again with --expose-gc.
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`logThroughput: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
