/**
 * The benchmark driver (`npm run bench` → scripts/bench.sh bundles this and runs it). It prints one
 * line per figure, ours next to the peer's (Microsoft Container Tools 2.5.0, measured on this kind of
 * machine, see /work/shared/ENVIRONMENT.md), and writes everything to .run/bench.json.
 *
 *  - manager level, no VS Code: start → ready with the stand-in, outside `docker stop` event → state;
 *    leaves 3 stand-in instances running;
 *  - code-server with the packaged .vsix installed: activation in BENCH_ACTIVATION_RUNS fresh
 *    extension hosts; then one main run: engine requests before the view is shown, showing the
 *    view, an idle window (BENCH_IDLE_SECONDS, default 300) with the 3 instances running, and
 *    BENCH_TRIALS `docker stop` + `docker start` trials timed from the engine event to the tree row.
 *
 * Exits non-zero only when the harness fails, never because a figure is slow.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { ensureCodeServerInstalled, startCodeServer, type CodeServer } from '../e2e/host';
import { runExtensionHostTests } from '../e2e/hostBrowser';
import { resolvedManifest } from '../unit/manifestNls';
import { limitsPart } from './limits';
import { managerBench, startInstances, type ManagerFigures } from './manager';
import { parallelBench, type ParallelFigures } from './parallel';
import { benchResult, marksOf, type ScaleRun, type VsixSizes } from './report';
import { INSTANCES, MAX_INSTANCE_COUNT, benchSettings, containerName, runMain, type BenchConfig } from './shared';
import { clickView, collector, extensionHosts, firstRenderedRow, newCollected, renderedRowShows, readRunningExtensions, renderedRowsReady, watchTreeRows, type Answerer, type Collected } from './workbench';

const exec = promisify(execFile);

function findRepo(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'stand-in/IMAGE')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`bench: no repository root above ${from}`);
  }
}

const REPO = findRepo(__dirname);
const RUN = path.resolve(process.env.BENCH_RUN_DIR ?? path.join(REPO, '.run/bench'));
const HARNESS = path.resolve(process.env.BENCH_HARNESS ?? path.join(RUN, 'harness'));
const VSIX = path.resolve(process.env.BENCH_VSIX ?? path.join(REPO, '.run/isaac-sim-orchestrator.vsix'));
const JSON_OUT = path.join(REPO, '.run/bench.json');
const WORKSPACE = path.join(REPO, 'test/e2e/sample-workspace');
const DISPLAY_NAME = resolvedManifest<{ displayName: string }>(REPO).displayName; // English, as the Running Extensions view shows it
const IMAGE = readFileSync(path.join(REPO, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim();
const DATA_ROOT = path.join(RUN, 'isaac-sim-data');

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw}"`);
  return n;
}

/** BENCH_ONLY=activation: only the activation and click runs (no manager level, parallel start, limits, main or scale run). */
const ONLY_ACTIVATION = process.env.BENCH_ONLY === 'activation';
const IDLE_SECONDS = intEnv('BENCH_IDLE_SECONDS', 300, 1);
const ACTIVATION_RUNS = intEnv('BENCH_ACTIVATION_RUNS', 5, 1);
const TRIALS = intEnv('BENCH_TRIALS', 10, 1);
const CLICK_RUNS = intEnv('BENCH_CLICK_RUNS', ACTIVATION_RUNS, 0);
const PARALLEL_ROUNDS = intEnv('BENCH_PARALLEL_ROUNDS', 3, 0);
const SCALE_TRIALS = intEnv('BENCH_SCALE_TRIALS', 5, 1);
const SCALE_IDLE_SECONDS = intEnv('BENCH_SCALE_IDLE_SECONDS', 30, 1);
const SCALE = (ONLY_ACTIVATION ? '' : (process.env.BENCH_SCALE ?? '1,8,32')).split(',').filter((x) => x.trim() !== '').map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new Error(`BENCH_SCALE must list instance counts from 1 to 32, like "1,8,32", not "${process.env.BENCH_SCALE}"`);
  return n;
});
/** Names the benchmark may own: up to the largest scale run. */
const MAX_INDEX = Math.max(INSTANCES, ...SCALE, 4);
const PORT = process.env.BENCH_PORT ? intEnv('BENCH_PORT', 0, 1) : undefined;
const BEFORE_VIEW_MS = 3_000;
const SETTLE_MS = 2_000;

const LOG_FILE = path.join(RUN, 'bench.log');
function progress(line: string): void {
  const stamped = `[bench ${new Date().toISOString().slice(11, 19)}] ${line}`;
  process.stderr.write(stamped + '\n');
  appendFileSync(LOG_FILE, stamped + '\n');
}

/** The unix socket of the engine DOCKER_HOST names (the default socket when unset). */
function upstreamSocket(): string {
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (!host.startsWith('unix://')) throw new Error(`the benchmark counts requests on a unix socket; DOCKER_HOST=${host} is not one`);
  return host.slice('unix://'.length);
}

async function docker(...args: string[]): Promise<string> {
  return (await exec('docker', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** Our instance containers: the names we use, with a bind under this run's data folder. */
async function ourContainers(): Promise<string[]> {
  const ours = [];
  for (let i = 0; i < MAX_INDEX; i++) {
    try {
      const binds = await docker('inspect', '-f', '{{range .HostConfig.Binds}}{{println .}}{{end}}', containerName(i));
      if (binds.split('\n').some((b) => b.startsWith(DATA_ROOT + '/'))) ours.push(containerName(i));
    } catch {
      // no such container
    }
  }
  return ours;
}

async function removeOurContainers(fromIndex = 0): Promise<void> {
  const names = (await ourContainers()).filter((n) => Number(n.slice(n.lastIndexOf('-') + 1)) >= fromIndex);
  if (names.length) await docker('rm', '-f', ...names).catch(() => undefined);
}

async function main(): Promise<number> {
  mkdirSync(RUN, { recursive: true });
  writeFileSync(LOG_FILE, '');
  const upstream = upstreamSocket();
  const failures: string[] = [];
  const started = Date.now();
  progress(`engine ${upstream}, idle window ${IDLE_SECONDS} s, ${ACTIVATION_RUNS} activation runs, ${CLICK_RUNS} click runs, ${TRIALS} trials, ${PARALLEL_ROUNDS} parallel-start rounds, scale ${SCALE.join('/')} (${SCALE_TRIALS} trials, ${SCALE_IDLE_SECONDS} s idle each); log ${LOG_FILE}`);

  await docker('version', '--format', '{{.Server.Version}}').catch((err: Error) => {
    throw new Error(`the Docker engine at ${upstream} does not answer: ${err.message}`);
  });
  const taken = [];
  for (let i = 0; i < MAX_INDEX; i++) if (await docker('inspect', '--type', 'container', containerName(i)).then(() => true, () => false)) taken.push(containerName(i));
  const leftovers = await ourContainers();
  if (leftovers.length) await docker('rm', '-f', ...leftovers);
  const foreign = taken.filter((n) => !leftovers.includes(n));
  if (foreign.length) {
    throw new Error(`${foreign.join(', ')} already exist on this engine (someone else's instances); run the benchmark on an engine of its own (npm run bench with DOCKER_HOST unset starts one)`);
  }
  if (!existsSync(VSIX)) throw new Error(`no .vsix at ${VSIX} (npm run package)`);
  for (const entry of ['activation.js', 'main.js', 'click.js', 'scale.js']) if (!existsSync(path.join(HARNESS, entry))) throw new Error(`missing ${path.join(HARNESS, entry)} (scripts/bench.sh bundles it)`);
  rmSync(DATA_ROOT, { recursive: true, force: true });
  mkdirSync(DATA_ROOT, { recursive: true });

  // Sizes: the bundles' sizes are read from the .vsix itself (`unzip -Zl`: name → uncompressed size).
  const listing = await exec('unzip', ['-Zl', VSIX]).then(
    (r) => new Map(r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 10 && /^-/.test(f[0])).map((f) => [f[f.length - 1], Number(f[3])])),
    () => new Map<string, number>(),
  );
  const sizes: VsixSizes = {
    vsixBytes: statSync(VSIX).size,
    vsixFiles: listing.size || undefined,
    bundleBytes: listing.get('extension/dist/extension.js'),
    // What dist/extension.js requires on first use, not at activation (scripts/build.mjs): dockerode, tar-stream, doctor, build, pull.
    firstUseBytes: Object.fromEntries(
      [...listing].filter(([name]) => /^extension\/dist\/[\w-]+\.js$/.test(name) && !/\/(extension|boot)\.js$/.test(name)).map(([name, bytes]) => [name.replace('extension/', ''), bytes]),
    ),
    webviewBundleBytes: listing.get('extension/media/webview.js'),
    unpackedBytes: listing.size ? [...listing.values()].reduce((a, b) => a + b, 0) : undefined,
  };

  // Manager level: start → ready and stop trials (leaves 3 instances running), then the parallel start.
  const engineOpts = { upstreamSocket: upstream, image: IMAGE, dataRoot: DATA_ROOT };
  let manager: ManagerFigures | undefined;
  let parallel: ParallelFigures | undefined;
  if (!ONLY_ACTIVATION) try {
    progress('manager level: starting 3 stand-in instances, then stop/start trials');
    manager = await managerBench({ ...engineOpts, trials: TRIALS, progress });
  } catch (err) {
    failures.push(`manager level: ${err instanceof Error ? err.message : String(err)}`);
    progress(`manager level failed: ${String(err)}`);
  }
  if (PARALLEL_ROUNDS > 0 && !ONLY_ACTIVATION) {
    try {
      progress(`parallel start: manager startAll of 4 against 4 sequential docker run, ${PARALLEL_ROUNDS} rounds`);
      parallel = await parallelBench({ ...engineOpts, rounds: PARALLEL_ROUNDS, progress });
    } catch (err) {
      failures.push(`parallel start: ${err instanceof Error ? err.message : String(err)}`);
      progress(`parallel start failed: ${String(err)}`);
    }
  }
  const limits = ONLY_ACTIVATION ? undefined : await limitsPart({ ...engineOpts, progress }, failures); // time limits (test/bench/limits.ts), after the parts above
  try {
    await removeOurContainers(INSTANCES);
    const { notReady } = await startInstances(engineOpts, INSTANCES);
    if (notReady.length) throw new Error(`not ready: ${notReady.join(', ')}`);
  } catch (err) {
    failures.push(`starting ${INSTANCES} instances for the workbench runs: ${err instanceof Error ? err.message : String(err)}`);
  }

  // VS Code.
  const proxySocket = (() => {
    const p = path.join(RUN, 'docker-proxy.sock');
    return p.length < 100 ? p : path.join(os.tmpdir(), `isaac-bench-${process.pid}.sock`);
  })();
  const answersDir = path.join(RUN, 'answers');
  const config: BenchConfig = { proxySocket, upstreamSocket: upstream, beforeViewMs: BEFORE_VIEW_MS, settleMs: SETTLE_MS, idleSeconds: IDLE_SECONDS, trials: TRIALS, answersDir };
  const writeConfig = (c: BenchConfig) => writeFileSync(path.join(HARNESS, 'config.json'), JSON.stringify(c, null, 2));
  writeConfig(config);
  // The development extension the workbench loads is only a harness (no code, no contributions):
  // the extension under test is the .vsix installed into the server, as a user has it.
  writeFileSync(
    path.join(HARNESS, 'package.json'),
    JSON.stringify({ name: 'isaac-sim-orchestrator-bench-harness', publisher: 'bench', version: '0.0.0', engines: { vscode: '^1.96.0' } }, null, 2),
  );
  const settings = Object.fromEntries(Object.entries(benchSettings(IMAGE, DATA_ROOT)).map(([k, v]) => [`isaacSim.${k}`, v]));
  settings['isaacSim.dockerHost'] = `unix://${proxySocket}`;

  const collected = newCollected();
  const clicks: Array<Record<string, unknown>> = [];
  const scaleRuns: ScaleRun[] = [];
  let server: CodeServer | undefined;
  const stopAll = async () => {
    await server?.stop().catch(() => undefined);
    server = undefined;
    await removeOurContainers();
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    progress('interrupted: stopping code-server and the instances');
    void stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  /** One extension-host run of a harness entry point in a fresh workbench (and so a fresh extension host). */
  const workbenchRun = async (name: string, entry: string, timeoutMs: number, into: Collected = collected, readyRows = INSTANCES): Promise<number> => {
    rmSync(answersDir, { recursive: true, force: true });
    mkdirSync(answersDir, { recursive: true });
    let page: Page | undefined;
    let clickAt = Infinity;
    const answer: Answerer = async (question) => {
      if (!page) throw new Error('no workbench page');
      if (question === 'running-extensions') return readRunningExtensions(page, DISPLAY_NAME);
      if (question === 'watch-tree') {
        await watchTreeRows(page);
        return { ok: true };
      }
      if (question === 'click-view') {
        const reply = await clickView(page);
        clickAt = Number(reply.clickAt);
        return reply;
      }
      if (question === 'first-row') return firstRenderedRow(into, clickAt);
      const settled = /^rendered (instance-\d+) (stopped|ready) \d+$/.exec(question);
      if (settled) return renderedRowShows(into, settled[1], settled[2] === 'stopped' ? /^(stopped|failed)\b/ : /^ready\b/);
      if (question === 'rows-rendered-ready') {
        const reply = await renderedRowsReady(into, readyRows);
        await page.screenshot({ path: path.join(RUN, 'view-open.png') }).catch(() => undefined);
        if (reply.at === null) progress(`the rendered rows did not show ready within 10 s of the data: ${(reply.rows as string[]).join(', ')} (screenshot ${RUN}/view-open.png)`);
        return reply;
      }
      throw new Error(`unknown question ${question}`);
    };
    writeFileSync(path.join(RUN, `exthost-${name}.log`), '');
    // Each run's Chromium profile and logs stay under the server's run folder (removed at the start).
    return runExtensionHostTests({
      server: server!,
      extensionDevelopmentPath: HARNESS,
      extensionTestsPath: path.join(HARNESS, entry),
      folder: WORKSPACE,
      timeoutMs,
      onPage: async (p) => {
        page = p;
        await p.exposeFunction('__benchRowChanged', (label: string, desc: string, t: number) => into.domRows.push({ label, desc, t }));
      },
      onLog: collector(into, path.join(RUN, `exthost-${name}.log`), answersDir, answer, progress),
    });
  };

  try {
    await ensureCodeServerInstalled();
    rmSync(path.join(RUN, 'code-server'), { recursive: true, force: true });
    server = await startCodeServer({ workspace: WORKSPACE, runDir: path.join(RUN, 'code-server'), vsix: VSIX, smokeTestDriver: true, port: PORT, settings });
    progress(`code-server on port ${server.port} with ${path.basename(VSIX)} installed`);

    // Activation in fresh extension hosts, alternately right as the host starts (other extensions
    // are activating too) and after it settled for SETTLE_MS (as when a user opens the view later).
    for (let r = 1; r <= 2 * ACTIVATION_RUNS; r++) {
      const settleMs = r % 2 ? 0 : SETTLE_MS;
      writeConfig({ ...config, settleMs });
      const code = await workbenchRun(`activation-${r}`, 'activation', 120_000);
      if (code !== 0) failures.push(`activation run ${r} exited with ${code} (see ${RUN}/exthost-activation-${r}.log)`);
      const last = collected.activations[collected.activations.length - 1];
      progress(`activation run ${r}/${2 * ACTIVATION_RUNS} (${settleMs ? 'settled' : 'at start-up'}): ${last ? `VS Code "${String(last.vscodeText)}", activate() ${Math.round(Number(last.ms))} ms (extension host marks: require ${marksOf(last).requireMs ?? '?'} ms, activate call ${marksOf(last).activateMs ?? '?'} ms), ${String(last.requestsBeforeView)} engine requests` : 'no result'}`);
    }
    // Activation as a user triggers it: a click on the view's activity-bar icon, the host settled.
    writeConfig(config);
    for (let r = 1; r <= CLICK_RUNS; r++) {
      const into = newCollected();
      const code = await workbenchRun(`click-${r}`, 'click', 120_000, into);
      if (code !== 0) failures.push(`click run ${r} exited with ${code} (see ${RUN}/exthost-click-${r}.log)`);
      clicks.push(...into.clicks);
      const last = into.clicks[into.clicks.length - 1];
      progress(`click run ${r}/${CLICK_RUNS}: ${last ? `click → active ${Math.round(Number(last.clickToActiveMs))} ms, → first row ${Math.round(Number(last.clickToFirstRowMs))} ms, VS Code "${String(last.vscodeText)}"${last.wasActive ? ' (ALREADY ACTIVE before the click)' : ''}` : 'no result'}`);
    }

    if (!ONLY_ACTIVATION) {
      progress(`main run: view, ${IDLE_SECONDS} s idle, ${TRIALS} stop/start trials (extension host processes alive now: ${extensionHosts(server.pid)})`);
      const code = await workbenchRun('main', 'main', (IDLE_SECONDS + 240 + TRIALS * 30) * 1000);
      if (code !== 0) failures.push(`main run exited with ${code} (see ${RUN}/exthost-main.log)`);
    }

    // Scale: N instances running (started at manager level, the rest removed), one fresh workbench each.
    for (const n of SCALE) {
      await removeOurContainers(n);
      let started: Awaited<ReturnType<typeof startInstances>>;
      try {
        started = await startInstances(engineOpts, n);
      } catch (err) {
        failures.push(`scale ${n}: ${err instanceof Error ? err.message : String(err)}`);
        progress(`scale ${n} skipped: ${String(err)}`);
        continue;
      }
      const { ms: startMs, notReady } = started;
      // A finding about the manager, not a harness failure: the containers run, the workbench run tells whether the extension sees them ready.
      if (notReady.length) progress(`scale ${n}: NOTE the manager did not see ${notReady.length} running instances ready within 180 s: ${notReady.join(', ')}`);
      progress(`scale ${n}: ${n - notReady.length} of ${n} instances ready at manager level in ${Math.round(startMs)} ms (free memory ${Math.round(os.freemem() / 2 ** 20)} MiB)`);
      writeConfig({ ...config, scale: { instances: n, instanceCount: Math.min(n, MAX_INSTANCE_COUNT), trials: SCALE_TRIALS, idleSeconds: SCALE_IDLE_SECONDS } });
      const into = newCollected();
      const scaleCode = await workbenchRun(`scale-${n}`, 'scale', (SCALE_IDLE_SECONDS + 240 + SCALE_TRIALS * 40) * 1000, into);
      if (scaleCode !== 0) failures.push(`scale run ${n} exited with ${scaleCode} (see ${RUN}/exthost-scale-${n}.log)`);
      scaleRuns.push({ instances: n, collected: into, managerNotReady: notReady });
    }
  } catch (err) {
    failures.push(err instanceof Error ? err.message : String(err));
  } finally {
    process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
    await stopAll();
  }

  const { result, lines } = benchResult(
    { onlyActivation: ONLY_ACTIVATION, idleSeconds: IDLE_SECONDS, activationRuns: ACTIVATION_RUNS, clickRuns: CLICK_RUNS, trials: TRIALS, scale: SCALE, scaleTrials: SCALE_TRIALS, scaleIdleSeconds: SCALE_IDLE_SECONDS, parallelRounds: PARALLEL_ROUNDS, engine: upstream, settleMs: SETTLE_MS, beforeViewMs: BEFORE_VIEW_MS },
    { collected, clicks, scaleRuns, manager, parallel, limits, sizes, started, jsonOut: JSON_OUT },
    failures,
  );
  mkdirSync(path.dirname(JSON_OUT), { recursive: true });
  writeFileSync(JSON_OUT, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(lines.join('\n') + '\n');
  return failures.length ? 1 : 0;
}

runMain(main, removeOurContainers);
