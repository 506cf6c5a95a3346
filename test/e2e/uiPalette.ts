/**
 * The command palette and quick picks of the UI suite's workbench, and keeping the keyboard focus in
 * the side bar (ui-helpers.ts says why every read polls).
 */
import type { Page } from 'playwright-core';
import { errorText, normalize, poll } from './ui-helpers';

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = `${QUICK_INPUT} input`;
const QUICK_ROWS = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;

/** The visible rows of the open quick input, as their accessible labels (or text). */
export async function quickPickRows(page: Page): Promise<string[]> {
  const rows = page.locator(QUICK_ROWS);
  const count = await rows.count();
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = rows.nth(i);
    const label = (await row.getAttribute('aria-label').catch(() => null)) ?? (await row.innerText().catch(() => ''));
    out.push(normalize(label));
  }
  return out;
}

/** Closes any open quick input (Escape) and waits until it is hidden. */
export async function closeQuickInput(page: Page): Promise<void> {
  const widget = page.locator(QUICK_INPUT);
  if (await widget.isVisible().catch(() => false)) {
    await page.keyboard.press('Escape');
    await poll(async () => !(await widget.isVisible().catch(() => false)), 5_000, 'the quick input to close');
  }
}

/** What holds the keyboard focus, and the text of a modal dialog if one is open (for error messages). */
async function focusNote(page: Page): Promise<string> {
  const focus = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160)).catch(() => '?');
  const dialog = await page.locator('.monaco-dialog-box').innerText({ timeout: 500 }).catch(() => '');
  return `focus on ${focus}${dialog ? `; a dialog is open: ${normalize(dialog)}` : ''}`;
}

/**
 * F1 and type `text`. The palette closes when the focus leaves it, and VS Code marks it inert while
 * it animates out: seen once in CI (the palette was inert, then hidden, right after it opened),
 * with no dialog named. It opens again, at most three times, and each time says where the focus went.
 */
async function openPaletteWith(page: Page, text: string): Promise<void> {
  const input = page.locator(QUICK_INPUT_BOX);
  for (let attempt = 1; ; attempt++) {
    await closeQuickInput(page);
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    try {
      await input.fill(text, { timeout: 5_000 });
      return;
    } catch (err) {
      const note = await focusNote(page);
      if (attempt === 3 || note.includes('a dialog is open')) throw new Error(`${errorText(err)}; the command palette closed before "${text}" could be typed (try ${attempt}); ${note}`, { cause: err });
      console.warn(`the command palette closed before "${text}" could be typed (try ${attempt}); ${note}; opening it again`);
    }
  }
}

/**
 * Runs a command by its palette title (e.g. "Isaac Sim: Start Instance"): F1, type `>title`, wait
 * for the row that is exactly that command (the palette's fuzzy match may rank another first, e.g.
 * "Start All Instances" for "Start Instance"), then pick it.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  await openPaletteWith(page, `>${title}`);
  // A row's accessible label is the command's "Category: Title", optionally followed by ", …"
  // (a keybinding, "recently used", "similar commands").
  const isOurs = (row: string) => row === title || row.startsWith(`${title},`);
  const rows = await poll(
    async () => {
      const list = await quickPickRows(page);
      return list.some(isOurs) ? list : undefined;
    },
    10_000,
    `the command palette to offer "${title}"`,
  ).catch(async (err) => {
    throw new Error(`${errorText(err)}; rows: ${JSON.stringify(await quickPickRows(page))}`);
  });
  const index = rows.findIndex(isOurs);
  if (index === 0) {
    await page.keyboard.press('Enter');
  } else {
    await page.locator(QUICK_ROWS).nth(index).click();
  }
}

/**
 * Waits for a quick pick (not the palette) showing a row that matches `row`, returns all its rows,
 * and picks the matching one with the keyboard (type nothing, move to the row, Enter).
 */
export async function pickQuickItem(page: Page, row: RegExp, what: string): Promise<string[]> {
  const rows = await poll(
    async () => {
      const input = page.locator(QUICK_INPUT_BOX);
      if (!(await input.isVisible().catch(() => false))) return undefined;
      const value = await input.inputValue().catch(() => '');
      if (value.startsWith('>')) return undefined; // still the command palette
      const list = await quickPickRows(page);
      return list.some((r) => row.test(r)) ? list : undefined;
    },
    15_000,
    `a quick pick offering ${what}`,
  ).catch(async (err) => {
    throw new Error(`${errorText(err)}; rows: ${JSON.stringify(await quickPickRows(page))}`);
  });
  // Same locator and order as quickPickRows, so the index names the row that matched.
  await page.locator(QUICK_ROWS).nth(rows.findIndex((r) => row.test(r))).click();
  await poll(async () => !(await page.locator(QUICK_INPUT).isVisible().catch(() => false)), 5_000, 'the quick pick to close after picking');
  return rows;
}

/**
 * Puts the keyboard focus in the side bar (an empty spot of its view) and waits until it stays there.
 *
 * Why: while a webview is the active editor, VS Code hands focus back to it asynchronously (a message
 * into its iframe) when the command palette closes. If that lands after the quick pick that the command
 * opened has taken focus, the quick pick loses focus and hides itself. Measured here: 2 of 7 quick
 * picks opened within ~1 s of a sim view opening closed on their own. With the focus in the side bar
 * the palette restores focus synchronously and the race does not exist.
 */
/** In the page: resolves true at the first focus change that leaves the side bar, false after `ms` without one. */
function focusLeavesSideBarWithin(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const outside = () => !document.activeElement?.closest('.part.sidebar');
    if (outside()) {
      resolve(true);
      return;
    }
    // Focus moving into an iframe (a webview) blurs this window; within the page it is a focusin.
    const check = () => {
      setTimeout(() => {
        if (outside()) finish(true);
      }, 0);
    };
    const finish = (left: boolean) => {
      clearTimeout(timer);
      document.removeEventListener('focusin', check, true);
      window.removeEventListener('blur', check);
      resolve(left);
    };
    const timer = setTimeout(() => finish(false), ms);
    document.addEventListener('focusin', check, true);
    window.addEventListener('blur', check);
  });
}

export async function focusSideBar(page: Page): Promise<void> {
  const inSideBar = () => page.evaluate(() => !!document.activeElement?.closest('.part.sidebar'));
  for (let attempt = 0; attempt < 5; attempt++) {
    const body = page.locator('.part.sidebar .pane-body').first();
    const box = await body.boundingBox();
    if (!box) throw new Error('the side bar is not visible');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 10);
    // A late focus hand-off to a webview shows within moments as a focus change: wait for one that
    // leaves the side bar, with a bound (ends at once if it comes; then click again).
    const left = await page.evaluate(focusLeavesSideBarWithin, 300);
    if (!left && (await inSideBar())) return;
  }
  throw new Error(`could not keep the focus in the side bar (focus is on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))})`);
}
