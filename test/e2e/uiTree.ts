/**
 * The rows of the Isaac Sim view's instances tree in the UI suite's workbench.
 */
import type { Page } from 'playwright-core';
import { errorText, normalize, poll } from './ui-helpers';
import { notificationTexts } from './uiNotifications';

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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
