/**
 * What the steps of the UI suite share (ui.test.ts holds the hooks and imports the step modules,
 * uiSteps*.ts, in step order): the constants (paths, ports, the two instances, the 6.x image), the
 * state one step leaves for the ones after it (the code-server, the browser and its page are in
 * `suite`, since a module cannot assign another module's binding; what the browser saw is in the
 * maps and lists below), `step`, which makes each step a test and breaks the chain when one fails,
 * and the helpers the steps of more than one module use.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import type { CodeServer } from './host';
import { delay, errorText, poll, screenshot } from './ui-helpers';
import { readStatusBarItem, workbenchSummary, type StatusBarItem } from './uiNotifications';
import { treeRowLabels } from './uiTree';
import { dockerBinds } from './uiDocker';
import { TourRecorder } from './uiTour';

export const execFileP = promisify(execFile);

export const REPO = findRepoRoot(__dirname);
export const RUN = path.join(REPO, '.run/ui');
export const PROFILE = path.join(RUN, 'profile');
export const DATA_ROOT = path.join(RUN, 'isaac-sim-data');
export const ARTIFACTS = path.join(REPO, 'test-artifacts/ui');
/** The README's tour (tourFrames.ts): its PNGs, which scripts/readme-tour.mjs makes into media/screenshots/tour.gif. */
export const tour = new TourRecorder(path.join(ARTIFACTS, 'tour'));
/** Away from the defaults (8211…, 49100…, 47998…, 8210…) and from the other suites. */
// Below Linux's ephemeral range (32768-60999), where an outgoing connection can hold a port for a moment.
export const PORTS = { http: 21211, signal: 21150, stream: 21160, webViewer: 21170, python: 21226 };
export const INSTANCES = [0, 1].map((i) => ({ index: i, label: `instance-${i}`, container: `isaac-sim-instance-${i}`, http: PORTS.http + i, signal: PORTS.signal + i }));
/** Step 12's image: the stand-in of Isaac Sim 6.0.1 (named volumes per version, the GLCache one shared). */
export const V6_IMAGE = 'isaac-sim-standin:6.0.1';
export const V6_VOLUME_PREFIX = 'isaac-sim-orchestrator-6.x-';
export const V6_GLCACHE = `${V6_VOLUME_PREFIX}glcache`;
export const CONTAINERS = INSTANCES.map((i) => i.container);
export const VIEWPORT = { width: 1280, height: 800 };
/**
 * The stand-in's delay between startup lines: the 4.2 stand-in's cached start has only a few (it
 * took ~2.5 s at 0.5 s a line), so 1 s a line: instance-0 takes ~12 s to become ready and instance-1
 * (cached start) ~5 s, time enough to see and cancel the progress and to open its sim view first.
 */
export const STEP_SECONDS = '1';
/** The text of the extension's status bar item. */
export const STATUS = 'Isaac Sim:';

/** What step 1 starts and `after` stops; the page is the one every step after step 1 drives. */
export const suite = {
  server: undefined as CodeServer | undefined,
  context: undefined as BrowserContext | undefined,
  page: undefined as Page | undefined,
};
/** The first step that failed; later steps fail at once, naming it. */
let brokenAt: string | undefined;
/** Navigations (page loads) of each instance's client URL seen by the browser, by HTTP port. */
export const clientNavigations = new Map<number, number>();
/** Requests of the browser to anything but loopback: aborted (see step 1), and a failure of steps 6a and 12. */
export const offLoopback: string[] = [];

/**
 * One step of the suite. A step that fails before it calls `enough()` breaks the chain: the steps
 * after it fail at once, naming it. Once a step has set up what later steps need, it calls
 * `enough()`; its remaining checks can still fail the step without failing the ones after it.
 */
export function step(name: string, timeoutMs: number, fn: (t: TestContext, page: Page, enough: () => void) => Promise<void>): void {
  test(name, { timeout: timeoutMs }, async (t) => {
    if (brokenAt) assert.fail(`not run: the earlier step "${brokenAt}" failed`);
    const started = Date.now();
    let laterStepsCanRun = false;
    try {
      if (!suite.page && name !== STEP1) assert.fail('no browser page (step 1 did not finish)');
      await fn(t, suite.page as Page, () => (laterStepsCanRun = true));
      t.diagnostic(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      if (!laterStepsCanRun) brokenAt = name;
      if (suite.page) await screenshot(suite.page, ARTIFACTS, `failed-${slug(name)}`).catch(() => undefined);
      const note = await foreignContainerNote();
      if (note && err instanceof Error) err.message += `\n${note}`;
      // What covered the workbench when it failed: CI keeps only this text, not the screenshot.
      if (suite.page && err instanceof Error) err.message += `\nat the failure: ${await workbenchSummary(suite.page)}`;
      throw err;
    }
  });
}

export const STEP1 = "1. the .vsix of npm run package (in CI, the README install path's) installed into code-server file for file; the workbench open";

// ---------------------------------------------------------------------------------------------

/** code-server's user settings.json and what it holds now (the steps that change settings start from it). */
export async function userSettings(): Promise<{ file: string; settings: Record<string, unknown> }> {
  const file = path.join((suite.server ?? assert.fail('no code-server')).userDataDir, 'User', 'settings.json');
  return { file, settings: JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown> };
}

/**
 * Container names are global to the engine: another suite or the demo running on the same engine at
 * the same time takes over isaac-sim-instance-N. Says so when it happened (their binds are not ours).
 */
async function foreignContainerNote(): Promise<string | undefined> {
  const notes: string[] = [];
  for (const name of CONTAINERS) {
    const binds = await dockerBinds(name).catch(() => undefined);
    if (binds && binds.length > 0 && !binds.some((b) => b.startsWith(DATA_ROOT + path.sep))) {
      notes.push(`${name} is now another run's container (mounts ${binds[0]})`);
    }
  }
  return notes.length ? `NOTE: ${notes.join('; ')}: something else used the same Docker engine during this suite.` : undefined;
}

/** Polls the "Isaac Sim:" status bar item until `accept` says yes; fails with what it showed. */
export async function waitForStatusBar(page: Page, accept: (item: StatusBarItem) => boolean, timeoutMs: number, what: string): Promise<StatusBarItem> {
  let last: StatusBarItem | undefined;
  return poll(
    async () => {
      last = await readStatusBarItem(page, STATUS);
      return last && accept(last) ? last : undefined;
    },
    timeoutMs,
    `the "${STATUS}" status bar item ${what}`,
  ).catch((err) => {
    throw new Error(`${errorText(err)}; it shows: ${last ? JSON.stringify(last) : 'no such item'}`);
  });
}

/** The tree item of an instance in the Isaac Sim view. */
export function treeItem(page: Page, label: string) {
  return page.getByRole('treeitem', { name: new RegExp(`^${label}\\b`) }).first();
}

/**
 * Other suites on the same engine may run instances with other indices (e.g. instance-13); the
 * extension shows every container with its owner label, and counts them in the status bar. Names
 * them when they are in the tree, for the message of a count that is off.
 */
export async function foreignRowsNote(page: Page): Promise<string> {
  const rows = (await treeRowLabels(page).catch(() => [])).filter((r) => !INSTANCES.some((i) => r.startsWith(`${i.label} `)));
  return rows.length ? ` (the tree also shows other instances, from another run on the same engine: ${rows.join('; ')})` : '';
}

/**
 * A running instance's row description without the live figures the tree appends to it
 * ("ready · :21211 · CPU 0.0% · 1 MiB" → "ready · :21211"; src/instances/figures.ts figuresSummary):
 * they come with the first stats sample, whenever that is.
 */
export function stateAndPort(description: string): string {
  return description.replace(/ · (CPU [\d.]+%|\d+(\.\d)? [MG]iB|GPU \d).*$/, '');
}

/** Moves the pointer to an empty spot of the title bar, so no hover shows in a screenshot. */
export async function restMouse(page: Page): Promise<void> {
  await page.mouse.move(VIEWPORT.width - 300, 8);
  await delay(300);
}

/** The named volumes of step 12 (6.x, made by the extension). Their containers must be gone first. */
export async function removeV6Volumes(): Promise<void> {
  const { stdout } = await execFileP('docker', ['volume', 'ls', '-q', '--filter', `name=${V6_VOLUME_PREFIX}`]);
  const names = stdout.split('\n').filter((n) => n.startsWith(V6_VOLUME_PREFIX));
  if (names.length) await execFileP('docker', ['volume', 'rm', ...names]);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'scripts/demo.sh')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`ui.test: no repository root above ${from}`);
  }
}
