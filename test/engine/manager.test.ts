/**
 * The instance manager against a real Docker engine running the stand-in simulator.
 * The docker CLI acts as a second client to check what the extension did.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ForeignContainerError } from '../../src/instances/errors';
import { SettingsError } from '../../src/instances/manager';
import type { Manager, LogAppend } from '../../src/instances/manager';
import { OWNER_LABEL, OWNER_VALUE, INDEX_LABEL } from '../../src/instances/model';
import { parseSettings } from '../../src/instances/settings';
import { docker, dockerInspect, httpGet, newManager, removeContainers, standinSettings, STANDIN_IMAGE, waitFor } from './helpers';

const NAMES = ['isaac-sim-instance-0', 'isaac-sim-instance-1', 'isaac-sim-instance-2'];
/** 4.2's readiness line, as Kit prints it: "[12.832s] Isaac Sim Headless WebRTC App is loaded." */
const READY = /^\[\d+\.\d{3}s\] Isaac Sim Headless WebRTC App is loaded\.$/;
const isReady = (l: string) => READY.test(l);
const BASES = { httpPortBase: 28211, signalPortBase: 28100, pythonServerPortBase: 28300 };
/** Our containers of this file only (another file may run instances with other indexes on the same engine). */
const OURS = ['--filter', `label=${OWNER_LABEL}=${OWNER_VALUE}`, '--filter', 'name=^/isaac-sim-instance-[0-2]$'];

function stateOf(manager: Manager, index: number): string | undefined {
  return manager.get(index)?.state.kind;
}

/** `docker logs -t` of a container as [timestamp, text] pairs from both streams, in time order. */
async function dockerLogLines(name: string): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  const out: string = await new Promise((resolve, reject) =>
    execFile('docker', ['logs', '-t', name], { maxBuffer: 1 << 26 }, (err, stdout, stderr) => (err ? reject(err) : resolve(stdout + stderr))),
  );
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, text]) => text);
}

describe('instance lifecycle on a real engine', () => {
  const settings = standinSettings({ instanceCount: 2, ...BASES });
  const { manager, enginesMade, log } = newManager(settings);
  const logs = new Map<number, string[]>();
  manager.onDidAppendLog((e: LogAppend) => logs.set(e.index, [...(logs.get(e.index) ?? []), ...e.lines]));

  before(() => removeContainers(...NAMES));
  after(async () => {
    manager.dispose();
    await removeContainers(...NAMES);
  });

  test('makes no engine call before it is asked to connect', () => {
    assert.equal(enginesMade(), 0);
    assert.equal(manager.engineStatus.kind, 'idle');
    assert.deepEqual(
      manager.list().map((s) => [s.label, s.state.kind, s.exists]),
      [
        ['instance-0', 'stopped', false],
        ['instance-1', 'stopped', false],
      ],
    );
  });

  test('Start All starts two instances that reach ready', async () => {
    await manager.startAll();
    assert.equal(enginesMade(), 1);
    for (const i of [0, 1]) {
      assert.ok(['loading', 'ready'].includes(stateOf(manager, i) ?? ''), `instance-${i} is ${JSON.stringify(manager.get(i)?.state)} right after start; its log:\n${(logs.get(i) ?? []).join('\n')}\nthe manager's:\n${log.lines.join('\n')}`);
    }
    await waitFor('both instances ready', () => stateOf(manager, 0) === 'ready' && stateOf(manager, 1) === 'ready');
  });

  test('the containers carry the spec Isaac Sim needs (checked with docker inspect)', async () => {
    for (const i of [0, 1]) {
      const c = await dockerInspect(`isaac-sim-instance-${i}`);
      assert.ok(c, `container isaac-sim-instance-${i} exists`);
      assert.equal(c.Name, `/isaac-sim-instance-${i}`);
      assert.equal(c.Config.Image, STANDIN_IMAGE);
      assert.equal(c.Config.Labels[OWNER_LABEL], OWNER_VALUE);
      assert.equal(c.Config.Labels[INDEX_LABEL], String(i));
      assert.equal(c.HostConfig.NetworkMode, 'host');
      assert.equal(c.HostConfig.Memory, 2 * 1024 ** 3);
      assert.ok(c.Config.Env.includes('ACCEPT_EULA=Y'));
      // Telemetry consent only when the user gives it (isaacSim.privacyConsent is false by default).
      assert.ok(!c.Config.Env.some((e: string) => e.startsWith('PRIVACY_CONSENT=')), 'no PRIVACY_CONSENT unless asked');
      assert.equal(c.Config.Labels['dev.isaac-sim-orchestrator.version'], '4.2');
      assert.ok(c.Config.Env.includes(`ISAACSIM_INSTANCE_LABEL=instance-${i}`));
      assert.deepEqual(c.Config.Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
      assert.deepEqual(c.Args, [
        `--/exts/omni.services.transport.server.http/port=${28211 + i}`,
        `--/app/livestream/port=${28100 + i}`,
        // "Run in Sim": 4.2's code server on its own port, loopback only.
        '--enable',
        'omni.isaac.vscode',
        '--/exts/omni.isaac.vscode/host=127.0.0.1',
        `--/exts/omni.isaac.vscode/port=${28300 + i}`,
      ]);
      const mounts = (c.Mounts as Array<{ Source: string; Destination: string; RW: boolean }>).map((m) => `${m.Source}:${m.Destination}:${m.RW}`).sort();
      const root = settings.hostDataRoot;
      assert.deepEqual(
        mounts,
        [
          `${root}/cache/computecache:/root/.nv/ComputeCache:true`,
          `${root}/cache/glcache:/root/.cache/nvidia/GLCache:true`,
          `${root}/cache/kit:/isaac-sim/kit/cache:true`,
          `${root}/cache/ov:/root/.cache/ov:true`,
          `${root}/cache/pip:/root/.cache/pip:true`,
          `${root}/data/instance-${i}:/root/.local/share/ov/data:true`,
          `${root}/documents/instance-${i}:/root/Documents:true`,
          `${root}/logs/instance-${i}:/root/.nvidia-omniverse/logs:true`,
          // 4.2's web client with this instance's signalling port (not 49100), bound read-only over the image's.
          `${root}/player/instance-${i}/kit-player.js:/isaac-sim/extscache/omni.services.streamclient.webrtc-1.3.8/web/js/kit-player.js:false`,
        ].sort(),
      );
      // No GPU request and the engine's default runtime, as configured for this machine.
      assert.ok(!c.HostConfig.DeviceRequests || c.HostConfig.DeviceRequests.length === 0);
      assert.notEqual(c.HostConfig.Runtime, 'nvidia');
    }
  });

  test('log lines arrive in the engine order, demultiplexed, with the readiness line', async () => {
    for (const i of [0, 1]) {
      await waitFor(`readiness line in instance-${i} logs`, () => (logs.get(i) ?? []).some(isReady));
      const expected = await dockerLogLines(`isaac-sim-instance-${i}`);
      const got = logs.get(i) ?? [];
      assert.deepEqual(got.slice(0, expected.length), expected);
      assert.ok(got.every((l) => ![...l].some((ch) => ch.charCodeAt(0) < 9)), 'no multiplexing header bytes leak into lines');
    }
  });

  test("the client page answers on each instance's port and names the instance", async () => {
    for (const i of [0, 1]) {
      const snapshot = manager.get(i);
      assert.equal(snapshot?.clientUrl, `http://127.0.0.1:${28211 + i}/streaming/webrtc-demo/?server=127.0.0.1`);
      const page = await httpGet(snapshot!.clientUrl);
      assert.equal(page.status, 200);
      assert.match(page.body, new RegExp(`instance-${i}\\b`));
      // 4.2's player has the signalling port 49100 written in it: each instance's copy names its own port.
      const player = await httpGet(`http://127.0.0.1:${28211 + i}/streaming/webrtc-demo/js/kit-player.js`);
      assert.equal(player.status, 200);
      assert.match(player.body, new RegExp(`\\b${28100 + i}\\b`));
      assert.doesNotMatch(player.body, /\b49100\b/);
      assert.equal(snapshot?.streamNote, undefined);
    }
  });

  test('Start All again creates no duplicate containers', async () => {
    const before = (await docker('ps', '-aq', ...OURS)).trim().split('\n').sort();
    assert.equal(before.length, 2);
    await Promise.all([manager.startAll(), manager.startAll()]);
    const afterIds = (await docker('ps', '-aq', ...OURS)).trim().split('\n').sort();
    assert.deepEqual(afterIds, before);
  });

  test('restart goes on in the same log with a separator and no duplicated line', async () => {
    const c0 = await dockerInspect('isaac-sim-instance-0');
    await manager.restart(0);
    await waitFor('instance-0 ready again', async () => stateOf(manager, 0) === 'ready' && (await dockerInspect('isaac-sim-instance-0'))?.State.StartedAt !== c0?.State.StartedAt);
    await waitFor('second readiness line', () => (logs.get(0) ?? []).filter(isReady).length === 2);
    const got = logs.get(0) ?? [];
    const separators = got.filter((l) => /instance-0 restarted at/.test(l));
    assert.equal(separators.length, 1, 'exactly one separator');
    const withoutSeparator = got.filter((l) => !/instance-0 restarted at/.test(l));
    assert.deepEqual(withoutSeparator, await dockerLogLines('isaac-sim-instance-0'));
    const sepAt = got.indexOf(separators[0]);
    assert.equal(got.slice(0, sepAt).filter(isReady).length, 1, 'the first run is before the separator');
    assert.equal(got.slice(sepAt).filter(isReady).length, 1, 'the second run is after it');
  });

  test('an outside docker stop shows as stopped', async () => {
    await docker('stop', '-t', '5', 'isaac-sim-instance-1');
    await waitFor('instance-1 stopped', () => stateOf(manager, 1) === 'stopped', 10_000);
    assert.equal(manager.get(1)?.exists, true);
  });

  test('stop and remove work', async () => {
    await manager.stop(0);
    assert.equal(stateOf(manager, 0), 'stopped');
    assert.equal((await dockerInspect('isaac-sim-instance-0'))?.State.Running, false);
    await manager.remove(0);
    await manager.remove(1);
    assert.equal(await dockerInspect('isaac-sim-instance-0'), undefined);
    assert.equal(await dockerInspect('isaac-sim-instance-1'), undefined);
    await waitFor('both shown as not created', () => manager.list().every((s) => s.state.kind === 'stopped' && !s.exists));
  });
});

describe('failures and foreign containers', () => {
  after(() => removeContainers(...NAMES));

  test("a foreign container holding our name gets a clear error and is left untouched", async () => {
    await removeContainers(...NAMES);
    await docker('create', '--name', 'isaac-sim-instance-0', '--network', 'host', '--entrypoint', '/bin/sleep', STANDIN_IMAGE, '300');
    await docker('start', 'isaac-sim-instance-0');
    const before = await dockerInspect('isaac-sim-instance-0');
    const { manager } = newManager(standinSettings({ instanceCount: 1, ...BASES }));
    try {
      await assert.rejects(manager.start(0), (err: Error) => {
        assert.ok(err instanceof ForeignContainerError);
        assert.match(err.message, /"isaac-sim-instance-0"/);
        assert.match(err.message, /not created by Isaac Sim Orchestrator/);
        assert.match(err.message, /left untouched/);
        return true;
      });
      await assert.rejects(manager.stop(0), ForeignContainerError);
      await assert.rejects(manager.remove(0), ForeignContainerError);
      const afterInspect = await dockerInspect('isaac-sim-instance-0');
      assert.equal(afterInspect?.Id, before?.Id);
      assert.equal(afterInspect?.State.Running, true);
      assert.equal(afterInspect?.State.StartedAt, before?.State.StartedAt);
      assert.equal((await docker('ps', '-aq', ...OURS)).trim(), '', 'nothing of ours was created');
      assert.equal(manager.get(0)?.exists, false, 'the foreign container is not shown as ours');
    } finally {
      manager.dispose();
      await removeContainers('isaac-sim-instance-0');
    }
  });

  test('invalid settings start nothing and name the setting', async () => {
    const { manager } = newManager(standinSettings({ ...BASES }));
    const bad = parseSettings({ ...standinSettings({ ...BASES }), memoryLimitGiB: -3 });
    assert.equal(bad.ok, false);
    manager.updateSettings(bad);
    try {
      await assert.rejects(manager.start(0), (err: Error) => err instanceof SettingsError && /isaacSim\.memoryLimitGiB/.test(err.message) && /-3/.test(err.message));
      assert.equal(await dockerInspect('isaac-sim-instance-0'), undefined);
    } finally {
      manager.dispose();
    }
  });

  test('a missing image gets a clear error and creates nothing', async () => {
    const { manager } = newManager(standinSettings({ ...BASES, image: 'isaac-sim-standin:does-not-exist' }));
    try {
      await assert.rejects(manager.start(0), /isaac-sim-standin:does-not-exist.*not on this machine.*isaacSim\.image/s);
      assert.equal(await dockerInspect('isaac-sim-instance-0'), undefined);
    } finally {
      manager.dispose();
    }
  });

  test('the NVIDIA runtime missing on this engine gives the fix and leaves nothing half-created', async () => {
    const { manager } = newManager(standinSettings({ ...BASES, runtime: 'nvidia' }));
    try {
      await assert.rejects(manager.start(0), /NVIDIA Container Toolkit.*isaacSim\.runtime/s);
      assert.equal(await dockerInspect('isaac-sim-instance-0'), undefined);
    } finally {
      manager.dispose();
    }
  });

  test('GPU failure lines mark the instance failed with the reason and exit code', async () => {
    const { manager } = newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_MODE: 'gpu-fail' } }));
    try {
      await manager.start(0);
      await waitFor('instance-0 failed', () => stateOf(manager, 0) === 'failed' && manager.get(0)?.state.exitCode !== undefined, 20_000);
      const state = manager.get(0)!.state;
      assert.equal(state.exitCode, 1);
      assert.equal(state.diagnosisId, 'no-gpu-device');
      assert.equal(state.reason, 'no GPU device could be created (exit 1)');
    } finally {
      manager.dispose();
      await removeContainers('isaac-sim-instance-0');
    }
  });

  test('a crash after ready shows as failed with the crash reason', async () => {
    const { manager } = newManager(standinSettings({ ...BASES, env: { STANDIN_STEP_SECONDS: '0.05', STANDIN_MODE: 'crash-after-ready', STANDIN_CRASH_AFTER_SECONDS: '1' } }));
    const seen = new Set<string>();
    manager.onDidChange(() => seen.add(stateOf(manager, 0) ?? ''));
    try {
      await manager.start(0);
      await waitFor('instance-0 failed after ready', () => stateOf(manager, 0) === 'failed', 20_000);
      assert.ok(seen.has('ready'), 'it was ready before it crashed');
      assert.equal(manager.get(0)?.state.exitCode, 139);
      assert.match(manager.get(0)?.state.reason ?? '', /crashed/);
    } finally {
      manager.dispose();
      await removeContainers('isaac-sim-instance-0');
    }
  });

  test('a new session adopts running containers and finds them ready from the log tail', async () => {
    const settings = standinSettings({ ...BASES });
    const first = newManager(settings);
    await first.manager.start(0);
    await waitFor('ready in the first session', () => stateOf(first.manager, 0) === 'ready');
    first.manager.dispose();
    const second = newManager(settings);
    try {
      await second.manager.connect();
      assert.equal(second.manager.get(0)?.exists, true);
      await waitFor('ready in the second session', () => stateOf(second.manager, 0) === 'ready', 10_000);
    } finally {
      second.manager.dispose();
      await removeContainers('isaac-sim-instance-0');
    }
  });
});
