import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SIGNAL_PORT,
  PORT_KINDS,
  PORT_LABELS,
  VERSIONS,
  VERSION_IDS,
  VERSION_SETTINGS,
  detectVersion,
  imageTag,
  layoutFor,
  runsAsIsaacSimUser,
  versionFromTag,
  type ImageFacts,
  type PortKind,
  type VersionId,
} from '../../src/instances/versions';
import { PORT_BASE_SETTING, parseSettings, type Settings } from '../../src/instances/settings';
import { TEMPLATE_PLACEHOLDERS } from '../../src/instances/templates';
import {
  GPU_LABEL,
  ISAAC_SIM_LAYOUT,
  PORTS_LABEL,
  SpecError,
  VERSION_LABEL,
  VOLUME_OF_LABEL,
  buildContainerSpec,
  clientUrlFor,
  gpuFor,
  parsePortsLabel,
  portsFor,
  primaryPort,
  volumeMountsFor,
  volumeOwnerFix,
  type ContainerCreateBody,
  type SpecContext,
} from '../../src/instances/spec';
import { OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { documentedRootBinds } from './rootLayout';
import { codeServerArgs } from './codeArgs';

const HOME = '/home/u';
const ROOT_DATA = '/home/u/docker/isaac-sim';

function settings(overrides: Partial<Settings> = {}): Settings {
  const r = parseSettings({ ...overrides });
  assert.ok(r.ok, `test settings must be valid: ${JSON.stringify(r)}`);
  return r.settings;
}

function ctx(version: VersionId, user?: string): SpecContext {
  return { version, home: HOME, ...(user !== undefined ? { image: { user } } : {}) };
}

function spec(version: VersionId, index: number, overrides: Partial<Settings> = {}, user?: string): ContainerCreateBody {
  return buildContainerSpec(settings(overrides), index, ctx(version, user));
}

function facts(overrides: Partial<ImageFacts> = {}): ImageFacts {
  return { user: '', entrypoint: [], env: [], tags: [], ...overrides };
}

function envOf(body: ContainerCreateBody): Record<string, string> {
  return Object.fromEntries(body.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** Port kinds a template refers to through its placeholders. */
function portKindsIn(template: string): PortKind[] {
  const byPlaceholder: Record<string, PortKind> = { httpPort: 'http', signalPort: 'signal', streamPort: 'stream', webViewerPort: 'webViewer' };
  return [...template.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => byPlaceholder[m[1]]).filter((k): k is PortKind => k !== undefined);
}


describe('the version table', () => {
  test('VERSION_IDS lists exactly the versions, each under its own id; the setting adds "auto"', () => {
    assert.deepEqual([...VERSION_IDS], ['4.2', '4.5-5.x', '6.x', 'custom']);
    assert.deepEqual([...VERSION_SETTINGS], ['auto', '4.2', '4.5-5.x', '6.x', 'custom']);
    assert.deepEqual(Object.keys(VERSIONS).sort(), [...VERSION_IDS].sort());
    for (const id of VERSION_IDS) assert.equal(VERSIONS[id].id, id);
    assert.equal(DEFAULT_SIGNAL_PORT, 49100);
  });

  test('every port kind has a label and a port base setting', () => {
    const kinds: PortKind[] = ['http', 'signal', 'stream', 'webViewer', 'python'];
    assert.deepEqual([...PORT_KINDS], kinds);
    assert.deepEqual(Object.keys(PORT_LABELS).sort(), [...kinds].sort());
    assert.deepEqual(Object.keys(PORT_BASE_SETTING).sort(), [...kinds].sort());
    for (const k of kinds) assert.ok(PORT_LABELS[k].length > 0);
  });

  for (const id of VERSION_IDS) {
    test(`${id}: ports are distinct, known kinds; its port args and env are valid templates that use only its own ports`, () => {
      const p = VERSIONS[id];
      assert.ok(p.ports.length > 0);
      assert.ok(p.title.length > 0);
      assert.equal(new Set(p.ports).size, p.ports.length);
      for (const k of p.ports) assert.ok(k in PORT_LABELS, k);
      // The version's arguments must pass the portArgs schema themselves (only known placeholders).
      const templates = [...p.portArgs, ...p.remoteArgs, ...Object.values(p.portEnv)];
      if (p.portArgs.length > 0) assert.ok(parseSettings({ portArgs: [...p.portArgs, ...p.remoteArgs] }).ok);
      for (const t of templates) {
        for (const k of portKindsIn(t)) assert.ok(p.ports.includes(k), `${id}: ${t} uses ${k}, a port the version does not reserve`);
        for (const m of t.matchAll(/\{([A-Za-z]+)\}/g)) assert.ok((TEMPLATE_PLACEHOLDERS as readonly string[]).includes(m[1]), m[1]);
      }
      if (p.probe.kind === 'tcp') assert.ok(p.ports.includes(p.probe.port), 'the TCP probe targets one of its ports');
      if (p.view === 'web-viewer') assert.ok(p.ports.includes('webViewer'));
      if (p.view === 'client-url') assert.equal(p.probe.kind, 'http');
      assert.ok(p.privacyEnv.length > 0 && p.privacyEnv.every((n) => /^[A-Z_]+$/.test(n)));
      assert.ok(p.binds.length > 0, `${id} binds something`);
      for (const kind of p.binds) assert.ok(p.ports.includes(kind), `${id}: ${kind} is one of its ports`);
      assert.ok(!p.binds.includes('webViewer'), `${id}: the web viewer is another container`);
    });
  }

  test('the table is what NVIDIA ships', () => {
    assert.deepEqual(VERSIONS['4.2'].entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
    assert.deepEqual(VERSIONS['4.2'].ports, ['http', 'signal', 'python']);
    assert.equal(VERSIONS['4.2'].defaultHttpPort, 8211);
    assert.deepEqual(VERSIONS['4.2'].probe, { kind: 'http' });
    assert.equal(VERSIONS['4.2'].view, 'client-url');
    assert.equal(VERSIONS['4.2'].layout, 'root');
    assert.deepEqual(VERSIONS['4.2'].privacyEnv, ['PRIVACY_CONSENT']);
    assert.equal(VERSIONS['4.2'].playerScript?.port, DEFAULT_SIGNAL_PORT);
    assert.match(VERSIONS['4.2'].playerScript?.path ?? '', /omni\.services\.streamclient\.webrtc-.*\/web\/js\/kit-player\.js$/);

    assert.deepEqual(VERSIONS['4.5-5.x'].entrypoint, ['/isaac-sim/runheadless.sh']);
    assert.deepEqual(VERSIONS['4.5-5.x'].ports, ['signal', 'http', 'python']);
    assert.equal(VERSIONS['4.5-5.x'].defaultHttpPort, 8011);
    assert.deepEqual(VERSIONS['4.5-5.x'].probe, { kind: 'tcp', port: 'signal' });
    assert.equal(VERSIONS['4.5-5.x'].view, 'desktop-client');
    assert.equal(VERSIONS['4.5-5.x'].layout, 'image-user');
    assert.deepEqual(VERSIONS['4.5-5.x'].privacyEnv, ['PRIVACY_CONSENT', 'OMNI_ENV_PRIVACY_CONSENT']);
    assert.equal(VERSIONS['4.5-5.x'].playerScript, undefined);

    assert.deepEqual(VERSIONS['6.x'].entrypoint, []);
    assert.deepEqual(VERSIONS['6.x'].ports, ['signal', 'stream', 'http', 'webViewer', 'python']);
    assert.deepEqual(VERSIONS['6.x'].binds, ['signal', 'stream', 'http', 'python']);
    assert.deepEqual(VERSIONS.custom.ports, ['http', 'signal'], 'no code server is known for a custom image');
    assert.equal(VERSIONS['6.x'].defaultHttpPort, 8011);
    assert.deepEqual(VERSIONS['6.x'].probe, { kind: 'tcp', port: 'signal' });
    assert.equal(VERSIONS['6.x'].view, 'web-viewer');
    assert.equal(VERSIONS['6.x'].layout, 'isaac-sim');
    assert.deepEqual(Object.keys(VERSIONS['6.x'].portEnv), ['ISAACSIM_HOST', 'ISAACSIM_SIGNAL_PORT', 'ISAACSIM_STREAM_PORT']);

    assert.deepEqual(VERSIONS.custom.entrypoint, []);
    assert.deepEqual(VERSIONS.custom.portArgs, []);
    assert.deepEqual(VERSIONS.custom.portEnv, {});
    assert.equal(VERSIONS.custom.view, 'client-url');
    assert.equal(VERSIONS.custom.layout, 'image-user');
  });
});

describe('imageTag and versionFromTag', () => {
  test('imageTag: the tag after the last path segment, never a registry port or a digest', () => {
    assert.equal(imageTag('nvcr.io/nvidia/isaac-sim:6.0.1'), '6.0.1');
    assert.equal(imageTag('nvcr.io/nvidia/isaac-sim:4.2.0'), '4.2.0');
    assert.equal(imageTag('isaac-sim:latest'), 'latest');
    assert.equal(imageTag('nvcr.io/nvidia/isaac-sim'), undefined);
    assert.equal(imageTag('localhost:5000/isaac-sim'), undefined, 'a registry port is not a tag');
    assert.equal(imageTag('localhost:5000/team/isaac-sim:5.1.0'), '5.1.0');
    assert.equal(imageTag(`nvcr.io/nvidia/isaac-sim@sha256:${'a'.repeat(64)}`), undefined, 'a digest is not a tag');
    assert.equal(imageTag(`nvcr.io/nvidia/isaac-sim:5.0.0@sha256:${'a'.repeat(64)}`), '5.0.0');
  });

  test('versionFromTag: NVIDIA\'s release tags', () => {
    const cases: Array<[string | undefined, VersionId | undefined]> = [
      ['4.0.0', '4.2'],
      ['4.1.0', '4.2'],
      ['4.2.0', '4.2'],
      ['4.2', '4.2'],
      ['4.5.0', '4.5-5.x'],
      ['5.0.0', '4.5-5.x'],
      ['5.1.0', '4.5-5.x'],
      ['5.1.0-rc.1', '4.5-5.x'],
      ['6.0.1', '6.x'],
      ['6.0.0', '6.x'],
      ['v6.0.0', '6.x'],
      ['v4.2.0', '4.2'],
      ['latest', undefined],
      ['2023.1.1', undefined],
      ['2022.2.1', undefined],
      ['4.3.0', undefined],
      ['7.0.0', undefined],
      ['3.0.0', undefined],
      ['dev', undefined],
      ['42.0', undefined],
      ['', undefined],
      [undefined, undefined],
    ];
    for (const [tag, id] of cases) assert.equal(versionFromTag(tag), id, String(tag));
  });

  test('runsAsIsaacSimUser: the name or uid 1234, with or without a group', () => {
    for (const u of ['isaac-sim', '1234', '1234:1234', 'isaac-sim:isaac-sim']) assert.ok(runsAsIsaacSimUser(u), u);
    for (const u of ['', 'root', '0', '0:0', '12345', 'isaac', 'isaac-sim2', 'x-isaac-sim']) assert.ok(!runsAsIsaacSimUser(u), u);
  });
});

describe('detectVersion', () => {
  test('by the tag of the reference', () => {
    assert.deepEqual(detectVersion('nvcr.io/nvidia/isaac-sim:4.2.0'), { id: '4.2', source: 'image tag "4.2.0"' });
    assert.equal(detectVersion('nvcr.io/nvidia/isaac-sim:4.5.0')?.id, '4.5-5.x');
    assert.equal(detectVersion('nvcr.io/nvidia/isaac-sim:5.1.0')?.id, '4.5-5.x');
    assert.deepEqual(detectVersion('nvcr.io/nvidia/isaac-sim:6.0.1'), { id: '6.x', source: 'image tag "6.0.1"' });
    // The tag wins over a config that would say otherwise.
    assert.equal(detectVersion('nvcr.io/nvidia/isaac-sim:4.2.0', facts({ user: 'isaac-sim', healthcheck: ['CMD-SHELL', 'grep AppReady'] }))?.id, '4.2');
  });

  test('by RepoTags, when the reference names no version (a digest, "latest")', () => {
    const digest = `nvcr.io/nvidia/isaac-sim@sha256:${'b'.repeat(64)}`;
    assert.deepEqual(detectVersion(digest, facts({ tags: ['nvcr.io/nvidia/isaac-sim:6.0.1'] })), { id: '6.x', source: 'image tag "6.0.1"' });
    assert.equal(detectVersion('isaac-sim:latest', facts({ tags: ['isaac-sim:latest', 'nvcr.io/nvidia/isaac-sim:5.0.0'] }))?.id, '4.5-5.x');
    assert.equal(detectVersion(digest, facts({ tags: ['me/isaac:2023.1.1', 'me/isaac:4.2.0'] }))?.id, '4.2');
  });

  test('by config: isaac-sim user with an AppReady healthcheck → 6.x; without → 4.5-5.x', () => {
    const six = detectVersion('me/isaac:latest', facts({ user: 'isaac-sim', healthcheck: ['CMD-SHELL', 'grep -q AppReady /tmp/x'] }));
    assert.equal(six?.id, '6.x');
    assert.match(six?.source ?? '', /image config/);
    assert.equal(detectVersion('me/isaac', facts({ user: '1234', healthcheck: ['CMD', 'sh', '-c', 'AppReady'] }))?.id, '6.x');
    const five = detectVersion('me/isaac:latest', facts({ user: 'isaac-sim' }));
    assert.equal(five?.id, '4.5-5.x');
    assert.match(five?.source ?? '', /image config/);
    assert.equal(detectVersion('me/isaac', facts({ user: '1234' }))?.id, '4.5-5.x');
    assert.equal(detectVersion('me/isaac', facts({ user: '1234:1234', healthcheck: ['CMD', 'true'] }))?.id, '4.5-5.x', 'a healthcheck without AppReady is not 6.x');
  });

  test('by config: a root image whose entrypoint is runheadless.webrtc.sh → 4.2', () => {
    assert.equal(detectVersion('me/isaac:dev', facts({ entrypoint: ['/isaac-sim/runheadless.webrtc.sh'] }))?.id, '4.2');
  });

  test('anything else is unknown', () => {
    assert.equal(detectVersion('me/isaac:latest'), undefined);
    assert.equal(detectVersion('me/isaac:2023.1.1'), undefined);
    assert.equal(detectVersion('me/isaac:latest', facts()), undefined);
    assert.equal(detectVersion('me/isaac:latest', facts({ user: 'root', entrypoint: ['/isaac-sim/runheadless.sh'], tags: ['me/isaac:latest'] })), undefined);
    assert.equal(detectVersion('me/isaac', facts({ healthcheck: ['CMD', 'grep AppReady'] })), undefined, 'AppReady alone, as root, is not 6.x');
  });
});

describe('layoutFor', () => {
  test('4.2 is root and 6.x is isaac-sim whatever the image says; 4.5-5.x and custom follow the image user', () => {
    for (const user of ['', 'root', 'isaac-sim', '1234']) {
      assert.equal(layoutFor(VERSIONS['4.2'], { user }), 'root');
      assert.equal(layoutFor(VERSIONS['6.x'], { user }), 'isaac-sim');
    }
    assert.equal(layoutFor(VERSIONS['4.2'], undefined), 'root');
    assert.equal(layoutFor(VERSIONS['6.x'], undefined), 'isaac-sim');
    for (const id of ['4.5-5.x', 'custom'] as const) {
      assert.equal(layoutFor(VERSIONS[id], { user: '' }), 'root');
      assert.equal(layoutFor(VERSIONS[id], { user: 'root' }), 'root');
      assert.equal(layoutFor(VERSIONS[id], { user: 'isaac-sim' }), 'isaac-sim');
      assert.equal(layoutFor(VERSIONS[id], { user: '1234:1234' }), 'isaac-sim');
      assert.equal(layoutFor(VERSIONS[id], undefined), 'root', 'unknown image user: root');
    }
  });
});

describe('portsFor and primaryPort per version', () => {
  const expected: Record<VersionId, [Record<string, number>, Record<string, number>]> = {
    '4.2': [
      { http: 8211, signal: 49100, python: 8226 },
      { http: 8214, signal: 49103, python: 8229 },
    ],
    '4.5-5.x': [
      { signal: 49100, http: 8011, python: 8226 },
      { signal: 49103, http: 8014, python: 8229 },
    ],
    '6.x': [
      { signal: 49100, stream: 47998, http: 8011, webViewer: 8210, python: 8226 },
      { signal: 49103, stream: 48001, http: 8014, webViewer: 8213, python: 8229 },
    ],
    custom: [
      { http: 8211, signal: 49100 },
      { http: 8214, signal: 49103 },
    ],
  };
  for (const id of VERSION_IDS) {
    test(`${id}: only the version's kinds, base + index, in the version's order`, () => {
      const s = settings();
      const [at0, at3] = expected[id];
      assert.deepEqual(portsFor(s, id, 0), at0);
      assert.deepEqual(portsFor(s, id, 3), at3);
      assert.deepEqual(Object.keys(portsFor(s, id, 3)), [...VERSIONS[id].ports]);
      assert.equal(primaryPort(portsFor(s, id, 3)), at3[VERSIONS[id].ports[0]]);
      // The ports label written on the container is the same record.
      assert.deepEqual(parsePortsLabel(buildContainerSpec(s, 3, ctx(id)).Labels[PORTS_LABEL]), at3);
    });
  }

  test('an explicit httpPortBase replaces the version\'s own Kit HTTP port', () => {
    for (const id of VERSION_IDS) assert.equal(portsFor(settings({ httpPortBase: 9000 }), id, 2).http, 9002, id);
  });

  test('primaryPort of an empty record is undefined', () => {
    assert.equal(primaryPort({}), undefined);
    assert.equal(primaryPort({ webViewer: 8210 }), 8210);
  });
});

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

describe('clientUrlFor per version', () => {
  test('4.2 and custom: the client URL template (the webrtc-demo page on the instance\'s Kit HTTP port)', () => {
    for (const id of ['4.2', 'custom'] as const) {
      assert.equal(clientUrlFor(settings(), id, 0), 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1');
      assert.equal(clientUrlFor(settings(), id, 3), 'http://127.0.0.1:8214/streaming/webrtc-demo/?server=127.0.0.1');
    }
  });

  test('4.5-5.x: the client URL template on its Kit HTTP port 8011+N', () => {
    assert.equal(clientUrlFor(settings(), '4.5-5.x', 2), 'http://127.0.0.1:8013/streaming/webrtc-demo/?server=127.0.0.1');
  });

  test('6.x: the web viewer template with the instance\'s web viewer port', () => {
    assert.equal(clientUrlFor(settings(), '6.x', 0), 'http://127.0.0.1:8210/');
    assert.equal(clientUrlFor(settings(), '6.x', 3), 'http://127.0.0.1:8213/');
    assert.equal(clientUrlFor(settings({ host: '10.0.0.9', webViewerPortBase: 9000 }), '6.x', 2), 'http://10.0.0.9:9002/');
  });

  test('6.x ignores the client URL template; 4.2 ignores the web viewer template', () => {
    const both = { clientUrlTemplate: 'http://client/{index}', webViewerUrlTemplate: 'http://viewer/{index}?s={signalPort}&m={streamPort}' };
    assert.equal(clientUrlFor(settings(both), '6.x', 1), 'http://viewer/1?s=49101&m=47999');
    assert.equal(clientUrlFor(settings(both), '4.2', 1), 'http://client/1');
  });

  test('explicit ports (from a container label) win over the settings', () => {
    assert.equal(clientUrlFor(settings(), '6.x', 3, { signal: 1, stream: 2, webViewer: 3 }), 'http://127.0.0.1:3/');
    assert.equal(clientUrlFor(settings(), '4.2', 3, { http: 7, signal: 8 }), 'http://127.0.0.1:7/streaming/webrtc-demo/?server=127.0.0.1');
  });
});
