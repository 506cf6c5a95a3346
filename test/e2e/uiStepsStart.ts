/**
 * The UI suite's steps 2–4 (ui.test.ts imports the step modules in step order): the view shows both
 * instances "not created"; Start Instance brings instance-0 to "ready" while `watchStart` records
 * the start progress notification and the status bar (checked by step 3a) and the README's tour
 * takes its first frames; Cancel on instance-1's start progress stops it; the live figures and the
 * headroom warning; Show Logs.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { delay, errorText, poll, screenshot } from './ui-helpers';
import { focusSideBar, pickQuickItem, runCommand } from './uiPalette';
import {
  clearNotifications,
  notificationTexts,
  readStatusBarItem,
  readToasts,
  toast,
  type StatusBarItem,
  type Toast,
} from './uiNotifications';
import { treeRow, waitForTreeRow } from './uiTree';
import { outputChannelName, replaceUserSettings, waitForOutputText } from './uiEditors';
import { dockerRunning, dockerStop } from './uiDocker';
import { declinedStart, waitForFigures } from './uiHeadroom';
import { ARTIFACTS, foreignRowsNote, INSTANCES, PORTS, restMouse, stateAndPort, STATUS, STEP_SECONDS, step, tour, treeItem, userSettings, waitForStatusBar } from './uiSuite';

/** The 4.2 stand-in's readiness line (stand-in/kit.sh: the 4.x app title "Isaac Sim Headless WebRTC"). */
const READY_LINE = 'Isaac Sim Headless WebRTC App is loaded.';
/** A phase in the start progress notification: "Isaac Sim instance-0: compiling shaders — 0:03 (first start: …)". */
const PHASE = '(loading|loading extensions|compiling shaders|starting streaming)';
/** What the start progress notification and the status bar showed while step 3 started instance-0 (checked by step 3a). */
let startOfInstance0: StartWatch | undefined;

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
