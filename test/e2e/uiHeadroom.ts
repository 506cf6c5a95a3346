/**
 * The UI suite's figures and headroom step (ui.test.ts, step 3c): the tree row of the running
 * instance-0 shows its live figures, and a start that the figures last seen say will not fit is
 * asked about first.
 *
 * To make the check speak without a GPU: the user settings lift the memory limit
 * (isaacSim.memoryLimitGiB 0, so the limit the stats report counts as the host's memory) and ask
 * isaacSim.headroomGiB 1024 per instance, more than this machine has. Start Instance on the stopped
 * instance-1 then shows the modal warning with the figures; Cancel leaves instance-1 stopped. The
 * caller puts the user settings back.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { errorText, poll } from './ui-helpers';
import { pickQuickItem, runCommand } from './uiPalette';
import { dialogBox, readDialog, readToasts, type Dialog } from './uiNotifications';
import { waitForTreeRow } from './uiTree';

/** The row's live figures, as src/instances/figures.ts figuresSummary writes them: "CPU 0.3% · 2 MiB · GPU 0 0.0% 14.7/24.0 GiB". */
export const FIGURES_IN_ROW = / · CPU \d+(\.\d)?% · \d+(\.\d)? (MiB|GiB)/;

/** Waits for instance-0's row to show CPU and memory (and, from the stand-in's nvidia-smi, its GPU). */
export async function waitForFigures(page: Page): Promise<string> {
  const row = await waitForTreeRow(page, 'instance-0', (r) => FIGURES_IN_ROW.test(r.description) && / · GPU 0 /.test(r.description), 20_000, 'the live CPU, memory and GPU figures');
  return row.description;
}

/**
 * With the settings above applied: Start Instance → instance-1 asks first. Returns the dialog, after
 * Cancel closed it and the start command ended without starting.
 */
export async function declinedStart(page: Page, isRunning: () => Promise<boolean | undefined>): Promise<Dialog> {
  await runCommand(page, 'Isaac Sim: Start Instance');
  await pickQuickItem(page, /^instance-1\b/, 'instance-1');
  const dialog = await poll(() => readDialog(page), 15_000, 'the headroom warning before the start of instance-1').catch(async (err) => {
    throw new Error(`${errorText(err)}; notifications: ${JSON.stringify(await readToasts(page))}`);
  });
  await dialogBox(page).first().getByRole('button', { name: 'Cancel', exact: true }).click({ timeout: 5_000 });
  // The command's own progress ("Starting instance-1…") closes once it returns: only then is it
  // known that it did not start.
  await poll(async () => !(await readToasts(page)).some((n) => /^Starting instance-1/.test(n.message)) || undefined, 10_000, 'the start command to end').catch(async (err) => {
    throw new Error(`${errorText(err)}; notifications: ${JSON.stringify(await readToasts(page))}`);
  });
  assert.equal(await isRunning(), false, 'instance-1 did not start after Cancel');
  await waitForTreeRow(page, 'instance-1', (r) => /^stopped\b/.test(r.description), 5_000, 'still "stopped"');
  return dialog;
}
