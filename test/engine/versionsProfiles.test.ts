/** Version profiles (src/instances/versions.ts) on the real engine: 4.2, 6.x and 5.1 stand-ins start with their own arguments, users, mounts and views. */
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, describe, test } from 'node:test';
import { OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { VERSION_LABEL, buildContainerSpec } from '../../src/instances/spec';
import { docker, dockerInspect, waitFor } from './helpers';
import { IMG, PLAYER_PATH, SHADER_LINE, dockerLogs, execIn, get, harness, removeAndWait, settingsFor, tcpConnects, versionsHooks, volumeNames, waitReady } from './versionsSetup';

// Instances 20, 21 and 25 (versionsOutcomes uses 22–24, 26 and 27); 22 below is a spec only, never created.
versionsHooks([20, 21, 25]);

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

