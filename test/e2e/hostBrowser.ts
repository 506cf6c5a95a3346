/**
 * The browser side of the end-to-end harness: a headless Chromium through playwright-core, and
 * {@link runExtensionHostTests}, which runs an extension-host test suite inside a server that
 * host.ts started and resolves with the exit code the workbench reports.
 */
import { format } from 'node:util';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { CodeServer } from './host';
import { remoteUri } from './hostPaths';
import { chromiumProcessGroups, procTable, waitUntil } from './hostProcess';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with a persistent profile in `profileDir`. Close it with `context.close()`. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  await fs.mkdir(profileDir, { recursive: true });
  // handleSIGINT off: the caller's own cleanup decides what happens on Ctrl-C, not playwright's.
  return chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, handleSIGINT: false });
}

export interface RunExtensionHostTestsOptions {
  /** A server started with `smokeTestDriver: true`. */
  server: CodeServer;
  /** The extension under test (a folder with package.json), loaded in development mode. */
  extensionDevelopmentPath: string;
  /** A module exporting `run(): Promise<void>`, required inside the extension host. */
  extensionTestsPath: string;
  /** Workspace folder to open. */
  folder: string;
  /** Default 120 s; on timeout the promise rejects. */
  timeoutMs?: number;
  /** Each log line of the workbench and the extension host (including the suite's console output). */
  onLog?: (line: string) => void;
  /** Called with the workbench page before it opens (the benchmark exposes functions and watches rows here). */
  onPage?: (page: Page) => Promise<void>;
}

let ehRuns = 0;

/**
 * Runs an extension-host test suite inside the server's real VS Code and resolves with its exit
 * code (0 = the suite's `run()` resolved). The browser is always closed; the server keeps running.
 * The workbench's own logs of the run are saved under `<runDir>/eh-run-N/logs/`.
 */
export async function runExtensionHostTests(opts: RunExtensionHostTestsOptions): Promise<number> {
  const { server } = opts;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const onLog = opts.onLog ?? (() => undefined);
  const runDir = path.join(server.runDir, `eh-run-${++ehRuns}`);
  // The payload names folders of the remote side (the server's file system) by vscode-remote URIs
  // whose authority is the server's host:port; a plain path or file:// URI is looked up in the browser.
  const payload = [
    ['extensionDevelopmentPath', remoteUri(server.port, opts.extensionDevelopmentPath)],
    ['extensionTestsPath', remoteUri(server.port, opts.extensionTestsPath)],
    ['skipWelcome', 'true'],
  ];
  const query = new URLSearchParams({ folder: path.resolve(opts.folder), payload: JSON.stringify(payload) });
  const url = `http://127.0.0.1:${server.port}/?${query.toString()}`;

  const profileDir = path.join(runDir, 'chromium-profile');
  const context = await launchChromium(profileDir);
  const browserGroups = chromiumProcessGroups(profileDir);
  try {
    let settle!: (code: number) => void;
    const exitCode = new Promise<number>((resolve) => (settle = resolve));
    const page = context.pages()[0] ?? (await context.newPage());
    await page.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) => {
      // The extension host forwards console arguments unformatted ("%d passing", 6): format them here.
      const text = Array.isArray(args) ? format(...args.map(String)) : String(args ?? '');
      for (const line of text.split('\n')) {
        onLog(`[${String(level)}] ${line}`);
      }
    });
    await page.exposeFunction('codeAutomationExit', async (code: unknown, logs: unknown) => {
      await saveLogs(path.join(runDir, 'logs'), logs).catch(() => undefined);
      settle(typeof code === 'number' ? code : Number(code ?? 1) || 1);
    });
    page.on('pageerror', (err) => onLog(`[pageerror] ${err.message}`));
    page.on('crash', () => {
      onLog('[crash] the workbench page crashed');
      settle(1);
    });
    await opts.onPage?.(page);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`extension-host tests did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([exitCode, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await context.close().catch(() => undefined);
    // close() returns before Chromium's helper processes are reaped; wait so no test sees them.
    await waitUntil(() => !procTable().some((row) => browserGroups.has(row.pgid)), 5_000);
  }
}

async function saveLogs(dir: string, logs: unknown): Promise<void> {
  if (!Array.isArray(logs)) {
    return;
  }
  for (const entry of logs) {
    const { relativePath, contents } = (entry ?? {}) as { relativePath?: unknown; contents?: unknown };
    if (typeof relativePath !== 'string' || typeof contents !== 'string') {
      continue;
    }
    const file = path.resolve(dir, relativePath);
    if (!file.startsWith(dir + path.sep)) {
      continue; // never write outside the run folder
    }
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, contents);
  }
}
