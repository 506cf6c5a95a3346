/**
 * The user settings (replaced through their JSON editor), editor tabs and the Output panel of the UI
 * suite's workbench.
 */
import * as fs from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { errorText, normalize, poll } from './ui-helpers';
import { runCommand } from './uiPalette';

// ---------------------------------------------------------------------------------------------
// User settings

/**
 * Replaces the user settings the way a user does it: "Preferences: Open User Settings (JSON)", select
 * all, type the new content, save, close the editor. Waits until the file on disk holds exactly
 * `settings`.
 *
 * Why not write the file directly: this code-server does not notice changes made to
 * User/settings.json behind its back (measured: nothing applied after 30 s, while a workspace file
 * written the same way shows up at once); a save through its own editor is applied within ~2 s.
 * The JSON goes in as one line, and whatever the editor auto-closed after it (the `}` of the
 * first `{`) is deleted, so the result does not depend on auto-indent or auto-closing settings.
 * Needs `workbench.editor.useModal: "off"`: in a modal editor the command palette does not open.
 */
export async function replaceUserSettings(page: Page, file: string, settings: Record<string, unknown>): Promise<void> {
  await runCommand(page, 'Preferences: Open User Settings (JSON)');
  await poll(
    () => page.evaluate(() => /^settings\.json\b/.test(document.activeElement?.closest('.editor-instance')?.getAttribute('aria-label') ?? '')),
    10_000,
    'the editor of the user settings.json to open with the keyboard focus',
  ).catch(async (err) => {
    throw new Error(`${errorText(err)}; focus is on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160))}`);
  });
  const wanted = JSON.stringify(settings);
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(wanted);
  await page.keyboard.press('Control+Shift+End');
  await page.keyboard.press('Delete');
  await page.keyboard.press('Control+S');
  let onDisk = '';
  await poll(
    async () => {
      onDisk = await fs.readFile(file, 'utf8');
      return onDisk === wanted;
    },
    10_000,
    `the saved ${file} to hold the new settings`,
  ).catch((err) => {
    throw new Error(`${errorText(err)}; on disk: ${onDisk.slice(0, 600)}`);
  });
  await runCommand(page, 'View: Close Editor');
  await poll(async () => (await editorTab(page, 'settings.json').count()) === 0, 5_000, 'the settings.json editor to close');
}

// ---------------------------------------------------------------------------------------------
// Editors and the Output panel

/**
 * The editor tab with this title. Its accessible name is the title (a file's label is split into
 * name and suffix elements, "README" + ".md", so the visible text is not matched).
 */
export function editorTab(page: Page, title: string) {
  const q = JSON.stringify(title);
  return page.locator(`.tabs-container .tab[aria-label=${q}], .tabs-container .tab[aria-label^=${JSON.stringify(`${title},`)}]`);
}

/** Clicks an editor tab and waits until it is the active tab of its group. */
export async function activateTab(page: Page, title: string): Promise<void> {
  const tab = editorTab(page, title);
  await tab.first().click();
  await poll(async () => /\bactive\b/.test((await tab.first().getAttribute('class')) ?? ''), 5_000, `tab "${title}" to become active`);
}

/** The text currently rendered in the Output panel's editor (only the lines in view). */
export async function outputPanelText(page: Page): Promise<string> {
  const lines = page.locator('.panel .monaco-editor .view-lines');
  if ((await lines.count()) === 0) return '';
  return (await lines.first().innerText({ timeout: 2_000 })).replace(/\u00a0/g, ' ');
}

/**
 * Waits until the Output panel's text satisfies `accept`; returns it, and whether it had to scroll.
 * Only the lines in view are in the DOM. The Output view follows the end of the log, and Ctrl+End
 * in its editor brings the end into view if it did not.
 */
export async function waitForOutputText(page: Page, accept: (text: string) => boolean, timeoutMs: number, what: string): Promise<{ text: string; scrolled: boolean }> {
  let scrolled = false;
  const text = await poll(
    async () => {
      const current = await outputPanelText(page);
      if (accept(current)) return current;
      if (!scrolled && current.length > 0) {
        // Bounded, and retried at the next poll: a notification toast can cover the panel for a while.
        await page.locator('.panel .monaco-editor .view-lines').first().click({ timeout: 3_000 });
        await page.keyboard.press('Control+End');
        scrolled = true;
      }
      return undefined;
    },
    timeoutMs,
    what,
  ).catch(async (err) => {
    throw new Error(`${errorText(err)}; panel shows: ${JSON.stringify((await outputPanelText(page)).slice(-800))}`);
  });
  return { text, scrolled };
}

/** The channel selected in the Output panel's drop-down (its visible text). */
export async function outputChannelName(page: Page): Promise<string> {
  const select = page.locator('.panel .monaco-select-box, .panel select').first();
  if ((await select.count()) === 0) return '';
  const value = await select.evaluate((el) => (el instanceof HTMLSelectElement ? (el.selectedOptions[0]?.textContent ?? '') : (el.textContent ?? '')));
  return normalize(value);
}
