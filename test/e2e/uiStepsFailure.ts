/**
 * The UI suite's steps 9–11 (ui.test.ts imports the step modules in step order): the user settings
 * switch the stand-in to STANDIN_MODE=gpu-fail and instance-0's next start recreates its container
 * and fails; the failure notification and its "Show Fix" modal; the error icon in the tree and the
 * status bar's error colour.
 */
import assert from 'node:assert/strict';
import { errorText, poll, screenshot } from './ui-helpers';
import { focusSideBar, pickQuickItem, runCommand } from './uiPalette';
import { dialogBox, notificationTexts, readDialog, readToasts, toast } from './uiNotifications';
import { waitForTreeRow } from './uiTree';
import { replaceUserSettings } from './uiEditors';
import { dockerState } from './uiDocker';
import { ARTIFACTS, foreignRowsNote, INSTANCES, PORTS, restMouse, step, treeItem, userSettings, waitForStatusBar } from './uiSuite';

/** What steps 9–11 switch the stand-in to: it fails at once with "No device could be created" (the no-gpu-device diagnosis). */
const GPU_FAIL_ENV = { STANDIN_STEP_SECONDS: '0.05', STANDIN_MODE: 'gpu-fail' };
/** Put into the window title by the settings change of step 9: the workbench has applied it when the title shows it. */
const TITLE_MARK = '(ui suite: gpu-fail)';

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
