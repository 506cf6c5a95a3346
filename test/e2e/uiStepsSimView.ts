/**
 * The UI suite's steps 5–8 (ui.test.ts imports the step modules in step order): the sim views of
 * the two 4.2 instances side by side, each page on its own signalling port; switching editor tabs
 * reloads neither (the browser's frames and navigations and the stand-in's own count of page loads);
 * Run in Sim; the Get Started walkthrough; the README tour's frames; Stop All.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { errorText, normalize, poll, screenshot } from './ui-helpers';
import { closeQuickInput, focusSideBar, pickQuickItem, runCommand } from './uiPalette';
import { clearNotifications, notificationTexts, readStatusBarItem, readToasts } from './uiNotifications';
import { treeRow, waitForTreeRow } from './uiTree';
import { activateTab, editorTab, outputChannelName, waitForOutputText } from './uiEditors';
import { findClientFrame, frameDepth, isClientFrameUrl, webviewShown } from './uiFrames';
import { dockerRunning } from './uiDocker';
import { openWalkthrough, runDoctorFromWalkthrough, walkthroughDone, walkthroughMarkup } from './uiWalkthrough';
import { TOUR_FRAMES, tourFrameFile } from './tourFrames';
import { ARTIFACTS, clientNavigations, INSTANCES, offLoopback, PORTS, REPO, restMouse, stateAndPort, step, tour } from './uiSuite';

/** The sim frames of step 5/6 and what they showed, for the reload check of step 7. */
const simFrames = new Map<number, { frame: Frame } & SimPage>();

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
  // The tab turns active before the group's editor shows the file; the editor-title buttons act on
  // the file the editor shows (a CI run once ran the file before it). The editor's view carries
  // its model's URI in data-uri.
  const shown = page.locator(`.editor-group-container.active [data-uri$=${JSON.stringify(`/${name}`)}]`);
  await poll(async () => (await shown.count()) > 0, 10_000, `the active editor group's editor to show ${name}`);
}

function describeFrameUrl(url: string, httpPort: number): string {
  return new URL(url).pathname.startsWith(`/proxy/${httpPort}/`) ? 'rewritten by asExternalUri to code-server\'s port proxy' : 'the client URL as is';
}
