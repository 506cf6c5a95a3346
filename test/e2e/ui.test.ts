/**
 * UI end-to-end suite: the packaged extension (.vsix) in a real VS Code (code-server) driven by a
 * headless Chromium, managing two instances of the stand-in simulator on the real Docker engine.
 *
 *   npx tsc -p . && node --test --test-concurrency=1 out/test/e2e/ui.test.js
 *
 * Steps: 1 build and start, 2 the view, 3 Start Instance → ready (3a: meanwhile the start progress
 * notification named its phase and the status bar spun; both settled once ready; 3b: Cancel on the
 * start progress of instance-1 stops it; 3c: the row shows instance-0's live figures, and a start they say
 * will not fit asks first, with them), 4 logs, 5–6 sim views (6a: each 4.2 page's player reached its
 * own instance's signalling port), 7 no reload on tab switches (7b Run in Sim, 7c the walkthrough, 7d
 * the README tour's frames, which steps 3 and 7b take into test-artifacts/ui/tour/), 8 Stop All, 9 the user settings switch
 * the stand-in to STANDIN_MODE=gpu-fail (edited and saved in VS Code's own settings.json editor: see
 * replaceUserSettings) and instance-0's next start fails, 10 the failure notification and its "Show Fix"
 * modal, 11 the error icon in the tree and the status bar's error colour, 12 the user settings switch to
 * the 6.x image: both instances become ready on their own signalling ports, instance-1 from the shader
 * cache instance-0's first start filled (the shared GLCache volume).
 *
 * The browser only ever talks to loopback addresses: every request elsewhere is aborted and recorded
 * (the 4.2 stand-in's /streaming/webrtc-client/ redirects off loopback, like NVIDIA's), and steps 6a
 * and 12 fail if there was one.
 *
 * The steps run in order and share one code-server and one browser; each is its own test so a
 * failure names the step. When a step fails before it has set up what later steps need, the steps
 * after it fail at once, naming it (see `step`). Everything is written under .run/ui/ (fresh each
 * run); screenshots go to test-artifacts/ui/ (failed-*.png when a step fails). `after` stops the
 * browser, code-server and the two instance containers even when a step failed.
 *
 * The instance containers are named isaac-sim-instance-0/1 on the shared engine: do not run this
 * suite while another suite or the demo uses the same names. UI_TEST_IMAGE overrides the image
 * (default: stand-in/IMAGE), for diagnostic runs against a modified stand-in.
 *
 * Needs: a Docker engine on DOCKER_HOST, else the default socket (bash scripts/dockerd.sh start), code-server
 * (installed on demand by ensureCodeServerInstalled) and /usr/bin/chromium.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { ensureCodeServerInstalled, launchChromium, listInstalledExtensions, startCodeServer, type CodeServer } from './host';
import { probeTcp } from '../../src/instances/probe';
import {
  activateTab,
  clearNotifications,
  closeQuickInput,
  delay,
  dialogBox,
  dockerBinds,
  dockerRemove,
  dockerRunning,
  dockerState,
  dockerStop,
  editorTab,
  errorText,
  fileSize,
  findClientFrame,
  focusSideBar,
  frameDepth,
  isClientFrameUrl,
  normalize,
  notificationTexts,
  outputChannelName,
  waitForOutputText,
  pickQuickItem,
  poll,
  readDialog,
  workbenchSummary,
  readStatusBarItem,
  readToasts,
  replaceUserSettings,
  runCommand,
  screenshot,
  toast,
  treeRow,
  treeRowLabels,
  waitForTreeRow,
  webviewShown,
  type StatusBarItem,
  type Toast,
} from './ui-helpers';
import { declinedStart, waitForFigures } from './uiHeadroom';
import { openWalkthrough, runDoctorFromWalkthrough, walkthroughDone, walkthroughMarkup } from './uiWalkthrough';
import { vsixEntries, vsixEntryData } from './vsixEntries';
import { TOUR_FRAMES, tourFrameFile } from './tourFrames';
import { TourRecorder } from './uiTour';

const execFileP = promisify(execFile);

const REPO = findRepoRoot(__dirname);
const RUN = path.join(REPO, '.run/ui');
const VSIX = path.join(RUN, 'isaac-sim-orchestrator.vsix');
/** Where `npm run package` writes the package. */
const PACKAGED_VSIX = path.join(REPO, '.run/isaac-sim-orchestrator.vsix');
const PROFILE = path.join(RUN, 'profile');
const DATA_ROOT = path.join(RUN, 'isaac-sim-data');
const WORKSPACE = path.join(REPO, 'test/e2e/sample-workspace');
const ARTIFACTS = path.join(REPO, 'test-artifacts/ui');
/** The README's tour (tourFrames.ts): its PNGs, which scripts/readme-tour.mjs makes into media/screenshots/tour.gif. */
const tour = new TourRecorder(path.join(ARTIFACTS, 'tour'));
const EXTENSION_ID = 'isaac-sim-orchestrator.isaac-sim-orchestrator';
/** The 4.2 stand-in's readiness line (stand-in/kit.sh: the 4.x app title "Isaac Sim Headless WebRTC"). */
const READY_LINE = 'Isaac Sim Headless WebRTC App is loaded.';
/** Away from the defaults (8211…, 49100…, 47998…, 8210…) and from the other suites. */
// Below Linux's ephemeral range (32768-60999), where an outgoing connection can hold a port for a moment.
const PORTS = { http: 21211, signal: 21150, stream: 21160, webViewer: 21170, python: 21226 };
const INSTANCES = [0, 1].map((i) => ({ index: i, label: `instance-${i}`, container: `isaac-sim-instance-${i}`, http: PORTS.http + i, signal: PORTS.signal + i }));
/** Step 12's image: the stand-in of Isaac Sim 6.0.1 (named volumes per version, the GLCache one shared). */
const V6_IMAGE = 'isaac-sim-standin:6.0.1';
const V6_VOLUME_PREFIX = 'isaac-sim-orchestrator-6.x-';
const V6_GLCACHE = `${V6_VOLUME_PREFIX}glcache`;
/** What a first start prints while the GPU driver compiles the shaders (stand-in/kit.sh, from NVIDIA's logs). */
const SHADER_LINE = 'Waiting for compilation of ray tracing shaders';
const V6_TITLE_MARK = '(ui suite: 6.x)';
const CONTAINERS = INSTANCES.map((i) => i.container);
/** The frames of the 6.x web viewers step 13 found, by instance index. */
const viewerFrames = new Map<number, Frame>();
/** The 6.x web viewers the extension runs in step 13. */
const VIEWERS = INSTANCES.map((i) => `isaac-sim-web-viewer-${i.index}`);
const VIEWPORT = { width: 1280, height: 800 };
/**
 * The stand-in's delay between startup lines: the 4.2 stand-in's cached start has only a few (it
 * took ~2.5 s at 0.5 s a line), so 1 s a line: instance-0 takes ~12 s to become ready and instance-1
 * (cached start) ~5 s, time enough to see and cancel the progress and to open its sim view first.
 */
const STEP_SECONDS = '1';
/** What steps 9–11 switch the stand-in to: it fails at once with "No device could be created" (the no-gpu-device diagnosis). */
const GPU_FAIL_ENV = { STANDIN_STEP_SECONDS: '0.05', STANDIN_MODE: 'gpu-fail' };
/** Put into the window title by the settings change of step 9: the workbench has applied it when the title shows it. */
const TITLE_MARK = '(ui suite: gpu-fail)';
/** The text of the extension's status bar item. */
const STATUS = 'Isaac Sim:';
/** A phase in the start progress notification: "Isaac Sim instance-0: compiling shaders — 0:03 (first start: …)". */
const PHASE = '(loading|loading extensions|compiling shaders|starting streaming)';

let server: CodeServer | undefined;
let context: BrowserContext | undefined;
let page: Page | undefined;
/** True when the instance containers existed before the run and are not ours: then nothing removes them. */
let foreignContainers = false;
/** The first step that failed; later steps fail at once, naming it. */
let brokenAt: string | undefined;
/** The sim frames of step 5/6 and what they showed, for the reload check of step 7. */
const simFrames = new Map<number, { frame: Frame } & SimPage>();
/** Navigations (page loads) of each instance's client URL seen by the browser, by HTTP port. */
const clientNavigations = new Map<number, number>();
/** What the start progress notification and the status bar showed while step 3 started instance-0 (checked by step 3a). */
let startOfInstance0: StartWatch | undefined;
/** Requests of the browser to anything but loopback: aborted (see step 1), and a failure of steps 6a and 12. */
const offLoopback: string[] = [];
const suiteStarted = Date.now();

/**
 * One step of the suite. A step that fails before it calls `enough()` breaks the chain: the steps
 * after it fail at once, naming it. Once a step has set up what later steps need, it calls
 * `enough()`; its remaining checks can still fail the step without failing the ones after it.
 */
function step(name: string, timeoutMs: number, fn: (t: TestContext, page: Page, enough: () => void) => Promise<void>): void {
  test(name, { timeout: timeoutMs }, async (t) => {
    if (brokenAt) assert.fail(`not run: the earlier step "${brokenAt}" failed`);
    const started = Date.now();
    let laterStepsCanRun = false;
    try {
      if (!page && name !== STEP1) assert.fail('no browser page (step 1 did not finish)');
      await fn(t, page as Page, () => (laterStepsCanRun = true));
      t.diagnostic(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      if (!laterStepsCanRun) brokenAt = name;
      if (page) await screenshot(page, ARTIFACTS, `failed-${slug(name)}`).catch(() => undefined);
      const note = await foreignContainerNote();
      if (note && err instanceof Error) err.message += `\n${note}`;
      // What covered the workbench when it failed: CI keeps only this text, not the screenshot.
      if (page && err instanceof Error) err.message += `\nat the failure: ${await workbenchSummary(page)}`;
      throw err;
    }
  });
}

const STEP1 = "1. the .vsix of npm run package (in CI, the README install path's) installed into code-server file for file; the workbench open";

before(async () => {
  await fs.mkdir(ARTIFACTS, { recursive: true });
  // Old screenshots would pass for this run's.
  for (const name of existsSync(ARTIFACTS) ? readdirSync(ARTIFACTS) : []) {
    if (/^(\d\d[a-z]?-|failed-).*\.png$/.test(name)) await fs.rm(path.join(ARTIFACTS, name), { force: true });
  }
  await tour.clear();
  await execFileP('docker', ['info', '--format', '{{.ServerVersion}}']).catch((err) => {
    throw new Error(`no Docker engine answers (start one: bash scripts/dockerd.sh start): ${errorText(err)}`);
  });
  // Containers left by an earlier, interrupted run of this suite mount our data folder: remove them.
  // Anyone else's (another suite or the demo on the same engine) are left alone, and the suite stops.
  for (const name of CONTAINERS) {
    const binds = await dockerBinds(name);
    if (binds === undefined) continue;
    if (binds.some((b) => b.startsWith(DATA_ROOT + path.sep) || b.startsWith(DATA_ROOT + ':')) || (await isOurV6Container(name))) {
      await dockerRemove([name]);
    } else {
      foreignContainers = true;
      throw new Error(`container ${name} already exists and is not this suite's (binds: ${binds.join(', ') || 'none'}); another suite or the demo is using the engine — stop it first`);
    }
  }
  // A web viewer an interrupted run left (labelled as the extension's viewer of that instance) holds its port.
  for (const name of VIEWERS) {
    const labels = await execFileP('docker', ['inspect', '-f', '{{json .Config.Labels}}', name]).then((r) => JSON.parse(r.stdout) as Record<string, string>, () => undefined);
    if (labels?.['dev.isaac-sim-orchestrator.web-viewer-of'] !== undefined && labels['dev.isaac-sim-orchestrator.owner'] === 'isaac-sim-orchestrator') await dockerRemove([name]);
  }
  for (const port of INSTANCES.flatMap((i) => [i.http, i.signal, PORTS.stream + i.index, PORTS.webViewer + i.index, PORTS.python + i.index])) {
    if (await probeTcp('127.0.0.1', port)) throw new Error(`port ${port} on 127.0.0.1 is already in use; the suite needs it for the stand-in`);
  }
  await fs.rm(RUN, { recursive: true, force: true });
  await fs.mkdir(DATA_ROOT, { recursive: true });
  await ensureCodeServerInstalled();
  // Builds the stand-in only when it is missing or stale.
  await execFileP('bash', [path.join(REPO, 'scripts/build-standin.sh')], { cwd: REPO, timeout: 120_000 });
});

after(async () => {
  const problems: string[] = [];
  if (context) {
    const ctx = context;
    context = undefined;
    page = undefined;
    await Promise.race([ctx.close(), delay(10_000)]).catch((err) => problems.push(`browser: ${errorText(err)}`));
    // close() can return before Chromium's helpers are reaped; wait until none is left.
    await poll(() => chromiumPids(PROFILE).length === 0, 10_000, 'Chromium to exit').catch(() => {
      for (const pid of chromiumPids(PROFILE)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    });
  }
  if (server) {
    const s = server;
    server = undefined;
    await s.stop().catch((err) => problems.push(`code-server: ${errorText(err)}`));
  }
  if (!foreignContainers) {
    await dockerRemove([...CONTAINERS, ...VIEWERS]).catch((err) => problems.push(`containers: ${errorText(err)}`));
    await removeV6Volumes().catch((err) => problems.push(`6.x volumes: ${errorText(err)}`));
  }
  process.stderr.write(`ui suite: total ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s\n`);
  if (problems.length) throw new Error(`cleanup: ${problems.join('; ')}`);
});

step(STEP1, 180_000, async (t) => {
  // The package users get, from `npm run package`. In CI the README's install path has just run it
  // in this fresh clone (.ci/run): install that very file. Elsewhere, build it now.
  if (process.env.CI === 'true' && existsSync(PACKAGED_VSIX)) {
    t.diagnostic(`installing the .vsix the README's install path built: ${path.relative(REPO, PACKAGED_VSIX)}`);
  } else {
    await execFileP('npm', ['run', 'package'], { cwd: REPO, timeout: 180_000 }).catch((err) => {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`npm run package failed: ${errorText(err)}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    });
  }
  const size = await fileSize(PACKAGED_VSIX);
  assert.ok(size !== undefined, `npm run package reported success but ${PACKAGED_VSIX} does not exist`);
  await fs.copyFile(PACKAGED_VSIX, VSIX);
  t.diagnostic(`.vsix: ${size} bytes (${(size / 1024).toFixed(0)} KiB)`);
  process.stderr.write(`ui suite: ${path.relative(REPO, PACKAGED_VSIX)} is ${size} bytes\n`);
  assert.ok(size < 1024 * 1024, `the .vsix is ${size} bytes; it must stay under 1 MB`);

  // UI_TEST_IMAGE: another simulator image for a diagnostic run (e.g. a patched stand-in).
  const image = process.env.UI_TEST_IMAGE || readFileSync(path.join(REPO, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim();
  assert.ok(image, 'stand-in/IMAGE is empty');
  if (process.env.UI_TEST_IMAGE) t.diagnostic(`simulator image from UI_TEST_IMAGE: ${image}`);
  server = await startCodeServer({
    workspace: WORKSPACE,
    runDir: RUN,
    vsix: VSIX,
    settings: {
      'isaacSim.image': image,
      'isaacSim.runtime': '',
      'isaacSim.gpus': 'none',
      'isaacSim.memoryLimitGiB': 2,
      'isaacSim.hostDataRoot': DATA_ROOT,
      'isaacSim.instanceCount': 2,
      'isaacSim.httpPortBase': PORTS.http,
      'isaacSim.signalPortBase': PORTS.signal,
      'isaacSim.streamPortBase': PORTS.stream,
      'isaacSim.webViewerPortBase': PORTS.webViewer,
      'isaacSim.pythonServerPortBase': PORTS.python,
      'isaacSim.env': { STANDIN_STEP_SECONDS: STEP_SECONDS },
      // settings.json opens in a normal editor (replaceUserSettings): in a modal one the palette does not open.
      'workbench.editor.useModal': 'off',
    },
  });
  const installed = await listInstalledExtensions(server);
  assert.ok(
    installed.some((id) => id.toLowerCase() === EXTENSION_ID),
    `${EXTENSION_ID} is not installed in code-server (installed: ${installed.join(', ') || 'none'})`,
  );
  // What code-server installed is that package, file for file (CRC-32 of each of its extension/
  // entries). Its package.json is the one exception: code-server adds its own "__metadata" (where
  // the extension came from) and writes it out anew, so that one is compared as JSON without it.
  const folder = readdirSync(server.extensionsDir).find((d) => d.toLowerCase().startsWith(`${EXTENSION_ID}-`));
  assert.ok(folder, `no folder of ${EXTENSION_ID} in ${server.extensionsDir}`);
  const entries = vsixEntries(VSIX).filter((e) => e.name.startsWith('extension/') && !e.name.endsWith('/'));
  assert.ok(entries.some((e) => e.name === 'extension/dist/extension.js'), `the .vsix lists: ${entries.map((e) => e.name).join(', ')}`);
  const differ = entries.filter((e) => {
    const file = path.join(server!.extensionsDir, folder, e.name.slice('extension/'.length));
    if (!existsSync(file)) return true;
    if (e.name === 'extension/package.json') {
      const installedManifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      delete installedManifest.__metadata;
      return !isDeepStrictEqual(installedManifest, JSON.parse(vsixEntryData(VSIX, e).toString('utf8')));
    }
    return crc32(readFileSync(file)) !== e.crc32;
  });
  assert.deepEqual(differ.map((e) => e.name), [], 'files installed differ from the .vsix');
  t.diagnostic(`installed ${entries.length} files, each as in the .vsix`);

  await fs.rm(PROFILE, { recursive: true, force: true });
  context = await launchChromium(PROFILE);
  // Only loopback traffic: anything else (e.g. the off-loopback redirect of 4.2's webrtc-client) is aborted.
  await context.route(
    (url) => !isLoopbackUrl(url),
    (route) => {
      offLoopback.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize(VIEWPORT);
  const consoleLog = path.join(RUN, 'browser-console.log');
  page.on('console', (msg) => void fs.appendFile(consoleLog, `[${msg.type()}] ${msg.text()}\n`).catch(() => undefined));
  page.on('pageerror', (err) => void fs.appendFile(consoleLog, `[pageerror] ${err.message}\n`).catch(() => undefined));
  context.on('request', (req) => {
    if (!req.isNavigationRequest()) return;
    for (const inst of INSTANCES) {
      if (isClientFrameUrl(req.url(), inst.http)) clientNavigations.set(inst.http, (clientNavigations.get(inst.http) ?? 0) + 1);
    }
  });
  await page.goto(server.url, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench .activitybar').first().waitFor({ state: 'visible', timeout: 30_000 });
  // The explorer shows the workspace once the remote side is connected.
  await page.getByRole('treeitem', { name: /README\.md/ }).first().waitFor({ state: 'visible', timeout: 30_000 }).catch(() => {
    throw new Error('the workbench opened but the explorer never showed the sample workspace (README.md)');
  });
});

step('2. the Isaac Sim view shows instance-0 as "not created"', 30_000, async (t, page) => {
  const icon = page.locator('.activitybar [aria-label^="Isaac Sim"]').first();
  await icon.waitFor({ state: 'visible', timeout: 20_000 }).catch(() => {
    throw new Error('no "Isaac Sim" icon in the activity bar: the extension did not contribute its view container');
  });
  await icon.click();
  const row0 = await waitForTreeRow(page, 'instance-0', (r) => r.description === `not created · :${PORTS.http}`, 20_000, `"not created · :${PORTS.http}"`);
  t.diagnostic(`instance-0 row: ${JSON.stringify(row0)}`);
  assert.equal(row0.label, 'instance-0');
  // VS Code names a tree item "label description" (plus ", has actions" when it has inline actions).
  assert.ok(
    row0.ariaLabel.startsWith(`instance-0 not created · :${PORTS.http}`),
    `the accessible name of the instance-0 row should be "instance-0 not created · :${PORTS.http}…", not "${row0.ariaLabel}"`,
  );
  const row1 = await waitForTreeRow(page, 'instance-1', (r) => r.description === `not created · :${PORTS.http + 1}`, 5_000, `"not created · :${PORTS.http + 1}"`);
  assert.equal(row1.label, 'instance-1');
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '01-view-instance-0-not-created');
});

step('3. "Start Instance" for instance-0 from the palette; the node reaches "ready"', 90_000, async (t, page) => {
  await runCommand(page, 'Isaac Sim: Start Instance');
  // Step 3a checks what the notifications and the status bar showed meanwhile.
  const watch = watchStart(page, 'instance-0', '02a-start-progress-instance-0');
  startOfInstance0 = watch.seen;
  // isVisible does not wait: the rows change while the palette turns into the quick pick. A row's
  // accessible name is "instance-0, not created, http://…" (its text runs label and description together).
  const instance0Row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row[aria-label^="instance-0,"]').first();
  await tour.frame(page, 'start', () => instance0Row.isVisible(), { timeoutMs: 10_000 });
  const rows = await pickQuickItem(page, /^instance-0\b/, 'instance-0').catch(async (err) => {
    await watch.stop();
    throw err;
  });
  // The tour's phase frames, taken while the row shows each phase; given up once it is ready.
  const phasesPassed = new AbortController();
  const rowShows = (re: RegExp) => async () => re.test((await treeRow(page, 'instance-0'))?.description ?? '');
  const phaseFrames = Promise.all([
    tour.frame(page, 'loading-extensions', rowShows(/^loading extensions\b/), { timeoutMs: 60_000, signal: phasesPassed.signal }),
    tour.frame(page, 'compiling-shaders', rowShows(/^compiling shaders\b/), { timeoutMs: 60_000, signal: phasesPassed.signal }),
  ]);
  t.diagnostic(`Start Instance quick pick rows: ${JSON.stringify(rows)}`);
  assert.ok(rows.some((r) => /^instance-1\b/.test(r)), `the quick pick should list the stopped instance-1 too: ${JSON.stringify(rows)}`);
  assert.ok(rows.some((r) => /New instance/.test(r)), `the quick pick should offer "New instance": ${JSON.stringify(rows)}`);
  const seen = new Set<string>();
  const row = await waitForTreeRow(
    page,
    'instance-0',
    (r) => {
      seen.add(r.description.replace(/\d+:\d\d/, 'M:SS'));
      return stateAndPort(r.description) === `ready · :${PORTS.http}`;
    },
    60_000,
    `"ready · :${PORTS.http}"`,
  ).catch(async (err) => {
    await watch.stop();
    throw err;
  });
  phasesPassed.abort();
  await phaseFrames;
  await watch.settle(); // bounded waits that never fail: step 3a judges what they saw
  t.diagnostic(`instance-0 went through: ${[...seen].join(' → ')}`);
  assert.equal(await dockerRunning('isaac-sim-instance-0'), true, 'docker inspect: isaac-sim-instance-0 should be running');
  // The workbench may update the row's accessible name a moment after its description.
  const named = await waitForTreeRow(page, 'instance-0', (r) => r.ariaLabel.startsWith(`instance-0 ready · :${PORTS.http}`), 5_000, `accessible name "instance-0 ready · :${PORTS.http}…"`).catch(() => row);
  assert.ok(named.ariaLabel.startsWith(`instance-0 ready · :${PORTS.http}`), `accessible name: "${named.ariaLabel}"`);
  await clearNotifications(page);
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '02-instance-0-ready');
  await tour.frame(page, 'ready', rowShows(/^ready\b/));
  // The live figures: on the row, and in its tooltip (shown while the pointer rests on the row). A
  // tooltip keeps the text it opened with: one opened before the first figures came has no CPU row,
  // so the pointer leaves and rests on the row again until the tooltip has them.
  let hoveredAt = 0;
  const hover = async () => {
    await restMouse(page);
    await treeItem(page, 'instance-0').hover();
    hoveredAt = Date.now();
  };
  const tooltip = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: /CPU/ });
  // Fully shown: the hover fades in, and a frame taken during the fade shows it half see-through.
  const opaque = () =>
    tooltip.first().evaluate((el) => {
      for (let n: Element | null = el; n; n = n.parentElement) {
        if (getComputedStyle(n).opacity !== '1' || n.getAnimations().some((a) => a.playState === 'running')) return false;
      }
      return true;
    });
  await tour.frame(page, 'figures', async () => {
    if (!(await rowShows(/\bCPU\b/)())) return false;
    if (await tooltip.first().isVisible()) return opaque();
    if (Date.now() - hoveredAt > 3_000) await hover();
    return false;
  });
  await restMouse(page);
});

step('3a. while instance-0 starts, a progress notification shows its phase and the status bar a spinner; both settle once it is ready', 15_000, async (t, page, enough) => {
  enough(); // nothing after this step depends on it
  const seen = startOfInstance0 ?? assert.fail('step 3 recorded nothing');
  t.diagnostic(`notifications about instance-0: ${JSON.stringify(seen.messages)}`);
  t.diagnostic(`status bar: ${seen.statusBar.join(' → ')}`);
  if (seen.errors.length) t.diagnostic(`while watching: ${seen.errors.join('; ')}`);
  const phaseToast =
    seen.phaseToast ??
    assert.fail(`no notification "Isaac Sim instance-0: <phase> — m:ss …" with a phase ${PHASE} was seen while instance-0 started; notifications about it: ${JSON.stringify(seen.messages)}`);
  // A fresh data folder: the first start, whose shaders are compiled (no "of ~m:ss" yet: nothing measured before).
  assert.match(
    phaseToast.message,
    new RegExp(`^Isaac Sim instance-0: ${PHASE} — \\d+:\\d\\d( of ~\\d+:\\d\\d)? \\(first start: shaders are compiled once\\)$`),
    'the start progress message should read "Isaac Sim instance-0: <phase> — m:ss (first start: shaders are compiled once)"',
  );
  assert.equal(phaseToast.icon, 'info', `the start progress notification's icon: ${JSON.stringify(phaseToast)}`);
  assert.ok(phaseToast.progress, `the start progress notification shows no running progress bar: ${JSON.stringify(phaseToast)}`);
  assert.deepEqual(phaseToast.buttons, ['Cancel'], 'the start progress notification should be cancellable (one button, "Cancel")');
  const starting = seen.statusWhileStarting ?? assert.fail(`the status bar item never showed a spinner ($(loading~spin)) while instance-0 started: ${seen.statusBar.join(' → ') || 'no "Isaac Sim:" item at all'}`);
  assert.equal(starting.text, 'Isaac Sim: 0/2 ready', `the status bar while instance-0 started${await foreignRowsNote(page)}`);
  assert.ok(
    seen.progressGoneMs !== undefined,
    `the progress notification of instance-0 was still shown 5 s after the node was "ready": ${JSON.stringify(seen.messages.slice(-3))}`,
  );
  t.diagnostic(`the progress notification closed ${seen.progressGoneMs} ms after the node showed "ready"`);
  const ready = seen.statusAfterReady ?? assert.fail('no "Isaac Sim:" status bar item after instance-0 was ready');
  assert.ok(!ready.codicons.includes('loading'), `the status bar still spins 5 s after instance-0 was ready: ${JSON.stringify(ready)}`);
  assert.equal(ready.text, 'Isaac Sim: 1/2 ready', `the status bar once instance-0 was ready${await foreignRowsNote(page)}`);
  assert.ok(!ready.classes.includes('error-kind'), `the status bar item has the error background with nothing failed: ${JSON.stringify(ready)}`);
});

step('3b. Cancel on the start progress of instance-1 stops the instance', 45_000, async (t, page, enough) => {
  enough(); // if it fails, instance-1 is stopped from outside (below), so that step 6 can start it
  try {
    await runCommand(page, 'Isaac Sim: Start Instance');
    await pickQuickItem(page, /^instance-1\b/, 'instance-1');
    // The command's own "Starting instance-1…" comes first; the start progress follows once the container runs.
    const progress = toast(page, /^Isaac Sim instance-1: /);
    const cancel = progress.getByRole('button', { name: 'Cancel', exact: true });
    await cancel.first().waitFor({ state: 'visible', timeout: 15_000 }).catch(async (err) => {
      throw new Error(
        `no notification "Isaac Sim instance-1: …" with a Cancel button (${errorText(err)}); notifications: ${JSON.stringify(await notificationTexts(page))}; instance-1 row: ${JSON.stringify(await treeRow(page, 'instance-1'))}`,
      );
    });
    // Click at once: a cached start takes only a few seconds, less on a fast machine, and a busy
    // CI machine can spend them on anything else.
    const shown = (await readToasts(page)).find((n) => n.message.startsWith('Isaac Sim instance-1: '));
    await screenshot(page, ARTIFACTS, '02b-start-progress-instance-1-cancel');
    const rowAtClick = await treeRow(page, 'instance-1');
    await cancel.first().click({ timeout: 5_000 }).catch((err) => {
      throw new Error(`could not click Cancel on ${JSON.stringify(shown)} (instance-1 was "${rowAtClick?.description}"): ${errorText(err)}`);
    });
    t.diagnostic(`cancelled: ${JSON.stringify(shown?.message)}, instance-1 was "${rowAtClick?.description}"`);
    assert.ok(!/^ready\b/.test(rowAtClick?.description ?? ''), `instance-1 was already ready when Cancel was clicked: the start was too quick to cancel (STANDIN_STEP_SECONDS ${STEP_SECONDS})`);
    const row = await waitForTreeRow(page, 'instance-1', (r) => /^stopped\b/.test(r.description), 20_000, '"stopped" after Cancel');
    t.diagnostic(`instance-1 row: ${JSON.stringify(row)}`);
    assert.equal(await dockerRunning(INSTANCES[1].container), false, `docker inspect: ${INSTANCES[1].container} should exist and not be running after Cancel`);
    await poll(async () => !(await readToasts(page)).some((n) => n.message.startsWith('Isaac Sim instance-1: ')), 5_000, 'the start progress of instance-1 to close').catch(
      async (err) => {
        throw new Error(`${errorText(err)}; notifications: ${JSON.stringify(await notificationTexts(page))}`);
      },
    );
    const status = await waitForStatusBar(page, (s) => !s.codicons.includes('loading'), 5_000, 'to stop spinning');
    assert.equal(status.text, 'Isaac Sim: 1/2 ready', `the status bar after the cancelled start${await foreignRowsNote(page)}`);
    const failures = (await notificationTexts(page)).filter((n) => /instance-1 failed/.test(n));
    assert.deepEqual(failures, [], 'a cancelled start is not a failure');
    await clearNotifications(page);
    await restMouse(page);
    await screenshot(page, ARTIFACTS, '02c-instance-1-cancelled');
  } catch (err) {
    // Step 6 starts instance-1 from "stopped": leave it stopped whatever happened here.
    if (await dockerRunning(INSTANCES[1].container)) {
      await dockerStop(INSTANCES[1].container).catch(() => undefined);
      await waitForTreeRow(page, 'instance-1', (r) => /^stopped\b/.test(r.description), 10_000, '"stopped"').catch(() => undefined);
    }
    await clearNotifications(page).catch(() => undefined);
    throw err;
  }
});

step('3c. the tree shows the live figures of instance-0; a start the figures say will not fit warns with them first, and Cancel leaves instance-1 stopped', 60_000, async (t, page, enough) => {
  enough(); // the user settings are put back below, and instance-1 stays stopped for step 6
  const figures = await waitForFigures(page);
  t.diagnostic(`instance-0 row: ${figures}`);
  await screenshot(page, ARTIFACTS, '02d-figures');
  const { file, settings } = await userSettings();
  const mark = '(ui suite: headroom)';
  await focusSideBar(page);
  await replaceUserSettings(page, file, { ...settings, 'isaacSim.memoryLimitGiB': 0, 'isaacSim.headroomGiB': 1024, 'window.title': `\${rootName} ${mark}` });
  try {
    await poll(async () => (await page.title()).includes(mark), 10_000, `the window title to show "${mark}" (the settings change applied)`);
    await focusSideBar(page);
    const dialog = await declinedStart(page, () => dockerRunning(INSTANCES[1].container));
    t.diagnostic(`dialog: ${JSON.stringify(dialog)}`);
    assert.equal(dialog.message, 'Too little free memory to start instance-1');
    assert.match(dialog.detail, /^host memory: \d+(\.\d)? (MiB|GiB) free, instance-1 needs ~1024\.0 GiB/, 'the figures: free host memory and what the start needs');
    assert.match(dialog.detail, /isaacSim\.headroomGiB/, 'the setting that decides it');
    assert.ok(dialog.buttons.includes('Start anyway'), `buttons: ${dialog.buttons.join(', ')}`);
  } finally {
    await focusSideBar(page);
    await replaceUserSettings(page, file, settings);
  }
});

step('4. "Show Logs" for instance-0 shows the readiness line in the Output panel', 45_000, async (t, page, enough) => {
  enough(); // nothing after this step depends on it
  await runCommand(page, 'Isaac Sim: Show Logs');
  await pickQuickItem(page, /^instance-0\b/, 'instance-0');
  await poll(async () => (await outputChannelName(page)) === 'Isaac Sim: instance-0' || undefined, 10_000, 'the Output panel to show the channel "Isaac Sim: instance-0"').catch(
    async (err) => {
      throw new Error(`${errorText(err)}; selected: "${await outputChannelName(page)}"`);
    },
  );
  // The readiness line is the last one.
  const { text, scrolled } = await waitForOutputText(page, (current) => current.includes(READY_LINE), 20_000, `"${READY_LINE}" in the Output panel`);
  t.diagnostic(`output panel lines in view: ${text.split('\n').length}${scrolled ? ' (after Ctrl+End)' : ''}`);
  // 4.2's streaming line comes just before the readiness line (stand-in/kit.sh; no "Serving on" line has a source).
  assert.match(text, /Streaming server started\./, 'the log also shows the streaming server line');
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '03-logs-readiness-line');
});

step('5. "Open Sim View" for instance-0 shows the stand-in page in the webview iframe', 45_000, async (t, page, enough) => {
  await runCommand(page, 'Isaac Sim: Open Sim View');
  await pickQuickItem(page, /^instance-0\b/, 'instance-0');
  await editorTab(page, 'Sim: instance-0').first().waitFor({ state: 'visible', timeout: 10_000 });
  const frame = await waitForClientFrame(page, INSTANCES[0].http);
  t.diagnostic(`instance-0 client frame: ${frame.url()} (${describeFrameUrl(frame.url(), INSTANCES[0].http)}; ${frameDepth(frame)} frames below the workbench)`);
  const shown = await readSimPage(frame, 'instance-0');
  simFrames.set(0, { frame, ...shown });
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '04-sim-view-instance-0');
  enough(); // the sim view of instance-0 is open: the steps after this one can run
  assertCountedOnce(shown.loadCount, frame.url(), INSTANCES[0].http);
});

step('6. open the sim view of the stopped instance-1 beside instance-0, then start instance-1: the view waits and loads the client once it is ready', 90_000, async (t, page, enough) => {
  // The view opens before the start, so that it sees the whole start whatever the machine's speed
  // (opened during the start, a quick start could be ready before the view was shown).
  await focusSideBar(page); // see focusSideBar: a sim view is the active editor now
  await runCommand(page, 'Isaac Sim: Open Sim View');
  await pickQuickItem(page, /^instance-1\b/, 'instance-1');
  await editorTab(page, 'Sim: instance-1').first().waitFor({ state: 'visible', timeout: 10_000 });
  const rowAtOpen = await treeRow(page, 'instance-1');
  t.diagnostic(`sim view of instance-1 opened while it was "${rowAtOpen?.description}"`);
  assert.match(rowAtOpen?.description ?? '', /^stopped\b/, 'step 3b left instance-1 stopped');
  assert.equal(findClientFrame(page, INSTANCES[1].http), undefined, 'no client iframe while instance-1 is stopped');
  await focusSideBar(page);
  await runCommand(page, 'Isaac Sim: Start Instance');
  const rows = await pickQuickItem(page, /^instance-1\b/, 'instance-1');
  assert.ok(!rows.some((r) => /^instance-0\b/.test(r)), `the running instance-0 should not be offered: ${JSON.stringify(rows)}`);
  const rowAtStart = await treeRow(page, 'instance-1');
  t.diagnostic(`instance-1 after Start: "${rowAtStart?.description}"`);
  await waitForTreeRow(page, 'instance-1', (r) => stateAndPort(r.description) === `ready · :${PORTS.http + 1}`, 60_000, `"ready · :${PORTS.http + 1}"`);
  await clearNotifications(page);
  const frame1 = await waitForClientFrame(page, INSTANCES[1].http);
  t.diagnostic(`instance-1 client frame: ${frame1.url()}`);
  const shown = await readSimPage(frame1, 'instance-1');
  simFrames.set(1, { frame: frame1, ...shown });

  assert.equal(await editorTab(page, 'Sim: instance-0').count(), 1, 'one tab "Sim: instance-0"');
  assert.equal(await editorTab(page, 'Sim: instance-1').count(), 1, 'one tab "Sim: instance-1"');
  const frame0 = findClientFrame(page, INSTANCES[0].http);
  assert.ok(frame0, 'the iframe of instance-0 is still in page.frames()');
  assert.equal(frame0, simFrames.get(0)?.frame, 'the iframe of instance-0 is the one step 5 found');
  const groups = await page.locator('.editor-group-container').count();
  t.diagnostic(`editor groups: ${groups}`);
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '05-sim-views-side-by-side');
  enough();
  assertCountedOnce(shown.loadCount, frame1.url(), INSTANCES[1].http);
});

step("6a. each 4.2 sim view's page reached its own instance's signalling port", 30_000, async (t, page, enough) => {
  enough(); // nothing after this step depends on it
  const shown: string[] = [];
  for (const inst of INSTANCES) {
    // The page the sim view frames (two frames below the workbench: the webview, then the client).
    const frame = findClientFrame(page, inst.http) ?? assert.fail(`no iframe showing the web client of :${inst.http}; frames: ${JSON.stringify(page.frames().map((f) => f.url()))}`);
    // The webview's iframe, its inner active frame, then the client page (frameDepth counts the workbench too).
    assert.ok(frameDepth(frame) >= 2, `the client frame of ${inst.label} (${frame.url()}) should be inside the webview, not the workbench (depth ${frameDepth(frame)})`);
    assert.equal(normalize(await frame.locator('#instance-label').innerText({ timeout: 5_000 })), inst.label, `#instance-label of the page framed for ${inst.label}`);
    // kit-player.js: "signalling: connecting to port N" until GET http://HOST:N/cgi-bin/signal answers.
    const status = await poll(
      async () => {
        const text = normalize(await frame.locator('#signal-status').innerText({ timeout: 2_000 }));
        return /^signalling: (connected|no answer|no player)/.test(text) ? text : undefined;
      },
      15_000,
      `#signal-status of ${inst.label} to show where its player connected`,
    ).catch(async (err) => {
      throw new Error(`${errorText(err)}; it shows ${JSON.stringify(normalize(await frame.locator('#signal-status').innerText({ timeout: 2_000 }).catch(() => '?')))}`);
    });
    shown.push(`${inst.label}: ${status}`);
    assert.equal(
      status,
      `signalling: connected to port ${inst.signal} (${inst.label})`,
      `the page of ${inst.label} should have reached its own signalling port ${inst.signal} (NVIDIA's player hard-codes 49100; the extension rewrites it per container)`,
    );
  }
  t.diagnostic(shown.join('; '));
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '05a-sim-views-own-signalling-ports');
  assert.deepEqual(offLoopback, [], 'the browser tried to leave loopback');
});

step('7. switching editor tabs does not reload either sim view', 60_000, async (t, page, enough) => {
  enough(); // step 8 needs only the running instances
  const loadsBefore = await Promise.all(INSTANCES.map((i) => standinLoads(i.http)));
  const navigationsBefore = INSTANCES.map((i) => clientNavigations.get(i.http) ?? 0);

  const shown = async () => Promise.all(INSTANCES.map((i) => webviewShown(simFrames.get(i.index)?.frame ?? assert.fail(`no frame of ${i.label}`))));
  await activateTab(page, 'Sim: instance-0');
  await activateTab(page, 'Sim: instance-1');
  assert.deepEqual(await shown(), [true, true], 'both sim views are shown side by side');
  // A file over each sim view in its own group: each webview is hidden once, and comes back.
  await openWorkspaceFile(page, 'README.md');
  await poll(async () => JSON.stringify(await shown()) === '[true,false]', 5_000, 'the sim view of instance-1 to be hidden behind README.md');
  await activateTab(page, 'Sim: instance-0');
  await openWorkspaceFile(page, 'spawn_robot.py');
  await poll(async () => JSON.stringify(await shown()) === '[false,false]', 5_000, 'the sim view of instance-0 to be hidden behind spawn_robot.py too');
  await activateTab(page, 'Sim: instance-1');
  await activateTab(page, 'Sim: instance-0');
  await activateTab(page, 'README.md');
  await activateTab(page, 'spawn_robot.py');
  await activateTab(page, 'Sim: instance-1');
  await activateTab(page, 'Sim: instance-0');
  await poll(async () => JSON.stringify(await shown()) === '[true,true]', 5_000, 'both sim views to be shown again');
  // A reload would show within a moment as a navigation to a client URL or a detached sim frame: wait
  // for either, with a bound (ends at once if one comes), before counting.
  const isSimFrame = (f: Frame) => INSTANCES.some((i) => simFrames.get(i.index)?.frame === f);
  const reload = await Promise.race([
    page.context().waitForEvent('request', { predicate: (req) => req.isNavigationRequest() && INSTANCES.some((i) => isClientFrameUrl(req.url(), i.http)), timeout: 1_500 }).then((req) => `a navigation to ${req.url()}`),
    page.waitForEvent('framedetached', { predicate: isSimFrame, timeout: 1_500 }).then((f) => `the sim frame ${f.url()} was detached`),
  ]).catch(() => undefined);
  assert.equal(reload, undefined, `switching tabs reloaded a sim view: ${reload}`);

  // What the browser saw: the same frames, no new navigation to a client URL, page clocks not reset.
  for (const inst of INSTANCES) {
    const original = simFrames.get(inst.index);
    assert.ok(original, `no frame of ${inst.label} recorded by the earlier steps`);
    assert.ok(!original.frame.isDetached(), `the iframe of ${inst.label} was detached: the sim view replaced it (reloaded its page) or its webview was recreated`);
    assert.equal(findClientFrame(page, inst.http), original.frame, `the iframe of ${inst.label} in page.frames() is not the one opened before`);
    const now = await readSimPage(original.frame, inst.label);
    assert.equal(now.loadCount, original.loadCount, `#load-count of ${inst.label} changed from "${original.loadCount}" to "${now.loadCount}": the page was reloaded`);
    assert.ok(now.aliveSeconds >= original.aliveSeconds, `the page clock of ${inst.label} went back from ${original.aliveSeconds} s to ${now.aliveSeconds} s: the page was reloaded`);
  }
  const navigationsAfter = INSTANCES.map((i) => clientNavigations.get(i.http) ?? 0);
  assert.deepEqual(navigationsAfter, navigationsBefore, `navigations of the client URLs before/after switching: ${JSON.stringify(navigationsBefore)} → ${JSON.stringify(navigationsAfter)}`);
  assert.deepEqual(navigationsBefore, [1, 1], `each client URL should have been loaded exactly once: ${JSON.stringify(navigationsBefore)}`);

  // What the simulator saw: its own count of page loads (GET /cgi-bin/loads does not count).
  const loadsAfter = await Promise.all(INSTANCES.map((i) => standinLoads(i.http)));
  t.diagnostic(`stand-in page loads before/after switching: ${JSON.stringify(loadsBefore)} → ${JSON.stringify(loadsAfter)}`);
  assert.deepEqual(
    loadsAfter,
    [1, 1],
    `GET /cgi-bin/loads on :${INSTANCES[0].http} and :${INSTANCES[1].http} after switching tabs: ${JSON.stringify(loadsAfter)} (before: ${JSON.stringify(loadsBefore)}); each must be 1` +
      (loadsAfter.every((n) => n === 0) ? `. ${uncountedLoadHint(simFrames.get(0)?.frame.url() ?? '', INSTANCES[0].http)}` : ''),
  );
});

step('7b. Run in Sim: the editor-title button runs the file in the instance whose sim view was active last; the output shows below, a raise is marked and notified', 60_000, async (t, page, enough) => {
  enough(); // step 8 needs only the running instances
  // The sim view of instance-1 on the right becomes the target; the code goes on the left.
  await activateTab(page, 'Sim: instance-1');
  await activateTab(page, 'spawn_robot.py');
  await openWorkspaceFile(page, 'sim_hello.py');
  const target = await poll(async () => readStatusBarItem(page, 'Sim: instance-1'), 10_000, 'the status bar to show "Sim: instance-1" over a Python file');
  assert.deepEqual(target.codicons, ['play'], `the target item: ${JSON.stringify(target)}`);
  const runButton = page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Run File in Sim"]');
  await runButton.first().click({ timeout: 10_000 });
  await poll(async () => (await outputChannelName(page)) === 'Sim Python' || undefined, 15_000, 'the Output panel to show the channel "Sim Python"').catch(async (err) => {
    throw new Error(`${errorText(err)}; selected: "${await outputChannelName(page)}"`);
  });
  const { text } = await waitForOutputText(page, (current) => /instance-1 ← .*sim_hello\.py — ok in/.test(current) && current.includes('a second line'), 20_000, 'the run\'s header and output in "Sim Python"');
  assert.match(text, /hello from the sim\s+a second line/, 'both printed lines, in order');
  await clearNotifications(page);
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '05b-run-in-sim');
  // The tour: the code in the left group, the sim view of instance-1 in the right one.
  const activeTab = (group: number) => page.locator('.editor-group-container').nth(group).locator('.tabs-container .tab.active').first().getAttribute('aria-label', { timeout: 2_000 });
  const simFrame1 = simFrames.get(1)?.frame;
  await tour.frame(page, 'code-and-sim', async () => {
    const [left, right] = await Promise.all([activeTab(0), activeTab(1)]);
    return /^sim_hello\.py\b/.test(left ?? '') && /^Sim: instance-1\b/.test(right ?? '') && simFrame1 !== undefined && (await webviewShown(simFrame1));
  });

  await openWorkspaceFile(page, 'sim_raise.py');
  await page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Run File in Sim"]').first().click({ timeout: 10_000 });
  const raised = await poll(
    async () => (await readToasts(page)).find((n) => n.icon === 'error' && /sim_raise\.py raised ValueError: the robot is not on the ground at line 5 in instance-1/.test(n.message)),
    20_000,
    'the error notification of the raising run',
  ).catch(async (err) => {
    throw new Error(`${errorText(err)}; notifications: ${JSON.stringify(await notificationTexts(page))}`);
  });
  assert.ok(raised.buttons.includes('Show Output'), `its buttons: ${JSON.stringify(raised.buttons)}`);
  // The Problems marker: the editor squiggles the raising line.
  await poll(async () => (await page.locator('.editor-group-container.active .squiggly-error').count()) > 0 || undefined, 10_000, 'a red squiggle in sim_raise.py');
  t.diagnostic(`error notification: ${raised.message}`);
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '05c-run-in-sim-raised');
  await clearNotifications(page);
});

step('7c. Get Started: the walkthrough shows done the steps whose events happened (start, sim view, run in sim) and no other; its doctor button completes the doctor and toolkit steps', 60_000, async (t, page, enough) => {
  enough(); // step 8 needs only the running instances
  await openWalkthrough(page);
  const before = await poll(async () => {
    const done = await walkthroughDone(page);
    return done.start && done.simView && done.runInSim ? done : undefined;
  }, 10_000, 'the start, sim view and run steps done').catch(async (err) => {
    throw new Error(`${errorText(err)}; steps: ${JSON.stringify(await walkthroughDone(page))}; markup: ${await walkthroughMarkup(page)}`);
  });
  t.diagnostic(`walkthrough before the doctor: ${JSON.stringify(before)}`);
  assert.deepEqual(before, { doctor: false, toolkit: false, image: false, start: true, simView: true, runInSim: true }, 'only the steps whose events happened are done');
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '05d-walkthrough');
  await runDoctorFromWalkthrough(page);
  // The doctor's report opens in the same editor group, over the walkthrough: go back to it.
  await poll(async () => (await page.locator('.tabs-container .tab[aria-label*="Preflight Doctor"]').count()) > 0 || undefined, 30_000, "the doctor's report preview tab");
  await activateTab(page, 'Welcome');
  const after = await poll(async () => {
    const done = await walkthroughDone(page);
    return done.doctor && done.toolkit ? done : undefined;
  }, 30_000, 'the doctor and toolkit steps done after the doctor ran').catch(async (err) => {
    throw new Error(`${errorText(err)}; steps: ${JSON.stringify(await walkthroughDone(page))}`);
  });
  assert.deepEqual(after, { doctor: true, toolkit: true, image: false, start: true, simView: true, runInSim: true }, 'the image step waits for its setting');
  t.diagnostic(`walkthrough after the doctor: ${JSON.stringify(after)}`);
  await clearNotifications(page);
});

step("7d. the README's tour: each of its frames was taken, in order (scripts/readme-tour.mjs makes them into media/screenshots/tour.gif)", 10_000, async (t, _page, enough) => {
  enough(); // nothing after this step depends on it
  assert.deepEqual(tour.problems(), [], 'the tour frames');
  const want = TOUR_FRAMES.map((_, i) => tourFrameFile(i));
  assert.deepEqual(readdirSync(tour.dir).sort(), want, `the PNGs in ${path.relative(REPO, tour.dir)}`);
  let previous = 0;
  for (const name of want) {
    const file = path.join(tour.dir, name);
    assert.equal(readFileSync(file).subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${name} is a PNG`);
    const { mtimeMs } = await fs.stat(file);
    assert.ok(mtimeMs >= previous, `${name} was written before the frame it follows`);
    previous = mtimeMs;
  }
  t.diagnostic(`tour frames: ${want.join(', ')}`);
});

step('8. "Stop All Instances" stops both', 60_000, async (_t, page) => {
  await focusSideBar(page);
  await runCommand(page, 'Isaac Sim: Stop All Instances');
  for (const inst of INSTANCES) {
    await waitForTreeRow(page, inst.label, (r) => /^stopped\b/.test(r.description) && r.description.endsWith(`· :${inst.http}`), 30_000, '"stopped"');
  }
  for (const inst of INSTANCES) {
    assert.equal(await dockerRunning(inst.container), false, `docker inspect: ${inst.container} should exist and not be running`);
  }
  await clearNotifications(page);
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '06-after-stop-all');
});

step('9. with STANDIN_MODE=gpu-fail in the user settings, Start Instance recreates instance-0 and it fails', 60_000, async (t, page, enough) => {
  const before = await dockerState(INSTANCES[0].container);
  assert.ok(before && !before.running, `${INSTANCES[0].container} should exist, stopped, after step 8: ${JSON.stringify(before)}`);
  const { file, settings } = await userSettings();
  await focusSideBar(page);
  await replaceUserSettings(page, file, { ...settings, 'isaacSim.env': GPU_FAIL_ENV, 'window.title': `\${rootName} ${TITLE_MARK}` });
  // The workbench has applied the new settings once the window title shows the mark; the extension
  // host gets the same change, before the command below.
  await poll(async () => (await page.title()).includes(TITLE_MARK), 10_000, `the window title to show "${TITLE_MARK}" (the settings change applied)`).catch(async (err) => {
    throw new Error(`${errorText(err)}; title: "${await page.title()}"`);
  });
  await focusSideBar(page);
  await runCommand(page, 'Isaac Sim: Start Instance');
  await pickQuickItem(page, /^instance-0\b/, 'instance-0');
  const row = await waitForTreeRow(page, 'instance-0', (r) => /^failed\b/.test(r.description), 30_000, '"failed: …"');
  t.diagnostic(`instance-0 row: ${JSON.stringify(row)}`);
  enough();
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '07-instance-0-failed');
  const after = await dockerState(INSTANCES[0].container);
  assert.ok(after, `${INSTANCES[0].container} should still exist after the failed start`);
  assert.notEqual(after.id, before.id, `the stopped container made from the old settings should have been recreated (same id ${before.id.slice(0, 12)})`);
  assert.ok(after.env.includes('STANDIN_MODE=gpu-fail'), `the recreated container's env should have STANDIN_MODE=gpu-fail: ${JSON.stringify(after.env)}`);
  assert.equal(after.running, false, 'the gpu-fail stand-in exits');
  assert.equal(after.exitCode, 1, 'the gpu-fail stand-in exits with code 1');
});

step('10. the failure notification names the cause, offers "Show Fix" and "Show Logs"; "Show Fix" opens a modal with the fix', 30_000, async (t, page, enough) => {
  enough(); // step 11 needs only the failed instance
  const failed = /^Isaac Sim instance-0 failed: /;
  const shown = await poll(async () => (await readToasts(page)).find((n) => failed.test(n.message)), 10_000, 'a notification "Isaac Sim instance-0 failed: …"').catch(async (err) => {
    throw new Error(`${errorText(err)}; notifications: ${JSON.stringify(await notificationTexts(page))}`);
  });
  t.diagnostic(`notification: ${JSON.stringify(shown)}`);
  assert.equal(shown.message, 'Isaac Sim instance-0 failed: no GPU device could be created.');
  assert.equal(shown.icon, 'error', 'the failure notification is an error');
  assert.deepEqual(shown.buttons, ['Show Fix', 'Show Logs']);
  const all = (await readToasts(page)).filter((n) => failed.test(n.message));
  assert.equal(all.length, 1, `one failure notification for instance-0, not ${all.length}: ${JSON.stringify(all)}`);

  await toast(page, failed).getByRole('button', { name: 'Show Fix', exact: true }).click();
  try {
    const dialog = await poll(() => readDialog(page), 10_000, 'a modal dialog after "Show Fix"');
    t.diagnostic(`dialog: ${JSON.stringify(dialog)}`);
    await restMouse(page);
    await screenshot(page, ARTIFACTS, '08-show-fix-modal');
    assert.equal(dialog.message, 'How to fix "no GPU device could be created" (instance-0)');
    assert.match(dialog.detail, /NVIDIA Container Toolkit/, 'the fix names the NVIDIA Container Toolkit');
    assert.match(dialog.detail, /isaacSim\.runtime/, 'the fix names the setting to check');
    for (const button of ['Show Logs', 'Run Preflight Doctor']) {
      assert.ok(dialog.buttons.includes(button), `the modal offers "${button}": ${JSON.stringify(dialog.buttons)}`);
    }
  } finally {
    // Escape is the modal's cancel: nothing else runs.
    if ((await dialogBox(page).count()) > 0) await page.keyboard.press('Escape');
    await poll(async () => (await dialogBox(page).count()) === 0, 5_000, 'the modal dialog to close on Escape');
  }
});

step('11. the tree shows instance-0 failed with the error icon; the status bar shows $(error) on the error background', 30_000, async (t, page) => {
  // The reason is the diagnosis of the first fatal log line; once the container has exited, the exit code follows it.
  const failedRow = new RegExp(`^failed: no GPU device could be created( \\(exit 1\\))? · :${PORTS.http}$`);
  const row = await waitForTreeRow(page, 'instance-0', (r) => failedRow.test(r.description), 5_000, `"failed: no GPU device could be created (exit 1) · :${PORTS.http}"`);
  t.diagnostic(`instance-0 row: ${JSON.stringify(row)}`);
  assert.ok(row.ariaLabel.startsWith(`instance-0 ${row.description}`), `accessible name: "${row.ariaLabel}"`);
  const icons = await treeItem(page, 'instance-0')
    .locator('.codicon')
    .evaluateAll((els) => els.map((el) => ({ classes: [...el.classList].filter((c) => c.startsWith('codicon-')), color: getComputedStyle(el).color })));
  t.diagnostic(`instance-0 row codicons: ${JSON.stringify(icons)}`);
  assert.ok(
    icons.some((i) => i.classes.includes('codicon-error')),
    `the instance-0 row should show the error codicon (.codicon-error): ${JSON.stringify(icons)}`,
  );

  const status = await waitForStatusBar(page, (s) => s.codicons.includes('error'), 5_000, 'to show $(error)');
  t.diagnostic(`status bar item: ${JSON.stringify(status)}`);
  assert.equal(status.text, 'Isaac Sim: 0/2 ready', `the status bar with instance-0 failed and instance-1 stopped${await foreignRowsNote(page)}`);
  assert.ok(!status.codicons.includes('loading'), 'no spinner: nothing is starting');
  // statusBarItem.errorBackground becomes the item's "error" kind: the class error-kind, painted
  // with the theme's --vscode-statusBarItem-errorBackground.
  assert.ok(status.classes.includes('error-kind'), `the status bar item should have the error background (class error-kind): ${JSON.stringify(status.classes)}`);
  assert.equal(status.background, status.errorBackground, 'the item is painted with the theme colour statusBarItem.errorBackground');
  assert.notEqual(status.background, status.barBackground, 'the error background stands out from the status bar');
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '09-failed-tree-and-status-bar');
});

step('12. with the 6.x image in the user settings, both instances become ready on their own signalling ports; instance-1 starts from the shared shader cache', 150_000, async (t, page) => {
  // A fresh shader cache: instance-0's start must be a first one.
  await removeV6Volumes();
  assert.equal(await dockerVolumeExists(V6_GLCACHE), false, `the volume ${V6_GLCACHE} should not exist before the 6.x starts`);
  await clearNotifications(page);
  const { file, settings } = await userSettings();
  await focusSideBar(page);
  await replaceUserSettings(page, file, { ...settings, 'isaacSim.image': V6_IMAGE, 'isaacSim.env': { STANDIN_STEP_SECONDS: '0.05' }, 'window.title': `\${rootName} ${V6_TITLE_MARK}` });
  await poll(async () => (await page.title()).includes(V6_TITLE_MARK), 10_000, `the window title to show "${V6_TITLE_MARK}" (the settings change applied)`).catch(async (err) => {
    throw new Error(`${errorText(err)}; title: "${await page.title()}"`);
  });
  const logs: string[] = [];
  for (const inst of INSTANCES) {
    // instance-0 still shows step 9's failure: a "failed" row counts only once it is not that one.
    const before = (await treeRow(page, inst.label))?.description;
    await focusSideBar(page);
    await runCommand(page, 'Isaac Sim: Start Instance');
    await pickQuickItem(page, new RegExp(`^${inst.label}\\b`), inst.label);
    const row = await waitForTreeRow(page, inst.label, (r) => /^ready\b/.test(r.description) || (/^failed\b/.test(r.description) && r.description !== before), 60_000, '"ready"');
    t.diagnostic(`${inst.label} row: ${JSON.stringify(row)}`);
    assert.match(row.description, /^ready\b/, `${inst.label} with ${V6_IMAGE}`);
    const state = await dockerState(inst.container);
    assert.ok(state?.running, `docker inspect: ${inst.container} should be running`);
    assert.equal(await dockerImage(inst.container), V6_IMAGE, `${inst.container} runs the 6.x image`);
    assert.ok(state.env.includes(`ISAACSIM_SIGNAL_PORT=${inst.signal}`), `${inst.container} is handed its own signalling port: ${JSON.stringify(state.env)}`);
    assert.equal(await probeTcp('127.0.0.1', inst.signal), true, `a TCP connection to the signalling port ${inst.signal} of ${inst.label}`);
    logs.push(await dockerLogs(inst.container));
    await clearNotifications(page);
  }
  // Both still answer, each on its own port, once both run.
  for (const inst of INSTANCES) assert.equal(await probeTcp('127.0.0.1', inst.signal), true, `the signalling port ${inst.signal} of ${inst.label} with both running`);
  assert.equal(await dockerVolumeExists(V6_GLCACHE), true, `the shared shader cache volume ${V6_GLCACHE}`);
  const shaderLines = logs.map((log) => log.split('\n').filter((line) => line.includes(SHADER_LINE)).length);
  t.diagnostic(`"${SHADER_LINE}" lines: instance-0 ${shaderLines[0]}, instance-1 ${shaderLines[1]}`);
  assert.ok(shaderLines[0] > 0, `instance-0's first start should have compiled the shaders ("${SHADER_LINE}" in docker logs ${INSTANCES[0].container})`);
  assert.equal(shaderLines[1], 0, `instance-1 should have started from the shader cache in ${V6_GLCACHE}: docker logs ${INSTANCES[1].container} has "${SHADER_LINE}"`);
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '10-6x-both-ready');
  assert.deepEqual(offLoopback, [], 'the browser tried to leave loopback');
});

step("13. with isaacSim.webViewerBuildContext set, each 6.x instance gets its own web viewer, and each sim view shows it with the instance's own signal port", 240_000, async (t, page) => {
  await clearNotifications(page);
  const { file, settings } = await userSettings();
  await focusSideBar(page);
  // The stand-in of NVIDIA's tools/docker/web-viewer folder: the extension builds it per port set.
  await replaceUserSettings(page, file, { ...settings, 'isaacSim.webViewerBuildContext': path.join(REPO, 'stand-in', 'web-viewer') });
  const viewerRows = page.locator('.part.sidebar [role="treeitem"]').filter({ hasText: /^web viewer/ });
  const descriptions = await poll(
    async () => {
      const texts = await viewerRows.evaluateAll((rows) => rows.map((r) => (r.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ')));
      return texts.length === INSTANCES.length && texts.every((d) => /^serving on :\d+$/.test(d)) ? texts : undefined;
    },
    180_000,
    'a "web viewer" row under each instance, serving',
  ).catch(async (err) => {
    throw new Error(`${errorText(err)}; rows: ${JSON.stringify(await page.locator('.part.sidebar [role="treeitem"]').allInnerTexts())}; notifications: ${JSON.stringify(await notificationTexts(page))}`);
  });
  t.diagnostic(`web viewer rows: ${JSON.stringify(descriptions)}`);
  assert.deepEqual([...descriptions].sort(), INSTANCES.map((i) => `serving on :${PORTS.webViewer + i.index}`), 'each on its own port');
  const shown: string[] = [];
  for (const inst of INSTANCES) {
    const port = PORTS.webViewer + inst.index;
    const viewer = await dockerState(`isaac-sim-web-viewer-${inst.index}`);
    assert.ok(viewer?.running, `docker inspect: isaac-sim-web-viewer-${inst.index} runs`);
    await focusSideBar(page);
    await runCommand(page, 'Isaac Sim: Open Sim View');
    await pickQuickItem(page, new RegExp(`^${inst.label}\\b`), inst.label);
    const frame = await poll(
      () =>
        page.frames().find((f) => {
          try {
            const u = new URL(f.url());
            return u.port === String(port) || u.pathname.startsWith(`/proxy/${port}/`);
          } catch {
            return false;
          }
        }),
      30_000,
      `the sim view of ${inst.label} to frame its web viewer on :${port}`,
    ).catch((err) => {
      throw new Error(`${errorText(err)}; frames: ${JSON.stringify(page.frames().map((f) => f.url()))}`);
    });
    assert.ok(frameDepth(frame) >= 2, `the viewer frame of ${inst.label} (${frame.url()}) is inside the webview`);
    const signal = normalize(await frame.locator('#signal-port').innerText({ timeout: 10_000 }));
    shown.push(`${inst.label}: ${frame.url()} signal port ${signal}`);
    viewerFrames.set(inst.index, frame);
    assert.equal(signal, String(inst.signal), `the viewer framed for ${inst.label} has its own signal port ${inst.signal} baked in`);
    // code-server forwards the page (/proxy/PORT/ or another origin): the sim view says the stream is not, with its ports.
    const note = normalize(await (frame.parentFrame() ?? assert.fail('the viewer frame has no parent')).locator('#media-note').innerText({ timeout: 10_000 }));
    assert.match(note, new RegExp(`^The page comes through a forwarded port, the stream does not: this browser must reach 127\\.0\\.0\\.1 on TCP ${inst.signal} \\(signalling\\) and UDP ${PORTS.stream + inst.index} \\(video, ISAACSIM_STREAM_PORT\\)`), note);
  }
  t.diagnostic(shown.join('; '));
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '11-6x-web-viewers-side-by-side');
  assert.deepEqual(offLoopback, [], 'the browser tried to leave loopback');
});

step('13a. the 6.x viewers: a tab switch reloads neither; Open in Browser asks first while the sim view holds the connection; a restart gives instance-0 a fresh viewer page', 120_000, async (t, page) => {
  const read = async (frame: Frame) => ({
    loads: await poll(async () => {
      const text = normalize(await frame.locator('#load-count').innerText({ timeout: 2_000 }));
      return text.endsWith('…') ? undefined : text;
    }, 10_000, '#load-count of a viewer page'),
    alive: Number(normalize(await frame.locator('#alive').innerText({ timeout: 2_000 }))),
  });
  const before = new Map<number, { loads: string; alive: number }>();
  for (const inst of INSTANCES) before.set(inst.index, await read(viewerFrames.get(inst.index) ?? assert.fail(`step 13 found no viewer frame of ${inst.label}`)));
  // Step 7 opened README.md over one sim view and spawn_robot.py over the other: bring each to the front and back.
  await activateTab(page, 'README.md');
  await activateTab(page, 'spawn_robot.py');
  await activateTab(page, 'Sim: instance-1');
  await activateTab(page, 'Sim: instance-0');
  const detached = await page.waitForEvent('framedetached', { predicate: (f) => [...viewerFrames.values()].includes(f), timeout: 1_500 }).then((f) => f.url(), () => undefined);
  assert.equal(detached, undefined, `switching tabs detached the viewer frame ${detached}`);
  for (const inst of INSTANCES) {
    const frame = viewerFrames.get(inst.index) ?? assert.fail('no frame');
    const now = await read(frame);
    const was = before.get(inst.index) ?? assert.fail('no reading');
    assert.equal(now.loads, was.loads, `${inst.label}'s viewer page was loaded again by a tab switch`);
    assert.ok(now.alive >= was.alive, `${inst.label}'s viewer page clock went back: it was reloaded`);
  }

  // The stream takes one browser connection, and the sim view holds it: Open in Browser asks first.
  const pagesBefore = page.context().pages().length;
  await focusSideBar(page);
  await runCommand(page, 'Isaac Sim: Open in Browser');
  await pickQuickItem(page, /^instance-0\b/, 'instance-0');
  const dialog = await poll(() => readDialog(page), 10_000, 'the warning before a second browser connection');
  t.diagnostic(`dialog: ${JSON.stringify(dialog)}`);
  // VS Code shows a long modal message as the dialog's detail line.
  assert.match(`${dialog.message} ${dialog.detail}`, /instance-0's stream is open in its sim view, and Isaac Sim takes one browser connection at a time/);
  assert.ok(dialog.buttons.includes('Close Sim View and Open') && dialog.buttons.includes('Open Anyway'), JSON.stringify(dialog.buttons));
  await page.keyboard.press('Escape');
  await poll(async () => (await readDialog(page)) === undefined, 5_000, 'the dialog to close');
  assert.equal(page.context().pages().length, pagesBefore, 'nothing was opened in the browser');

  // A restart: the viewer goes down with the instance and comes back with a page of its own.
  const old = viewerFrames.get(0) ?? assert.fail('no frame');
  await focusSideBar(page);
  await runCommand(page, 'Isaac Sim: Restart Instance');
  await pickQuickItem(page, /^instance-0\b/, 'instance-0');
  await poll(() => old.isDetached(), 60_000, "instance-0's old viewer page to be replaced");
  const port = PORTS.webViewer;
  const fresh = await poll(
    () => page.frames().find((f) => !f.isDetached() && (f.url().includes(`:${port}/`) || f.url().includes(`/proxy/${port}/`))),
    90_000,
    `a new viewer page of instance-0 on :${port}`,
  );
  const after = await read(fresh);
  t.diagnostic(`instance-0 viewer before restart ${JSON.stringify(before.get(0))}, after ${JSON.stringify(after)}`);
  assert.equal(normalize(await fresh.locator('#signal-port').innerText({ timeout: 10_000 })), String(INSTANCES[0].signal), 'the fresh page still has its own signal port');
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '11a-6x-viewer-after-restart');
  assert.deepEqual(offLoopback, [], 'the browser tried to leave loopback');
});

step("13b. a viewer build shows a cancellable progress notification, and Cancel stops only that instance's build; a failing build shows an error with its last lines, and Show Logs shows them in the instance's channel", 240_000, async (t, page) => {
  await clearNotifications(page);
  const { file, settings } = await userSettings();
  // Test fixtures, copies of the stand-in's viewer context: one with a build step long enough to
  // cancel, one whose builder-stage seds point at a file that is not there (as webViewer.test.ts).
  const fixture = async (name: string, edit: (dockerfile: string) => string) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `ui-web-viewer-${name}-`));
    await fs.cp(path.join(REPO, 'stand-in', 'web-viewer'), dir, { recursive: true });
    const dockerfile = path.join(dir, 'Dockerfile');
    const before = await fs.readFile(dockerfile, 'utf8');
    const after = edit(before);
    assert.notEqual(after, before, `the ${name} fixture changed nothing in ${dockerfile}`);
    await fs.writeFile(dockerfile, after);
    return dir;
  };
  const slow = await fixture('slow', (d) => d.replace('WORKDIR /app/web-viewer\n', 'WORKDIR /app/web-viewer\n\nRUN sleep 600\n'));
  const broken = await fixture('broken', (d) => d.replace(/ src\/main\.ts/g, ' src/missing.ts'));
  /** The description of instance `index`'s web viewer row (the row after the instance's own). */
  const viewerRow = async (index: number) =>
    page.locator('.part.sidebar [role="treeitem"]').evaluateAll((rows, label) => {
      const texts = rows.map((r) => ({
        name: (r.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (r.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      }));
      const at = texts.findIndex((r) => r.name === label);
      return at >= 0 && texts[at + 1]?.name === 'web viewer' ? texts[at + 1].description : undefined;
    }, `instance-${index}`);
  const building = (label: string) => toast(page, new RegExp(`^Isaac Sim ${label}: building its web viewer`));
  try {
    await focusSideBar(page);
    await replaceUserSettings(page, file, { ...settings, 'isaacSim.webViewerBuildContext': slow });
    for (const inst of INSTANCES) {
      await building(inst.label).getByRole('button', { name: 'Cancel', exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 }).catch(async (err) => {
        throw new Error(`no cancellable "building its web viewer" notification of ${inst.label} (${errorText(err)}); notifications: ${JSON.stringify(await notificationTexts(page))}`);
      });
    }
    await poll(async () => (await viewerRow(0)) === 'building its image' || undefined, 10_000, "instance-0's web viewer row to say it is building").catch(async (err) => {
      throw new Error(`${errorText(err)}; the row says ${JSON.stringify(await viewerRow(0))}`);
    });
    await restMouse(page);
    await screenshot(page, ARTIFACTS, '11b-6x-viewer-build-progress');
    await building('instance-0').getByRole('button', { name: 'Cancel', exact: true }).first().click({ timeout: 5_000 });
    const cancelled = await poll(async () => {
      const d = await viewerRow(0);
      return d?.startsWith('failed: ') ? d : undefined;
    }, 30_000, "instance-0's web viewer row to say its build was cancelled");
    assert.match(cancelled, /was cancelled$/, cancelled);
    await poll(async () => (await building('instance-0').count()) === 0, 10_000, "instance-0's build notification to close");
    assert.equal(await viewerRow(1), 'building its image', "instance-1's build goes on");
    assert.ok((await building('instance-1').count()) > 0, "instance-1's build notification stays");

    // The broken context replaces the slow one: instance-1's slow build gives way, both build it and fail.
    await replaceUserSettings(page, file, { ...settings, 'isaacSim.webViewerBuildContext': broken });
    const failed = /^Isaac Sim instance-0: The build of isaac-sim-orchestrator-web-viewer:[0-9a-f]{16} failed at step \[builder \d+\/\d+\] with exit code 1: RUN sed /;
    const shown = await poll(async () => (await readToasts(page)).find((n) => failed.test(n.message)), 120_000, "instance-0's build failure notification").catch(async (err) => {
      throw new Error(`${errorText(err)}; notifications: ${JSON.stringify(await notificationTexts(page))}; viewer row: ${await viewerRow(0)}`);
    });
    t.diagnostic(`notification: ${JSON.stringify(shown)}`);
    assert.equal(shown.icon, 'error');
    assert.match(shown.message, /Its last lines: .*src\/missing\.ts/, 'the notification ends with the last lines of the build, which name the missing file');
    assert.ok(shown.buttons.includes('Show Logs'), JSON.stringify(shown.buttons));
    const all = await readToasts(page);
    assert.deepEqual(all.filter((n) => /cancelled/.test(n.message)), [], 'the cancelled build was not reported as a failure');
    const failedRow = /^failed: The build of isaac-sim-orchestrator-web-viewer:[0-9a-f]{16} failed at step \[builder \d+\/\d+\] with exit code 1$/;
    await poll(async () => failedRow.test((await viewerRow(0)) ?? '') || undefined, 10_000, "instance-0's web viewer row to show the failed build").catch(async (err) => {
      throw new Error(`${errorText(err)}; the row says ${JSON.stringify(await viewerRow(0))}`);
    });
    // Each sim view says so too, with the failed step (its note page, in the webview's inner frame).
    // Every note page of the instance's sim view: while VS Code swaps a webview's page, the old frame can linger beside the new one.
    const notesOf = async (label: string) => {
      const texts: string[] = [];
      for (const f of page.frames()) {
        if (f.isDetached()) continue;
        const text = normalize(await f.locator('body').innerText({ timeout: 1_000 }).catch(() => ''));
        if (text.startsWith(`Sim: ${label}`) && text.includes(`${label} is `)) texts.push(text);
      }
      return texts;
    };
    for (const inst of INSTANCES) {
      await poll(async () => (await notesOf(inst.label)).some((t) => t.includes('Its web viewer failed: The build of isaac-sim-orchestrator-web-viewer:')) || undefined, 20_000, `the sim view of ${inst.label} to say its viewer's build failed`).catch(async (err) => {
        throw new Error(`${errorText(err)}; its pages say ${JSON.stringify(await notesOf(inst.label))}; viewer row: ${JSON.stringify(await viewerRow(inst.index))}`);
      });
    }
    await restMouse(page);
    await screenshot(page, ARTIFACTS, '11c-6x-viewer-build-failed');

    await toast(page, failed).getByRole('button', { name: 'Show Logs', exact: true }).click();
    await poll(async () => (await outputChannelName(page)) === 'Isaac Sim: instance-0' || undefined, 10_000, 'the Output panel to show "Isaac Sim: instance-0"');
    await waitForOutputText(page, (text) => text.includes('[Isaac Sim Orchestrator] The build of') && text.includes('src/missing.ts'), 20_000, "the build's lines and its failure in instance-0's channel");
    await restMouse(page);
    await screenshot(page, ARTIFACTS, '11d-6x-viewer-build-log');
  } finally {
    await replaceUserSettings(page, file, settings).catch(() => undefined);
    await clearNotifications(page).catch(() => undefined);
    await fs.rm(slow, { recursive: true, force: true });
    await fs.rm(broken, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------

/** code-server's user settings.json and what it holds now (the steps that change settings start from it). */
async function userSettings(): Promise<{ file: string; settings: Record<string, unknown> }> {
  const file = path.join((server ?? assert.fail('no code-server')).userDataDir, 'User', 'settings.json');
  return { file, settings: JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------------

/**
 * Container names are global to the engine: another suite or the demo running on the same engine at
 * the same time takes over isaac-sim-instance-N. Says so when it happened (their binds are not ours).
 */
async function foreignContainerNote(): Promise<string | undefined> {
  const notes: string[] = [];
  for (const name of CONTAINERS) {
    const binds = await dockerBinds(name).catch(() => undefined);
    if (binds && binds.length > 0 && !binds.some((b) => b.startsWith(DATA_ROOT + path.sep))) {
      notes.push(`${name} is now another run's container (mounts ${binds[0]})`);
    }
  }
  return notes.length ? `NOTE: ${notes.join('; ')}: something else used the same Docker engine during this suite.` : undefined;
}

interface StartWatch {
  /** Distinct messages of the start progress toasts of the instance ("Isaac Sim instance-0: …"), in order. */
  messages: string[];
  /** The first of those toasts that named a phase. */
  phaseToast?: Toast;
  /** Distinct states of the "Isaac Sim:" status bar item ("codicons | text"), in order. */
  statusBar: string[];
  /** The status bar item the first time it showed a spinner. */
  statusWhileStarting?: StatusBarItem;
  /** ms from "ready" in the tree until no start progress toast of the instance was shown; undefined: still shown after 5 s. */
  progressGoneMs?: number;
  /** The status bar item once it stopped spinning after "ready" (or the last one seen within 5 s). */
  statusAfterReady?: StatusBarItem;
  /** Reads that failed while watching (the DOM changes under them; kept for the diagnostics). */
  errors: string[];
}

/**
 * Samples the notification toasts and the status bar item every 100 ms while an instance starts,
 * and takes a screenshot the first time the start progress names a phase. `settle()`, once the node
 * is ready, waits (5 s at most each, never failing) for the progress to close and the spinner to stop.
 */
function watchStart(page: Page, label: string, screenshotName: string): { seen: StartWatch; stop: () => Promise<void>; settle: () => Promise<void> } {
  const seen: StartWatch = { messages: [], statusBar: [], errors: [] };
  const prefix = `Isaac Sim ${label}: `;
  const withPhase = new RegExp(`^Isaac Sim ${label}: ${PHASE} — `);
  let running = true;
  const note = (err: unknown) => {
    if (seen.errors.length < 5) seen.errors.push(errorText(err).split('\n')[0]);
  };
  const started = Date.now();
  const loop = (async () => {
    // Ends on its own too, should the step time out before stopping it (so the process can exit).
    while (running && !page.isClosed() && Date.now() - started < 120_000) {
      const [toasts, item] = await Promise.all([readToasts(page).catch((err) => (note(err), [])), readStatusBarItem(page, STATUS).catch((err) => (note(err), undefined))]);
      for (const n of toasts) {
        if (n.message.startsWith(prefix) && !seen.messages.includes(n.message)) seen.messages.push(n.message);
      }
      if (item) {
        const key = `${item.codicons.join(',')} | ${item.text}`;
        if (seen.statusBar[seen.statusBar.length - 1] !== key) seen.statusBar.push(key);
        if (!seen.statusWhileStarting && item.codicons.includes('loading')) seen.statusWhileStarting = item;
      }
      const phaseToast = toasts.find((n) => withPhase.test(n.message));
      if (phaseToast && !seen.phaseToast) {
        seen.phaseToast = phaseToast;
        await screenshot(page, ARTIFACTS, screenshotName).catch(note);
      }
      await delay(100);
    }
  })();
  const stop = async () => {
    running = false;
    await loop;
  };
  const settle = async () => {
    const readyAt = Date.now();
    await poll(async () => !(await readToasts(page)).some((n) => n.message.startsWith(prefix)), 5_000, 'the start progress to close')
      .then(() => (seen.progressGoneMs = Date.now() - readyAt))
      .catch(note);
    await poll(
      async () => {
        seen.statusAfterReady = await readStatusBarItem(page, STATUS);
        return seen.statusAfterReady && !seen.statusAfterReady.codicons.includes('loading');
      },
      5_000,
      'the status bar to stop spinning',
    ).catch(note);
    await stop();
  };
  return { seen, stop, settle };
}

/** Polls the "Isaac Sim:" status bar item until `accept` says yes; fails with what it showed. */
async function waitForStatusBar(page: Page, accept: (item: StatusBarItem) => boolean, timeoutMs: number, what: string): Promise<StatusBarItem> {
  let last: StatusBarItem | undefined;
  return poll(
    async () => {
      last = await readStatusBarItem(page, STATUS);
      return last && accept(last) ? last : undefined;
    },
    timeoutMs,
    `the "${STATUS}" status bar item ${what}`,
  ).catch((err) => {
    throw new Error(`${errorText(err)}; it shows: ${last ? JSON.stringify(last) : 'no such item'}`);
  });
}

/** The tree item of an instance in the Isaac Sim view. */
function treeItem(page: Page, label: string) {
  return page.getByRole('treeitem', { name: new RegExp(`^${label}\\b`) }).first();
}

/**
 * Other suites on the same engine may run instances with other indices (e.g. instance-13); the
 * extension shows every container with its owner label, and counts them in the status bar. Names
 * them when they are in the tree, for the message of a count that is off.
 */
async function foreignRowsNote(page: Page): Promise<string> {
  const rows = (await treeRowLabels(page).catch(() => [])).filter((r) => !INSTANCES.some((i) => r.startsWith(`${i.label} `)));
  return rows.length ? ` (the tree also shows other instances, from another run on the same engine: ${rows.join('; ')})` : '';
}

/**
 * A running instance's row description without the live figures the tree appends to it
 * ("ready · :21211 · CPU 0.0% · 1 MiB" → "ready · :21211"; src/instances/figures.ts figuresSummary):
 * they come with the first stats sample, whenever that is.
 */
function stateAndPort(description: string): string {
  return description.replace(/ · (CPU [\d.]+%|\d+(\.\d)? [MG]iB|GPU \d).*$/, '');
}

/** Moves the pointer to an empty spot of the title bar, so no hover shows in a screenshot. */
async function restMouse(page: Page): Promise<void> {
  await page.mouse.move(VIEWPORT.width - 300, 8);
  await delay(300);
}

async function waitForClientFrame(page: Page, httpPort: number): Promise<Frame> {
  return poll(() => findClientFrame(page, httpPort), 20_000, `an iframe showing the web client of :${httpPort}`).catch((err) => {
    throw new Error(`${errorText(err)}; frames: ${JSON.stringify(page.frames().map((f) => f.url()))}`);
  });
}

interface SimPage {
  label: string;
  /** `#load-count`, e.g. "page loads: 1" (what the page's GET /cgi-bin/hit answered). */
  loadCount: string;
  /** `#alive`: seconds since the page loaded (a reload restarts it). */
  aliveSeconds: number;
}

/** Waits until the stand-in's page in `frame` shows its label, its animated scene and its load count. */
async function readSimPage(frame: Frame, label: string): Promise<SimPage> {
  const shown = normalize(await frame.locator('#instance-label').innerText({ timeout: 10_000 }));
  assert.equal(shown, label, `#instance-label in the sim view of ${label} shows "${shown}"`);
  assert.equal(await frame.locator('svg[aria-label="animated robot arm"]').count(), 1, `the animated scene (svg) is on the page of ${label}`);
  const animation = await frame.locator('svg .shoulder').evaluate((el) => getComputedStyle(el).animationName);
  assert.equal(animation, 'swing', `the robot arm on the page of ${label} is animated`);
  // "page loads: …" until the page's GET /cgi-bin/hit answers.
  const loadCount = await poll(
    async () => {
      const text = normalize(await frame.locator('#load-count').innerText({ timeout: 2_000 }));
      return text.endsWith('…') ? undefined : text;
    },
    10_000,
    `#load-count of ${label} to show the answer of GET /cgi-bin/hit`,
  );
  const alive = Number(normalize(await frame.locator('#alive').innerText({ timeout: 2_000 })));
  return { label: shown, loadCount, aliveSeconds: Number.isFinite(alive) ? alive : -1 };
}

/** The page counted its load through GET /cgi-bin/hit, and it was the first. */
function assertCountedOnce(loadCount: string, frameUrl: string, httpPort: number): void {
  assert.equal(
    loadCount,
    'page loads: 1',
    `#load-count shows "${loadCount}": the stand-in should have counted exactly this one page load. ${/^page loads: \d+$/.test(loadCount) ? '' : uncountedLoadHint(frameUrl, httpPort)}`,
  );
}

/** Why a page load may not reach the stand-in's counter. */
function uncountedLoadHint(frameUrl: string, httpPort: number): string {
  if (!frameUrl.includes(`/proxy/${httpPort}/`)) return '';
  return (
    `The sim view loads the client through code-server's port proxy (${frameUrl}), and the stand-in page ` +
    `counts its load with fetch('/cgi-bin/hit'), an absolute path that leaves the /proxy/${httpPort}/ prefix ` +
    `and reaches code-server itself (404) instead of the simulator; a relative URL ('../../cgi-bin/hit') would be proxied.`
  );
}

/** The stand-in's page-load count, read straight from the simulator (no increment). */
async function standinLoads(httpPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/cgi-bin/loads`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(res.status, 200, `GET :${httpPort}/cgi-bin/loads answered ${res.status}`);
  const text = (await res.text()).trim();
  assert.match(text, /^\d+$/, `GET :${httpPort}/cgi-bin/loads answered ${JSON.stringify(text)}`);
  return Number(text);
}

/** Opens a file of the workspace through Quick Open and waits for its tab. */
async function openWorkspaceFile(page: Page, name: string): Promise<void> {
  await closeQuickInput(page);
  await focusSideBar(page); // a sim view is the active editor: see focusSideBar
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(name);
  await poll(
    async () => (await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).count()) > 0,
    10_000,
    `Quick Open to list ${name}`,
  );
  await page.keyboard.press('Enter');
  await poll(async () => /\bactive\b/.test((await editorTab(page, name).first().getAttribute('class').catch(() => '')) ?? ''), 10_000, `${name} to open in an active tab`);
}

function describeFrameUrl(url: string, httpPort: number): string {
  return new URL(url).pathname.startsWith(`/proxy/${httpPort}/`) ? 'rewritten by asExternalUri to code-server\'s port proxy' : 'the client URL as is';
}

/** http(s)/ws(s) to a loopback host; other schemes (data:, blob:, …) never leave the machine. */
function isLoopbackUrl(url: URL): boolean {
  if (!/^(https?|wss?):$/.test(url.protocol)) return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `docker logs NAME`: its stdout and stderr. */
async function dockerLogs(name: string): Promise<string> {
  const { stdout, stderr } = await execFileP('docker', ['logs', name], { maxBuffer: 64 * 1024 * 1024 });
  return `${stdout}\n${stderr}`;
}

async function dockerImage(name: string): Promise<string | undefined> {
  return execFileP('docker', ['inspect', '-f', '{{.Config.Image}}', name]).then(
    (r) => r.stdout.trim(),
    () => undefined,
  );
}

async function dockerVolumeExists(name: string): Promise<boolean> {
  return execFileP('docker', ['volume', 'inspect', name]).then(
    () => true,
    () => false,
  );
}

/** The named volumes of step 12 (6.x, made by the extension). Their containers must be gone first. */
async function removeV6Volumes(): Promise<void> {
  const { stdout } = await execFileP('docker', ['volume', 'ls', '-q', '--filter', `name=${V6_VOLUME_PREFIX}`]);
  const names = stdout.split('\n').filter((n) => n.startsWith(V6_VOLUME_PREFIX));
  if (names.length) await execFileP('docker', ['volume', 'rm', ...names]);
}

/** A container of an interrupted step 12: the 6.x image, the extension's owner label, our 6.x volumes. */
async function isOurV6Container(name: string): Promise<boolean> {
  try {
    const { stdout } = await execFileP('docker', ['inspect', '-f', '{{.Config.Image}} {{index .Config.Labels "dev.isaac-sim-orchestrator.owner"}} {{range .Mounts}}{{.Name}},{{end}}', name]);
    const [image, owner, mounts = ''] = stdout.trim().split(' ');
    return image === V6_IMAGE && owner === 'isaac-sim-orchestrator' && mounts.split(',').some((m) => m.startsWith(V6_VOLUME_PREFIX));
  } catch {
    return false;
  }
}

/** Pids of the Chromium processes that use this profile. */
function chromiumPids(profileDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state !== 'Z' && cmdline.includes(`--user-data-dir=${profileDir}`)) pids.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'scripts/demo.sh')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`ui.test: no repository root above ${from}`);
  }
}
