/**
 * Version profiles (src/instances/versions.ts) against the real Docker engine and the stand-in images
 * isaac-sim-standin:4.2.0, :5.1.0 and :6.0.1 (stand-in/README.md), with isaacSim.version "auto".
 *
 * Other engine tests share this engine: this file uses only instance indexes 20–29, port bases far
 * from theirs, and removes only what it made (containers isaac-sim-instance-2x, volumes of instances
 * 2x, and the shared cache volumes only if they did not exist before). The 4.2 redirect
 * (/streaming/webrtc-client/) is never requested: every GET here refuses to follow redirects.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Manager, LogAppend } from '../../src/instances/manager';
import { OWNER_LABEL, OWNER_VALUE, type InstanceSnapshot } from '../../src/instances/model';
import { VERSION_LABEL, buildContainerSpec } from '../../src/instances/spec';
import type { Settings } from '../../src/instances/settings';
import { docker, dockerInspect, newManager, standinSettings, volumeHelpers, waitFor, type MemoryLogger } from './helpers';

const IMG = { v42: 'isaac-sim-standin:4.2.0', v51: 'isaac-sim-standin:5.1.0', v60: 'isaac-sim-standin:6.0.1' };
const PLAIN_IMAGE = 'isaac-sim-standin-plain:dev';
const PLAIN_SOURCE = 'isaac-sim-versions-test-plain-source';
const BASES = { instanceCount: 1, httpPortBase: 28200, signalPortBase: 29100, streamPortBase: 27900, webViewerPortBase: 28300 } as const;
const STEP = { STANDIN_STEP_SECONDS: '0.05' };
const INDEXES = Array.from({ length: 10 }, (_, k) => 20 + k);
const NAMES = INDEXES.map((i) => `isaac-sim-instance-${i}`);
const SHARED_VOLUMES = ['6.x', '4.5-5.x'].flatMap((v) => [`isaac-sim-orchestrator-${v}-glcache`, `isaac-sim-orchestrator-${v}-computecache`]);
const OUR_INSTANCE_VOLUME = /^isaac-sim-orchestrator-.+-instance-2\d-/;
const PLAYER_PATH = '/isaac-sim/extscache/omni.services.streamclient.webrtc-1.3.8/web/js/kit-player.js';
const SHADER_LINE = 'Waiting for compilation of ray tracing shaders';

/** Volumes our managers made (they log "instance-N: made volumes a, b for uid 1234."). */
const volumesMade = new Set<string>();
const managerLogs: MemoryLogger[] = [];

async function volumeNames(): Promise<Set<string>> {
  return new Set((await docker('volume', 'ls', '-q')).split('\n').filter(Boolean));
}

async function removeOurContainers(): Promise<void> {
  for (const name of [...NAMES, ...(await volumeHelpers(INDEXES)), PLAIN_SOURCE]) await docker('rm', '-f', name).catch(() => undefined);
}

before(async () => {
  await removeOurContainers();
});

after(async () => {
  await removeOurContainers();
  for (const log of managerLogs) {
    for (const line of log.lines) {
      const m = /instance-2\d: made volumes (.+) for uid 1234\./.exec(line);
      for (const name of m ? m[1].split(', ') : []) volumesMade.add(name);
    }
  }
  for (const name of await volumeNames()) {
    // A shared cache volume is ours to remove only if one of our starts made it (it did not exist then),
    const mine = OUR_INSTANCE_VOLUME.test(name) || (SHARED_VOLUMES.includes(name) && volumesMade.has(name));
    // A shared volume another test's container uses now cannot be removed; it is then left alone.
    if (mine) await docker('volume', 'rm', name).catch((err: unknown) => console.log(`left volume ${name}: ${String(err).trim()}`));
  }
  await docker('rmi', '-f', PLAIN_IMAGE).catch(() => undefined);
});

function settingsFor(image: string, overrides: Partial<Settings> = {}): Settings {
  return standinSettings({ ...BASES, image, version: 'auto', ...overrides, env: { ...STEP, ...(overrides.env ?? {}) } });
}

/** A manager with its log lines and the startup kinds its snapshots showed, per instance. */
function harness(settings: Settings): { manager: Manager; log: MemoryLogger; lines: Map<number, string[]>; kinds: Map<number, Set<string>> } {
  const { manager, log } = newManager(settings);
  managerLogs.push(log);
  const lines = new Map<number, string[]>();
  const kinds = new Map<number, Set<string>>();
  manager.onDidAppendLog((e: LogAppend) => lines.set(e.index, [...(lines.get(e.index) ?? []), ...e.lines]));
  manager.onDidChange(() => {
    for (const i of INDEXES) {
      const kind = manager.get(i)?.startup?.kind;
      if (kind) kinds.set(i, new Set([...(kinds.get(i) ?? []), kind]));
    }
  });
  return { manager, log, lines, kinds };
}

function stateOf(manager: Manager, index: number): string | undefined {
  return manager.get(index)?.state.kind;
}

async function waitReady(manager: Manager, index: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `instance-${index} ready`,
    () => {
      const s = manager.get(index);
      if (s?.state.kind === 'failed') throw new Error(`instance-${index} failed: ${s.state.reason}`);
      return s?.state.kind === 'ready';
    },
    timeoutMs,
  );
}

/** Waits until the run has failed and its exit has been handled (the container no longer runs). */
async function waitFailedAndExited(manager: Manager, index: number, timeoutMs = 30_000): Promise<InstanceSnapshot> {
  return waitFor<InstanceSnapshot | undefined>(
    `instance-${index} failed and exited`,
    () => {
      const s = manager.get(index);
      return s?.state.kind === 'failed' && s.startedAt === undefined ? s : undefined;
    },
    timeoutMs,
  ) as Promise<InstanceSnapshot>;
}

async function removeAndWait(manager: Manager, index: number): Promise<void> {
  await manager.remove(index);
  await waitFor(`instance-${index} removed`, async () => !(await dockerInspect(`isaac-sim-instance-${index}`)) && manager.get(index)?.exists !== true, 20_000);
}

/** GET on loopback that never follows a redirect. */
async function get(url: string): Promise<{ status: number; body: string }> {
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\//, 'only loopback URLs are requested');
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, body: await res.text() };
}

function tcpConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** `docker exec`; a failure says how the container ended and its last lines (another test may have stopped it). */
async function execIn(name: string, ...args: string[]): Promise<string> {
  try {
    return await docker('exec', name, ...args);
  } catch (err) {
    const c = await dockerInspect(name);
    const tail = (await dockerLogs(name).catch(() => '')).split('\n').slice(-8).join('\n');
    throw new Error(`docker exec ${name} ${args.join(' ')} failed: ${String(err)}\nState: ${JSON.stringify(c?.State)}\nLast lines:\n${tail}`, { cause: err });
  }
}

/** `docker logs` of a container, both streams. */
function dockerLogs(name: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', ['logs', name], { maxBuffer: 1 << 26 }, (err, stdout, stderr) => (err ? reject(err) : resolve(stdout + stderr))),
  );
}

describe('4.2 (isaac-sim-standin:4.2.0): Kit web client', () => {
  const settings = settingsFor(IMG.v42);
  const { manager } = harness(settings);
  after(async () => {
    await Promise.all([20, 21].map((i) => manager.remove(i).catch(() => undefined)));
    manager.dispose();
  });

  test('two instances reach ready with 4.2 arguments, root user, host binds and their own player port', { timeout: 90_000 }, async () => {
    await Promise.all([manager.start(20), manager.start(21)]);
    await Promise.all([waitReady(manager, 20), waitReady(manager, 21)]);

    for (const i of [20, 21]) {
      const c = await dockerInspect(`isaac-sim-instance-${i}`);
      assert.ok(c, `isaac-sim-instance-${i} exists`);
      const cmd: string[] = c.Config.Cmd ?? [];
      assert.ok(cmd.includes(`--/exts/omni.services.transport.server.http/port=${28200 + i}`), `Cmd has the Kit HTTP port: ${JSON.stringify(cmd)}`);
      assert.ok(cmd.includes(`--/app/livestream/port=${29100 + i}`), `Cmd has the signalling port: ${JSON.stringify(cmd)}`);
      assert.ok(!cmd.some((a) => a.includes('omni.kit.livestream.webrtc')), `no omni.kit.livestream.webrtc arg: ${JSON.stringify(cmd)}`);
      assert.deepEqual(c.Config.Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
      assert.equal(c.Config.Labels[VERSION_LABEL], '4.2');
      assert.ok(['', 'root', '0', '0:0'].includes(c.Config.User ?? ''), `runs as root (Config.User ${JSON.stringify(c.Config.User)})`);
      assert.equal((await execIn(`isaac-sim-instance-${i}`, 'id', '-u')).trim(), '0');
      const binds: string[] = c.HostConfig.Binds ?? [];
      assert.ok(binds.length > 0, 'the root layout bind-mounts host folders');
      for (const b of binds) assert.ok(b.startsWith(`${settings.hostDataRoot}/`), `bind ${b} is under hostDataRoot ${settings.hostDataRoot}`);
      assert.ok(binds.some((b) => b.endsWith(':/root/.cache/nvidia/GLCache:rw')), `GLCache is bound: ${JSON.stringify(binds)}`);
      assert.ok(!(c.Mounts ?? []).some((m: { Type: string }) => m.Type === 'volume'), 'no named volumes for 4.2');
    }

    const player = await execIn('isaac-sim-instance-21', 'cat', PLAYER_PATH);
    assert.ok(player.includes('29121'), `kit-player.js in the container names 29121:\n${player}`);
    assert.ok(!player.includes('49100'), `kit-player.js in the container no longer names 49100:\n${player}`);

    const served = await get('http://127.0.0.1:28221/streaming/webrtc-demo/js/kit-player.js');
    assert.equal(served.status, 200);
    assert.ok(served.body.includes('29121') && !served.body.includes('49100'), `served kit-player.js has 29121:\n${served.body}`);

    const signal = await get('http://127.0.0.1:29121/cgi-bin/signal');
    assert.equal(signal.status, 200);
    assert.deepEqual(JSON.parse(signal.body), { label: 'instance-21', port: 29121 });

    const s = manager.get(21);
    assert.ok(s);
    assert.equal(s.clientUrl, 'http://127.0.0.1:28221/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(s.version, '4.2');
    assert.match(s.versionSource, /4\.2\.0/, `versionSource names the tag: ${s.versionSource}`);
    assert.equal(s.streamNote, undefined, 'the player was given its port, so there is no stream note');
  });
});

describe('6.x (isaac-sim-standin:6.0.1): env ports, uid 1234 volumes, shared shader cache', () => {
  const settings = settingsFor(IMG.v60);
  const { manager, log, kinds } = harness(settings);
  after(async () => {
    await Promise.all([20, 21, 25].map((i) => manager.remove(i).catch(() => undefined)));
    manager.dispose();
  });

  test('instance 20 then 21: ready on their signal ports; the second start reuses the shader cache', { timeout: 120_000 }, async () => {
    const glcache = 'isaac-sim-orchestrator-6.x-glcache';
    // A first start needs an empty shared shader cache: remove the volume an earlier suite left (the
    // engine refuses while a container uses it, and then this test must say so rather than pass).
    if ((await volumeNames()).has(glcache)) {
      await docker('volume', 'rm', glcache).catch((err: unknown) => {
        throw new Error(`${glcache} is in use by another container, so a first start cannot be shown: ${String(err)}`);
      });
    }
    await manager.start(20);
    await waitReady(manager, 20);
    const madeGlcache = log.lines.some((l) => l.includes('instance-20: made volumes') && l.includes(glcache));
    await manager.start(21);
    await waitReady(manager, 21);

    assert.ok(await tcpConnects(29120), 'signal port 29120 answers');
    assert.ok(await tcpConnects(29121), 'signal port 29121 answers');

    const logs20 = await dockerLogs('isaac-sim-instance-20');
    const logs21 = await dockerLogs('isaac-sim-instance-21');
    assert.ok(madeGlcache, `instance-20's start made ${glcache} (log: ${log.lines.filter((l) => l.includes('made volumes')).join(' | ')})`);
    assert.ok(logs20.includes(SHADER_LINE), `the first start (new ${glcache}) compiles shaders:\n${logs20}`);
    assert.ok(kinds.get(20)?.has('first'), `instance-20's startup kind was 'first' (seen: ${[...(kinds.get(20) ?? [])].join(', ')})`);
    assert.ok(!logs21.includes(SHADER_LINE), `the second start shares the shader cache and compiles nothing:\n${logs21}`);
    assert.ok(kinds.get(21)?.has('cached') && !kinds.get(21)?.has('first'), `instance-21's startup kind was 'cached' (seen: ${[...(kinds.get(21) ?? [])].join(', ')})`);

    const image = JSON.parse(await docker('image', 'inspect', IMG.v60))[0];
    for (const i of [20, 21]) {
      const name = `isaac-sim-instance-${i}`;
      const c = await dockerInspect(name);
      assert.ok(c, `${name} exists`);
      const env: string[] = c.Config.Env;
      for (const e of ['ISAACSIM_HOST=127.0.0.1', `ISAACSIM_SIGNAL_PORT=${29100 + i}`, `ISAACSIM_STREAM_PORT=${27900 + i}`]) assert.ok(env.includes(e), `Env has ${e}: ${JSON.stringify(env)}`);
      assert.ok(!env.some((e) => e.startsWith('PRIVACY_CONSENT=') || e.startsWith('OMNI_ENV_PRIVACY_CONSENT=')), `no privacy consent without the setting: ${JSON.stringify(env)}`);
      assert.deepEqual(c.Config.Entrypoint, image.Config.Entrypoint, "the image's own ENTRYPOINT");
      assert.ok((c.Config.Cmd ?? []).includes(`--/exts/omni.services.transport.server.http/port=${28200 + i}`), `Cmd: ${JSON.stringify(c.Config.Cmd)}`);
      assert.equal(c.Config.Labels[VERSION_LABEL], '6.x');
      assert.equal((c.HostConfig.Binds ?? []).length, 0, 'no host binds for 6.x');
      const mounts: Array<{ Type: string; Name: string; Destination: string }> = c.Mounts;
      assert.equal(mounts.length, 7, `seven volumes: ${JSON.stringify(mounts)}`);
      for (const m of mounts) {
        assert.equal(m.Type, 'volume', `${m.Destination} is a named volume`);
        assert.ok(m.Destination.startsWith('/isaac-sim/'), `${m.Destination} is under /isaac-sim`);
        assert.match(m.Name, /^isaac-sim-orchestrator-6\.x-/);
        const labels = JSON.parse(await docker('volume', 'inspect', m.Name))[0].Labels ?? {};
        assert.equal(labels[OWNER_LABEL], OWNER_VALUE, `volume ${m.Name} carries our owner label`);
      }
      assert.ok(mounts.some((m) => m.Name === glcache && m.Destination === '/isaac-sim/.cache/nvidia/GLCache'), 'the shared GLCache volume is mounted');
      assert.equal((await execIn(name, 'id', '-u')).trim(), '1234');
      for (const m of mounts) {
        const probe = `${m.Destination}/.versions-test-write-${i}`;
        await execIn(name, 'sh', '-c', 'echo x > "$1" && rm "$1"', 'sh', probe).catch((err: unknown) => assert.fail(`uid 1234 cannot write ${m.Destination}: ${String(err)}`));
      }
    }

    await waitFor("instance-21's HEALTHCHECK healthy", () => manager.get(21)?.health === 'healthy', 30_000);
    await waitFor("instance-20's HEALTHCHECK healthy", () => manager.get(20)?.health === 'healthy', 30_000);
  });

  test('privacyConsent true sets PRIVACY_CONSENT=Y and OMNI_ENV_PRIVACY_CONSENT=Y (6.0.1 and 6.0.0 read one each)', { timeout: 60_000 }, async () => {
    const { manager: m2 } = harness(settingsFor(IMG.v60, { privacyConsent: true }));
    try {
      await m2.start(25);
      const env: string[] = (await dockerInspect('isaac-sim-instance-25'))?.Config.Env ?? [];
      assert.ok(env.includes('PRIVACY_CONSENT=Y') && env.includes('OMNI_ENV_PRIVACY_CONSENT=Y'), `Env has both privacy names: ${JSON.stringify(env)}`);
      await waitReady(m2, 25);
      await removeAndWait(m2, 25);
    } finally {
      m2.dispose();
    }
  });

  test('gpus "0,1": one GPU per instance, round-robin, pinned with NVIDIA_VISIBLE_DEVICES (spec only)', () => {
    const s = settingsFor(IMG.v60, { gpus: '0,1', runtime: '' });
    for (const [index, gpu] of [[20, '0'], [21, '1'], [22, '0']] as const) {
      const spec = buildContainerSpec(s, index, { version: '6.x', image: { user: 'isaac-sim' }, home: os.homedir() });
      assert.equal(spec.Entrypoint, undefined, "6.x keeps the image's ENTRYPOINT");
      assert.ok(spec.Env.includes(`NVIDIA_VISIBLE_DEVICES=${gpu}`), `instance-${index}: ${JSON.stringify(spec.Env)}`);
      assert.deepEqual(spec.HostConfig.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: [gpu], Capabilities: [['gpu']] }]);
      assert.equal(spec.HostConfig.Runtime, undefined);
    }
  });
});

describe('5.1 (isaac-sim-standin:5.1.0): desktop client', () => {
  const { manager } = harness(settingsFor(IMG.v51, { privacyConsent: true }));
  after(async () => {
    await manager.remove(20).catch(() => undefined);
    manager.dispose();
  });

  test('ready on its signal port with 5.1 arguments; the desktop client cannot reach port 29120', { timeout: 90_000 }, async () => {
    await manager.start(20);
    await waitReady(manager, 20);
    assert.ok(await tcpConnects(29120), 'signal port 29120 answers');
    const c = await dockerInspect('isaac-sim-instance-20');
    assert.ok(c);
    const cmd: string[] = c.Config.Cmd ?? [];
    assert.ok(cmd.includes('--/app/livestream/port=29120'), `Cmd: ${JSON.stringify(cmd)}`);
    assert.ok(cmd.includes('--/exts/omni.services.transport.server.http/port=28220'), `Cmd: ${JSON.stringify(cmd)}`);
    assert.ok(!cmd.some((a) => a.includes('publicEndpointAddress')), 'no public endpoint on loopback');
    assert.equal(c.Config.Labels[VERSION_LABEL], '4.5-5.x');
    assert.equal((await execIn('isaac-sim-instance-20', 'id', '-u')).trim(), '1234');
    const env: string[] = c.Config.Env;
    assert.ok(env.includes('PRIVACY_CONSENT=Y') && env.includes('OMNI_ENV_PRIVACY_CONSENT=Y'), `both privacy names: ${JSON.stringify(env)}`);
    const s = manager.get(20);
    assert.ok(s);
    assert.equal(s.version, '4.5-5.x');
    assert.match(s.versionSource, /5\.1\.0/);
    assert.equal(s.view.kind, 'desktop-client');
    assert.ok(s.view.kind === 'desktop-client' && s.view.port === 29120 && s.view.reachable === false, `view: ${JSON.stringify(s.view)}`);
  });
});

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
