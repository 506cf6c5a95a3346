/**
 * Helpers for the UI end-to-end suite (ui.test.ts): polling instead of fixed sleeps, error texts,
 * workbench text, files and screenshots. The workbench's parts have modules of their own: the command
 * palette and quick picks (uiPalette.ts), notifications, the status bar and dialogs (uiNotifications.ts),
 * the instances tree (uiTree.ts), settings, editors and the Output panel (uiEditors.ts), webview frames
 * (uiFrames.ts), and the Docker CLI (uiDocker.ts).
 *
 * VS Code's workbench renders asynchronously and virtualises lists and editors, so every read here
 * polls until the expected text shows up (or a deadline passes) and fails with what it last saw.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Page } from 'playwright-core';

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
// Files and screenshots

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
