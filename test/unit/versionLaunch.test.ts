/** How each version is launched: its script or launcher, arguments, env, volumes, privacy consent, GPUs and volume owner fix. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VERSION_IDS, type VersionId } from '../../src/instances/versions';
import type { Settings } from '../../src/instances/settings';
import {
  GPU_LABEL,
  ISAAC_SIM_LAYOUT,
  SpecError,
  VERSION_LABEL,
  VOLUME_OF_LABEL,
  buildContainerSpec,
  gpuFor,
  volumeMountsFor,
  volumeOwnerFix,
  type ContainerCreateBody,
} from '../../src/instances/spec';
import { OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { documentedRootBinds } from './rootLayout';
import { codeServerArgs } from './codeArgs';
import { settings, ctx } from './versionsFixture';

const ROOT_DATA = '/home/u/docker/isaac-sim';

function spec(version: VersionId, index: number, overrides: Partial<Settings> = {}, user?: string): ContainerCreateBody {
  return buildContainerSpec(settings(overrides), index, ctx(version, user));
}

function envOf(body: ContainerCreateBody): Record<string, string> {
  return Object.fromEntries(body.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('4.2: runheadless.webrtc.sh, Kit HTTP and signalling port arguments, root binds', () => {
  test('Entrypoint, Cmd, Env, User, Binds and labels per instance', () => {
    for (const [index, http, signal] of [
      [0, 8211, 49100],
      [3, 8214, 49103],
    ]) {
      const body = spec('4.2', index);
      assert.deepEqual(body.Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
      assert.deepEqual(body.Cmd, [`--/exts/omni.services.transport.server.http/port=${http}`, `--/app/livestream/port=${signal}`, ...codeServerArgs('4.2', 8226 + index)]);
      assert.ok(!body.Cmd.some((a) => a.includes('omni.kit.livestream.webrtc')), 'no omni.kit.livestream.webrtc argument');
      assert.deepEqual(body.Env, ['ACCEPT_EULA=Y', `ISAACSIM_INSTANCE_LABEL=instance-${index}`]);
      assert.ok(!('User' in body), 'the image\'s own user');
      assert.deepEqual(body.HostConfig.Binds, documentedRootBinds(ROOT_DATA, index));
      assert.ok(!('Mounts' in body.HostConfig));
      assert.equal(body.Labels[VERSION_LABEL], '4.2');
    }
  });

  test('a non-loopback host adds no argument (4.2 has no remote arguments)', () => {
    assert.deepEqual(spec('4.2', 1, { host: '192.168.1.20' }).Cmd, ['--/exts/omni.services.transport.server.http/port=8212', '--/app/livestream/port=49101', ...codeServerArgs('4.2', 8227)]);
  });

  test('the image user does not change 4.2\'s layout', () => {
    assert.deepEqual(spec('4.2', 0, {}, 'isaac-sim').HostConfig.Binds, documentedRootBinds(ROOT_DATA, 0));
  });
});

describe('4.5-5.x: runheadless.sh, signal and Kit HTTP port arguments, layout by image user', () => {
  test('Entrypoint and Cmd per instance, loopback host: no publicEndpointAddress', () => {
    for (const [index, signal, http] of [
      [0, 49100, 8011],
      [3, 49103, 8014],
    ]) {
      for (const host of ['127.0.0.1', 'localhost', '[::1]', '127.0.1.1']) {
        const body = spec('4.5-5.x', index, { host });
        assert.deepEqual(body.Entrypoint, ['/isaac-sim/runheadless.sh']);
        assert.deepEqual(body.Cmd, [`--/app/livestream/port=${signal}`, `--/exts/omni.services.transport.server.http/port=${http}`, ...codeServerArgs('4.5-5.x', 8226 + index)], host);
        assert.equal(body.Labels[VERSION_LABEL], '4.5-5.x');
      }
    }
  });

  test('a non-loopback host adds --/app/livestream/publicEndpointAddress=HOST', () => {
    for (const host of ['192.168.1.20', 'sim-box.local']) {
      assert.deepEqual(spec('4.5-5.x', 2, { host }).Cmd, [
        '--/app/livestream/port=49102',
        '--/exts/omni.services.transport.server.http/port=8013',
        `--/app/livestream/publicEndpointAddress=${host}`,
        ...codeServerArgs('4.5-5.x', 8228),
      ]);
    }
  });

  test('explicit portArgs replace the version\'s arguments, remote ones included', () => {
    assert.deepEqual(spec('4.5-5.x', 0, { host: '10.0.0.2', portArgs: ['--p={signalPort}'] }).Cmd, ['--p=49100', ...codeServerArgs('4.5-5.x', 8226)]);
  });

  test('a root image (4.5) gets root binds; no image facts → root', () => {
    for (const user of ['', 'root', undefined]) {
      const body = spec('4.5-5.x', 1, {}, user);
      assert.deepEqual(body.HostConfig.Binds, documentedRootBinds(ROOT_DATA, 1), String(user));
      assert.ok(!('Mounts' in body.HostConfig));
    }
  });

  test('an isaac-sim image (5.x) gets named volumes and no binds', () => {
    for (const user of ['isaac-sim', '1234']) {
      const body = spec('4.5-5.x', 1, {}, user);
      assert.deepEqual(body.HostConfig.Binds, []);
      assert.deepEqual(body.HostConfig.Mounts, volumeMountsFor('4.5-5.x', 1));
      assert.ok(!('User' in body));
    }
  });
});

describe('6.x: the image\'s launcher, ISAACSIM_* env, named volumes', () => {
  test('no Entrypoint override; Cmd is the Kit HTTP port; env carries host and ports', () => {
    for (const [index, signal, stream, http] of [
      [0, 49100, 47998, 8011],
      [3, 49103, 48001, 8014],
    ]) {
      const body = spec('6.x', index);
      assert.ok(!('Entrypoint' in body), 'the image keeps its ENTRYPOINT');
      assert.deepEqual(body.Cmd, [`--/exts/omni.services.transport.server.http/port=${http}`, ...codeServerArgs('6.x', http - 8011 + 8226)]);
      assert.deepEqual(body.Env, [
        'ACCEPT_EULA=Y',
        'ISAACSIM_HOST=127.0.0.1',
        `ISAACSIM_SIGNAL_PORT=${signal}`,
        `ISAACSIM_STREAM_PORT=${stream}`,
        `ISAACSIM_INSTANCE_LABEL=instance-${index}`,
      ]);
      assert.ok(!('User' in body));
      assert.deepEqual(body.HostConfig.Binds, []);
      assert.equal(body.Labels[VERSION_LABEL], '6.x');
    }
  });

  test('ISAACSIM_HOST is the configured IP, IPv4 or IPv6; no publicEndpointAddress argument', () => {
    assert.equal(envOf(spec('6.x', 0, { host: '192.168.1.20' })).ISAACSIM_HOST, '192.168.1.20');
    // An address to bind, so without the URL brackets.
    assert.equal(envOf(spec('6.x', 0, { host: '[::1]' })).ISAACSIM_HOST, '::1');
    assert.ok(!spec('6.x', 0, { host: '192.168.1.20' }).Cmd.some((a) => a.includes('publicEndpointAddress')));
  });

  test('a host name is a SpecError naming isaacSim.host', () => {
    for (const host of ['localhost', 'sim-box.local', 'example']) {
      assert.throws(
        () => spec('6.x', 0, { host }),
        (e: unknown) => e instanceof SpecError && e.setting === 'isaacSim.host' && e.message.includes(`"${host}"`) && /Nothing was created\./.test(e.message),
        host,
      );
    }
    // Other versions take a host name.
    for (const id of ['4.2', '4.5-5.x', 'custom'] as const) assert.doesNotThrow(() => spec(id, 0, { host: 'sim-box.local' }), id);
  });

  test('named volumes at /isaac-sim/..., labelled as ours; GL and compute caches shared, the rest per instance', () => {
    const mounts = spec('6.x', 2).HostConfig.Mounts ?? [];
    assert.deepEqual(
      mounts.map((m) => [m.Source, m.Target]),
      [
        ['isaac-sim-orchestrator-6.x-instance-2-cache', '/isaac-sim/.cache'],
        ['isaac-sim-orchestrator-6.x-glcache', '/isaac-sim/.cache/nvidia/GLCache'],
        ['isaac-sim-orchestrator-6.x-computecache', '/isaac-sim/.nv/ComputeCache'],
        ['isaac-sim-orchestrator-6.x-instance-2-logs', '/isaac-sim/.nvidia-omniverse/logs'],
        ['isaac-sim-orchestrator-6.x-instance-2-config', '/isaac-sim/.nvidia-omniverse/config'],
        ['isaac-sim-orchestrator-6.x-instance-2-data', '/isaac-sim/.local/share/ov/data'],
        ['isaac-sim-orchestrator-6.x-instance-2-pkg', '/isaac-sim/.local/share/ov/pkg'],
      ],
    );
    for (const m of mounts) {
      assert.equal(m.Type, 'volume');
      assert.ok(m.Target.startsWith('/isaac-sim/'), m.Target);
      assert.equal(m.VolumeOptions.NoCopy, false, 'a new volume takes the image folder\'s owner');
      assert.deepEqual(m.VolumeOptions.DriverConfig, { Name: 'local', Options: {} });
      assert.equal(m.VolumeOptions.Labels[OWNER_LABEL], OWNER_VALUE);
      assert.equal(m.VolumeOptions.Labels[VERSION_LABEL], '6.x');
      const shared = m.Source.endsWith('-glcache') || m.Source.endsWith('-computecache');
      assert.equal(m.VolumeOptions.Labels[VOLUME_OF_LABEL], shared ? 'shared' : '2', m.Source);
    }
    // Shared volumes are the same for every instance, per-instance ones differ.
    const other = spec('6.x', 5).HostConfig.Mounts ?? [];
    const same = mounts.filter((m, i) => m.Source === other[i].Source).map((m) => m.Source);
    assert.deepEqual(same, ['isaac-sim-orchestrator-6.x-glcache', 'isaac-sim-orchestrator-6.x-computecache']);
    assert.equal(mounts.length, ISAAC_SIM_LAYOUT.length);
  });

  test('volume names are per version: 5.x and 6.x never share a cache', () => {
    const five = volumeMountsFor('4.5-5.x', 0).map((m) => m.Source);
    const six = volumeMountsFor('6.x', 0).map((m) => m.Source);
    assert.equal(five.filter((n) => six.includes(n)).length, 0);
    assert.ok(five.every((n) => n.startsWith('isaac-sim-orchestrator-4.5-5.x-')));
  });
});

describe('privacy consent', () => {
  test('false (the default): no PRIVACY_CONSENT or OMNI_ENV_PRIVACY_CONSENT for any version', () => {
    for (const id of VERSION_IDS) {
      for (const body of [spec(id, 0, {}, 'isaac-sim'), spec(id, 0, { privacyConsent: false })]) {
        assert.ok(!body.Env.some((e) => /^(?:OMNI_ENV_)?PRIVACY_CONSENT=/.test(e)), `${id}: ${body.Env.join(' ')}`);
      }
    }
  });

  test('true: the version\'s names, set to Y', () => {
    const expected: Record<VersionId, string[]> = {
      '4.2': ['PRIVACY_CONSENT'],
      '4.5-5.x': ['PRIVACY_CONSENT', 'OMNI_ENV_PRIVACY_CONSENT'],
      // 6.0.0's privacy.sh reads OMNI_ENV_PRIVACY_CONSENT, 6.0.1's PRIVACY_CONSENT.
      '6.x': ['PRIVACY_CONSENT', 'OMNI_ENV_PRIVACY_CONSENT'],
      custom: ['PRIVACY_CONSENT'],
    };
    for (const id of VERSION_IDS) {
      const env = spec(id, 0, { privacyConsent: true }).Env;
      assert.deepEqual(
        env.filter((e) => e.includes('PRIVACY_CONSENT')),
        expected[id].map((n) => `${n}=Y`),
        id,
      );
      assert.equal(env[0], 'ACCEPT_EULA=Y');
    }
  });
});

describe('GPUs', () => {
  test('a GPU list pins each instance to its GPU with NVIDIA_VISIBLE_DEVICES (the images set it to all)', () => {
    for (const id of VERSION_IDS) {
      const s = { gpus: '0,GPU-bbb' };
      for (const index of [0, 1, 2, 3]) {
        const body = spec(id, index, s);
        const gpu = gpuFor(s.gpus, index);
        assert.equal(envOf(body).NVIDIA_VISIBLE_DEVICES, gpu, `${id} ${index}`);
        assert.equal(body.Labels[GPU_LABEL], gpu);
        assert.deepEqual(body.HostConfig.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: [gpu], Capabilities: [['gpu']] }]);
      }
    }
  });

  test('"all" and "none" leave NVIDIA_VISIBLE_DEVICES to the image', () => {
    for (const gpus of ['all', 'none']) {
      for (const id of VERSION_IDS) assert.ok(!('NVIDIA_VISIBLE_DEVICES' in envOf(spec(id, 0, { gpus }))), `${id} ${gpus}`);
    }
  });

  test('the user\'s env can still override NVIDIA_VISIBLE_DEVICES', () => {
    assert.equal(envOf(spec('6.x', 0, { gpus: '1', env: { NVIDIA_VISIBLE_DEVICES: '0' } })).NVIDIA_VISIBLE_DEVICES, '0');
  });
});

describe('volumeOwnerFix', () => {
  test('runs chown 1234:1234 as root over every mount target and the nested mount points\' parents', () => {
    for (const id of ['6.x', '4.5-5.x'] as const) {
      const body = spec(id, 2, {}, 'isaac-sim');
      const fix = volumeOwnerFix(body, 2, '0123abcd');
      const targets = (body.HostConfig.Mounts ?? []).map((m) => m.Target);
      assert.equal(fix.name, 'isaac-sim-orchestrator-volumes-2-0123abcd');
      assert.equal(fix.Image, body.Image);
      assert.equal(fix.User, '0:0');
      assert.deepEqual(fix.Entrypoint?.slice(0, 2), ['/bin/sh', '-c']);
      assert.match(fix.Entrypoint?.[2] ?? '', /^chown 1234:1234 "\$@"$/);
      for (const t of targets) assert.ok(fix.Cmd.includes(t), `${id}: ${t}`);
      // GLCache is mounted inside the cache volume: its parent is made by the engine as root.
      assert.ok(fix.Cmd.includes('/isaac-sim/.cache/nvidia'));
      assert.equal(new Set(fix.Cmd).size, fix.Cmd.length);
      assert.equal(fix.Cmd.length, targets.length + 1);
      assert.deepEqual(fix.Env, []);
      assert.deepEqual(fix.HostConfig.Mounts, body.HostConfig.Mounts);
      assert.deepEqual(fix.HostConfig.Binds, []);
      assert.equal(fix.Labels[OWNER_LABEL], OWNER_VALUE);
      assert.equal(fix.Labels[VOLUME_OF_LABEL], '2');
      assert.ok(!('DeviceRequests' in fix.HostConfig), 'chown needs no GPU');
    }
  });

  test('a root-layout spec has nothing to fix', () => {
    const fix = volumeOwnerFix(spec('4.2', 0), 0, '0123abcd');
    assert.deepEqual(fix.Cmd, []);
  });
});
