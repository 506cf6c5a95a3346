/**
 * A stand-in for the `code` binary that `@vscode/test-electron` can spawn (through
 * scripts/code-server-launcher.sh) where no desktop VS Code exists: it takes the command line
 * test-electron builds, runs the extension tests in code-server's real extension host (test/e2e/host.ts
 * and hostBrowser.ts, smoke-test driver + headless Chromium), prints the suite's output on stdout and exits with the
 * suite's exit code, like `code --extensionTestsPath=…` does.
 *
 * Understood: `--extensionDevelopmentPath` (one), `--extensionTestsPath`, `--user-data-dir` (its
 * `User/settings.json` becomes code-server's user settings, and code-server's run folder goes next to
 * it), `--folder-uri file://…` and the folder positional, in both `--x=y` and `--x y` forms. Every other
 * option (`--no-sandbox`, `--disable-extensions`, `--extensions-dir`, …) is accepted and ignored:
 * code-server's extensions folder is a fresh empty one anyway.
 *
 * Every process this starts (the code-server install check, code-server and its extension host,
 * Chromium) is stopped before it exits: after the run, on SIGTERM / SIGINT / SIGHUP, when the parent
 * goes away (stdin closes), and, as a last resort, synchronously in the 'exit' handler.
 */
import { readFileSync, readdirSync, existsSync, mkdirSync, rmSync, writeFileSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServerInstalled, startCodeServer, type CodeServer } from './host';
import { runExtensionHostTests } from './hostBrowser';

const REPO = path.resolve(__dirname, '../../..');
const TAG = '[code-server-launcher]';
/** The suite has its own timeouts; this only catches a workbench that never reports back. */
const RUN_TIMEOUT_MS = 300_000;
/** Marks a run folder as this launcher's, so it may be emptied on the next run. */
const MARKER = '.code-server-launcher';

export interface CodeArgs {
  extensionDevelopmentPaths: string[];
  extensionTestsPath?: string;
  userDataDir?: string;
  /** The first folder positional or `--folder-uri` (file:// only). */
  folder?: string;
  /** Everything else, as given. */
  ignored: string[];
}

/**
 * Options of the VS Code command line that take a value, so that in the `--x y` form `y` is the
 * value and not a positional. Any other `--option` is a flag.
 */
const VALUE_OPTIONS = new Set([
  'extensionDevelopmentPath', 'extensionTestsPath', 'extensionDevelopmentKind', 'extensionEnvironment',
  'user-data-dir', 'extensions-dir', 'extensions-download-dir', 'builtin-extensions-dir', 'shared-data-dir',
  'cli-data-dir', 'profile', 'locale', 'log', 'category', 'telemetry-level', 'sync', 'mode',
  'install-extension', 'uninstall-extension', 'install-builtin-extension', 'install-source', 'enable-proposed-api',
  'disable-extension', 'locate-extension', 'add-file', 'add-mcp', 'folder-uri', 'file-uri', 'remote', 'logsPath',
  'waitMarkerFilePath', 'debugId', 'password-store', 'crash-reporter-directory', 'crash-reporter-id', 'proxy-server',
  'proxy-bypass-list', 'proxy-pac-url', 'js-flags', 'inspect', 'inspect-brk', 'inspect-extensions', 'inspect-brk-extensions',
  'inspect-ptyhost', 'inspect-brk-ptyhost', 'inspect-sharedprocess', 'inspect-brk-sharedprocess', 'force-device-scale-factor',
  'log-net-log', 'vmodule', 'ozone-platform', 'trace-category-filter', 'trace-options', 'trace-startup-format',
  'trace-startup-file', 'trace-startup-duration', 'prof-startup-prefix', 'prof-append-timers', 'prof-duration-markers',
  'prof-duration-markers-file', 'editSessionId', 'continueOn', 'unresponsive-sample-interval', 'unresponsive-sample-period',
  'export-default-configuration', 'export-policy-data', 'export-default-keybindings', 'urls', 'gitCredential',
]);

/** Parses the arguments test-electron (or a person) passes to `code`. */
export function parseCodeArgs(argv: readonly string[]): CodeArgs {
  const out: CodeArgs = { extensionDevelopmentPaths: [], ignored: [] };
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') {
        out.ignored.push(arg); // short flags: -n, -r, -w, …
      } else {
        positionals.push(arg);
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    let value: string | undefined;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else if (VALUE_OPTIONS.has(name) && i + 1 < argv.length) {
      value = argv[++i];
    }
    switch (name) {
      case 'extensionDevelopmentPath':
        if (value) out.extensionDevelopmentPaths.push(path.resolve(value));
        break;
      case 'extensionTestsPath':
        if (value) out.extensionTestsPath = path.resolve(value);
        break;
      case 'user-data-dir':
        if (value) out.userDataDir = path.resolve(value);
        break;
      case 'folder-uri':
        if (value?.startsWith('file:')) {
          out.folder ??= fileURLToPath(value);
        } else {
          out.ignored.push(arg, ...(eq < 0 && value !== undefined ? [value] : []));
        }
        break;
      default:
        out.ignored.push(arg, ...(eq < 0 && value !== undefined ? [value] : []));
    }
  }
  if (positionals.length > 0) {
    out.folder ??= path.resolve(positionals[0]);
    out.ignored.push(...positionals.slice(1));
  }
  return out;
}

/** Reads VS Code user settings (JSON with comments and trailing commas). */
export function readUserSettings(file: string): Record<string, unknown> {
  if (!existsSync(file)) {
    return {};
  }
  const parsed: unknown = JSON.parse(stripJsonc(readFileSync(file, 'utf8')));
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file} does not hold a settings object`);
  }
  return parsed as Record<string, unknown>;
}

/** Removes comments and trailing commas outside strings, so JSON.parse accepts a settings.json. */
export function stripJsonc(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

// --- processes ------------------------------------------------------------------------------

interface ProcRow {
  pid: number;
  ppid: number;
  pgid: number;
  zombie: boolean;
}

function procTable(): ProcRow[] {
  const rows: ProcRow[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      rows.push({ pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]), zombie: f[0] === 'Z' });
    } catch {
      // exited while we looked
    }
  }
  return rows;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/**
 * Live processes this launcher is responsible for: its descendants (the install check, code-server,
 * Chromium, and what they started), every process whose command line names the run folder (a
 * code-server or Chromium that lost its parent), and the rest of the process groups of both, which
 * code-server and Playwright each start as their own group. Never this process or its own group.
 */
function ownedProcesses(runDir: string): { pids: Set<number>; groups: Set<number> } {
  const table = procTable().filter((row) => !row.zombie);
  const self = table.find((row) => row.pid === process.pid);
  const ownGroup = self?.pgid ?? process.pid;
  const pids = new Set<number>();
  const needle = runDir + path.sep;
  for (const row of table) {
    if (row.pid !== process.pid && cmdline(row.pid).some((a) => a === runDir || a.includes(needle))) pids.add(row.pid);
  }
  // Descendants of this process and of everything found so far.
  const roots = [process.pid, ...pids];
  while (roots.length) {
    const parent = roots.shift();
    for (const row of table) {
      if (row.ppid === parent && !pids.has(row.pid) && row.pid !== process.pid) {
        pids.add(row.pid);
        roots.push(row.pid);
      }
    }
  }
  const groups = new Set<number>();
  for (const row of table) {
    if (pids.has(row.pid) && row.pgid !== ownGroup && row.pgid > 1) groups.add(row.pgid);
  }
  for (const row of table) {
    if (groups.has(row.pgid) && row.pid !== process.pid) pids.add(row.pid);
  }
  return { pids, groups };
}

function signal(owned: { pids: Set<number>; groups: Set<number> }, sig: NodeJS.Signals): void {
  for (const g of owned.groups) {
    try {
      process.kill(-g, sig);
    } catch {
      // empty already
    }
  }
  for (const p of owned.pids) {
    try {
      process.kill(p, sig);
    } catch {
      // gone
    }
  }
}

/** SIGTERM to everything owned, SIGKILL after `graceMs`; resolves when nothing is left. */
async function killOwned(runDir: string, graceMs = 5_000): Promise<void> {
  let owned = ownedProcesses(runDir);
  if (owned.pids.size === 0) return;
  signal(owned, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ((owned = ownedProcesses(runDir)).pids.size > 0 && Date.now() < deadline) await delay(100);
  if (owned.pids.size > 0) {
    log(`killing ${owned.pids.size} process(es) that outlived SIGTERM: ${[...owned.pids].join(' ')}`);
    signal(owned, 'SIGKILL');
    const hard = Date.now() + 5_000;
    while (ownedProcesses(runDir).pids.size > 0 && Date.now() < hard) await delay(50);
  }
}

/** The same, synchronously: for the 'exit' handler, where nothing asynchronous runs any more. */
function killOwnedSync(runDir: string): void {
  let owned = ownedProcesses(runDir);
  if (owned.pids.size === 0) return;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  signal(owned, 'SIGTERM');
  const deadline = Date.now() + 3_000;
  while ((owned = ownedProcesses(runDir)).pids.size > 0 && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, 50);
  if (owned.pids.size > 0) signal(owned, 'SIGKILL');
}

// --- main -----------------------------------------------------------------------------------

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export async function main(argv: readonly string[]): Promise<number> {
  const started = Date.now();
  log(`argv: ${argv.join(' ')}`);
  const args = parseCodeArgs(argv);
  if (!args.extensionTestsPath) {
    log('error: this launcher only runs extension tests: pass --extensionTestsPath');
    return 2;
  }
  if (args.extensionDevelopmentPaths.length !== 1) {
    log(`error: pass exactly one --extensionDevelopmentPath (got ${args.extensionDevelopmentPaths.length})`);
    return 2;
  }
  const extensionDevelopmentPath = args.extensionDevelopmentPaths[0];
  const runDir = args.userDataDir ? path.join(path.dirname(args.userDataDir), 'launcher') : path.join(REPO, '.run/desktop-launcher');
  const settings = args.userDataDir ? readUserSettings(path.join(args.userDataDir, 'User', 'settings.json')) : {};
  if (args.ignored.length) log(`ignored: ${args.ignored.join(' ')}`);

  let server: CodeServer | undefined;
  let finishing: Promise<void> | undefined;
  const finish = (): Promise<void> =>
    (finishing ??= (async () => {
      await server?.stop().catch((err: unknown) => log(`stopping code-server: ${String(err)}`));
      await killOwned(runDir);
    })());

  // Whatever ends this process, nothing it started may outlive it.
  process.on('exit', () => killOwnedSync(runDir));
  let aborting = false;
  const abort = (why: string, code: number): void => {
    if (aborting) return;
    aborting = true;
    log(`${why}: stopping code-server and Chromium`);
    void finish().finally(() => process.exit(code));
  };
  for (const sig of Object.keys(SIGNAL_CODES) as NodeJS.Signals[]) {
    process.on(sig, () => abort(`received ${sig}`, SIGNAL_CODES[sig] ?? 1));
  }
  // test-electron holds our stdin open; it closes when the runner dies (even by SIGKILL).
  if (stdinIsPipe()) {
    process.stdin.on('data', () => undefined).on('end', () => abort('stdin closed (the runner is gone)', 1)).resume();
  }
  process.stdout.on('error', () => undefined); // EPIPE when the runner is gone: keep cleaning up

  try {
    prepareRunDir(runDir);
    await ensureCodeServerInstalled();
    const folder = args.folder ?? path.join(runDir, 'empty-workspace');
    mkdirSync(folder, { recursive: true });
    server = await startCodeServer({ workspace: folder, runDir, smokeTestDriver: true, settings });
    log(`${codeServerVersion()} on http://127.0.0.1:${server.port} (pid ${server.pid}), run folder ${runDir}, up after ${seconds(started)}`);
    const code = await runExtensionHostTests({
      server,
      extensionDevelopmentPath,
      extensionTestsPath: args.extensionTestsPath,
      folder,
      timeoutMs: RUN_TIMEOUT_MS,
      onLog: (line) => {
        if (!aborting) process.stdout.write(line + '\n');
      },
    });
    log(`extension-host tests exited with code ${code} after ${seconds(started)}`);
    return code;
  } catch (err) {
    log(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  } finally {
    if (!aborting) {
      await finish();
      log(`code-server stopped; done after ${seconds(started)}`);
    }
  }
}

function prepareRunDir(runDir: string): void {
  if (existsSync(runDir)) {
    if (!existsSync(path.join(runDir, MARKER)) && readdirSync(runDir).length > 0) {
      throw new Error(`${runDir} exists and is not a code-server-launcher run folder; not touching it`);
    }
    rmSync(runDir, { recursive: true, force: true });
  }
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, MARKER), 'Scratch folder of scripts/code-server-launcher.sh; emptied on every run.\n');
}

function stdinIsPipe(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

function codeServerVersion(): string {
  try {
    const read = (p: string) => (JSON.parse(readFileSync(path.join(REPO, 'vscode-server/node_modules/code-server', p), 'utf8')) as { version: string }).version;
    return `code-server ${read('package.json')} (VS Code ${read('lib/vscode/package.json')})`;
  } catch {
    return 'code-server';
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function log(line: string): void {
  // stderr: stdout carries the suite's output, as with desktop VS Code.
  process.stderr.write(`${TAG} ${line}\n`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      log(`error: ${String(err)}`);
      process.exit(1);
    },
  );
}
