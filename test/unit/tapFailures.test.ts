import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// scripts/test.sh ends a run with scripts/lib/tap-failures.mjs's recap of the failed tests, read
// from the TAP file node:test wrote for each suite. Here node:test itself writes the TAP, from a
// file of tests that fail in the ways the suites do: a nested failure, a multi-line error, a pass.
const REPO = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(REPO, 'scripts/lib/tap-failures.mjs');
/** This runner's environment without its mark for child test processes (they would report to it, not to a file). */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_TEST_CONTEXT'));

const TESTS = `
const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
describe('extension host', () => {
  test('the suite ran to the end', () => {});
  test('extension host', async (t) => {
    await t.test('Start Instance works', () => {});
    await t.test('Stop refreshes only its row', () => { assert.fail('each refresh named instance-0\\nevents: ["whole tree"]'); });
  });
});
test('a plain failure', () => { assert.equal(1, 2, "it's one, not two"); });
`;

function recap(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-failures-'));
  try {
    fs.writeFileSync(path.join(dir, 'cases.test.cjs'), TESTS);
    const tap = path.join(dir, 'tap-exthost.txt');
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', `--test-reporter-destination=${tap}`, path.join(dir, 'cases.test.cjs')], { encoding: 'utf8', env: ENV });
    assert.equal(run.status, 1, `the cases fail as meant: ${run.stderr}`);
    const out = spawnSync(process.execPath, [SCRIPT, tap, path.join(dir, 'tap-missing.txt')], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    return out.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the recap names each failed test with its parents and the first lines of its error, and leaves out the parents that failed through it', () => {
  const lines = recap().split('\n');
  assert.equal(lines[0], '=== failed tests (2), from the suites\' TAP files');
  const failed = lines.filter((l) => l.startsWith('✖'));
  assert.equal(failed.length, 2, lines.join('\n'));
  assert.match(failed[0], /^✖ \[exthost\] extension host › extension host › Stop refreshes only its row {2}\(.*cases\.test\.cjs:\d+:\d+\)$/);
  assert.match(failed[1], /^✖ \[exthost\] a plain failure {2}\(/);
  const afterFirst = lines.slice(lines.indexOf(failed[0]) + 1, lines.indexOf(failed[1]));
  assert.deepEqual(afterFirst, ['    each refresh named instance-0', '    events: ["whole tree"]'], 'both lines of the error');
  assert.equal(lines[lines.indexOf(failed[1]) + 1], "    it's one, not two", 'a quoted YAML scalar, unquoted');
  assert.ok(!lines.some((l) => /Start Instance works|ran to the end/.test(l)), 'no passing test is listed');
});

test('the recap prints nothing when nothing failed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-failures-'));
  try {
    const tap = path.join(dir, 'tap-unit.txt');
    fs.writeFileSync(path.join(dir, 'ok.test.cjs'), "require('node:test').test('fine', () => {});\n");
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', `--test-reporter-destination=${tap}`, path.join(dir, 'ok.test.cjs')], { encoding: 'utf8', env: ENV });
    assert.equal(run.status, 0, run.stderr);
    assert.match(fs.readFileSync(tap, 'utf8'), /^ok 1 - fine$/m, 'node:test wrote the TAP');
    assert.equal(spawnSync(process.execPath, [SCRIPT, tap], { encoding: 'utf8' }).stdout, '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
