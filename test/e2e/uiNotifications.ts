/**
 * Notification toasts, status bar items and modal dialogs of the UI suite's workbench, and a one-line
 * summary of them for failure messages.
 */
import type { Page } from 'playwright-core';
import { errorText, normalize, poll } from './ui-helpers';
import { runCommand } from './uiPalette';

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
