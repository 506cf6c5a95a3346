import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, parseSettings, type Settings } from '../../src/instances/settings';
import { TEMPLATE_PLACEHOLDERS } from '../../src/instances/templates';
import {
  GPU_LABEL,
  PORTS_LABEL,
  ROOT_LAYOUT,
  SPEC_HASH_LABEL,
  VERSION_LABEL,
  buildContainerSpec,
  clientUrlFor,
  clientUrlResultFor,
  expandHome,
  hostFoldersFor,
  parsePortsLabel,
  portsFor,
  specHash,
  templateValues,
} from '../../src/instances/spec';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, containerNameFor, instanceLabel } from '../../src/instances/model';
import { VERSIONS, VERSION_IDS, type VersionId } from '../../src/instances/versions';
import { documentedRootBinds } from './rootLayout';
import { codeServerArgs } from './codeArgs';

const HOME = '/home/u';
/** The default image is NVIDIA's 4.2; most tests build for it. */
const V42: VersionId = '4.2';

function ctx(home = HOME, version: VersionId = V42, user?: string) {
  return { version, home, ...(user !== undefined ? { image: { user } } : {}) };
}

function settings(overrides: Partial<Settings> = {}): Settings {
  const r = parseSettings({ ...overrides });
  assert.ok(r.ok, `test settings must be valid: ${JSON.stringify(r)}`);
  return r.settings;
}


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

describe('specHash', () => {
  test('stable for identical settings built separately', () => {
    const a = buildContainerSpec(settings({ env: { A: '1' } }), 1, ctx());
    const b = buildContainerSpec(settings({ env: { A: '1' } }), 1, ctx());
    assert.equal(a.Labels[SPEC_HASH_LABEL], b.Labels[SPEC_HASH_LABEL]);
    assert.equal(specHash(a), a.Labels[SPEC_HASH_LABEL]);
  });

  test('ignores the spec-hash label itself and label order', () => {
    const body = buildContainerSpec(settings(), 0, ctx());
    const h = body.Labels[SPEC_HASH_LABEL];
    const reordered = { ...body, Labels: Object.fromEntries(Object.entries(body.Labels).reverse()) };
    reordered.Labels[SPEC_HASH_LABEL] = 'something-else';
    assert.equal(specHash(reordered), h);
  });

  const changes: Array<[string, Partial<Settings>]> = [
    ['image', { image: 'nvcr.io/nvidia/isaac-sim:4.5.0' }],
    ['entrypoint', { entrypoint: ['/isaac-sim/runheadless.sh'] }],
    ['privacyConsent', { privacyConsent: true }],
    ['gpus (round-robin list whose first id differs)', { gpus: '1,0' }],
    ['portArgs', { portArgs: ['--p={httpPort}'] }],
    ['extraArgs', { extraArgs: ['--x'] }],
    ['env', { env: { A: '1' } }],
    ['runtime', { runtime: '' }],
    ['gpus', { gpus: '0' }],
    ['memoryLimitGiB', { memoryLimitGiB: 16 }],
    ['hostDataRoot', { hostDataRoot: '/srv/isaac' }],
    ['httpPortBase', { httpPortBase: 9211 }],
    ['signalPortBase', { signalPortBase: 50000 }],
    ['host (via a {host} port arg)', { portArgs: ['--h={host}'], host: 'other' }],
  ];
  // httpPortBase null means the version's own 8211 for 4.2: setting it explicitly changes nothing.
  test('does not change when httpPortBase is set to the version\'s own port', () => {
    assert.equal(buildContainerSpec(settings({ httpPortBase: 8211 }), 0, ctx()).Labels[SPEC_HASH_LABEL], buildContainerSpec(settings(), 0, ctx()).Labels[SPEC_HASH_LABEL]);
  });

  test('changes with the version and, for 4.5-5.x, with the image user (the mounts change)', () => {
    const hashes = [
      ...VERSION_IDS.map((v) => buildContainerSpec(settings(), 0, ctx(HOME, v)).Labels[SPEC_HASH_LABEL]),
      buildContainerSpec(settings(), 0, ctx(HOME, '4.5-5.x', 'isaac-sim')).Labels[SPEC_HASH_LABEL],
    ];
    assert.equal(new Set(hashes).size, hashes.length);
  });

  test('6.x: changes with the host (ISAACSIM_HOST), even without a {host} argument', () => {
    assert.notEqual(
      buildContainerSpec(settings(), 0, ctx(HOME, '6.x')).Labels[SPEC_HASH_LABEL],
      buildContainerSpec(settings({ host: '10.0.0.2' }), 0, ctx(HOME, '6.x')).Labels[SPEC_HASH_LABEL],
    );
  });
  for (const [what, change] of changes) {
    test(`changes when ${what} changes`, () => {
      const base = buildContainerSpec(settings(what.startsWith('host') ? { portArgs: ['--h={host}'] } : {}), 0, ctx());
      const changed = buildContainerSpec(settings(change), 0, ctx());
      assert.notEqual(changed.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
    });
  }

  test('does not change for settings that are not part of the container (client URL, readiness, log tail, stop timeout)', () => {
    const base = buildContainerSpec(settings(), 0, ctx());
    const other = buildContainerSpec(
      settings({
        clientUrlTemplate: 'https://{host}:{httpPort}/other',
        webViewerUrlTemplate: 'https://{host}:{webViewerPort}/other',
        readinessPatterns: ['x'],
        logTailLines: 5,
        stopTimeoutSeconds: 1,
        instanceCount: 4,
        // Bases of port kinds 4.2 does not use.
        streamPortBase: 50100,
        webViewerPortBase: 50200,
      }),
      0,
      ctx(),
    );
    assert.equal(other.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
  });

  test('does not change when entrypoint/portArgs are set explicitly to what the version supplies anyway', () => {
    const base = buildContainerSpec(settings(), 0, ctx());
    const explicit = buildContainerSpec(settings({ entrypoint: ['/isaac-sim/runheadless.webrtc.sh'], portArgs: [...VERSIONS['4.2'].portArgs] }), 0, ctx());
    assert.equal(explicit.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
  });

  test('gpus "0,1": instance 0 keeps its hash when the list grows to "0,1,2"; "all" differs', () => {
    const a = buildContainerSpec(settings({ gpus: '0,1' }), 0, ctx());
    const b = buildContainerSpec(settings({ gpus: '0,1,2' }), 0, ctx());
    assert.equal(a.Labels[SPEC_HASH_LABEL], b.Labels[SPEC_HASH_LABEL]);
    assert.notEqual(a.Labels[SPEC_HASH_LABEL], buildContainerSpec(settings({ gpus: 'all' }), 0, ctx()).Labels[SPEC_HASH_LABEL]);
  });

  test('changes with the home folder (the binds change)', () => {
    assert.notEqual(buildContainerSpec(settings(), 0, ctx('/home/a')).Labels[SPEC_HASH_LABEL], buildContainerSpec(settings(), 0, ctx('/home/b')).Labels[SPEC_HASH_LABEL]);
  });
});

describe('portsFor, templateValues, clientUrlFor', () => {
  test('portsFor adds the index to each base; httpPortBase null is the version\'s own Kit HTTP port', () => {
    assert.deepEqual(portsFor(settings(), '4.2', 0), { http: 8211, signal: 49100, python: 8226 });
    assert.deepEqual(portsFor(settings(), '4.2', 3), { http: 8214, signal: 49103, python: 8229 });
    assert.deepEqual(portsFor(settings(), '4.5-5.x', 3), { signal: 49103, http: 8014, python: 8229 });
    assert.deepEqual(portsFor(settings(), '6.x', 1), { signal: 49101, stream: 47999, http: 8012, webViewer: 8211, python: 8227 });
    assert.deepEqual(portsFor(settings(), 'custom', 1), { http: 8212, signal: 49101 }, 'no code server known for a custom image');
    assert.deepEqual(portsFor(settings({ httpPortBase: 1, signalPortBase: 2000, pythonServerPortBase: 3000 }), '4.2', 1), { http: 2, signal: 2001, python: 3001 });
    assert.deepEqual(portsFor(settings({ httpPortBase: 1, signalPortBase: 2000 }), '4.5-5.x', 1), { signal: 2001, http: 2, python: 8227 });
  });

  test('templateValues carries host, ports, index and label; ports the version does not use get base + index', () => {
    assert.deepEqual(templateValues(settings({ host: 'h' }), '4.2', 2, { http: 1, signal: 3 }), {
      host: 'h',
      httpPort: 1,
      signalPort: 3,
      streamPort: 48000,
      webViewerPort: 8212,
      index: 2,
      label: 'instance-2',
    });
    assert.deepEqual(templateValues(settings(), '6.x', 1, { signal: 5, stream: 6, webViewer: 7 }), {
      host: '127.0.0.1',
      // Missing from the ports given: the version's own Kit HTTP port (8011) + index.
      httpPort: 8012,
      signalPort: 5,
      streamPort: 6,
      webViewerPort: 7,
      index: 1,
      label: 'instance-1',
    });
    assert.equal(templateValues(settings(), '4.2', 1, {}).httpPort, 8212, '4.2\'s own Kit HTTP port is 8211');
  });

  test('templateValues fills every placeholder a template may use', () => {
    for (const version of VERSION_IDS) {
      const values = templateValues(settings(), version, 0, portsFor(settings(), version, 0));
      assert.deepEqual(Object.keys(values).sort(), [...TEMPLATE_PLACEHOLDERS].sort(), version);
    }
  });

  test('clientUrlFor fills the default template (4.2\'s webrtc-demo page, which does not redirect off-origin)', () => {
    assert.equal(clientUrlFor(settings(), '4.2', 0), 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(clientUrlFor(settings({ host: '192.168.1.20' }), '4.2', 1), 'http://192.168.1.20:8212/streaming/webrtc-demo/?server=192.168.1.20');
  });

  test('clientUrlFor with a custom template and explicit ports', () => {
    const s = settings({ clientUrlTemplate: 'https://{host}/sim/{label}/{index}?s={signalPort}&m={streamPort}&h={httpPort}' });
    assert.equal(clientUrlFor(s, '4.2', 2), 'https://127.0.0.1/sim/instance-2/2?s=49102&m=48000&h=8213');
    assert.equal(clientUrlFor(s, '4.2', 2, { http: 1, signal: 2, stream: 3 }), 'https://127.0.0.1/sim/instance-2/2?s=2&m=3&h=1');
  });

  test('clientUrlResultFor: the URL and its origin, from the template of the version', () => {
    assert.deepEqual(clientUrlResultFor(settings(), '4.2', 1), {
      ok: true,
      url: 'http://127.0.0.1:8212/streaming/webrtc-demo/?server=127.0.0.1',
      origin: 'http://127.0.0.1:8212',
    });
    assert.deepEqual(clientUrlResultFor(settings({ host: '[::1]' }), '6.x', 2), { ok: true, url: 'http://[::1]:8212/', origin: 'http://[::1]:8212' });
  });

  test('clientUrlResultFor: unvalidated hostile settings give an error naming the setting; clientUrlFor gives ""', () => {
    // Settings that bypassed parseSettings (the schema refuses all of these).
    const cases: Array<[Partial<Settings>, VersionId, string]> = [
      [{ host: '127.0.0.1@evil.example' }, '4.2', 'isaacSim.host'],
      [{ host: 'evil.example#' }, '4.2', 'isaacSim.host'],
      [{ host: '127.0.0.1/../' }, '4.2', 'isaacSim.host'],
      [{ host: '127.0.0.1\r\nX: y' }, '4.2', 'isaacSim.host'],
      [{ host: '127.0.0.1@evil.example' }, '6.x', 'isaacSim.host'],
      [{ clientUrlTemplate: 'javascript:alert(1)' }, '4.2', 'isaacSim.clientUrlTemplate'],
      [{ clientUrlTemplate: 'http://{host}@evil.example/' }, 'custom', 'isaacSim.clientUrlTemplate'],
      [{ webViewerUrlTemplate: 'file:///etc/passwd' }, '6.x', 'isaacSim.webViewerUrlTemplate'],
      [{ webViewerUrlTemplate: 'http://evil.example\\@{host}/' }, '6.x', 'isaacSim.webViewerUrlTemplate'],
      [{ httpPortBase: 70000 }, '4.2', 'isaacSim.httpPortBase'],
      [{ httpPortBase: 70000 }, '4.5-5.x', 'isaacSim.httpPortBase'],
    ];
    for (const [overrides, version, setting] of cases) {
      const s: Settings = { ...DEFAULT_SETTINGS, ...overrides };
      const r = clientUrlResultFor(s, version, 0);
      assert.equal(r.ok, false, JSON.stringify(overrides));
      if (!r.ok) {
        assert.equal(r.setting, setting, r.message);
        assert.ok(r.message.includes(setting), r.message);
      }
      assert.equal(clientUrlFor(s, version, 0), '', JSON.stringify(overrides));
    }
  });

  test('clientUrlResultFor: the template of the other view is not used, so it cannot break this one', () => {
    const s: Settings = { ...DEFAULT_SETTINGS, webViewerUrlTemplate: 'javascript:alert(1)' };
    assert.equal(clientUrlFor(s, '4.2', 0), 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(clientUrlFor(s, '6.x', 0), '');
    const c: Settings = { ...DEFAULT_SETTINGS, clientUrlTemplate: 'javascript:alert(1)' };
    assert.equal(clientUrlFor(c, '6.x', 0), 'http://127.0.0.1:8210/');
    assert.equal(clientUrlFor(c, '4.2', 0), '');
  });
});

describe('parsePortsLabel', () => {
  test('parses a valid JSON label of any port kinds', () => {
    assert.deepEqual(parsePortsLabel('{"http":8211,"signal":49100}'), { http: 8211, signal: 49100 });
    assert.deepEqual(parsePortsLabel('{"signal":49100,"stream":47998,"http":8011,"webViewer":8210}'), { signal: 49100, stream: 47998, http: 8011, webViewer: 8210 });
    assert.deepEqual(parsePortsLabel('{"http":1,"signal":65535}'), { http: 1, signal: 65535 });
    assert.deepEqual(parsePortsLabel(' { "signal" : 49100 } '), { signal: 49100 });
  });

  test('round-trips the label buildContainerSpec writes, for every version', () => {
    for (const version of VERSION_IDS) {
      const s = settings({ httpPortBase: 10000, signalPortBase: 40000, streamPortBase: 50000, webViewerPortBase: 60000 });
      const body = buildContainerSpec(s, 5, ctx(HOME, version));
      assert.deepEqual(parsePortsLabel(body.Labels[PORTS_LABEL]), portsFor(s, version, 5), version);
      assert.deepEqual(Object.keys(parsePortsLabel(body.Labels[PORTS_LABEL])!), [...VERSIONS[version].ports], 'kinds in the version\'s order');
    }
  });

  test('rejects missing, non-JSON, non-object, empty, unknown-kind, non-integer and out-of-range labels', () => {
    for (const v of [
      undefined,
      '',
      '8211,8011,8899', // the comma-separated label of earlier versions
      '1,65535,2',
      'a,b,c',
      '{',
      'null',
      '8211',
      '"8211"',
      '[8211,8011,8899]',
      '{}',
      '{"bogus":8211}',
      '{"http":8211,"bogus":1}',
      // Kinds of the removed streaming profiles: a container labelled by an older release is not ours to read.
      '{"http":8211,"webrtc":8011,"native":8899}',
      '{"native":8899}',
      '{"HTTP":8211}',
      '{"http":"8211"}',
      '{"http":8211.5}',
      '{"http":0}',
      '{"http":65536}',
      '{"http":-1}',
      '{"http":null}',
      '{"http":1e400}',
      '{"http":[8211]}',
      '{"__proto__":8211}',
    ]) {
      assert.equal(parsePortsLabel(v), undefined, `${JSON.stringify(v)} must be rejected`);
    }
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
