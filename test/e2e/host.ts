/**
 * A real VS Code for the end-to-end tests: code-server (VS Code 1.139 in the browser, from npm)
 * driven by a headless Chromium through playwright-core.
 *
 * No Electron build can be downloaded on these machines, so `@vscode/test-electron` cannot start a
 * desktop VS Code. code-server runs the same workbench and the same Node extension host, and with
 * `--vscode-option enable-smoke-test-driver` the browser workbench accepts the development
 * payload (`extensionDevelopmentPath`, `extensionTestsPath`) and reports the suite's exit code
 * through `window.codeAutomationExit`, which is what runExtensionHostTests (hostBrowser.ts) listens to.
 *
 * Every server is sealed inside its own run folder: HOME, XDG_* and TMPDIR point there, the user
 * settings switch off telemetry, update checks, workspace trust (unless a test turns it on) and the
 * welcome page, and the extension gallery is disabled outright so nothing tries to leave the machine.
 *
 * This file starts and lists code-server; hostPaths.ts has its paths, ports and environment,
 * hostProcess.ts the process tree it is stopped with, hostBrowser.ts Chromium and the extension-host runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { probeTcp } from '../../src/instances/probe';
import { CODE_SERVER_BIN, NODE24, REPO, cliDirArgs, freePort, healthy, layout, remoteUri, serverEnv } from './hostPaths';
import { delay, run, stopProcessTree, tail } from './hostProcess';

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
