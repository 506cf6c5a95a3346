/**
 * The UI suite's walkthrough step (ui.test.ts, step 7c): Isaac Sim: Get Started opens the
 * walkthrough, and its steps show done exactly where their events have happened in this window.
 * By then the suite has started instances (the start step), opened sim views and run a file in the
 * sim; the doctor has not run and no image setting has changed. The doctor step's own button then
 * runs the doctor, which completes it and, as the stand-in's runtime is the engine's default with
 * no GPU, the toolkit step.
 *
 * Reads the workbench's walkthrough page (VS Code's gettingStarted editor): each step is a button
 * with `data-step-id` ending in `#<step id>`, and its check box (`data-done-step-id`, role checkbox)
 * holds the done state in `aria-checked`.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { WALKTHROUGH_STEPS, type WalkthroughStep as StepId } from '../../src/views/walkthroughReady';
import { normalize, poll } from './ui-helpers';
import { runCommand } from './uiPalette';

const STEP = (id: StepId) => `.gettingStartedContainer [data-step-id$="#${id}"]`;
const DONE = (id: StepId) => `.gettingStartedContainer [data-done-step-id$="#${id}"]`;

/** Each step's done state as the page shows it, or undefined for a step not on the page. */
export async function walkthroughDone(page: Page): Promise<Record<StepId, boolean | undefined>> {
  const out = {} as Record<StepId, boolean | undefined>;
  for (const id of WALKTHROUGH_STEPS) {
    const el = page.locator(DONE(id)).first();
    const checked = (await el.count()) > 0 ? await el.getAttribute('aria-checked') : null;
    out[id] = checked === null ? undefined : checked === 'true';
  }
  return out;
}

export async function openWalkthrough(page: Page): Promise<void> {
  await runCommand(page, 'Isaac Sim: Get Started');
  await poll(async () => (await page.locator(STEP('doctor')).count()) > 0 || undefined, 15_000, 'the walkthrough page with its "Check this machine" step').catch(async (err) => {
    const text = normalize(await page.locator('.gettingStartedContainer').first().innerText().catch(() => '(no walkthrough page)'));
    throw new Error(`${err instanceof Error ? err.message : String(err)}; the page: ${text.slice(0, 600)}`);
  });
  const title = normalize(await page.locator('.gettingStartedContainer').first().innerText());
  assert.match(title, /Get Started with Isaac Sim Orchestrator/, `the walkthrough's title: ${title.slice(0, 300)}`);
}

/** Expands the doctor step and clicks its "Run Preflight Doctor" button. */
export async function runDoctorFromWalkthrough(page: Page): Promise<void> {
  await page.locator(STEP('doctor')).first().click();
  await page.locator('.gettingStartedContainer').getByRole('button', { name: 'Run Preflight Doctor' }).first().click({ timeout: 10_000 });
}

/** The steps' markup, for a failure message (CI keeps only text). */
export async function walkthroughMarkup(page: Page): Promise<string> {
  const html = await page.locator('.gettingStartedContainer').first().evaluate((el) => el.outerHTML).catch((err: unknown) => String(err));
  return html.replace(/\s+/g, ' ').slice(0, 4000);
}
