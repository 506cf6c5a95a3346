import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, TEMPLATE_PLACEHOLDERS, parseSettings, type Settings } from '../../src/instances/settings';
import {
  GPU_LABEL,
  PORTS_LABEL,
  PROFILE_LABEL,
  SPEC_HASH_LABEL,
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
import { PROFILES, PROFILE_IDS } from '../../src/instances/profiles';

const HOME = '/home/u';

function settings(overrides: Partial<Settings> = {}): Settings {
  const r = parseSettings({ ...overrides });
  assert.ok(r.ok, `test settings must be valid: ${JSON.stringify(r)}`);
  return r.settings;
}

/** Isaac Sim's documented `docker run -v` layout, under a root, with logs per instance. */
function documentedBinds(root: string, index: number): string[] {
  return [
    `${root}/cache/kit:/isaac-sim/kit/cache:rw`,
    `${root}/cache/ov:/root/.cache/ov:rw`,
    `${root}/cache/pip:/root/.cache/pip:rw`,
    `${root}/cache/glcache:/root/.cache/nvidia/GLCache:rw`,
    `${root}/cache/computecache:/root/.nv/ComputeCache:rw`,
    `${root}/logs/instance-${index}:/root/.nvidia-omniverse/logs:rw`,
    `${root}/data:/root/.local/share/ov/data:rw`,
    `${root}/documents:/root/Documents:rw`,
  ];
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
    assert.equal(PROFILE_LABEL, 'dev.isaac-sim-orchestrator.profile');
  });
});

describe('buildContainerSpec with defaults', () => {
  test('index 0: name, image, entrypoint, Cmd, labels, host networking, GPUs, memory, binds', () => {
    const body = buildContainerSpec(settings(), 0, HOME);
    assert.equal(body.name, 'isaac-sim-instance-0');
    assert.equal(body.Image, 'nvcr.io/nvidia/isaac-sim:4.2.0');
    assert.deepEqual(body.Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
    assert.deepEqual(body.Cmd, [
      '--/exts/omni.services.transport.server.http/port=8211',
      '--/exts/omni.kit.livestream.webrtc/port=8011',
      '--/app/livestream/port=8899',
    ]);
    assert.deepEqual(body.Env, ['ACCEPT_EULA=Y', 'PRIVACY_CONSENT=Y', 'ISAACSIM_INSTANCE_LABEL=instance-0']);
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.owner'], 'isaac-sim-orchestrator');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.instance'], '0');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.ports'], '{"http":8211,"webrtc":8011,"native":8899}');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.gpu'], 'all');
    assert.equal(body.Labels['dev.isaac-sim-orchestrator.profile'], 'legacy-webrtc');
    assert.match(body.Labels['dev.isaac-sim-orchestrator.spec-hash'], /^[0-9a-f]{16}$/);
    assert.deepEqual(Object.keys(body.Labels).sort(), [
      'dev.isaac-sim-orchestrator.gpu',
      'dev.isaac-sim-orchestrator.instance',
      'dev.isaac-sim-orchestrator.owner',
      'dev.isaac-sim-orchestrator.ports',
      'dev.isaac-sim-orchestrator.profile',
      'dev.isaac-sim-orchestrator.spec-hash',
    ]);
    assert.equal(body.HostConfig.NetworkMode, 'host');
    assert.equal(body.HostConfig.Runtime, 'nvidia');
    assert.deepEqual(body.HostConfig.DeviceRequests, [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
    assert.equal(body.HostConfig.Memory, 8 * 1024 * 1024 * 1024);
    assert.deepEqual(body.HostConfig.RestartPolicy, { Name: 'no' });
    assert.deepEqual(body.HostConfig.Binds, documentedBinds('/home/u/docker/isaac-sim', 0));
  });

  test('index 2: every per-instance field moves with the index', () => {
    const body = buildContainerSpec(settings(), 2, HOME);
    assert.equal(body.name, 'isaac-sim-instance-2');
    assert.deepEqual(body.Cmd, [
      '--/exts/omni.services.transport.server.http/port=8213',
      '--/exts/omni.kit.livestream.webrtc/port=8013',
      '--/app/livestream/port=8901',
    ]);
    assert.equal(body.Labels[INDEX_LABEL], '2');
    assert.equal(body.Labels[PORTS_LABEL], '{"http":8213,"webrtc":8013,"native":8901}');
    assert.ok(body.Env.includes('ISAACSIM_INSTANCE_LABEL=instance-2'));
    assert.deepEqual(body.HostConfig.Binds, documentedBinds('/home/u/docker/isaac-sim', 2));
    assert.notEqual(body.Labels[SPEC_HASH_LABEL], buildContainerSpec(settings(), 0, HOME).Labels[SPEC_HASH_LABEL]);
  });

  test('the body is plain JSON (survives a JSON round trip unchanged)', () => {
    const body = buildContainerSpec(settings(), 1, HOME);
    assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
  });

  test('building does not mutate the settings', () => {
    const s = settings({ env: { A: '1' }, extraArgs: ['--x'] });
    const before = JSON.parse(JSON.stringify(s));
    const body = buildContainerSpec(s, 1, HOME);
    body.Cmd.push('--y');
    body.Entrypoint?.push('--z');
    assert.deepEqual(s, before);
  });
});

describe('buildContainerSpec options', () => {
  test('runtime "" omits HostConfig.Runtime', () => {
    const body = buildContainerSpec(settings({ runtime: '' }), 0, HOME);
    assert.ok(!('Runtime' in body.HostConfig));
  });

  test('gpus "none" omits DeviceRequests', () => {
    const body = buildContainerSpec(settings({ gpus: 'none' }), 0, HOME);
    assert.ok(!('DeviceRequests' in body.HostConfig));
  });

  test('gpus "0,1" hands one device per instance, round-robin, by id', () => {
    const body = buildContainerSpec(settings({ gpus: '0,1' }), 2, HOME);
    assert.deepEqual(body.HostConfig.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] }]);
    assert.equal(body.Labels[GPU_LABEL], '0');
    const odd = buildContainerSpec(settings({ gpus: '0,1' }), 3, HOME);
    assert.deepEqual(odd.HostConfig.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: ['1'], Capabilities: [['gpu']] }]);
    assert.equal(odd.Labels[GPU_LABEL], '1');
  });

  test('gpus with a single UUID', () => {
    const body = buildContainerSpec(settings({ gpus: 'GPU-1234-abcd' }), 0, HOME);
    assert.deepEqual(body.HostConfig.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: ['GPU-1234-abcd'], Capabilities: [['gpu']] }]);
  });

  test('memoryLimitGiB 0 omits Memory; 8 and 1.5 are converted to bytes', () => {
    assert.ok(!('Memory' in buildContainerSpec(settings({ memoryLimitGiB: 0 }), 0, HOME).HostConfig));
    assert.equal(buildContainerSpec(settings({ memoryLimitGiB: 8 }), 0, HOME).HostConfig.Memory, 8589934592);
    assert.equal(buildContainerSpec(settings({ memoryLimitGiB: 1.5 }), 0, HOME).HostConfig.Memory, 1610612736);
  });

  test('entrypoint [] uses the profile\'s launcher; with the custom profile it omits Entrypoint (the image keeps its own)', () => {
    assert.deepEqual(buildContainerSpec(settings({ entrypoint: [] }), 0, HOME).Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
    const body = buildContainerSpec(settings({ entrypoint: [], streamingProfile: 'custom' }), 0, HOME);
    assert.ok(!('Entrypoint' in body));
  });

  test('an explicit entrypoint replaces the profile\'s launcher', () => {
    const body = buildContainerSpec(settings({ entrypoint: ['/isaac-sim/isaac-sim.sh', '--no-window'] }), 0, HOME);
    assert.deepEqual(body.Entrypoint, ['/isaac-sim/isaac-sim.sh', '--no-window']);
  });

  test('Cmd is the filled port args followed by extraArgs, in order', () => {
    const body = buildContainerSpec(
      settings({ portArgs: ['--http={httpPort}', '--label={label}', '--on={host}', '--i={index}'], extraArgs: ['--no-window', '--http={httpPort}', ''], host: 'sim.local' }),
      3,
      HOME,
    );
    // extraArgs are not templates: they are passed through as they are.
    assert.deepEqual(body.Cmd, ['--http=8214', '--label=instance-3', '--on=sim.local', '--i=3', '--no-window', '--http={httpPort}', '']);
  });

  test('user env is merged after the EULA variables, the instance label always wins', () => {
    const body = buildContainerSpec(settings({ env: { OMNI_KIT_ALLOW_ROOT: '1', ISAACSIM_INSTANCE_LABEL: 'spoofed', EMPTY: '' } }), 1, HOME);
    assert.ok(body.Env.includes('ACCEPT_EULA=Y'));
    assert.ok(body.Env.includes('PRIVACY_CONSENT=Y'));
    assert.ok(body.Env.includes('OMNI_KIT_ALLOW_ROOT=1'));
    assert.ok(body.Env.includes('EMPTY='));
    assert.deepEqual(
      body.Env.filter((e) => e.startsWith('ISAACSIM_INSTANCE_LABEL=')),
      ['ISAACSIM_INSTANCE_LABEL=instance-1'],
    );
    assert.equal(body.Env.length, 5);
  });

  test('an absolute hostDataRoot is used as it is; "~" alone is the home folder', () => {
    assert.deepEqual(buildContainerSpec(settings({ hostDataRoot: '/srv/isaac' }), 1, HOME).HostConfig.Binds, documentedBinds('/srv/isaac', 1));
    assert.deepEqual(buildContainerSpec(settings({ hostDataRoot: '~' }), 0, HOME).HostConfig.Binds, documentedBinds('/home/u', 0));
    assert.deepEqual(buildContainerSpec(settings({ hostDataRoot: '~/a/b/' }), 0, '/root').HostConfig.Binds, documentedBinds('/root/a/b', 0));
  });

  test('custom port bases move Cmd and the ports label', () => {
    const body = buildContainerSpec(settings({ httpPortBase: 9000, webrtcPortBase: 9100, nativePortBase: 9200 }), 4, HOME);
    assert.equal(body.Labels[PORTS_LABEL], '{"http":9004,"webrtc":9104,"native":9204}');
    assert.deepEqual(body.Cmd, ['--/exts/omni.services.transport.server.http/port=9004', '--/exts/omni.kit.livestream.webrtc/port=9104', '--/app/livestream/port=9204']);
  });
});

describe('specHash', () => {
  test('stable for identical settings built separately', () => {
    const a = buildContainerSpec(settings({ env: { A: '1' } }), 1, HOME);
    const b = buildContainerSpec(settings({ env: { A: '1' } }), 1, HOME);
    assert.equal(a.Labels[SPEC_HASH_LABEL], b.Labels[SPEC_HASH_LABEL]);
    assert.equal(specHash(a), a.Labels[SPEC_HASH_LABEL]);
  });

  test('ignores the spec-hash label itself and label order', () => {
    const body = buildContainerSpec(settings(), 0, HOME);
    const h = body.Labels[SPEC_HASH_LABEL];
    const reordered = { ...body, Labels: Object.fromEntries(Object.entries(body.Labels).reverse()) };
    reordered.Labels[SPEC_HASH_LABEL] = 'something-else';
    assert.equal(specHash(reordered), h);
  });

  const changes: Array<[string, Partial<Settings>]> = [
    ['image', { image: 'nvcr.io/nvidia/isaac-sim:4.5.0' }],
    ['entrypoint', { entrypoint: ['/isaac-sim/runheadless.sh'] }],
    ['streamingProfile (livestream)', { streamingProfile: 'livestream' }],
    ['streamingProfile (custom)', { streamingProfile: 'custom' }],
    ['gpus (round-robin list whose first id differs)', { gpus: '1,0' }],
    ['portArgs', { portArgs: ['--p={httpPort}'] }],
    ['extraArgs', { extraArgs: ['--x'] }],
    ['env', { env: { A: '1' } }],
    ['runtime', { runtime: '' }],
    ['gpus', { gpus: '0' }],
    ['memoryLimitGiB', { memoryLimitGiB: 16 }],
    ['hostDataRoot', { hostDataRoot: '/srv/isaac' }],
    ['httpPortBase', { httpPortBase: 9211 }],
    ['host (via a {host} port arg)', { portArgs: ['--h={host}'], host: 'other' }],
  ];
  for (const [what, change] of changes) {
    test(`changes when ${what} changes`, () => {
      const base = buildContainerSpec(settings(what.startsWith('host') ? { portArgs: ['--h={host}'] } : {}), 0, HOME);
      const changed = buildContainerSpec(settings(change), 0, HOME);
      assert.notEqual(changed.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
    });
  }

  test('does not change for settings that are not part of the container (client URL, readiness, log tail, stop timeout)', () => {
    const base = buildContainerSpec(settings(), 0, HOME);
    const other = buildContainerSpec(
      settings({
        clientUrlTemplate: 'https://{host}:{httpPort}/other',
        webViewerUrlTemplate: 'https://{host}:{webViewerPort}/other',
        readinessPatterns: ['x'],
        logTailLines: 5,
        stopTimeoutSeconds: 1,
        instanceCount: 4,
        // Bases of port kinds the active (legacy-webrtc) profile does not use.
        signalPortBase: 50000,
        streamPortBase: 50100,
        webViewerPortBase: 50200,
      }),
      0,
      HOME,
    );
    assert.equal(other.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
  });

  test('does not change when entrypoint/portArgs are set explicitly to what the profile supplies anyway', () => {
    const base = buildContainerSpec(settings(), 0, HOME);
    const explicit = buildContainerSpec(settings({ entrypoint: ['/isaac-sim/runheadless.webrtc.sh'], portArgs: [...PROFILES['legacy-webrtc'].portArgs] }), 0, HOME);
    assert.equal(explicit.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
  });

  test('gpus "0,1": instance 0 keeps its hash when the list grows to "0,1,2"; "all" differs', () => {
    const a = buildContainerSpec(settings({ gpus: '0,1' }), 0, HOME);
    const b = buildContainerSpec(settings({ gpus: '0,1,2' }), 0, HOME);
    assert.equal(a.Labels[SPEC_HASH_LABEL], b.Labels[SPEC_HASH_LABEL]);
    assert.notEqual(a.Labels[SPEC_HASH_LABEL], buildContainerSpec(settings({ gpus: 'all' }), 0, HOME).Labels[SPEC_HASH_LABEL]);
  });

  test('changes with the home folder (the binds change)', () => {
    assert.notEqual(buildContainerSpec(settings(), 0, '/home/a').Labels[SPEC_HASH_LABEL], buildContainerSpec(settings(), 0, '/home/b').Labels[SPEC_HASH_LABEL]);
  });
});

describe('portsFor, templateValues, clientUrlFor', () => {
  test('portsFor adds the index to each base', () => {
    assert.deepEqual(portsFor(settings(), 0), { http: 8211, webrtc: 8011, native: 8899 });
    assert.deepEqual(portsFor(settings(), 3), { http: 8214, webrtc: 8014, native: 8902 });
    assert.deepEqual(portsFor(settings({ httpPortBase: 1, webrtcPortBase: 2000, nativePortBase: 3000 }), 1), { http: 2, webrtc: 2001, native: 3001 });
  });

  test('templateValues carries host, ports, index and label; ports the profile does not use get base + index', () => {
    assert.deepEqual(templateValues(settings({ host: 'h' }), 2, { http: 1, webrtc: 2, native: 3 }), {
      host: 'h',
      httpPort: 1,
      webrtcPort: 2,
      nativePort: 3,
      signalPort: 49102,
      streamPort: 48000,
      webViewerPort: 8212,
      index: 2,
      label: 'instance-2',
    });
    assert.deepEqual(templateValues(settings({ streamingProfile: 'livestream' }), 1, { signal: 5, stream: 6, webViewer: 7 }), {
      host: '127.0.0.1',
      httpPort: 8212,
      webrtcPort: 8012,
      nativePort: 8900,
      signalPort: 5,
      streamPort: 6,
      webViewerPort: 7,
      index: 1,
      label: 'instance-1',
    });
  });

  test('templateValues fills every placeholder a template may use', () => {
    const values = templateValues(settings(), 0, portsFor(settings(), 0));
    assert.deepEqual(Object.keys(values).sort(), [...TEMPLATE_PLACEHOLDERS].sort());
  });

  test('clientUrlFor fills the default template', () => {
    assert.equal(clientUrlFor(settings(), 0), 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1');
    assert.equal(clientUrlFor(settings({ host: '192.168.1.20' }), 1), 'http://192.168.1.20:8212/streaming/webrtc-client/?server=192.168.1.20');
  });

  test('clientUrlFor with a custom template and explicit ports', () => {
    const s = settings({ clientUrlTemplate: 'https://{host}/sim/{label}/{index}?w={webrtcPort}&n={nativePort}&h={httpPort}' });
    assert.equal(clientUrlFor(s, 2), 'https://127.0.0.1/sim/instance-2/2?w=8013&n=8901&h=8213');
    assert.equal(clientUrlFor(s, 2, { http: 1, webrtc: 2, native: 3 }), 'https://127.0.0.1/sim/instance-2/2?w=2&n=3&h=1');
  });

  test('clientUrlResultFor: the URL and its origin, from the template of the profile', () => {
    assert.deepEqual(clientUrlResultFor(settings(), 1), {
      ok: true,
      url: 'http://127.0.0.1:8212/streaming/webrtc-client/?server=127.0.0.1',
      origin: 'http://127.0.0.1:8212',
    });
    assert.deepEqual(clientUrlResultFor(settings({ streamingProfile: 'livestream', host: '[::1]' }), 2), { ok: true, url: 'http://[::1]:8212/', origin: 'http://[::1]:8212' });
  });

  test('clientUrlResultFor: unvalidated hostile settings give an error naming the setting; clientUrlFor gives ""', () => {
    // Settings that bypassed parseSettings (the schema refuses all of these).
    const cases: Array<[Partial<Settings>, string]> = [
      [{ host: '127.0.0.1@evil.example' }, 'isaacSim.host'],
      [{ host: 'evil.example#' }, 'isaacSim.host'],
      [{ host: '127.0.0.1/../' }, 'isaacSim.host'],
      [{ host: '127.0.0.1\r\nX: y' }, 'isaacSim.host'],
      [{ clientUrlTemplate: 'javascript:alert(1)' }, 'isaacSim.clientUrlTemplate'],
      [{ clientUrlTemplate: 'http://{host}@evil.example/' }, 'isaacSim.clientUrlTemplate'],
      [{ streamingProfile: 'livestream', webViewerUrlTemplate: 'file:///etc/passwd' }, 'isaacSim.webViewerUrlTemplate'],
      [{ streamingProfile: 'livestream', webViewerUrlTemplate: 'http://evil.example\\@{host}/' }, 'isaacSim.webViewerUrlTemplate'],
      [{ httpPortBase: 70000 }, 'isaacSim.httpPortBase'],
    ];
    for (const [overrides, setting] of cases) {
      const s: Settings = { ...DEFAULT_SETTINGS, ...overrides };
      const r = clientUrlResultFor(s, 0);
      assert.equal(r.ok, false, JSON.stringify(overrides));
      if (!r.ok) {
        assert.equal(r.setting, setting, r.message);
        assert.ok(r.message.includes(setting), r.message);
      }
      assert.equal(clientUrlFor(s, 0), '', JSON.stringify(overrides));
    }
  });

  test('clientUrlResultFor: the template of the other profile is not used, so it cannot break this one', () => {
    const s: Settings = { ...DEFAULT_SETTINGS, webViewerUrlTemplate: 'javascript:alert(1)' };
    assert.equal(clientUrlFor(s, 0), 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1');
    assert.equal(clientUrlFor({ ...s, streamingProfile: 'livestream' }, 0), '');
  });
});

describe('parsePortsLabel', () => {
  test('parses a valid JSON label of any port kinds', () => {
    assert.deepEqual(parsePortsLabel('{"http":8211,"webrtc":8011,"native":8899}'), { http: 8211, webrtc: 8011, native: 8899 });
    assert.deepEqual(parsePortsLabel('{"signal":49100,"stream":47998,"webViewer":8210}'), { signal: 49100, stream: 47998, webViewer: 8210 });
    assert.deepEqual(parsePortsLabel('{"http":1,"webrtc":65535}'), { http: 1, webrtc: 65535 });
    assert.deepEqual(parsePortsLabel(' { "signal" : 49100 } '), { signal: 49100 });
  });

  test('round-trips the label buildContainerSpec writes, for every profile', () => {
    for (const streamingProfile of PROFILE_IDS) {
      const s = settings({ streamingProfile, httpPortBase: 10000, webrtcPortBase: 20000, nativePortBase: 30000, signalPortBase: 40000, streamPortBase: 50000, webViewerPortBase: 60000 });
      const body = buildContainerSpec(s, 5, HOME);
      assert.deepEqual(parsePortsLabel(body.Labels[PORTS_LABEL]), portsFor(s, 5), streamingProfile);
      assert.deepEqual(Object.keys(parsePortsLabel(body.Labels[PORTS_LABEL])!), [...PROFILES[streamingProfile].ports], 'kinds in the profile\'s order');
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
      '{"HTTP":8211}',
      '{"http":"8211"}',
      '{"http":8211.5}',
      '{"http":0}',
      '{"http":65536}',
      '{"http":-1}',
      '{"http":null}',
      '{"http":1e400}',
      '{"http":[8211]}',
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

  test('hostFoldersFor lists exactly the host side of every bind, logs per instance', () => {
    const s = settings();
    const folders = hostFoldersFor(s, 1, HOME);
    assert.deepEqual(folders, [
      '/home/u/docker/isaac-sim/cache/kit',
      '/home/u/docker/isaac-sim/cache/ov',
      '/home/u/docker/isaac-sim/cache/pip',
      '/home/u/docker/isaac-sim/cache/glcache',
      '/home/u/docker/isaac-sim/cache/computecache',
      '/home/u/docker/isaac-sim/logs/instance-1',
      '/home/u/docker/isaac-sim/data',
      '/home/u/docker/isaac-sim/documents',
    ]);
    const binds = buildContainerSpec(s, 1, HOME).HostConfig.Binds;
    assert.deepEqual(
      binds.map((b) => b.split(':')[0]),
      folders,
    );
  });

  test('only the logs folder differs between instances', () => {
    const a = hostFoldersFor(settings(), 0, HOME);
    const b = hostFoldersFor(settings(), 7, HOME);
    const differing = a.filter((f, i) => f !== b[i]);
    assert.deepEqual(differing, ['/home/u/docker/isaac-sim/logs/instance-0']);
    assert.equal(b[5], '/home/u/docker/isaac-sim/logs/instance-7');
  });

  test('DEFAULT_SETTINGS can be passed directly', () => {
    assert.equal(hostFoldersFor(DEFAULT_SETTINGS as Settings, 0, '/h')[0], '/h/docker/isaac-sim/cache/kit');
  });
});
