/**
 * UI end-to-end suite: the packaged extension (.vsix) in a real VS Code (code-server) driven by a
 * headless Chromium, managing two instances of the stand-in simulator on the real Docker engine.
 *
 *   npx tsc -p . && node --test --test-concurrency=1 out/test/e2e/ui.test.js
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
 * Needs: a Docker engine on the default socket (bash scripts/dockerd.sh start), code-server
 * (installed on demand by ensureCodeServerInstalled) and /usr/bin/chromium.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { ensureCodeServerInstalled, launchChromium, listInstalledExtensions, startCodeServer, type CodeServer } from './host';
import {
  activateTab,
  clearNotifications,
  closeQuickInput,
  delay,
  dockerBinds,
  dockerRemove,
  dockerRunning,
  editorTab,
  errorText,
  fileSize,
  findClientFrame,
  focusSideBar,
  frameDepth,
  isClientFrameUrl,
  normalize,
  outputChannelName,
  outputPanelText,
  pickQuickItem,
  poll,
  runCommand,
  screenshot,
  waitForTreeRow,
  webviewShown,
} from './ui-helpers';

const execFileP = promisify(execFile);

const REPO = findRepoRoot(__dirname);
const RUN = path.join(REPO, '.run/ui');
const VSIX = path.join(RUN, 'isaac-sim-orchestrator.vsix');
const PROFILE = path.join(RUN, 'profile');
const DATA_ROOT = path.join(RUN, 'isaac-sim-data');
const WORKSPACE = path.join(REPO, 'test/e2e/sample-workspace');
const ARTIFACTS = path.join(REPO, 'test-artifacts/ui');
const EXTENSION_ID = 'isaac-sim-orchestrator.isaac-sim-orchestrator';
const READY_LINE = 'Isaac Sim Full Streaming App is loaded.';
/** Away from the defaults (8211…) and from the other suites. */
const PORTS = { http: 48211, webrtc: 48011, native: 48899 };
const INSTANCES = [0, 1].map((i) => ({ index: i, label: `instance-${i}`, container: `isaac-sim-instance-${i}`, http: PORTS.http + i }));
const CONTAINERS = INSTANCES.map((i) => i.container);
const VIEWPORT = { width: 1280, height: 800 };

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
      throw err;
    }
  });
}

const STEP1 = '1. build and package the .vsix, start code-server with it, open the workbench';

before(async () => {
  await fs.mkdir(ARTIFACTS, { recursive: true });
  // Old screenshots would pass for this run's.
  for (const name of existsSync(ARTIFACTS) ? readdirSync(ARTIFACTS) : []) {
    if (/^(\d\d-|failed-).*\.png$/.test(name)) await fs.rm(path.join(ARTIFACTS, name), { force: true });
  }
  await execFileP('docker', ['info', '--format', '{{.ServerVersion}}']).catch((err) => {
    throw new Error(`no Docker engine answers (start one: bash scripts/dockerd.sh start): ${errorText(err)}`);
  });
  // Containers left by an earlier, interrupted run of this suite mount our data folder: remove them.
  // Anyone else's (another suite or the demo on the same engine) are left alone, and the suite stops.
  for (const name of CONTAINERS) {
    const binds = await dockerBinds(name);
    if (binds === undefined) continue;
    if (binds.some((b) => b.startsWith(DATA_ROOT + path.sep) || b.startsWith(DATA_ROOT + ':'))) {
      await dockerRemove([name]);
    } else {
      foreignContainers = true;
      throw new Error(`container ${name} already exists and is not this suite's (binds: ${binds.join(', ') || 'none'}); another suite or the demo is using the engine — stop it first`);
    }
  }
  for (const port of [...INSTANCES.map((i) => i.http), PORTS.webrtc, PORTS.native]) {
    if (await portAnswers(port)) throw new Error(`port ${port} on 127.0.0.1 is already in use; the suite needs it for the stand-in`);
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
    await dockerRemove(CONTAINERS).catch((err) => problems.push(`containers: ${errorText(err)}`));
  }
  process.stderr.write(`ui suite: total ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s\n`);
  if (problems.length) throw new Error(`cleanup: ${problems.join('; ')}`);
});

step(STEP1, 150_000, async (t) => {
  await execFileP(process.execPath, ['scripts/build.mjs', '--production'], { cwd: REPO, timeout: 120_000 }).catch((err) => {
    throw new Error(`node scripts/build.mjs --production failed: ${errorText(err)}\n${(err as { stderr?: string }).stderr ?? ''}`);
  });
  // As scripts/demo.sh packages it: the bundles carry everything, so no node_modules in the .vsix.
  await execFileP(
    'npx',
    ['--no-install', '@vscode/vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '-o', VSIX],
    { cwd: REPO, timeout: 120_000 },
  ).catch((err) => {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`vsce package failed: ${errorText(err)}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  });
  const size = await fileSize(VSIX);
  assert.ok(size !== undefined, `vsce reported success but ${VSIX} does not exist`);
  t.diagnostic(`.vsix: ${size} bytes (${(size / 1024).toFixed(0)} KiB)`);
  process.stderr.write(`ui suite: ${path.relative(REPO, VSIX)} is ${size} bytes\n`);
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
      'isaacSim.webrtcPortBase': PORTS.webrtc,
      'isaacSim.nativePortBase': PORTS.native,
      'isaacSim.env': { STANDIN_STEP_SECONDS: '0.15' },
    },
  });
  const installed = await listInstalledExtensions(server);
  assert.ok(
    installed.some((id) => id.toLowerCase() === EXTENSION_ID),
    `${EXTENSION_ID} is not installed in code-server (installed: ${installed.join(', ') || 'none'})`,
  );

  await fs.rm(PROFILE, { recursive: true, force: true });
  context = await launchChromium(PROFILE);
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
  const rows = await pickQuickItem(page, /^instance-0\b/, 'instance-0');
  t.diagnostic(`Start Instance quick pick rows: ${JSON.stringify(rows)}`);
  assert.ok(rows.some((r) => /^instance-1\b/.test(r)), `the quick pick should list the stopped instance-1 too: ${JSON.stringify(rows)}`);
  assert.ok(rows.some((r) => /New instance/.test(r)), `the quick pick should offer "New instance": ${JSON.stringify(rows)}`);
  const seen = new Set<string>();
  const row = await waitForTreeRow(
    page,
    'instance-0',
    (r) => {
      seen.add(r.description.replace(/\d+:\d\d/, 'M:SS'));
      return r.description === `ready · :${PORTS.http}`;
    },
    60_000,
    `"ready · :${PORTS.http}"`,
  );
  t.diagnostic(`instance-0 went through: ${[...seen].join(' → ')}`);
  assert.equal(await dockerRunning('isaac-sim-instance-0'), true, 'docker inspect: isaac-sim-instance-0 should be running');
  assert.ok(row.ariaLabel.startsWith(`instance-0 ready · :${PORTS.http}`), `accessible name: "${row.ariaLabel}"`);
  await clearNotifications(page);
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '02-instance-0-ready');
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
  // Only the lines in view are in the DOM. The readiness line is the last one: the Output view
  // follows the end of the log, and Ctrl+End in its editor brings it into view if it did not.
  let scrolled = false;
  const text = await poll(
    async () => {
      const current = await outputPanelText(page);
      if (current.includes(READY_LINE)) return current;
      if (!scrolled && current.length > 0) {
        scrolled = true;
        await page.locator('.panel .monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+End');
      }
      return undefined;
    },
    20_000,
    `"${READY_LINE}" in the Output panel`,
  ).catch(async (err) => {
    throw new Error(`${errorText(err)}; panel shows: ${JSON.stringify((await outputPanelText(page)).slice(-600))}`);
  });
  t.diagnostic(`output panel lines in view: ${text.split('\n').length}${scrolled ? ' (after Ctrl+End)' : ''}`);
  assert.match(text, /\[Info\] \[omni\.services\.transport\.server\.http\] Serving on http:\/\/127\.0\.0\.1:48211/, 'the log also shows the port it serves on');
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

step('6. start instance-1 and open its sim view beside instance-0', 90_000, async (t, page, enough) => {
  await focusSideBar(page); // see focusSideBar: a sim view is the active editor now
  await runCommand(page, 'Isaac Sim: Start Instance');
  const rows = await pickQuickItem(page, /^instance-1\b/, 'instance-1');
  assert.ok(!rows.some((r) => /^instance-0\b/.test(r)), `the running instance-0 should not be offered: ${JSON.stringify(rows)}`);
  await waitForTreeRow(page, 'instance-1', (r) => r.description === `ready · :${PORTS.http + 1}`, 60_000, `"ready · :${PORTS.http + 1}"`);
  await clearNotifications(page);
  await focusSideBar(page);
  await runCommand(page, 'Isaac Sim: Open Sim View');
  await pickQuickItem(page, /^instance-1\b/, 'instance-1');
  await editorTab(page, 'Sim: instance-1').first().waitFor({ state: 'visible', timeout: 10_000 });
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
  // A reload would show up within a moment: give the frames that moment before counting.
  await delay(1_500);

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

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
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
