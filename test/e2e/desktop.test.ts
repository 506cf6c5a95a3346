/**
 * The extension-host suite (test/e2e/suite, which exthost.test.ts already runs and counts test by
 * test) once more, launched the way it runs on desktop VS Code: through `@vscode/test-electron`'s
 * runTests (test/e2e/desktop.ts), with the code-server launcher as the "VS Code executable". No
 * desktop VS Code runs here. What this adds is the launcher path, so it is ONE check: the runner used
 * the launcher, exited 0, and every test the suite announced passed. scripts/test.sh counts it as 1.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
const RESULT_PREFIX = 'EXTHOST-RESULT ';
const TOTAL_PREFIX = 'EXTHOST-TOTAL ';
const TIMEOUT_MS = 420_000;

interface Result {
  title: string;
  state: 'passed' | 'failed';
  error?: string;
}

let child: ChildProcess | undefined;
let output = '';
let exitCode: number | null = null;

const removeContainer = () => run('docker', ['rm', '-f', 'isaac-sim-instance-0']).catch(() => undefined);

before(async () => {
  await removeContainer();
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The launcher is the VS Code here; node:test's own variables stay with this process.
    if (!/^(VSCODE_EXECUTABLE|VSCODE_TEST_DOWNLOAD|VSCODE_VERSION|ISAAC_E2E_TESTS_PATH|NODE_TEST_|NODE_OPTIONS$)/.test(key)) env[key] = value;
  }
  child = spawn(process.execPath, [path.join(REPO, 'out/test/e2e/desktop.js')], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = child;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    // stdout belongs to node:test's reporter: show the run's progress on stderr.
    process.stderr.write(chunk);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  exitCode = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`desktop runner did not finish within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  child = undefined;
});

after(async () => {
  if (child && child.exitCode === null) {
    // The runner's launcher notices (its stdin closes) and stops code-server and Chromium.
    const gone = new Promise((resolve) => child?.once('close', resolve));
    child.kill('SIGTERM');
    await gone;
  }
  await removeContainer();
});

test('exthost suite via the @vscode/test-electron launcher (code-server as the VS Code executable): exit 0, every test passed', () => {
  assert.match(output, /\[test:desktop\] VS Code: .*code-server-launcher\.sh/, 'runTests started the code-server launcher');
  const results = output
    .split('\n')
    .map((line) => line.indexOf(RESULT_PREFIX) >= 0 ? (JSON.parse(line.slice(line.indexOf(RESULT_PREFIX) + RESULT_PREFIX.length)) as Result) : undefined)
    .filter((r): r is Result => r !== undefined);
  const tail = output.split('\n').slice(-60).join('\n');
  const failed = results.filter((r) => r.state === 'failed');
  assert.deepEqual(failed.map((r) => `${r.title}: ${r.error}`), [], 'no test failed');
  const totalLine = output.split('\n').find((line) => line.includes(TOTAL_PREFIX));
  const expected = totalLine ? Number(totalLine.slice(totalLine.indexOf(TOTAL_PREFIX) + TOTAL_PREFIX.length)) : NaN;
  assert.ok(expected >= 9, `the suite announced its test count (${expected})`);
  assert.equal(results.filter((r) => r.state === 'passed').length, expected, `${expected} tests passed. Output tail:\n${tail}`);
  assert.match(output, new RegExp(`\\b${expected} passing\\b`), "mocha's summary");
  assert.equal(exitCode, 0, `the runner's exit code. Output tail:\n${tail}`);
});
