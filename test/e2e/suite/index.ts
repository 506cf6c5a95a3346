/**
 * Entry point of the extension-host suite: VS Code (desktop through @vscode/test-electron, or
 * code-server with the smoke-test driver) loads this file inside its extension host and calls run().
 * Besides mocha's spec output, every finished test is logged as one `EXTHOST-RESULT {json}` line,
 * which the runner turns into one test of its own, so the overall count is per test, not per suite.
 */
import path from 'node:path';
import Mocha from 'mocha';

export const RESULT_PREFIX = 'EXTHOST-RESULT ';
/** Printed once before the tests run: how many there are, so a runner can tell a suite that stopped early. */
export const TOTAL_PREFIX = 'EXTHOST-TOTAL ';

export function run(): Promise<void> {
  return runMochaFiles([path.join(__dirname, 'extension.test.js'), path.join(__dirname, 'lmTools.test.js'), path.join(__dirname, 'simRun.test.js')]);
}

/** Runs these compiled mocha files and reports each result as an `EXTHOST-RESULT` line. */
export async function runMochaFiles(files: string[]): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const file of files) mocha.addFile(file);
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed.`)) : resolve()));
    console.log(`${TOTAL_PREFIX}${runner.total}`);
    const report = (test: Mocha.Test | Mocha.Hook, state: 'passed' | 'failed', err?: Error) =>
      console.log(RESULT_PREFIX + JSON.stringify({ title: test.fullTitle(), state, error: err ? String(err.stack ?? err.message) : undefined }));
    runner.on('pass', (test) => report(test, 'passed'));
    runner.on('fail', (test, err) => report(test, 'failed', err));
  });
}
