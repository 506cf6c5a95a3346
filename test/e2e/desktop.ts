/**
 * Runs the extension-host suite (test/e2e/suite) through `@vscode/test-electron`'s `runTests`, the
 * way an extension's tests run on desktop VS Code:
 *
 *   npm run test:desktop                                  # here: through the code-server launcher
 *   VSCODE_EXECUTABLE=/path/to/code npm run test:desktop  # a desktop VS Code you already have
 *   VSCODE_TEST_DOWNLOAD=1 [VSCODE_VERSION=1.96.0] npm run test:desktop   # test-electron downloads one
 *
 * Without either variable the "VS Code" is scripts/code-server-launcher.sh, which accepts the same
 * command line as the `code` binary and runs the suite in code-server's real extension host (see
 * test/e2e/launcher.ts), so the one suite runs both on desktop VS Code and on these machines, where
 * no Electron build can be downloaded.
 *
 * The user settings (stand-in image, no GPU, ports, `isaacSim.dockerHost` = the counting proxy socket
 * the suite serves) are written to `<user-data-dir>/User/settings.json`, where desktop VS Code reads
 * them and from where the launcher copies them into code-server.
 *
 * ISAAC_E2E_TESTS_PATH replaces the suite (a module exporting `run()`), e.g. to check that a failing
 * suite makes this runner exit non-zero. The exit code is the suite's: 0 when its run() resolved.
 */
import { standinUserSettings } from './standinSettings';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { downloadAndUnzipVSCode, runTests, TestRunFailedError } from '@vscode/test-electron';
import { TEST_DEFAULT_SETTINGS } from './host';

const REPO = path.resolve(__dirname, '../../..');
/** Everything a run writes; .run/ is git-ignored. */
export const DESKTOP_RUN_DIR = path.join(REPO, '.run/desktop');
export const CODE_SERVER_LAUNCHER = path.join(REPO, 'scripts/code-server-launcher.sh');
const SAMPLE_WORKSPACE = path.join(REPO, 'test/e2e/sample-workspace');
const SUITE = path.join(REPO, 'out/test/e2e/suite/index');

/** Which VS Code runs the suite, decided by the environment (see the file comment). */
export type VSCodeChoice =
  | { kind: 'executable'; path: string }
  | { kind: 'download'; version: string }
  | { kind: 'launcher'; path: string };

export function chooseVSCode(env: NodeJS.ProcessEnv = process.env): VSCodeChoice {
  if (env.VSCODE_EXECUTABLE) {
    return { kind: 'executable', path: path.resolve(env.VSCODE_EXECUTABLE) };
  }
  if (env.VSCODE_TEST_DOWNLOAD === '1') {
    return { kind: 'download', version: env.VSCODE_VERSION || 'stable' };
  }
  return { kind: 'launcher', path: CODE_SERVER_LAUNCHER };
}

/** Runs the suite once; resolves with its exit code. */
export async function runDesktopSuite(): Promise<number> {
  const started = Date.now();
  const choice = chooseVSCode();
  const testsPath = path.resolve(process.env.ISAAC_E2E_TESTS_PATH || SUITE);
  if (choice.kind === 'executable' && !existsSync(choice.path)) {
    throw new Error(`VSCODE_EXECUTABLE=${choice.path} does not exist`);
  }

  rmSync(DESKTOP_RUN_DIR, { recursive: true, force: true });
  const userDataDir = path.join(DESKTOP_RUN_DIR, 'user-data');
  const extensionsDir = path.join(DESKTOP_RUN_DIR, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...TEST_DEFAULT_SETTINGS, ...standinUserSettings(DESKTOP_RUN_DIR) }, null, 2) + '\n',
  );

  let vscodeExecutablePath: string;
  switch (choice.kind) {
    case 'executable':
      vscodeExecutablePath = choice.path;
      say(`VS Code: ${choice.path} (from VSCODE_EXECUTABLE)`);
      break;
    case 'download':
      say(`VS Code: downloading ${choice.version} through @vscode/test-electron (VSCODE_TEST_DOWNLOAD=1)`);
      // Cached under .run/ (git-ignored) rather than test-electron's default .vscode-test/.
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version: choice.version, cachePath: path.join(REPO, '.run/vscode-test') });
      say(`VS Code: ${vscodeExecutablePath} (downloaded, version ${choice.version})`);
      break;
    case 'launcher':
      vscodeExecutablePath = choice.path;
      say(`VS Code: ${choice.path} — the code-server launcher (${codeServerVersion()}), set VSCODE_EXECUTABLE for a desktop VS Code`);
      break;
  }
  say(`suite: ${testsPath}${process.env.ISAAC_E2E_TESTS_PATH ? ' (from ISAAC_E2E_TESTS_PATH)' : ''}`);

  let code: number;
  try {
    code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: testsPath,
      launchArgs: [
        SAMPLE_WORKSPACE,
        '--user-data-dir', userDataDir,
        // Otherwise test-electron adds --extensions-dir=.vscode-test/extensions in the repository.
        '--extensions-dir', extensionsDir,
        '--disable-extensions',
        '--skip-welcome',
        '--disable-workspace-trust',
      ],
      // The launcher runs on this very Node; a desktop VS Code does not look at it.
      extensionTestsEnv: choice.kind === 'launcher' ? { ISAAC_LAUNCHER_NODE: process.execPath } : undefined,
    });
  } catch (err) {
    // runTests rejects when the process exits non-zero (the suite failed) or cannot be started.
    if (err instanceof TestRunFailedError) {
      code = err.code ?? 1;
    } else {
      throw err;
    }
  }
  say(`${code === 0 ? 'passed' : `FAILED (exit code ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s on ${describe(choice)}`);
  return code;
}

function describe(choice: VSCodeChoice): string {
  return choice.kind === 'launcher' ? 'the code-server launcher' : choice.kind === 'download' ? `downloaded VS Code ${choice.version}` : choice.path;
}

function codeServerVersion(): string {
  try {
    const cs = JSON.parse(readFileSync(path.join(REPO, 'vscode-server/node_modules/code-server/package.json'), 'utf8')) as { version: string };
    const vs = JSON.parse(readFileSync(path.join(REPO, 'vscode-server/node_modules/code-server/lib/vscode/package.json'), 'utf8')) as { version: string };
    return `code-server ${cs.version}, VS Code ${vs.version}`;
  } catch {
    return 'code-server, not installed yet: the launcher installs it, a few minutes the first time';
  }
}

function say(line: string): void {
  console.log(`[test:desktop] ${line}`);
}

if (require.main === module) {
  runDesktopSuite().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[test:desktop] error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
