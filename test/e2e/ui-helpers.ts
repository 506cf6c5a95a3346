/**
 * Helpers for the UI end-to-end suite (ui.test.ts): polling instead of fixed sleeps, the command
 * palette and quick picks, tree rows, the Output panel, webview frames and the Docker CLI.
 *
 * VS Code's workbench renders asynchronously and virtualises lists and editors, so every read here
 * polls until the expected text shows up (or a deadline passes) and fails with what it last saw.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Frame, Page } from 'playwright-core';

const execFileP = promisify(execFile);

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `fn` until it returns something truthy and returns that. On timeout, throws an Error naming
 * `what` and the last value (or error) seen, so a failing step says what it was waiting for.
 */
export async function poll<T>(
  fn: () => T | undefined | null | false | '' | Promise<T | undefined | null | false | ''>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const started = Date.now();
  let last: { value: unknown } | { error: unknown };
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() - started > timeoutMs) {
      const seen = 'error' in last ? `last error: ${errorText(last.error)}` : `last value: ${JSON.stringify(last.value)}`;
      throw new Error(`timed out after ${((Date.now() - started) / 1000).toFixed(1)} s waiting for ${what} (${seen})`);
    }
    await delay(intervalMs);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Text as the workbench renders it: monaco uses non-breaking spaces; collapse runs of whitespace. */
export function normalize(text: string): string {
  return text.replace(/\u00a0/g, ' ').replace(/[ \t]+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// Command palette and quick picks

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

// ---------------------------------------------------------------------------------------------
// Notifications

/** Clears every notification toast (they can cover the panel and the tabs). */
export async function clearNotifications(page: Page): Promise<void> {
  const toasts = page.locator('.notifications-toasts .notification-toast');
  if ((await toasts.count().catch(() => 0)) === 0) return;
  await runCommand(page, 'Notifications: Clear All Notifications');
  // A progress notification of an operation still running cannot be cleared: not worth failing for.
  await poll(async () => (await toasts.count().catch(() => 0)) === 0, 5_000, 'the notifications to clear').catch(() => undefined);
}

/** The texts of the notification toasts currently shown (for error messages). */
export async function notificationTexts(page: Page): Promise<string[]> {
  const toasts = page.locator(TOAST);
  const n = await toasts.count().catch(() => 0);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(normalize(await toasts.nth(i).innerText().catch(() => '')));
  return out;
}

const TOAST = '.notifications-toasts .notification-toast';

/**
 * One notification toast as the workbench renders it:
 *
 *   .notifications-toasts .notification-toast .notification-list-item
 *     .notification-list-item-icon.codicon.codicon-{info|warning|error}
 *     .notification-list-item-message            "Title: message" of a progress notification
 *     .notification-list-item-buttons-container .monaco-button   "Cancel" (cancellable progress), actions
 *     .monaco-progress-container.active          the progress bar, while it runs
 */
export interface Toast {
  message: string;
  /** The severity codicon: "info", "warning" or "error". */
  icon: string;
  buttons: string[];
  /** A running progress bar is shown. */
  progress: boolean;
}

/** Every notification toast currently shown. */
export async function readToasts(page: Page): Promise<Toast[]> {
  return page.locator(TOAST).evaluateAll((toasts) =>
    toasts.map((toast) => {
      const text = (el: Element | null) => (el?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
      const icon = toast.querySelector('.notification-list-item-icon');
      return {
        message: text(toast.querySelector('.notification-list-item-message')),
        icon: [...(icon?.classList ?? [])].find((c) => c.startsWith('codicon-'))?.slice('codicon-'.length) ?? '',
        buttons: [...toast.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map(text),
        progress: !!toast.querySelector('.monaco-progress-container.active'),
      };
    }),
  );
}

/** The toast whose message matches `message` (a locator: it may not exist yet). */
export function toast(page: Page, message: RegExp) {
  return page.locator(TOAST).filter({ has: page.locator('.notification-list-item-message', { hasText: message }) });
}

// ---------------------------------------------------------------------------------------------
// The status bar

/**
 * A status bar item (`#workbench.parts.statusbar .statusbar-item`) found by its text. An extension's
 * `$(icon)` renders as a `span.codicon.codicon-icon` (`$(loading~spin)` adds `codicon-modifier-spin`),
 * and `backgroundColor: statusBarItem.errorBackground` as the class `error-kind` on the item.
 */
export interface StatusBarItem {
  /** The visible text, icons left out. */
  text: string;
  /** The codicons in it, e.g. ["loading", "modifier-spin"]. */
  codicons: string[];
  classes: string[];
  /** Computed background-color of the item, of the status bar, and of the theme's error background for items. */
  background: string;
  barBackground: string;
  errorBackground: string;
}

/** Reads the status bar item whose text contains `text`; undefined when none is shown. */
export async function readStatusBarItem(page: Page, text: string): Promise<StatusBarItem | undefined> {
  return page.evaluate((wanted) => {
    const bar = document.getElementById('workbench.parts.statusbar');
    if (!bar) return undefined;
    const item = [...bar.querySelectorAll<HTMLElement>('.statusbar-item')].find((el) => (el.textContent ?? '').includes(wanted));
    if (!item) return undefined;
    // The theme colour resolved the way the browser resolves it: a probe element with it as background.
    const probe = document.createElement('div');
    probe.style.backgroundColor = 'var(--vscode-statusBarItem-errorBackground)';
    bar.appendChild(probe);
    const errorBackground = getComputedStyle(probe).backgroundColor;
    probe.remove();
    return {
      text: (item.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim(),
      codicons: [...item.querySelectorAll('.codicon')].flatMap((el) => [...el.classList].filter((c) => c.startsWith('codicon-')).map((c) => c.slice('codicon-'.length))),
      classes: [...item.classList],
      background: getComputedStyle(item).backgroundColor,
      barBackground: getComputedStyle(bar).backgroundColor,
      errorBackground,
    };
  }, text);
}

// ---------------------------------------------------------------------------------------------
// Modal dialogs

/** A modal dialog of the workbench (`.monaco-dialog-box`): message, detail and buttons. */
export interface Dialog {
  message: string;
  detail: string;
  buttons: string[];
}

export function dialogBox(page: Page) {
  return page.locator('.monaco-dialog-box');
}

/** Reads the open modal dialog; undefined when none is open. */
export async function readDialog(page: Page): Promise<Dialog | undefined> {
  const box = dialogBox(page);
  if ((await box.count()) === 0) return undefined;
  return box.first().evaluate((el) => {
    const text = (e: Element | null) => (e?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
    return {
      message: text(el.querySelector('.dialog-message-text')),
      detail: text(el.querySelector('.dialog-message-detail')),
      buttons: [...el.querySelectorAll('.dialog-buttons .monaco-button')].map(text),
    };
  });
}

/** The open modal dialog, the notifications and the focused element, in one line for a failure message. */
export async function workbenchSummary(page: Page): Promise<string> {
  const dialog = await readDialog(page).catch((err: unknown) => `unreadable (${errorText(err)})`);
  const notifications = await notificationTexts(page).catch((err: unknown) => [`unreadable (${errorText(err)})`]);
  const focus = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160)).catch(() => undefined);
  return `dialog ${JSON.stringify(dialog ?? 'none')}; notifications ${JSON.stringify(notifications)}; focus on ${focus ?? 'nothing'}`;
}

// ---------------------------------------------------------------------------------------------
// The instances tree

export interface TreeRow {
  /** The row's accessible name (aria-label). */
  ariaLabel: string;
  /** The visible label, e.g. "instance-0". */
  label: string;
  /** The visible description, e.g. "not created · :48211". */
  description: string;
}

/** Reads the tree row of an instance in the Isaac Sim view; undefined while it is not rendered. */
export async function treeRow(page: Page, label: string): Promise<TreeRow | undefined> {
  const item = page.getByRole('treeitem', { name: new RegExp(`\\b${escapeRegExp(label)}\\b`) }).first();
  if ((await item.count()) === 0) return undefined;
  const [ariaLabel, name, description] = await Promise.all([
    item.getAttribute('aria-label', { timeout: 2_000 }),
    item.locator('.label-name').first().innerText({ timeout: 2_000 }),
    item.locator('.label-description').first().innerText({ timeout: 2_000 }).catch(() => ''),
  ]);
  return { ariaLabel: normalize(ariaLabel ?? ''), label: normalize(name), description: normalize(description) };
}

/** The accessible names of every row of the Isaac Sim view's tree (for messages). */
export async function treeRowLabels(page: Page): Promise<string[]> {
  return page
    .locator('.part.sidebar [role="treeitem"]')
    .evaluateAll((rows) => rows.map((r) => (r.getAttribute('aria-label') ?? '').replace(/\u00a0/g, ' ')).filter((label) => /^instance-\d+ /.test(label)));
}

/** Polls the row of `label` until its description satisfies `accept`; returns the row. */
export async function waitForTreeRow(page: Page, label: string, accept: (row: TreeRow) => boolean, timeoutMs: number, what: string): Promise<TreeRow> {
  let last: TreeRow | undefined;
  try {
    return await poll(
      async () => {
        last = await treeRow(page, label);
        return last && accept(last) ? last : undefined;
      },
      timeoutMs,
      `${label} to be ${what}`,
      150,
    );
  } catch (err) {
    const toasts = await notificationTexts(page);
    throw new Error(
      `${errorText(err)}; last row: ${last ? JSON.stringify(last) : 'not rendered'}` + (toasts.length ? `; notifications: ${JSON.stringify(toasts)}` : ''),
      { cause: err },
    );
  }
}

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
        scrolled = true;
        await page.locator('.panel .monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+End');
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

// ---------------------------------------------------------------------------------------------
// Webview frames

/** The simulator's page of an HTTP port: either the direct URL or code-server's /proxy/PORT/ path. */
export function isClientFrameUrl(url: string, httpPort: number): boolean {
  if (!url.includes('/streaming/webrtc-demo/')) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.port === String(httpPort) || parsed.pathname.startsWith(`/proxy/${httpPort}/`);
}

/** The frame (two levels below the workbench) that shows the web client on `httpPort`, if any. */
export function findClientFrame(page: Page, httpPort: number): Frame | undefined {
  return page.frames().find((f) => isClientFrameUrl(f.url(), httpPort));
}

/**
 * Whether the webview that holds `frame` is shown: the workbench hides the webview (its top-level
 * iframe) of an editor that is not the active one of its group, but keeps it (and `frame`) alive.
 */
export async function webviewShown(frame: Frame): Promise<boolean> {
  let top = frame;
  for (let parent = top.parentFrame(); parent?.parentFrame(); parent = parent.parentFrame()) top = parent;
  const element = await top.frameElement();
  try {
    return await element.isVisible();
  } finally {
    await element.dispose();
  }
}

/** How deep a frame is below the page's main frame (1 = a direct child). */
export function frameDepth(frame: Frame): number {
  let depth = 0;
  for (let f = frame.parentFrame(); f; f = f.parentFrame()) depth++;
  return depth;
}

// ---------------------------------------------------------------------------------------------
// Docker and files

/** `docker inspect NAME` → State.Running, or undefined when there is no such container. */
export async function dockerRunning(name: string): Promise<boolean | undefined> {
  try {
    const { stdout } = await execFileP('docker', ['inspect', '-f', '{{.State.Running}}', name]);
    return stdout.trim() === 'true';
  } catch {
    return undefined;
  }
}

/** `docker inspect NAME` → the facts the suite checks, or undefined when there is no such container. */
export async function dockerState(name: string): Promise<{ id: string; running: boolean; exitCode: number; env: string[] } | undefined> {
  try {
    const { stdout } = await execFileP('docker', ['inspect', '-f', '{{json .Id}} {{json .State.Running}} {{json .State.ExitCode}} {{json .Config.Env}}', name]);
    const [id, running, exitCode, env] = stdout.trim().split(' ').map((part) => JSON.parse(part) as unknown);
    return { id: String(id), running: running === true, exitCode: Number(exitCode), env: Array.isArray(env) ? env.map(String) : [] };
  } catch {
    return undefined;
  }
}

/** Bind-mount sources of a container (to tell whose it is); undefined when it does not exist. */
export async function dockerBinds(name: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await execFileP('docker', ['inspect', '-f', '{{range .HostConfig.Binds}}{{println .}}{{end}}', name]);
    return stdout.split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** `docker stop -t 2 NAME` (from outside, as a user in a terminal would). */
export async function dockerStop(name: string): Promise<void> {
  await execFileP('docker', ['stop', '-t', '2', name]);
}

/** `docker rm -f` the containers that exist among `names`; returns the ones removed. */
export async function dockerRemove(names: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const name of names) {
    if ((await dockerRunning(name)) === undefined) continue;
    await execFileP('docker', ['rm', '-f', name]).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

export async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return undefined;
  }
}

/** Saves a full-page screenshot under `dir` and returns its path. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
