/**
 * Runs an extension-host module inside code-server's workbench, like test/e2e/host.ts's
 * runExtensionHostTests (a minimal copy of it), but hands the caller the workbench page so the
 * benchmark can also watch the tree rows as rendered.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium, type CodeServer } from '../e2e/host';

export interface WorkbenchRunOptions {
  server: CodeServer;
  extensionDevelopmentPath: string;
  /** A module exporting `run(): Promise<void>`, required inside the extension host. */
  extensionTestsPath: string;
  folder: string;
  /** Chromium's profile folder (fresh per run). */
  profileDir: string;
  timeoutMs: number;
  onLog: (line: string) => void;
  /** Called with the page before the workbench is opened (expose functions here). */
  onPage?: (page: Page) => Promise<void>;
}

/** Resolves with the module's exit code (0 = its run() resolved). The browser is always closed. */
export async function runInWorkbench(opts: WorkbenchRunOptions): Promise<number> {
  const { server } = opts;
  const payload = [
    ['extensionDevelopmentPath', remoteUri(server.port, opts.extensionDevelopmentPath)],
    ['extensionTestsPath', remoteUri(server.port, opts.extensionTestsPath)],
    ['skipWelcome', 'true'],
  ];
  const query = new URLSearchParams({ folder: path.resolve(opts.folder), payload: JSON.stringify(payload) });
  const url = `http://127.0.0.1:${server.port}/?${query.toString()}`;
  const context = await launchChromium(opts.profileDir);
  const browserGroups = chromiumProcessGroups(opts.profileDir);
  try {
    let settle!: (code: number) => void;
    const exitCode = new Promise<number>((resolve) => (settle = resolve));
    const page = context.pages()[0] ?? (await context.newPage());
    await page.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) => {
      const text = Array.isArray(args) ? format(...args.map(String)) : String(args ?? '');
      for (const line of text.split('\n')) opts.onLog(`[${String(level)}] ${line}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => settle(typeof code === 'number' ? code : Number(code ?? 1) || 1));
    page.on('pageerror', (err) => opts.onLog(`[pageerror] ${err.message}`));
    page.on('crash', () => {
      opts.onLog('[crash] the workbench page crashed');
      settle(1);
    });
    await opts.onPage?.(page);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the extension-host run did not finish within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    });
    try {
      return await Promise.race([exitCode, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await context.close().catch(() => undefined);
    const deadline = Date.now() + 5_000;
    while (procTable().some((row) => browserGroups.has(row.pgid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
}

function remoteUri(port: number, p: string): string {
  return `vscode-remote://127.0.0.1:${port}${path.resolve(p).split('/').map(encodeURIComponent).join('/')}`;
}

function procTable(): Array<{ pid: number; pgid: number }> {
  const rows = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] !== 'Z') rows.push({ pid: Number(name), pgid: Number(f[2]) });
    } catch {
      // exited while we looked
    }
  }
  return rows;
}

/** Process groups of the Chromium running with this profile (Playwright starts it detached). */
function chromiumProcessGroups(profileDir: string): Set<number> {
  const groups = new Set<number>();
  for (const row of procTable()) {
    try {
      if (readFileSync(`/proc/${row.pid}/cmdline`, 'utf8').split('\0').includes(`--user-data-dir=${profileDir}`)) groups.add(row.pgid);
    } catch {
      // exited while we looked
    }
  }
  return groups;
}
