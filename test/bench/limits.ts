/**
 * Time limits (issue #10, point 7): the elapsed-time targets that used to be assertions in tests,
 * measured here as figures with their target, each group printed as "met" or "missed". A miss is a
 * finding, never a harness failure; an outcome other than the one the limit is about (a probe that
 * answers, a stand-in that exits with another code) is reported as a problem and the run counts as
 * failed, since the figure would not measure what it says. `BENCH_LIMITS_RUNS` (default 3) samples
 * per repeated figure; a group is met when every sample of every figure in it is under the target.
 *
 *  - outsideChange: an outside `docker kill` / `docker stop -t 10` / `docker rm -f` of a running,
 *    ready instance, from the CLI's return until the manager's snapshot shows it failed / stopped /
 *    gone (negative: it showed before the CLI returned). Target < 1 s each.
 *    Test: test/engine/reliabilityOutside.test.ts 'changes made outside'. The `docker stop` figure is also
 *    the limit of test/engine/restart.test.ts 'outside docker stop reflected' (< 1 s): one figure.
 *  - engineGone: the engine going away → manager.engineStatus 'unreachable'. Target < 2 s.
 *    Test: test/engine/restart.test.ts (there the daemon is SIGKILLed). Here the bench's own engine
 *    stays up: the manager's dockerHost is a unix-socket proxy in front of it (limitsServers.ts), and
 *    the proxy closing (every connection destroyed, the socket closed and unlinked) is the daemon
 *    dying as the client sees it.
 *  - engineBack: the proxy listening again → 'connected', after it was down ENGINE_DOWN_MS. No
 *    target: it is mostly where in its backoff (250 ms doubling to 5 s) the manager's retry falls.
 *  - standinStop: `docker stop -t 10` of each Isaac Sim version's stand-in, once ready. Target < 5 s
 *    each (exit 0: SIGTERM ended it, not the SIGKILL after 10 s).
 *    Test: test/engine/standinModes.test.ts 'docker stop: SIGTERM ends each version'.
 *  - standinFatal: STANDIN_MODE=fatal, each STANDIN_FATAL id, `docker run` to its exit 1. Target
 *    < 8 s each. Test: test/engine/standinModes.test.ts 'STANDIN_MODE=fatal'.
 *  - probeGiveUp: probeHttp (src/instances/probe.ts) with a 300 ms timeout against a local server
 *    that accepts and never answers, until it gives up (false); the overshoot past 300 ms is given
 *    too. Target < 2 s. Test: test/unit/probe.test.ts 'probeHttp against a server that never answers'.
 *  - parserRefusal: parseViewMessage (src/webview/messages.ts) refusing 50,000 keys, 10,000-deep
 *    nesting and a 1,000,000-char key, the three together (and each). Target < 2 s.
 *    Test: test/unit/webviewSecurity.test.ts 'many extra keys and deep nesting are refused'.
 *  - versionGiveUp: DockerEngine.version(300) against a unix socket that accepts and never answers,
 *    until it rejects with its "did not answer" error. Target < 5 s. Test: test/unit/wedgedEngine.test.ts.
 *
 * Instances: index LIMITS_INDEX (3) for the outside changes, which the other manager-level parts do
 * not use once they are done (bench.ts runs this after them); the stand-in runs are plain `docker run`
 * containers named isaac-sim-bench-limits-*, on ports 27411–27429 (beside the bench's 27211–27402).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DockerEngine } from '../../src/docker/engine';
import { EngineError } from '../../src/docker/errors';
import type { InstanceSnapshot } from '../../src/instances/model';
import { probeHttp } from '../../src/instances/probe';
import { parseViewMessage } from '../../src/webview/messages';
import { benchManager, type BenchManager } from './manager';
import { EngineProxy, SilentServer } from './limitsServers';
import { standinFatal, standinStop } from './limitsStandin';
import { INSTANCES, containerName, delay, summarize, waitFor, type Summary } from './shared';

const exec = promisify(execFile);

export const LIMITS_INDEX = 3;
const ENGINE_DOWN_MS = 1000;
const PROBE_TIMEOUT_MS = 300;
const VERSION_TIMEOUT_MS = 300;

/** One group of figures sharing a target. */
export interface LimitGroup {
  /** What is measured (the printed line and the README row say it). */
  what: string;
  /** The limit each figure must stay under (ms); undefined: reported without a target. */
  targetMs: number | undefined;
  /** Each figure's samples in ms, by name. */
  figures: Record<string, Summary | undefined>;
  /** Reported beside the figures, not held to the target. */
  extra?: Record<string, Summary | undefined>;
  /** Figures whose largest sample is not under the target, or that have no sample. */
  missed: string[];
  /** undefined when there is no target. */
  met: boolean | undefined;
}

export interface LimitFigures {
  runs: number;
  outsideChange: LimitGroup;
  engineGone: LimitGroup;
  engineBack: LimitGroup;
  standinStop: LimitGroup;
  standinFatal: LimitGroup;
  probeGiveUp: LimitGroup;
  parserRefusal: LimitGroup;
  versionGiveUp: LimitGroup;
  /** Outcomes other than the one a limit is about (the bench counts them as harness failures). */
  problems: string[];
}

export interface LimitsOptions {
  upstreamSocket: string;
  image: string;
  dataRoot: string;
  progress: (line: string) => void;
}

function runsFromEnv(): number {
  const raw = process.env.BENCH_LIMITS_RUNS;
  if (raw === undefined || raw === '') return 3;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_LIMITS_RUNS must be a whole number ≥ 1, not "${raw}"`);
  return n;
}

function group(what: string, targetMs: number | undefined, samples: Record<string, number[]>, extra?: Record<string, number[]>): LimitGroup {
  const figures = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
  const missed = targetMs === undefined ? [] : Object.entries(figures).filter(([, s]) => !s || s.max >= targetMs).map(([k]) => k);
  return {
    what,
    targetMs,
    figures,
    ...(extra && { extra: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, summarize(v)])) }),
    missed,
    met: targetMs === undefined ? undefined : missed.length === 0,
  };
}

const since = (t0: number) => performance.now() - t0;

/** Resolves with performance.now() at the first snapshot change after which `pred` holds for instance `index`. */
function when(bm: BenchManager, index: number, what: string, pred: (s: InstanceSnapshot) => boolean, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = bm.manager.get(index);
      if (s && pred(s)) {
        finish();
        resolve(performance.now());
      }
    };
    const sub = bm.manager.onDidChange(check);
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the manager shows ${JSON.stringify(bm.manager.get(index)?.state)}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      sub.dispose();
    };
    check();
  });
}

async function outsideChange(o: LimitsOptions, runs: number): Promise<LimitGroup> {
  const host = `unix://${o.upstreamSocket}`;
  const i = LIMITS_INDEX;
  const name = containerName(i);
  const bm = benchManager(o, i + 1);
  const cases: Array<[string, (s: InstanceSnapshot) => boolean, string[]]> = [
    ['docker kill', (s) => s.state.kind === 'failed', ['kill', name]],
    ['docker stop', (s) => s.state.kind === 'stopped', ['stop', '-t', '10', name]],
    ['docker rm -f', (s) => !s.exists && s.state.kind === 'stopped', ['rm', '-f', name]],
  ];
  const samples: Record<string, number[]> = Object.fromEntries(cases.map(([what]) => [what, []]));
  try {
    await exec('docker', ['--host', host, 'rm', '-f', name]).catch(() => undefined);
    await bm.manager.connect();
    for (let r = 0; r < runs; r++) {
      for (const [what, pred, args] of cases) {
        await bm.manager.start(i);
        await waitFor(`instance-${i} ready`, () => bm.state(i) === 'ready' || bm.state(i) === 'failed', 120_000);
        if (bm.state(i) !== 'ready') throw new Error(`instance-${i} did not start: ${JSON.stringify(bm.manager.get(i)?.state)}\n${bm.log.lines.slice(-10).join('\n')}`);
        const seen = when(bm, i, `${what} to show`, pred);
        await exec('docker', ['--host', host, ...args]);
        const returned = performance.now();
        samples[what].push((await seen) - returned);
      }
    }
  } finally {
    bm.manager.dispose();
    await exec('docker', ['--host', host, 'rm', '-f', name]).catch(() => undefined);
  }
  return group("outside docker kill / stop / rm -f → the manager's snapshot shows it, from the CLI's return", 1000, samples);
}

async function engineGone(o: LimitsOptions, runs: number, dir: string): Promise<[LimitGroup, LimitGroup]> {
  const proxy = new EngineProxy(path.join(dir, 'engine.sock'), o.upstreamSocket);
  await proxy.listen();
  const bm = benchManager({ ...o, upstreamSocket: proxy.socketPath }, INSTANCES);
  const statuses: Array<{ at: number; kind: string }> = [];
  const sub = bm.manager.onDidChangeEngineStatus((s) => statuses.push({ at: performance.now(), kind: s.kind }));
  const first = (kind: string, after: number) => statuses.find((s) => s.kind === kind && s.at >= after);
  const gone: number[] = [];
  const back: number[] = [];
  try {
    await bm.manager.connect();
    for (let r = 0; r < runs; r++) {
      await waitFor('the manager connected through the proxy', () => bm.manager.engineStatus.kind === 'connected', 30_000);
      const closedAt = performance.now();
      await proxy.close();
      gone.push((await waitFor('engineStatus unreachable after the proxy closed', () => first('unreachable', closedAt), 30_000)).at - closedAt);
      await delay(ENGINE_DOWN_MS); // how long the engine stays away: scheduling, not a wait for an absence
      const listenAt = performance.now();
      await proxy.listen();
      back.push((await waitFor('engineStatus connected after the proxy listened again', () => first('connected', listenAt), 30_000)).at - listenAt);
    }
  } finally {
    sub.dispose();
    bm.manager.dispose();
    await proxy.close();
  }
  return [
    group('the engine going away (our unix-socket proxy in front of the engine closing: connections destroyed, socket unlinked) → engineStatus unreachable', 2000, { 'proxy closed → unreachable': gone }),
    group(`the engine back (the proxy listening again after ${ENGINE_DOWN_MS / 1000} s away) → engineStatus connected`, undefined, { 'proxy listening → connected': back }),
  ];
}

async function probeGiveUp(runs: number, problems: string[]): Promise<LimitGroup> {
  const server = await SilentServer.tcp();
  const elapsed: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const ok = await probeHttp(`http://127.0.0.1:${server.port}/`, PROBE_TIMEOUT_MS);
      elapsed.push(since(t0));
      if (ok) problems.push('probeHttp answered true against a server that never answers');
    }
    if (server.accepted < runs) problems.push(`probeHttp reached the silent server ${server.accepted} times in ${runs} probes`);
  } finally {
    await server.close();
  }
  return group(`probeHttp(url, ${PROBE_TIMEOUT_MS}) against a 127.0.0.1 server that accepts and never answers → false`, 2000, { 'gave up after': elapsed }, { [`overshoot past ${PROBE_TIMEOUT_MS} ms`]: elapsed.map((ms) => ms - PROBE_TIMEOUT_MS) });
}

function parserRefusal(runs: number, problems: string[]): LimitGroup {
  const many: Record<string, unknown> = { type: 'ready' };
  for (let i = 0; i < 50_000; i++) many[`k${i}`] = i;
  let deep: unknown = { type: 'ready' };
  for (let i = 0; i < 10_000; i++) deep = { type: 'ready', nested: deep };
  const inputs: Array<[string, unknown]> = [
    ['50,000 keys', many],
    ['10,000-deep nesting', deep],
    ['1,000,000-char key', { ['x'.repeat(1_000_000)]: 1, type: 'ready' }],
  ];
  const samples: Record<string, number[]> = { 'all three': [], ...Object.fromEntries(inputs.map(([what]) => [what, []])) };
  for (let r = 0; r < runs; r++) {
    let all = 0;
    for (const [what, raw] of inputs) {
      const t0 = performance.now();
      const parsed = parseViewMessage(raw);
      const ms = since(t0);
      all += ms;
      samples[what].push(ms);
      if (parsed.ok) problems.push(`parseViewMessage accepted ${what}`);
    }
    samples['all three'].push(all);
  }
  return group('the webview message parser refusing 50,000 keys, 10,000-deep nesting and a 1,000,000-char key', 2000, samples);
}

async function versionGiveUp(runs: number, dir: string, problems: string[]): Promise<LimitGroup> {
  const server = await SilentServer.unix(path.join(dir, 'wedged.sock'));
  const elapsed: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const engine = new DockerEngine({ dockerHost: `unix://${path.join(dir, 'wedged.sock')}` });
      const t0 = performance.now();
      const err = await engine.version(VERSION_TIMEOUT_MS).then(() => undefined, (e: unknown) => e);
      elapsed.push(since(t0));
      if (!(err instanceof EngineError) || !err.unreachable || !/did not answer within/.test(err.message)) problems.push(`DockerEngine.version(${VERSION_TIMEOUT_MS}) against a silent socket ended with ${String(err)}, not its "did not answer" error`);
    }
  } finally {
    await server.close();
  }
  return group(`DockerEngine.version(${VERSION_TIMEOUT_MS}) against a unix socket that accepts and never answers → its "did not answer" error`, 5000, { 'gave up after': elapsed });
}

/** Runs every time-limit figure. Throws only when the harness cannot measure (an instance that does not start, a timeout). */
export async function limitsBench(o: LimitsOptions): Promise<LimitFigures> {
  const runs = runsFromEnv();
  const problems: string[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'isaac-limits-'));
  try {
    o.progress(`limits: outside changes on instance-${LIMITS_INDEX} (${runs} runs)`);
    const outside = await outsideChange(o, runs);
    o.progress('limits: the engine going away and coming back (a proxy of our own closing)');
    const [gone, back] = await engineGone(o, runs, dir);
    o.progress('limits: stand-in docker stop per version, then each fatal id');
    const stop = group('`docker stop -t 10` of each version\'s stand-in, once ready', 5000, await standinStop(o.upstreamSocket, o.image, problems));
    const fatal = group('STANDIN_MODE=fatal: `docker run` of each fatal id to its exit 1', 8000, await standinFatal(o.upstreamSocket, o.image, problems));
    o.progress('limits: probeHttp, the webview parser, DockerEngine.version against silent servers');
    const probe = await probeGiveUp(Math.max(runs, 5), problems);
    const parser = parserRefusal(runs, problems);
    const version = await versionGiveUp(Math.max(runs, 5), dir, problems);
    return { runs, outsideChange: outside, engineGone: gone, engineBack: back, standinStop: stop, standinFatal: fatal, probeGiveUp: probe, parserRefusal: parser, versionGiveUp: version, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bench.ts's call: the figures; their problems, or the harness failing, go onto `failures` (undefined then). */
export async function limitsPart(o: LimitsOptions, failures: string[]): Promise<LimitFigures | undefined> {
  try {
    o.progress('time limits (test/bench/limits.ts): outside changes, the engine going away, stand-in stop and fatal exits, probe, parser, version()');
    const limits = await limitsBench(o);
    failures.push(...limits.problems.map((p) => `time limits: ${p}`));
    return limits;
  } catch (err) {
    failures.push(`time limits: ${err instanceof Error ? err.message : String(err)}`);
    o.progress(`time limits failed: ${String(err)}`);
    return undefined;
  }
}

const GROUPS = ['outsideChange', 'engineGone', 'engineBack', 'standinStop', 'standinFatal', 'probeGiveUp', 'parserRefusal', 'versionGiveUp'] as const;

/** One printed line per group: `limit_<group>_ms <figure> max=… median=… …; … (target < N ms each): met|missed (…)`. */
export function limitLines(l: LimitFigures | undefined): string[] {
  if (!l) return ['limit_*_ms n/a (the time-limit bench failed)'];
  const r = (x: number) => (Math.abs(x) < 10 ? Math.round(x * 10) / 10 : Math.round(x));
  const fig = ([name, s]: [string, Summary | undefined]) => (s ? `${name} max=${r(s.max)} median=${r(s.median)}${s.n > 1 ? ` n=${s.n}` : ''}` : `${name} n/a`);
  return GROUPS.map((key) => {
    const g = l[key];
    const figures = [...Object.entries(g.figures), ...Object.entries(g.extra ?? {})].map(fig).join('; ');
    const verdict = g.targetMs === undefined ? 'no target' : `target < ${g.targetMs} ms each: ${g.met ? 'met' : `missed (${g.missed.join(', ')})`}`;
    return `limit_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_ms ${figures} — ${g.what} (${verdict})`;
  });
}
