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
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { ensureCodeServerInstalled, runExtensionHostTests, startCodeServer, type CodeServer } from '../e2e/host';
import { managerBench, type ManagerFigures } from './manager';
import { ASK_PREFIX, BENCH_PREFIX, INSTANCES, benchSettings, containerName, summarize, type BenchConfig, type EngineEventRecord, type Summary } from './shared';

const exec = promisify(execFile);

const PEER = {
  name: 'Microsoft Container Tools 2.5.0',
  activationMs: 464,
  requestsBeforeView: 0,
  idleRequests: 24,
  idleSeconds: 300,
  eventToTreeMs: { median: 601, min: 567, max: 620 },
  vsixBytes: 1_030_147,
};

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
const DISPLAY_NAME = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { displayName: string }).displayName;
const IMAGE = readFileSync(path.join(REPO, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim();
const DATA_ROOT = path.join(RUN, 'isaac-sim-data');

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw}"`);
  return n;
}

const IDLE_SECONDS = intEnv('BENCH_IDLE_SECONDS', 300, 1);
const ACTIVATION_RUNS = intEnv('BENCH_ACTIVATION_RUNS', 5, 1);
const TRIALS = intEnv('BENCH_TRIALS', 10, 1);
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
  for (let i = 0; i < INSTANCES; i++) {
    try {
      const binds = await docker('inspect', '-f', '{{range .HostConfig.Binds}}{{println .}}{{end}}', containerName(i));
      if (binds.split('\n').some((b) => b.startsWith(DATA_ROOT + '/'))) ours.push(containerName(i));
    } catch {
      // no such container
    }
  }
  return ours;
}

async function removeOurContainers(): Promise<void> {
  const names = await ourContainers();
  if (names.length) await docker('rm', '-f', ...names).catch(() => undefined);
}

interface Collected {
  activations: Array<Record<string, unknown>>;
  view?: Record<string, unknown>;
  idle?: Record<string, unknown>;
  trials: Array<Record<string, unknown> & { index: number; action: string; before?: string; issuedAt: number; cliDoneAt: number; dataAt: number; windowEnd: number; events: EngineEventRecord[] }>;
  done?: Record<string, unknown>;
  domRows: Array<{ label: string; desc: string; t: number }>;
}

/** Answers the extension-host side's questions in the workbench page (see ASK_PREFIX). */
type Answerer = (question: string) => Promise<Record<string, unknown>>;

function collector(into: Collected, logFile: string, answersDir: string, answer: Answerer): (line: string) => void {
  return (line) => {
    appendFileSync(logFile, line + '\n');
    const askAt = line.indexOf(ASK_PREFIX);
    if (askAt >= 0) {
      const question = line.slice(askAt + ASK_PREFIX.length).trim();
      void answer(question)
        .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }))
        .then((reply) => {
          const file = path.join(answersDir, `${question}.json`);
          writeFileSync(file + '.tmp', JSON.stringify(reply));
          renameSync(file + '.tmp', file);
        });
      return;
    }
    const at = line.indexOf(BENCH_PREFIX);
    if (at < 0) return;
    let msg: Record<string, unknown> & { kind: string };
    try {
      msg = JSON.parse(line.slice(at + BENCH_PREFIX.length));
    } catch {
      return;
    }
    switch (msg.kind) {
      case 'activation':
        into.activations.push(msg);
        break;
      case 'view':
        into.view = msg;
        break;
      case 'idle':
        into.idle = msg;
        break;
      case 'trial':
        into.trials.push(msg as unknown as Collected['trials'][number]);
        break;
      case 'done':
        into.done = msg;
        break;
      case 'progress':
        progress(`idle ${String(msg.elapsedS)}/${String(msg.of)} s, ${String(msg.requests)} engine requests so far`);
        break;
    }
  };
}

/**
 * Watches the Isaac Sim tree's rows as rendered: every change of a row's description (and each
 * row's first appearance) goes to `__benchRowChanged` with the page's time. Installed before the
 * view is shown: a document-wide observer looks for the rows, then only their list is observed.
 */
async function watchTreeRows(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __benchRowChanged: (label: string, desc: string, t: number) => void; __benchWatching?: boolean };
    if (w.__benchWatching) return;
    w.__benchWatching = true;
    let last: Record<string, string> = {};
    const read = (root: Element): Record<string, string> => {
      const rows: Record<string, string> = {};
      for (const row of root.querySelectorAll('.monaco-list-row')) {
        const label = (row.querySelector('.label-name')?.textContent ?? '').trim();
        if (/^instance-\d+$/.test(label)) rows[label] = (row.querySelector('.label-description')?.textContent ?? '').trim();
      }
      return rows;
    };
    const diff = (root: Element) => {
      const t = Date.now();
      const now = read(root);
      for (const [label, desc] of Object.entries(now)) if (last[label] !== desc) w.__benchRowChanged(label, desc, t);
      last = now;
    };
    const findRoot = (): Element | undefined =>
      [...document.querySelectorAll('.monaco-list-row .label-name')].find((e) => /^instance-\d+$/.test((e.textContent ?? '').trim()))?.closest('.monaco-list') ?? undefined;
    const watchRoot = (root: Element) => {
      diff(root);
      new MutationObserver(() => diff(root)).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    };
    const root = findRoot();
    if (root) return watchRoot(root);
    const finder = new MutationObserver(() => {
      const found = findRoot();
      if (found) {
        finder.disconnect();
        watchRoot(found);
      }
    });
    finder.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Waits (10 s at most) until every rendered instance row says ready; when that first held, and the rows. */
async function renderedRowsReady(collected: Collected): Promise<Record<string, unknown>> {
  const latest = () => {
    const rows = new Map<string, { desc: string; t: number }>();
    for (const r of collected.domRows) rows.set(r.label, r);
    return rows;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = latest();
    const all = [...Array(INSTANCES).keys()].map((i) => rows.get(`instance-${i}`));
    if (all.every((r) => r && /^ready\b/.test(r.desc))) return { at: Math.max(...all.map((r) => r!.t)), rows: [...rows].map(([l, r]) => `${l} ${r.desc}`) };
    if (Date.now() > deadline) return { at: null, rows: [...rows].map(([l, r]) => `${l} ${r.desc}`) };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * VS Code's own activation figure for the extension: its row in the Running Extensions editor
 * (Developer: Show Running Extensions) says "Activation: N ms", code loading + the activate() call.
 */
async function readRunningExtensions(page: Page): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const seen = await page.evaluate((displayName) => {
      const editor = document.querySelector('.runtime-extensions-editor');
      if (!editor) return { state: 'no-editor' };
      for (const row of editor.querySelectorAll('.monaco-list-row')) {
        if ((row.querySelector('.name')?.textContent ?? '').trim() === displayName) {
          return { state: 'found', text: (row.querySelector('.activation-time')?.textContent ?? '').trim() };
        }
      }
      return { state: 'not-found' };
    }, DISPLAY_NAME);
    if (seen.state === 'found' && /\d+\s*ms/.test(seen.text ?? '')) return { text: seen.text };
    if (Date.now() > deadline) return { error: `"${DISPLAY_NAME}" with an activation time not found in Running Extensions (${seen.state})` };
    if (seen.state === 'not-found') {
      // The list is virtual: scroll it to render the rows further down.
      const box = await page.locator('.runtime-extensions-editor .monaco-list').first().boundingBox().catch(() => null);
      if (box) {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.wheel(0, 350);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** First rendered change of the trial's row after its action, as latency from the engine's first event. */
function domLatency(trial: Collected['trials'][number], rows: Collected['domRows']): number | undefined {
  const first = trial.events[0];
  if (!first) return undefined;
  const label = `instance-${trial.index}`;
  const hit = rows.find((r) => r.label === label && r.t >= trial.issuedAt && r.t <= trial.windowEnd && r.desc !== trial.before);
  return hit ? hit.t - first.engineAt : undefined;
}

/** Extension host processes under the server (code-server keeps a closed window's host for reconnection). */
function extensionHosts(serverPid: number): number {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const pgid = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
      if (pgid === serverPid && /extensionHost/.test(cmdline)) n++;
    } catch {
      // gone
    }
  }
  return n;
}

function fmt(s: Summary | undefined, unit = ''): string {
  return s ? `median=${s.median}${unit} min=${s.min}${unit} max=${s.max}${unit} n=${s.n}` : 'n/a';
}

async function main(): Promise<number> {
  mkdirSync(RUN, { recursive: true });
  writeFileSync(LOG_FILE, '');
  const upstream = upstreamSocket();
  const failures: string[] = [];
  const started = Date.now();
  progress(`engine ${upstream}, idle window ${IDLE_SECONDS} s, ${ACTIVATION_RUNS} activation runs, ${TRIALS} trials; log ${LOG_FILE}`);

  await docker('version', '--format', '{{.Server.Version}}').catch((err: Error) => {
    throw new Error(`the Docker engine at ${upstream} does not answer: ${err.message}`);
  });
  const taken = [];
  for (let i = 0; i < INSTANCES; i++) if (await docker('inspect', '--type', 'container', containerName(i)).then(() => true, () => false)) taken.push(containerName(i));
  const leftovers = await ourContainers();
  if (leftovers.length) await docker('rm', '-f', ...leftovers);
  const foreign = taken.filter((n) => !leftovers.includes(n));
  if (foreign.length) {
    throw new Error(`${foreign.join(', ')} already exist on this engine (someone else's instances); run the benchmark on an engine of its own (npm run bench with DOCKER_HOST unset starts one)`);
  }
  if (!existsSync(VSIX)) throw new Error(`no .vsix at ${VSIX} (npm run package)`);
  for (const entry of ['activation.js', 'main.js']) if (!existsSync(path.join(HARNESS, entry))) throw new Error(`missing ${path.join(HARNESS, entry)} (scripts/bench.sh bundles it)`);
  rmSync(DATA_ROOT, { recursive: true, force: true });
  mkdirSync(DATA_ROOT, { recursive: true });

  // Sizes.
  // The bundles' sizes are read from the .vsix itself (`unzip -Zl`: name → uncompressed size).
  const listing = await exec('unzip', ['-Zl', VSIX]).then(
    (r) => new Map(r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 10 && /^-/.test(f[0])).map((f) => [f[f.length - 1], Number(f[3])])),
    () => new Map<string, number>(),
  );
  const sizes = {
    vsixBytes: statSync(VSIX).size,
    vsixFiles: listing.size || undefined,
    bundleBytes: listing.get('extension/dist/extension.js'),
    webviewBundleBytes: listing.get('extension/media/webview.js'),
    unpackedBytes: listing.size ? [...listing.values()].reduce((a, b) => a + b, 0) : undefined,
  };

  // Manager level (also leaves the 3 instances running for the VS Code part).
  let manager: ManagerFigures | undefined;
  try {
    progress('manager level: starting 3 stand-in instances, then stop/start trials');
    manager = await managerBench({ upstreamSocket: upstream, image: IMAGE, dataRoot: DATA_ROOT, trials: TRIALS, progress });
  } catch (err) {
    failures.push(`manager level: ${err instanceof Error ? err.message : String(err)}`);
    progress(`manager level failed: ${String(err)}`);
  }

  // VS Code.
  const proxySocket = (() => {
    const p = path.join(RUN, 'docker-proxy.sock');
    return p.length < 100 ? p : path.join(os.tmpdir(), `isaac-bench-${process.pid}.sock`);
  })();
  const answersDir = path.join(RUN, 'answers');
  const config: BenchConfig = { proxySocket, upstreamSocket: upstream, beforeViewMs: BEFORE_VIEW_MS, settleMs: SETTLE_MS, idleSeconds: IDLE_SECONDS, trials: TRIALS, answersDir };
  writeFileSync(path.join(HARNESS, 'config.json'), JSON.stringify(config, null, 2));
  // The development extension the workbench loads is only a harness (no code, no contributions):
  // the extension under test is the .vsix installed into the server, as a user has it.
  writeFileSync(
    path.join(HARNESS, 'package.json'),
    JSON.stringify({ name: 'isaac-sim-orchestrator-bench-harness', publisher: 'bench', version: '0.0.0', engines: { vscode: '^1.96.0' } }, null, 2),
  );
  const settings = Object.fromEntries(Object.entries(benchSettings(IMAGE, DATA_ROOT)).map(([k, v]) => [`isaacSim.${k}`, v]));
  settings['isaacSim.dockerHost'] = `unix://${proxySocket}`;

  const collected: Collected = { activations: [], trials: [], domRows: [] };
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
  const workbenchRun = async (name: string, entry: string, timeoutMs: number): Promise<number> => {
    rmSync(answersDir, { recursive: true, force: true });
    mkdirSync(answersDir, { recursive: true });
    let page: Page | undefined;
    const answer: Answerer = async (question) => {
      if (!page) throw new Error('no workbench page');
      if (question === 'running-extensions') return readRunningExtensions(page);
      if (question === 'watch-tree') {
        await watchTreeRows(page);
        return { ok: true };
      }
      if (question === 'rows-rendered-ready') {
        const reply = await renderedRowsReady(collected);
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
        await p.exposeFunction('__benchRowChanged', (label: string, desc: string, t: number) => collected.domRows.push({ label, desc, t }));
      },
      onLog: collector(collected, path.join(RUN, `exthost-${name}.log`), answersDir, answer),
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
      writeFileSync(path.join(HARNESS, 'config.json'), JSON.stringify({ ...config, settleMs }, null, 2));
      const code = await workbenchRun(`activation-${r}`, 'activation', 120_000);
      if (code !== 0) failures.push(`activation run ${r} exited with ${code} (see ${RUN}/exthost-activation-${r}.log)`);
      const last = collected.activations[collected.activations.length - 1];
      progress(`activation run ${r}/${2 * ACTIVATION_RUNS} (${settleMs ? 'settled' : 'at start-up'}): ${last ? `VS Code "${String(last.vscodeText)}", activate() ${Math.round(Number(last.ms))} ms, ${String(last.requestsBeforeView)} engine requests` : 'no result'}`);
    }
    writeFileSync(path.join(HARNESS, 'config.json'), JSON.stringify(config, null, 2));

    progress(`main run: view, ${IDLE_SECONDS} s idle, ${TRIALS} stop/start trials (extension host processes alive now: ${extensionHosts(server.pid)})`);
    const code = await workbenchRun('main', 'main', (IDLE_SECONDS + 240 + TRIALS * 30) * 1000);
    if (code !== 0) failures.push(`main run exited with ${code} (see ${RUN}/exthost-main.log)`);
  } catch (err) {
    failures.push(err instanceof Error ? err.message : String(err));
  } finally {
    process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
    await stopAll();
  }

  // Figures.
  const act = collected.activations;
  const vscodeMs = (settled: boolean) => summarize(act.filter((a) => Boolean(a.settleMs) === settled).map((a) => a.vscodeMs).filter((x): x is number => typeof x === 'number'));
  const activation = vscodeMs(true);
  const activationAtStartup = vscodeMs(false);
  const activateCall = summarize(act.filter((a) => a.settleMs).map((a) => Number(a.ms)));
  if (act.length && !activation) failures.push(`VS Code's activation time was not read from Running Extensions (${String(act[0].vscodeText)})`);
  if (act.some((a) => a.wasActive)) failures.push('the extension was already active before a run activated it: activation time not measured');
  const beforeView = act.map((a) => Number(a.requestsBeforeView));
  const stops = collected.trials.filter((t) => t.action === 'stop');
  const starts = collected.trials.filter((t) => t.action === 'start');
  const dataLatency = (ts: typeof stops) => ts.map((t) => t.dataAt - (t.events[0]?.engineAt ?? NaN)).filter(Number.isFinite);
  const domLatencies = (ts: typeof stops) => ts.map((t) => domLatency(t, collected.domRows)).filter((x): x is number => x !== undefined);
  const rendered = { all: summarize(domLatencies(collected.trials)), stop: summarize(domLatencies(stops)), start: summarize(domLatencies(starts)) };
  const data = { all: summarize(dataLatency(collected.trials)), stop: summarize(dataLatency(stops)), start: summarize(dataLatency(starts)) };
  const kb = (b: unknown) => (typeof b === 'number' ? Math.round(b / 1024) : undefined);
  const heapAfterActivation = summarize(act.filter((a) => a.settleMs).map((a) => Number(a.heapDeltaBytes) / 1024));
  const idle = collected.idle;
  const view = collected.view;
  if (collected.trials.length < 2 * TRIALS) failures.push(`only ${collected.trials.length} of ${2 * TRIALS} trials finished`);
  if (collected.trials.length && !rendered.all) failures.push('no rendered row change was seen (see exthost-main.log)');

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadavg: os.loadavg(), node: process.version, note: 'shared machine: other work may have been running' },
    config: { idleSeconds: IDLE_SECONDS, activationRuns: ACTIVATION_RUNS, trials: TRIALS, instances: INSTANCES, engine: upstream, standinStepSeconds: 0.05 },
    peer: PEER,
    ours: {
      activationMs: { settled: activation, atStartup: activationAtStartup, settledActivateCallWallMs: activateCall, settleMs: SETTLE_MS },
      requestsBeforeView: { perRun: beforeView, max: beforeView.length ? Math.max(...beforeView) : undefined, windowMs: BEFORE_VIEW_MS, lines: act.flatMap((a) => a.requestLinesBeforeView as string[]) },
      viewOpen: collected.view,
      idle,
      eventToTreeRowRenderedMs: rendered,
      eventToTreeDataMs: data,
      trials: collected.trials,
      renderedRowChanges: collected.domRows,
      sizes,
      exthostMemory: { heapDeltaAfterActivationKiB: heapAfterActivation, heapDeltaAfterViewAndIdleKiB: kb(idle?.heapDeltaSinceActivationBytes), rssDeltaAfterViewAndIdleKiB: kb(idle?.rssDeltaSinceActivationBytes), gc: idle?.gc ?? act[0]?.gc },
      manager: manager && {
        connectMs: Math.round(manager.connectMs * 10) / 10,
        firstStartToReadyMs: Math.round(manager.firstStartToReadyMs),
        cachedCreateToReadyMs: summarize(manager.cachedCreateToReadyMs),
        restartToReadyMs: summarize(manager.restartToReadyMs),
        stopEventToStateMs: summarize(manager.stopEventToStateMs),
      },
    },
    failures,
    durationS: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(path.dirname(JSON_OUT), { recursive: true });
  writeFileSync(JSON_OUT, JSON.stringify(result, null, 2) + '\n');

  const ratio = (peer: number, ours: number | undefined) => (ours && ours > 0 ? ` = ${(peer / ours).toFixed(1)}× better` : '');
  const lines = [
    `# Isaac Sim Orchestrator benchmark, ${result.date} (${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}); peer: ${PEER.name}`,
    `activation_ms ${fmt(activation)} VS Code's Running Extensions figure, fresh extension host settled ${SETTLE_MS / 1000} s, incl. the main run (peer ${PEER.activationMs})${ratio(PEER.activationMs, activation?.median)}`,
    `activation_at_startup_ms ${fmt(activationAtStartup)} the same, activated as the extension host starts, beside the built-in extensions' start-up (peer ${PEER.activationMs})${ratio(PEER.activationMs, activationAtStartup?.median)}`,
    `activate_call_ms ${fmt(activateCall)} wall time of ext.activate() in the settled extension host (peer n/a)`,
    `engine_requests_before_view=${beforeView.length ? Math.max(...beforeView) : 'n/a'} max over ${beforeView.length} runs, each activation + ${BEFORE_VIEW_MS / 1000} s with the view hidden (peer ${PEER.requestsBeforeView})`,
    `engine_requests_idle=${idle ? String(idle.requests) : 'n/a'} in ${idle ? Math.round(Number(idle.seconds)) : IDLE_SECONDS} s with ${INSTANCES} running instances, view shown (peer ${PEER.idleRequests} in ${PEER.idleSeconds} s)`,
    `event_to_tree_row_ms ${fmt(rendered.all)} rendered row in the workbench, docker stop+start from the CLI (peer median ${PEER.eventToTreeMs.median}, ${PEER.eventToTreeMs.min}–${PEER.eventToTreeMs.max})${ratio(PEER.eventToTreeMs.median, rendered.all?.median)}`,
    `event_to_tree_row_ms[stop] ${fmt(rendered.stop)}`,
    `event_to_tree_row_ms[start] ${fmt(rendered.start)}`,
    `event_to_tree_data_ms ${fmt(data.all)} api.tree.rows() changed, in the extension host (peer n/a)`,
    `vsix_bytes=${sizes.vsixBytes} (${sizes.vsixFiles ?? '?'} files) (peer ${PEER.vsixBytes})${ratio(PEER.vsixBytes, sizes.vsixBytes)}`,
    `bundle_bytes=${sizes.bundleBytes ?? 'n/a'} dist/extension.js, ${sizes.webviewBundleBytes ?? 'n/a'} media/webview.js, ${sizes.unpackedBytes ?? 'n/a'} unpacked in all (peer n/a)`,
    `exthost_heap_delta_kib after activation (settled) ${fmt(heapAfterActivation)}; after view + ${INSTANCES} instances + idle ${kb(idle?.heapDeltaSinceActivationBytes) ?? 'n/a'}${act[0]?.gc ? ', after full GC' : ', no forced GC'} (peer n/a)`,
    `view_open_ms connected=${view ? Math.round(Number(view.connectedMs)) : 'n/a'} data_rows_ready=${view ? Math.round(Number(view.rowsReadyMs)) : 'n/a'} rendered_rows_ready=${view ? (typeof view.renderedReadyMs === 'number' ? Math.round(view.renderedReadyMs) : `NOT within 10 s of the data (rendered: ${(view.renderedRows as string[] | undefined)?.join(', ') ?? '?'})`) : 'n/a'}; engine_requests=${view ? String(view.requests) : 'n/a'}${view?.startedHere ? ' (instances started by Start All here)' : ` (${INSTANCES} running instances adopted)`} (peer n/a)`,
    `manager_stop_event_to_state_ms ${fmt(result.ours.manager?.stopEventToStateMs)} (no VS Code)`,
    `manager_start_to_ready_ms first=${result.ours.manager?.firstStartToReadyMs ?? 'n/a'} new_cached ${fmt(result.ours.manager?.cachedCreateToReadyMs)}; restart ${fmt(result.ours.manager?.restartToReadyMs)} (stand-in at 0.05 s per log line)`,
    `# json: ${JSON_OUT}; took ${result.durationS} s${failures.length ? `; HARNESS FAILURES: ${failures.join(' | ')}` : ''}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    void removeOurContainers().finally(() => process.exit(1));
  },
);
