/**
 * Runs the extension-host suite (test/e2e/suite) inside code-server's real extension host, and turns
 * each of its mocha results into a node:test result so the overall count is per test.
 *
 * The same suite runs on desktop VS Code through @vscode/test-electron: see test/e2e/desktop.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { standinUserSettings } from './standinSettings';
import { ensureCodeServerInstalled, runExtensionHostTests, startCodeServer, type CodeServer } from './host';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
const RUN_DIR = path.join(REPO, '.run/exthost');
const RESULT_PREFIX = 'EXTHOST-RESULT ';
const TOTAL_PREFIX = 'EXTHOST-TOTAL ';

interface Result {
  title: string;
  state: 'passed' | 'failed';
  error?: string;
}

let server: CodeServer | undefined;
const results: Result[] = [];
const log: string[] = [];
let exitCode: number | undefined;
let total: number | undefined;

before(async () => {
  await run('docker', ['rm', '-f', 'isaac-sim-instance-0']).catch(() => undefined);
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  await ensureCodeServerInstalled();
  server = await startCodeServer({
    workspace: path.join(REPO, 'test/e2e/sample-workspace'),
    runDir: RUN_DIR,
    smokeTestDriver: true,
    settings: standinUserSettings(RUN_DIR),
  });
  exitCode = await runExtensionHostTests({
    server,
    extensionDevelopmentPath: REPO,
    extensionTestsPath: path.join(REPO, 'out/test/e2e/suite/index'),
    folder: path.join(REPO, 'test/e2e/sample-workspace'),
    timeoutMs: 180_000,
    onLog: (line) => {
      log.push(line);
      const at = line.indexOf(RESULT_PREFIX);
      if (at >= 0) results.push(JSON.parse(line.slice(at + RESULT_PREFIX.length)) as Result);
      const totalAt = line.indexOf(TOTAL_PREFIX);
      if (totalAt >= 0) total = Number(line.slice(totalAt + TOTAL_PREFIX.length));
    },
  });
});

after(async () => {
  await server?.stop();
  await run('docker', ['rm', '-f', 'isaac-sim-instance-0']).catch(() => undefined);
});

test('the extension-host suite ran to the end', () => {
  assert.ok(total !== undefined && total >= 9, `the suite announced its test count (${total})`);
  assert.equal(results.length, total, `expected ${total} results, got ${results.length}. Log tail:\n${log.slice(-40).join('\n')}`);
  assert.equal(exitCode, results.some((r) => r.state === 'failed') ? 1 : 0);
});

test('extension host', async (t) => {
  for (const r of results) {
    await t.test(r.title, () => {
      if (r.state === 'failed') assert.fail(r.error ?? 'failed');
    });
  }
});
