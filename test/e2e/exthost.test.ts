/**
 * Runs the extension-host suites inside code-server's real extension host, and turns each of their
 * mocha results into a node:test result so the overall count is per test:
 *  - test/e2e/suite (index.ts → extension.test.ts) on the sample workspace, workspace trust off;
 *  - the workspace-trust suite (trustIndex.ts → trust.test.ts) twice, on a workspace whose
 *    .vscode/settings.json sets every isaacSim.* setting (hostile values for the restricted ones):
 *    once with workspace trust on and that folder untrusted, once trusted, as the control.
 *
 * The same main suite runs on desktop VS Code through @vscode/test-electron: see test/e2e/desktop.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { standinUserSettings } from './standinSettings';
import { ensureCodeServerInstalled, startCodeServer } from './host';
import { runExtensionHostTests } from './hostBrowser';
import { TRUST_FILE, settingCases, type TrustExpectations } from './suite/trustCases';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
/** The compiled suites next to this file (out/test/e2e/suite, or a helper's own out folder). */
const SUITE_DIR = path.join(__dirname, 'suite');
const RESULT_PREFIX = 'EXTHOST-RESULT ';
const TOTAL_PREFIX = 'EXTHOST-TOTAL ';

interface Result {
  title: string;
  state: 'passed' | 'failed';
  error?: string;
}

interface SuiteRun {
  results: Result[];
  log: string[];
  exitCode?: number;
  total?: number;
}

interface RunOptions {
  runDir: string;
  workspace: string;
  settings: Record<string, unknown>;
  workspaceTrust: boolean;
  /** Compiled suite entry (without .js) under SUITE_DIR. */
  entry: string;
  timeoutMs: number;
}

/** One code-server with the extension in development mode, one suite run in it; the server is stopped after. */
async function runSuite(opts: RunOptions, into: SuiteRun): Promise<void> {
  await run('docker', ['rm', '-f', 'isaac-sim-instance-0']).catch(() => undefined);
  await ensureCodeServerInstalled();
  const server = await startCodeServer({
    workspace: opts.workspace,
    runDir: opts.runDir,
    smokeTestDriver: true,
    workspaceTrust: opts.workspaceTrust,
    settings: opts.settings,
  });
  try {
    into.exitCode = await runExtensionHostTests({
      server,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: path.join(SUITE_DIR, opts.entry),
      folder: opts.workspace,
      timeoutMs: opts.timeoutMs,
      onLog: (line) => {
        into.log.push(line);
        const at = line.indexOf(RESULT_PREFIX);
        if (at >= 0) into.results.push(JSON.parse(line.slice(at + RESULT_PREFIX.length)) as Result);
        const totalAt = line.indexOf(TOTAL_PREFIX);
        if (totalAt >= 0) into.total = Number(line.slice(totalAt + TOTAL_PREFIX.length));
      },
    });
  } finally {
    await server.stop();
    await run('docker', ['rm', '-f', 'isaac-sim-instance-0']).catch(() => undefined);
  }
}

function freshDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The suite's tests as node:test tests: one that it ran to the end, one subtest per mocha result. */
function reportSuite(name: string, outcome: SuiteRun, minimum: () => number): void {
  test(`the ${name} suite ran to the end`, () => {
    assert.ok(outcome.total !== undefined && outcome.total >= minimum(), `the suite announced its test count (${outcome.total}, at least ${minimum()})`);
    assert.equal(outcome.results.length, outcome.total, `expected ${outcome.total} results, got ${outcome.results.length}. Log tail:\n${outcome.log.slice(-40).join('\n')}`);
    assert.equal(outcome.exitCode, outcome.results.some((r) => r.state === 'failed') ? 1 : 0);
  });
  test(name, async (t) => {
    for (const r of outcome.results) {
      await t.test(r.title, () => {
        if (r.state === 'failed') assert.fail(r.error ?? 'failed');
      });
    }
  });
}

describe('extension host', () => {
  const outcome: SuiteRun = { results: [], log: [] };
  before(async () => {
    const runDir = freshDir(path.join(REPO, '.run/exthost'));
    await runSuite(
      {
        runDir,
        workspace: path.join(REPO, 'test/e2e/sample-workspace'),
        settings: standinUserSettings(runDir),
        workspaceTrust: false,
        entry: 'index',
        timeoutMs: 300_000,
      },
      outcome,
    );
  });
  reportSuite('extension host', outcome, () => 9);
});

describe('extension host (several engines)', () => {
  const outcome: SuiteRun = { results: [], log: [] };
  before(async () => {
    const runDir = freshDir(path.join(REPO, '.run/exthost-fleet'));
    const endpoints = [
      { name: 'main', dockerHost: process.env.DOCKER_HOST ?? '', httpPortBase: 20411, signalPortBase: 20400 },
      // Nothing serves this socket: the host is unreachable from the start.
      { name: 'gone', dockerHost: `unix://${path.join(runDir, 'nothing-here.sock')}` },
    ];
    await runSuite(
      {
        runDir,
        workspace: path.join(REPO, 'test/e2e/sample-workspace'),
        settings: { ...standinUserSettings(runDir), 'isaacSim.endpoints': endpoints },
        workspaceTrust: false,
        entry: 'fleetIndex',
        timeoutMs: 150_000,
      },
      outcome,
    );
  });
  reportSuite('extension host (several engines)', outcome, () => 5);
});

for (const trusted of [false, true]) {
  const name = `extension host (${trusted ? 'trusted' : 'untrusted'} workspace)`;
  describe(name, () => {
    const outcome: SuiteRun = { results: [], log: [] };
    let cases = 0;
    before(async () => {
      const runDir = freshDir(path.join(REPO, `.run/exthost-${trusted ? 'trusted' : 'untrusted'}`));
      const table = settingCases(runDir, standinUserSettings(runDir));
      cases = Object.keys(table).length;
      // The workspace: hostile values for the restricted settings, ordinary ones for the rest.
      const workspace = path.join(runDir, 'workspace');
      mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
      const values = (side: 'user' | 'workspace') => Object.fromEntries(Object.entries(table).map(([key, c]) => [`isaacSim.${key}`, c[side]]));
      writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify(values('workspace'), null, 2) + '\n');
      writeFileSync(path.join(workspace, TRUST_FILE), JSON.stringify({ trusted, cases: table } satisfies TrustExpectations, null, 2) + '\n');
      await runSuite(
        {
          runDir,
          workspace,
          settings: { ...standinUserSettings(runDir), ...values('user') },
          // Untrusted: trust on, and this folder was never trusted. Trusted (the control): trust off.
          workspaceTrust: !trusted,
          entry: 'trustIndex',
          timeoutMs: 150_000,
        },
        outcome,
      );
    });
    // The activation, manifest and coverage tests, one per setting, and the mode's own checks.
    reportSuite(name, outcome, () => cases + 4 + (trusted ? 2 : 12));
  });
}
