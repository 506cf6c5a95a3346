/**
 * Hostile input at the container boundary, on a real engine: secrets that the simulator (or the
 * engine) echoes back, and log output that is binary junk, very long or split inside a UTF-8
 * character. Everything the manager emits is checked: log lines (what the output channels show),
 * its own log, error messages and the snapshots that the tree's labels and tooltips are made of.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InstanceFailure, Manager, LogAppend } from '../../src/instances/manager';
import { MASK } from '../../src/instances/redact';
import { docker, newManager, removeContainers, standinSettings, waitFor } from './helpers';

const NAMES = ['isaac-sim-instance-0', 'isaac-sim-instance-1'];
const BASES = { httpPortBase: 24211, signalPortBase: 24100 };

const SECRETS = {
  NGC_API_KEY: 'nvapi-Zq8RkT2mVb7XwY4pLs9dNc3HfJ6gKa1e',
  ROS_BRIDGE_TOKEN: 'tok-5d41402abc4b2a76b9719d911017c592',
  DB_PASSWORD: 'Tr0ub4dor&3-horse',
};

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

/** For one describe: no leftover containers before, and after it the manager disposed and its containers gone; rejections are recorded meanwhile. */
function withCleanEngine(manager: Manager): void {
  before(async () => {
    process.on('unhandledRejection', onRejection);
    await removeContainers(...NAMES);
  });
  after(async () => {
    manager.dispose();
    process.off('unhandledRejection', onRejection);
    await removeContainers(...NAMES);
  });
}

function leaks(text: string): string[] {
  return Object.entries(SECRETS).flatMap(([name, value]) => (text.includes(value) ? [name] : []));
}

describe('secrets never leave the manager unmasked', () => {
  const settings = standinSettings({
    instanceCount: 2,
    ...BASES,
    env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_ECHO_ENV: Object.keys(SECRETS).join(' '), ...SECRETS },
  });
  const { manager, log } = newManager(settings);
  const lines: string[] = [];
  const failures: InstanceFailure[] = [];
  manager.onDidAppendLog((e: LogAppend) => lines.push(...e.lines));
  manager.onDidFail((f) => failures.push(f));

  withCleanEngine(manager);

  test('a simulator that prints its secret env: the container log has them, the delivered lines do not', async () => {
    await manager.start(0);
    await waitFor('instance-0 ready', () => manager.get(0)?.state.kind === 'ready', 30_000);
    const raw = await docker('logs', NAMES[0]); // the echo lines go to stdout
    // The check can fail: the stand-in really printed every secret.
    assert.deepEqual(leaks(raw).sort(), Object.keys(SECRETS).sort(), 'the stand-in should have echoed all secrets');
    for (const name of Object.keys(SECRETS)) {
      assert.ok(lines.some((l) => l.endsWith(`env ${name}=${MASK}`)), `masked line for ${name} missing in ${JSON.stringify(lines.slice(0, 6))}`);
    }
    assert.deepEqual(leaks(lines.join('\n')), []);
  });

  test('an engine error that quotes a secret: error, state reason, snapshot and log are masked', async () => {
    // A launcher path holding the token: the engine's start error quotes it back.
    manager.updateSettings({ ok: true, settings: { ...settings, entrypoint: [`/isaac-sim/missing-${SECRETS.ROS_BRIDGE_TOKEN}.sh`] } });
    const err = await manager.start(1).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    assert.ok(err instanceof Error, 'the start must fail');
    assert.match(err.message, /missing-\*\*\*\.sh/, `the error should quote the masked path: ${err.message}`);
    assert.deepEqual(leaks(err.message), []);
    const s = manager.get(1)!;
    assert.equal(s.state.kind, 'failed');
    assert.deepEqual(leaks(JSON.stringify(manager.list())), [], 'snapshots (tree labels and tooltips) must be masked');
    assert.deepEqual(leaks(log.lines.join('\n')), [], `manager log: ${log.lines.filter((l) => leaks(l).length > 0).join(' | ')}`);
    assert.deepEqual(leaks(JSON.stringify(failures.map((f) => f.snapshot))), []);
  });

  test('no unhandled rejection', () => {
    assert.deepEqual(rejections, []);
  });
});

describe('junk, huge and split log lines are classified without throwing', () => {
  const settings = standinSettings({ instanceCount: 1, ...BASES, env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_NOISE: '1' } });
  const { manager, log } = newManager(settings);
  const lines: string[] = [];
  manager.onDidAppendLog((e: LogAppend) => lines.push(...e.lines));

  withCleanEngine(manager);

  test('the instance still reaches ready and every noise line arrives whole', async () => {
    await manager.start(0);
    await waitFor('instance-0 ready after the noise', () => manager.get(0)?.state.kind === 'ready', 30_000);
    const noise = lines.filter((l) => l.startsWith('[noise]'));
    assert.equal(noise.length, 3, `noise lines: ${noise.map((l) => l.slice(0, 40)).join(' | ')}`);
    const junk = noise.find((l) => l.includes('red'))!;
    assert.ok(junk.includes('\u001b[31m') || junk.includes('red'), junk);
    const long = noise.find((l) => l.startsWith('[noise] long '))!;
    assert.equal(long.length, '[noise] long '.length + 32 * 2 ** 13, 'the 256 KiB line is one line');
    assert.ok(lines.includes('[noise] split € euro'), 'a character split across two writes is rejoined');
    assert.ok(!lines.some((l) => l.includes('\uFFFD') && l.includes('split')), 'no replacement char from the split');
    assert.ok(!log.lines.some((l) => l.startsWith('error')), log.lines.join('\n'));
  });

  test('no unhandled rejection', () => {
    assert.deepEqual(rejections, []);
  });
});
