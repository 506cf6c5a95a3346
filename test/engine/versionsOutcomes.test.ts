/** Version profiles (src/instances/versions.ts) on the real engine: fatal exits, other outcomes, auto detection that finds no version, a 4.2 image without kit-player.js. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { docker, dockerInspect, volumeHelpers, waitFor } from './helpers';
import { IMG, PLAYER_PATH, harness, removeAndWait, settingsFor, stateOf, versionsHooks, waitFailedAndExited, waitReady } from './versionsSetup';

const PLAIN_IMAGE = 'isaac-sim-standin-plain:dev';
const PLAIN_SOURCE = 'isaac-sim-versions-test-plain-source';

// Instances 22–24, 26 and 27 (versionsProfiles uses 20, 21 and 25).
versionsHooks([22, 23, 24, 26, 27], { names: [PLAIN_SOURCE], images: [PLAIN_IMAGE] });

describe('fatal exits are classified after the log drained (6.x, instance 22)', () => {
  const { manager } = harness(settingsFor(IMG.v60));
  after(async () => {
    await manager.remove(22).catch(() => undefined);
    manager.dispose();
  });

  for (const [fatal, runs] of [['no-gpu-device', 15], ['vulkan', 5]] as const) {
    test(`STANDIN_FATAL=${fatal}: ${runs} runs all fail with diagnosis ${fatal}`, { timeout: 120_000 }, async () => {
      manager.updateSettings({ ok: true, settings: settingsFor(IMG.v60, { env: { STANDIN_MODE: 'fatal', STANDIN_FATAL: fatal } }) });
      const outcomes: string[] = [];
      for (let run = 0; run < runs; run++) {
        await manager.start(22);
        const s = await waitFailedAndExited(manager, 22);
        outcomes.push(`run ${run}: ${s.state.diagnosisId} / ${s.state.reason}`);
        await removeAndWait(manager, 22);
      }
      const wrong = outcomes.filter((o) => !o.includes(`: ${fatal} / `));
      assert.deepEqual(wrong, [], `every run is diagnosed ${fatal}, never a bare exit (a fatal line that arrives after 'die' was lost):\n${outcomes.join('\n')}`);
    });
  }
});

describe('other outcomes (6.x)', () => {
  test('STANDIN_MODE=exit-unexplained: failed, and the reason quotes the last error line', { timeout: 60_000 }, async () => {
    const { manager } = harness(settingsFor(IMG.v60, { env: { STANDIN_MODE: 'exit-unexplained' } }));
    try {
      await manager.start(23);
      const s = await waitFailedAndExited(manager, 23);
      assert.match(s.state.reason ?? '', /createInstance failed|utmp/, `reason quotes the error line: ${s.state.reason}`);
      assert.notEqual(s.state.reason, 'exited with code 1');
      assert.equal(s.state.exitCode, 1);
      await removeAndWait(manager, 23);
    } finally {
      manager.dispose();
    }
  });

  test('STANDIN_MODE=physx-no-cuda: ready, with one PhysX/CUDA warning', { timeout: 60_000 }, async () => {
    const { manager } = harness(settingsFor(IMG.v60, { env: { STANDIN_MODE: 'physx-no-cuda' } }));
    try {
      await manager.start(24);
      await waitReady(manager, 24);
      const s = manager.get(24);
      assert.ok(s);
      assert.equal(s.state.kind, 'ready');
      assert.equal(s.warnings.length, 1, `one warning: ${JSON.stringify(s.warnings)}`);
      assert.match(s.warnings[0], /PhysX/);
      assert.match(s.warnings[0], /CUDA/);
      await removeAndWait(manager, 24);
    } finally {
      manager.dispose();
    }
  });
});

describe('auto detection that finds no version', () => {
  before(async () => {
    await docker('rm', '-f', PLAIN_SOURCE).catch(() => undefined);
    await docker('create', '--name', PLAIN_SOURCE, IMG.v42);
    await docker('commit', '--change', 'ENTRYPOINT ["/bin/sh"]', PLAIN_SOURCE, PLAIN_IMAGE);
    await docker('rm', '-f', PLAIN_SOURCE);
  });
  after(async () => {
    await docker('rmi', '-f', PLAIN_IMAGE).catch(() => undefined);
  });

  test('an image without a version tag or a known config: start names isaacSim.version and creates nothing', { timeout: 60_000 }, async () => {
    const { manager } = harness(settingsFor(PLAIN_IMAGE));
    try {
      await assert.rejects(manager.start(26), (err: Error) => {
        assert.match(err.message, /isaacSim\.version/);
        assert.match(err.message, /Nothing was created/);
        assert.match(err.message, /Could not tell which Isaac Sim version/);
        return true;
      });
      assert.equal(await dockerInspect('isaac-sim-instance-26'), undefined, 'no container was created');
      assert.deepEqual(await volumeHelpers([26]), [], 'no volume helper was created');
      // Index 26 is outside isaacSim.instanceCount and has no container, so it is not listed at all.
      assert.ok([undefined, 'failed'].includes(stateOf(manager, 26)), `state ${stateOf(manager, 26)}`);
    } finally {
      manager.dispose();
    }
  });
});

describe('4.2 whose image has no kit-player.js to rewrite', () => {
  const NO_PLAYER_IMAGE = 'isaac-sim-standin-noplayer:4.2.0';
  const SOURCE = 'isaac-sim-versions-test-noplayer-source';
  before(async () => {
    // The same 4.2 image with the player script removed: its page would connect to 49100 only.
    await docker('rm', '-f', SOURCE).catch(() => undefined);
    await docker('run', '--name', SOURCE, '--entrypoint', '/bin/rm', IMG.v42, '-f', PLAYER_PATH);
    await docker('commit', '--change', 'ENTRYPOINT ["/isaac-sim/runheadless.webrtc.sh"]', SOURCE, NO_PLAYER_IMAGE);
    await docker('rm', '-f', SOURCE);
  });
  after(async () => {
    await docker('rmi', '-f', NO_PLAYER_IMAGE).catch(() => undefined);
  });

  test('the user is told before the start that only the instance on 49100 can stream', { timeout: 60_000 }, async () => {
    const { manager } = harness(settingsFor(NO_PLAYER_IMAGE));
    const notices: Array<{ label: string; message: string }> = [];
    const seenAt: Array<string | undefined> = [];
    manager.onDidNotice((n) => {
      notices.push({ label: n.label, message: n.message });
      // Fired between create and start: the container exists and has not started yet.
      seenAt.push(undefined);
      void dockerInspect('isaac-sim-instance-27').then((c) => (seenAt[seenAt.length - 1] = c?.State?.Status));
    });
    try {
      await manager.start(27);
      assert.equal(notices.length, 1, `one notice: ${JSON.stringify(notices)}`);
      assert.equal(notices[0].label, 'instance-27');
      assert.match(notices[0].message, /signalling port 29127/);
      assert.match(notices[0].message, /only the instance on signalling port 49100/);
      await waitFor('the state at the notice was read', () => seenAt[0] !== undefined, 5_000);
      assert.ok(['created', 'running'].includes(seenAt[0] ?? ''), `the container existed when the notice came: ${seenAt[0]}`);
      const s = manager.get(27);
      assert.match(s?.streamNote ?? '', /49100/, 'the snapshot keeps the note for the tooltip and the sim view');
      await waitReady(manager, 27);
      await removeAndWait(manager, 27);
    } finally {
      manager.dispose();
    }
  });
});
