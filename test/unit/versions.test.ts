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
  type PortKind,
  type VersionId,
} from '../../src/instances/versions';
import { PORT_BASE_SETTING, parseSettings } from '../../src/instances/settings';
import { TEMPLATE_PLACEHOLDERS } from '../../src/instances/templates';
import { PORTS_LABEL, buildContainerSpec, clientUrlFor, parsePortsLabel, portsFor, primaryPort } from '../../src/instances/spec';
import { settings, ctx, facts } from './versionsFixture';

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
