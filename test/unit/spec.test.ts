import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, type Settings } from '../../src/instances/settings';
import { GPU_LABEL, PORTS_LABEL, ROOT_LAYOUT, SPEC_HASH_LABEL, VERSION_LABEL, buildContainerSpec, expandHome, hostFoldersFor } from '../../src/instances/spec';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, containerNameFor, instanceLabel } from '../../src/instances/model';
import { VERSIONS, VERSION_IDS } from '../../src/instances/versions';
import { documentedRootBinds } from './rootLayout';
import { codeServerArgs } from './codeArgs';
import { HOME, ctx, settings } from './specFixture';

describe('model naming', () => {
  test('labels and container names', () => {
    assert.equal(instanceLabel(0), 'instance-0');
    assert.equal(containerNameFor(2), 'isaac-sim-instance-2');
    assert.equal(OWNER_LABEL, 'dev.isaac-sim-orchestrator.owner');
    assert.equal(OWNER_VALUE, 'isaac-sim-orchestrator');
    assert.equal(INDEX_LABEL, 'dev.isaac-sim-orchestrator.instance');
    assert.equal(PORTS_LABEL, 'dev.isaac-sim-orchestrator.ports');
    assert.equal(SPEC_HASH_LABEL, 'dev.isaac-sim-orchestrator.spec-hash');
    assert.equal(GPU_LABEL, 'dev.isaac-sim-orchestrator.gpu');
    assert.equal(VERSION_LABEL, 'dev.isaac-sim-orchestrator.version');
  });
});

describe('buildContainerSpec with defaults (the 4.2 image)', () => {
  test('index 0: name, image, entrypoint, Cmd, labels, host networking, GPUs, no memory limit, binds', () => {
    const body = buildContainerSpec(settings(), 0, ctx());
    assert.equal(body.name, 'isaac-sim-instance-0');
    assert.equal(body.Image, 'nvcr.io/nvidia/isaac-sim:4.2.0');
    assert.deepEqual(body.Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
    assert.deepEqual(body.Cmd, ['--/exts/omni.services.transport.server.http/port=8211', '--/app/livestream/port=49100', ...codeServerArgs('4.2', 8226)]);
    // No telemetry consent unless the user gives it (isaacSim.privacyConsent).
    assert.deepEqual(body.Env, ['ACCEPT_EULA=Y', 'ISAACSIM_INSTANCE_LABEL=instance-0']);
    assert.ok(!('User' in body), 'the image\'s own user');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.owner'], 'isaac-sim-orchestrator');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.instance'], '0');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.ports'], '{"http":8211,"signal":49100,"python":8226}');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.gpu'], 'all');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.version'], '4.2');
    assert.match(body.Labels['dev.isaac-sim-orchestrator.spec-hash'], /^[0-9a-f]{16}$/);
    assert.deepEqual(Object.keys(body.Labels).sort(), [
      'dev.isaac-sim-orchestrator.gpu',
      'dev.isaac-sim-orchestrator.instance',
      'dev.isaac-sim-orchestrator.owner',
      'dev.isaac-sim-orchestrator.ports',
      'dev.isaac-sim-orchestrator.spec-hash',
      'dev.isaac-sim-orchestrator.version',
    ]);
    assert.equal(body.HostConfig.NetworkMode, 'host');
    assert.equal(body.HostConfig.Runtime, 'nvidia');
    assert.deepEqual(body.HostConfig.DeviceRequests, [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
    assert.ok(!('Memory' in body.HostConfig), 'no memory limit by default');
    assert.deepEqual(body.HostConfig.RestartPolicy, { Name: 'no' });
    assert.deepEqual(body.HostConfig.Binds, documentedRootBinds('/home/u/docker/isaac-sim', 0));
    assert.ok(!('Mounts' in body.HostConfig), 'the root layout uses host folders, no volumes');
  });

  test('index 2: every per-instance field moves with the index', () => {
    const body = buildContainerSpec(settings(), 2, ctx());
    assert.equal(body.name, 'isaac-sim-instance-2');
    assert.deepEqual(body.Cmd, ['--/exts/omni.services.transport.server.http/port=8213', '--/app/livestream/port=49102', ...codeServerArgs('4.2', 8228)]);
    assert.equal(body.Labels[INDEX_LABEL], '2');
    assert.equal(body.Labels[PORTS_LABEL], '{"http":8213,"signal":49102,"python":8228}');
    assert.ok(body.Env.includes('ISAACSIM_INSTANCE_LABEL=instance-2'));
    assert.deepEqual(body.HostConfig.Binds, documentedRootBinds('/home/u/docker/isaac-sim', 2));
    assert.notEqual(body.Labels[SPEC_HASH_LABEL], buildContainerSpec(settings(), 0, ctx()).Labels[SPEC_HASH_LABEL]);
  });

  test('the body is plain JSON (survives a JSON round trip unchanged)', () => {
    const body = buildContainerSpec(settings(), 1, ctx());
    assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
  });

  test('building does not mutate the settings', () => {
    const s = settings({ env: { A: '1' }, extraArgs: ['--x'] });
    const before = JSON.parse(JSON.stringify(s));
    const body = buildContainerSpec(s, 1, ctx());
    body.Cmd.push('--y');
    body.Entrypoint?.push('--z');
    assert.deepEqual(s, before);
  });
});

describe('buildContainerSpec options', () => {
  test('runtime "" omits HostConfig.Runtime', () => {
    const body = buildContainerSpec(settings({ runtime: '' }), 0, ctx());
    assert.ok(!('Runtime' in body.HostConfig));
  });

  test('gpus "none" omits DeviceRequests', () => {
    const body = buildContainerSpec(settings({ gpus: 'none' }), 0, ctx());
    assert.ok(!('DeviceRequests' in body.HostConfig));
  });

  test('gpus "0,1" hands one device per instance, round-robin, by id', () => {
    const body = buildContainerSpec(settings({ gpus: '0,1' }), 2, ctx());
    assert.deepEqual(body.HostConfig.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] }]);
    assert.equal(body.Labels[GPU_LABEL], '0');
    const odd = buildContainerSpec(settings({ gpus: '0,1' }), 3, ctx());
    assert.deepEqual(odd.HostConfig.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: ['1'], Capabilities: [['gpu']] }]);
    assert.equal(odd.Labels[GPU_LABEL], '1');
  });

  test('gpus with a single UUID', () => {
    const body = buildContainerSpec(settings({ gpus: 'GPU-1234-abcd' }), 0, ctx());
    assert.deepEqual(body.HostConfig.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: ['GPU-1234-abcd'], Capabilities: [['gpu']] }]);
  });

  test('memoryLimitGiB 0 omits Memory; 8 and 1.5 are converted to bytes', () => {
    assert.ok(!('Memory' in buildContainerSpec(settings({ memoryLimitGiB: 0 }), 0, ctx()).HostConfig));
    assert.equal(buildContainerSpec(settings({ memoryLimitGiB: 8 }), 0, ctx()).HostConfig.Memory, 8589934592);
    assert.equal(buildContainerSpec(settings({ memoryLimitGiB: 1.5 }), 0, ctx()).HostConfig.Memory, 1610612736);
  });

  test('entrypoint [] uses the version\'s launcher; custom and 6.x omit Entrypoint (the image keeps its own)', () => {
    assert.deepEqual(buildContainerSpec(settings({ entrypoint: [] }), 0, ctx()).Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
    assert.deepEqual(buildContainerSpec(settings({ entrypoint: [] }), 0, ctx(HOME, '4.5-5.x')).Entrypoint, ['/isaac-sim/runheadless.sh']);
    for (const version of ['custom', '6.x'] as const) {
      const body = buildContainerSpec(settings({ entrypoint: [] }), 0, ctx(HOME, version));
      assert.ok(!('Entrypoint' in body), version);
    }
  });

  test('an explicit entrypoint replaces the version\'s launcher (and sets one for 6.x)', () => {
    for (const version of VERSION_IDS) {
      const body = buildContainerSpec(settings({ entrypoint: ['/isaac-sim/isaac-sim.sh', '--no-window'] }), 0, ctx(HOME, version));
      assert.deepEqual(body.Entrypoint, ['/isaac-sim/isaac-sim.sh', '--no-window'], version);
    }
  });

  test('explicit portArgs replace the version\'s arguments; every placeholder is filled, also for ports the version does not use', () => {
    for (const version of VERSION_IDS) {
      const body = buildContainerSpec(settings({ portArgs: ['--a={signalPort}', '--b={httpPort}', '--c={webViewerPort}', '--d={streamPort}'], extraArgs: ['--z'] }), 1, ctx(HOME, version));
      const http = VERSIONS[version].defaultHttpPort + 1;
      // The code server's arguments are not port arguments: they stay (and custom images get none).
      assert.deepEqual(body.Cmd, ['--a=49101', `--b=${http}`, '--c=8211', '--d=47999', ...codeServerArgs(version, 8227), '--z'], version);
    }
  });

  test('Cmd is the filled port args followed by extraArgs, in order', () => {
    const body = buildContainerSpec(
      settings({ portArgs: ['--http={httpPort}', '--label={label}', '--on={host}', '--i={index}'], extraArgs: ['--no-window', '--http={httpPort}', ''], host: 'sim.local' }),
      3,
      ctx(),
    );
    // extraArgs are not templates: they are passed through as they are.
    assert.deepEqual(body.Cmd, ['--http=8214', '--label=instance-3', '--on=sim.local', '--i=3', ...codeServerArgs('4.2', 8229), '--no-window', '--http={httpPort}', '']);
  });

  test('user env is merged after the EULA variables, the instance label always wins', () => {
    const body = buildContainerSpec(settings({ env: { OMNI_KIT_ALLOW_ROOT: '1', ISAACSIM_INSTANCE_LABEL: 'spoofed', EMPTY: '' }, privacyConsent: true }), 1, ctx());
    assert.equal(body.Env[0], 'ACCEPT_EULA=Y');
    assert.equal(body.Env[1], 'PRIVACY_CONSENT=Y');
    assert.ok(body.Env.includes('OMNI_KIT_ALLOW_ROOT=1'));
    assert.ok(body.Env.includes('EMPTY='));
    assert.deepEqual(
      body.Env.filter((e) => e.startsWith('ISAACSIM_INSTANCE_LABEL=')),
      ['ISAACSIM_INSTANCE_LABEL=instance-1'],
    );
    assert.equal(body.Env.length, 5);
  });

  test('user env may override the version\'s own env (ISAACSIM_* of 6.x), but not the instance label', () => {
    const body = buildContainerSpec(settings({ env: { ISAACSIM_STREAM_PORT: '1', ISAACSIM_INSTANCE_LABEL: 'x' } }), 2, ctx(HOME, '6.x'));
    assert.deepEqual(body.Env.filter((e) => e.startsWith('ISAACSIM_STREAM_PORT=')), ['ISAACSIM_STREAM_PORT=1']);
    assert.deepEqual(body.Env.filter((e) => e.startsWith('ISAACSIM_INSTANCE_LABEL=')), ['ISAACSIM_INSTANCE_LABEL=instance-2']);
  });

  test('an absolute hostDataRoot is used as it is; "~" alone is the home folder', () => {
    assert.deepEqual(buildContainerSpec(settings({ hostDataRoot: '/srv/isaac' }), 1, ctx()).HostConfig.Binds, documentedRootBinds('/srv/isaac', 1));
    assert.deepEqual(buildContainerSpec(settings({ hostDataRoot: '~' }), 0, ctx()).HostConfig.Binds, documentedRootBinds('/home/u', 0));
    assert.deepEqual(buildContainerSpec(settings({ hostDataRoot: '~/a/b/' }), 0, ctx('/root')).HostConfig.Binds, documentedRootBinds('/root/a/b', 0));
  });

  test('custom port bases move Cmd and the ports label', () => {
    const body = buildContainerSpec(settings({ httpPortBase: 9000, signalPortBase: 9200, pythonServerPortBase: 9500 }), 4, ctx());
    assert.equal(body.Labels[PORTS_LABEL], '{"http":9004,"signal":9204,"python":9504}');
    assert.deepEqual(body.Cmd, ['--/exts/omni.services.transport.server.http/port=9004', '--/app/livestream/port=9204', ...codeServerArgs('4.2', 9504)]);
    const six = buildContainerSpec(settings({ httpPortBase: 9000, signalPortBase: 9200, streamPortBase: 9300, webViewerPortBase: 9400 }), 4, ctx(HOME, '6.x'));
    assert.equal(six.Labels[PORTS_LABEL], '{"signal":9204,"stream":9304,"http":9004,"webViewer":9404,"python":8230}');
    assert.deepEqual(six.Cmd, ['--/exts/omni.services.transport.server.http/port=9004', ...codeServerArgs('6.x', 8230)]);
    assert.ok(six.Env.includes('ISAACSIM_SIGNAL_PORT=9204') && six.Env.includes('ISAACSIM_STREAM_PORT=9304'), six.Env.join(' '));
  });

  test('an image running as isaac-sim (4.5-5.x) gets named volumes instead of binds', () => {
    const body = buildContainerSpec(settings(), 1, ctx(HOME, '4.5-5.x', 'isaac-sim'));
    assert.deepEqual(body.HostConfig.Binds, []);
    assert.equal(body.HostConfig.Mounts?.length, 7);
    assert.ok(body.HostConfig.Mounts?.every((m) => m.Type === 'volume' && m.Target.startsWith('/isaac-sim/')));
  });
});

describe('expandHome and hostFoldersFor', () => {
  test('expandHome', () => {
    assert.equal(expandHome('~', HOME), '/home/u');
    assert.equal(expandHome('~/docker/isaac-sim', HOME), '/home/u/docker/isaac-sim');
    assert.equal(expandHome('~/', HOME), '/home/u');
    assert.equal(expandHome('/abs/path', HOME), '/abs/path');
    assert.equal(expandHome('~other/x', HOME), '~other/x');
    assert.equal(expandHome('a/~/b', HOME), 'a/~/b');
    assert.equal(expandHome('C:\\isaac', HOME), 'C:\\isaac');
  });

  test('hostFoldersFor lists exactly the host side of every bind, logs, data and documents per instance', () => {
    const s = settings();
    const folders = hostFoldersFor(s, 1, HOME);
    assert.deepEqual(folders, [
      '/home/u/docker/isaac-sim/cache/kit',
      '/home/u/docker/isaac-sim/cache/ov',
      '/home/u/docker/isaac-sim/cache/pip',
      '/home/u/docker/isaac-sim/cache/glcache',
      '/home/u/docker/isaac-sim/cache/computecache',
      '/home/u/docker/isaac-sim/logs/instance-1',
      '/home/u/docker/isaac-sim/data/instance-1',
      '/home/u/docker/isaac-sim/documents/instance-1',
    ]);
    const binds = buildContainerSpec(s, 1, ctx()).HostConfig.Binds;
    assert.deepEqual(
      binds.map((b) => b.split(':')[0]),
      folders,
    );
  });

  test('only the logs, data and documents folders differ between instances; the caches are shared', () => {
    const a = hostFoldersFor(settings(), 0, HOME);
    const b = hostFoldersFor(settings(), 7, HOME);
    const differing = a.filter((f, i) => f !== b[i]);
    assert.deepEqual(differing, ['/home/u/docker/isaac-sim/logs/instance-0', '/home/u/docker/isaac-sim/data/instance-0', '/home/u/docker/isaac-sim/documents/instance-0']);
    assert.deepEqual(b.slice(5), ['/home/u/docker/isaac-sim/logs/instance-7', '/home/u/docker/isaac-sim/data/instance-7', '/home/u/docker/isaac-sim/documents/instance-7']);
    assert.deepEqual(
      ROOT_LAYOUT.filter((v) => v.perInstance).map((v) => v.name),
      ['logs', 'data', 'documents'],
    );
  });

  test('DEFAULT_SETTINGS can be passed directly', () => {
    assert.equal(hostFoldersFor(DEFAULT_SETTINGS as Settings, 0, '/h')[0], '/h/docker/isaac-sim/cache/kit');
  });
});
