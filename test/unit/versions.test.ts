import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PORT_LABELS, PROFILES, PROFILE_IDS, type PortKind, type ProfileId } from '../../src/instances/profiles';
import { PORT_BASE_SETTING, TEMPLATE_PLACEHOLDERS, parseSettings, type Settings } from '../../src/instances/settings';
import { GPU_LABEL, PORTS_LABEL, PROFILE_LABEL, buildContainerSpec, clientUrlFor, gpuFor, parsePortsLabel, portsFor, primaryPort } from '../../src/instances/spec';

const HOME = '/home/u';

function settings(overrides: Partial<Settings> = {}): Settings {
  const r = parseSettings({ ...overrides });
  assert.ok(r.ok, `test settings must be valid: ${JSON.stringify(r)}`);
  return r.settings;
}

/** Port kinds a template refers to through its placeholders. */
function portKindsIn(template: string): PortKind[] {
  const byPlaceholder: Record<string, PortKind> = {
    httpPort: 'http',
    webrtcPort: 'webrtc',
    nativePort: 'native',
    signalPort: 'signal',
    streamPort: 'stream',
    webViewerPort: 'webViewer',
  };
  return [...template.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => byPlaceholder[m[1]]).filter((k): k is PortKind => k !== undefined);
}

describe('the profile table', () => {
  test('PROFILE_IDS lists exactly the profiles, each under its own id', () => {
    assert.deepEqual([...PROFILE_IDS], ['legacy-webrtc', 'livestream', 'custom']);
    assert.deepEqual(Object.keys(PROFILES).sort(), [...PROFILE_IDS].sort());
    for (const id of PROFILE_IDS) assert.equal(PROFILES[id].id, id);
  });

  test('every port kind has a label and a port base setting', () => {
    const kinds: PortKind[] = ['http', 'webrtc', 'native', 'signal', 'stream', 'webViewer'];
    assert.deepEqual(Object.keys(PORT_LABELS).sort(), [...kinds].sort());
    assert.deepEqual(Object.keys(PORT_BASE_SETTING).sort(), [...kinds].sort());
    for (const k of kinds) assert.ok(PORT_LABELS[k].length > 0);
  });

  for (const id of PROFILE_IDS) {
    test(`${id}: ports are distinct, known kinds; its port args are valid settings and use only its own ports`, () => {
      const p = PROFILES[id];
      assert.ok(p.ports.length > 0);
      assert.equal(new Set(p.ports).size, p.ports.length);
      for (const k of p.ports) assert.ok(k in PORT_LABELS, k);
      // The profile's arguments must pass the portArgs schema themselves (only known placeholders).
      if (p.portArgs.length > 0) assert.ok(parseSettings({ portArgs: [...p.portArgs] }).ok);
      for (const arg of p.portArgs) {
        for (const k of portKindsIn(arg)) assert.ok(p.ports.includes(k), `${id}: ${arg} uses ${k}, a port the profile does not reserve`);
        for (const m of arg.matchAll(/\{([A-Za-z]+)\}/g)) assert.ok((TEMPLATE_PLACEHOLDERS as readonly string[]).includes(m[1]), m[1]);
      }
      if (p.probe.kind === 'tcp') assert.ok(p.ports.includes(p.probe.port), 'the TCP probe targets one of its ports');
      if (p.view === 'web-viewer') assert.ok(p.ports.includes('webViewer'));
      if (p.view === 'client-url') assert.equal(p.probe.kind, 'http');
    });
  }

  test('the table is what the documentation says', () => {
    assert.deepEqual(PROFILES['legacy-webrtc'].entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
    assert.deepEqual(PROFILES['legacy-webrtc'].ports, ['http', 'webrtc', 'native']);
    assert.deepEqual(PROFILES['legacy-webrtc'].probe, { kind: 'http' });
    assert.equal(PROFILES['legacy-webrtc'].view, 'client-url');
    assert.deepEqual(PROFILES.livestream.entrypoint, ['/isaac-sim/runheadless.sh']);
    assert.deepEqual(PROFILES.livestream.ports, ['signal', 'stream', 'webViewer']);
    assert.deepEqual(PROFILES.livestream.probe, { kind: 'tcp', port: 'signal' });
    assert.equal(PROFILES.livestream.view, 'web-viewer');
    assert.deepEqual(PROFILES.custom.entrypoint, []);
    assert.deepEqual(PROFILES.custom.portArgs, []);
    assert.equal(PROFILES.custom.view, 'client-url');
  });
});

describe('buildContainerSpec per profile, with entrypoint and portArgs left at []', () => {
  test('legacy-webrtc: runheadless.webrtc.sh with the HTTP, WebRTC and native port arguments', () => {
    for (const [index, http, webrtc, native] of [
      [0, 8211, 8011, 8899],
      [3, 8214, 8014, 8902],
    ]) {
      const body = buildContainerSpec(settings({ streamingProfile: 'legacy-webrtc' }), index, HOME);
      assert.deepEqual(body.Entrypoint, ['/isaac-sim/runheadless.webrtc.sh']);
      assert.deepEqual(body.Cmd, [
        `--/exts/omni.services.transport.server.http/port=${http}`,
        `--/exts/omni.kit.livestream.webrtc/port=${webrtc}`,
        `--/app/livestream/port=${native}`,
      ]);
      assert.equal(body.Labels[PROFILE_LABEL], 'legacy-webrtc');
    }
  });

  test('livestream: runheadless.sh with the 4.5/5.x and the 6.x signal, stream and public-IP arguments', () => {
    for (const [index, signal, stream] of [
      [0, 49100, 47998],
      [3, 49103, 48001],
    ]) {
      const body = buildContainerSpec(settings({ streamingProfile: 'livestream' }), index, HOME);
      assert.deepEqual(body.Entrypoint, ['/isaac-sim/runheadless.sh']);
      assert.deepEqual(body.Cmd, [
        `--/app/livestream/port=${signal}`,
        `--/exts/omni.kit.livestream.app/primaryStream/signalPort=${signal}`,
        `--/exts/omni.kit.livestream.app/primaryStream/streamPort=${stream}`,
        '--/exts/omni.kit.livestream.app/primaryStream/publicIp=127.0.0.1',
      ]);
      assert.equal(body.Labels[PROFILE_LABEL], 'livestream');
    }
  });

  test('livestream: the public IP is the configured host, and custom bases move the arguments', () => {
    const body = buildContainerSpec(settings({ streamingProfile: 'livestream', host: '192.168.1.20', signalPortBase: 50000, streamPortBase: 51000 }), 2, HOME);
    assert.deepEqual(body.Cmd, [
      '--/app/livestream/port=50002',
      '--/exts/omni.kit.livestream.app/primaryStream/signalPort=50002',
      '--/exts/omni.kit.livestream.app/primaryStream/streamPort=51002',
      '--/exts/omni.kit.livestream.app/primaryStream/publicIp=192.168.1.20',
    ]);
  });

  test('custom: no Entrypoint (the image keeps its own) and a Cmd of only extraArgs', () => {
    const bare = buildContainerSpec(settings({ streamingProfile: 'custom' }), 0, HOME);
    assert.ok(!('Entrypoint' in bare));
    assert.deepEqual(bare.Cmd, []);
    const body = buildContainerSpec(settings({ streamingProfile: 'custom', extraArgs: ['--no-window', '--x={httpPort}'] }), 1, HOME);
    assert.ok(!('Entrypoint' in body));
    assert.deepEqual(body.Cmd, ['--no-window', '--x={httpPort}']);
    assert.equal(body.Labels[PROFILE_LABEL], 'custom');
  });

  test('custom: only the given portArgs (filled) and extraArgs', () => {
    const body = buildContainerSpec(settings({ streamingProfile: 'custom', portArgs: ['--port={httpPort}', '--i={index}'], extraArgs: ['--y'] }), 2, HOME);
    assert.ok(!('Entrypoint' in body));
    assert.deepEqual(body.Cmd, ['--port=8213', '--i=2', '--y']);
  });

  test('extraArgs follow the profile\'s port arguments', () => {
    const body = buildContainerSpec(settings({ streamingProfile: 'livestream', extraArgs: ['--no-window'] }), 0, HOME);
    assert.equal(body.Cmd.length, 5);
    assert.equal(body.Cmd[4], '--no-window');
  });
});

describe('explicit entrypoint and portArgs override the profile', () => {
  for (const id of PROFILE_IDS) {
    test(`${id}`, () => {
      const body = buildContainerSpec(
        settings({ streamingProfile: id, entrypoint: ['/isaac-sim/isaac-sim.sh'], portArgs: ['--a={signalPort}', '--b={httpPort}', '--c={webViewerPort}'], extraArgs: ['--z'] }),
        1,
        HOME,
      );
      assert.deepEqual(body.Entrypoint, ['/isaac-sim/isaac-sim.sh']);
      // Every placeholder is filled, also for port kinds the profile does not reserve (base + index).
      assert.deepEqual(body.Cmd, ['--a=49101', '--b=8212', '--c=8211', '--z']);
    });
  }

  test('an explicit entrypoint alone keeps the profile\'s port arguments, and the other way round', () => {
    const a = buildContainerSpec(settings({ streamingProfile: 'livestream', entrypoint: ['/run.sh'] }), 0, HOME);
    assert.deepEqual(a.Entrypoint, ['/run.sh']);
    assert.equal(a.Cmd[0], '--/app/livestream/port=49100');
    const b = buildContainerSpec(settings({ streamingProfile: 'livestream', portArgs: ['--p={signalPort}'] }), 0, HOME);
    assert.deepEqual(b.Entrypoint, ['/isaac-sim/runheadless.sh']);
    assert.deepEqual(b.Cmd, ['--p=49100']);
  });
});

describe('portsFor and primaryPort per profile', () => {
  const expected: Record<ProfileId, [Record<string, number>, Record<string, number>]> = {
    'legacy-webrtc': [
      { http: 8211, webrtc: 8011, native: 8899 },
      { http: 8214, webrtc: 8014, native: 8902 },
    ],
    livestream: [
      { signal: 49100, stream: 47998, webViewer: 8210 },
      { signal: 49103, stream: 48001, webViewer: 8213 },
    ],
    custom: [
      { http: 8211, webrtc: 8011, native: 8899 },
      { http: 8214, webrtc: 8014, native: 8902 },
    ],
  };
  for (const id of PROFILE_IDS) {
    test(`${id}: only the profile's kinds, base + index, in the profile's order`, () => {
      const s = settings({ streamingProfile: id });
      const [at0, at3] = expected[id];
      assert.deepEqual(portsFor(s, 0), at0);
      assert.deepEqual(portsFor(s, 3), at3);
      assert.deepEqual(Object.keys(portsFor(s, 3)), [...PROFILES[id].ports]);
      assert.equal(primaryPort(portsFor(s, 3)), at3[PROFILES[id].ports[0]]);
      // The ports label written on the container is the same record.
      assert.deepEqual(parsePortsLabel(buildContainerSpec(s, 3, HOME).Labels[PORTS_LABEL]), at3);
    });
  }

  test('primaryPort of an empty record is undefined', () => {
    assert.equal(primaryPort({}), undefined);
    assert.equal(primaryPort({ webViewer: 8210 }), 8210);
  });
});

describe('clientUrlFor per profile', () => {
  test('legacy-webrtc and custom: the client URL template', () => {
    for (const streamingProfile of ['legacy-webrtc', 'custom'] as const) {
      assert.equal(clientUrlFor(settings({ streamingProfile }), 0), 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1');
      assert.equal(clientUrlFor(settings({ streamingProfile }), 3), 'http://127.0.0.1:8214/streaming/webrtc-client/?server=127.0.0.1');
    }
  });

  test('livestream: the web viewer template with the instance\'s web viewer port', () => {
    assert.equal(clientUrlFor(settings({ streamingProfile: 'livestream' }), 0), 'http://127.0.0.1:8210/');
    assert.equal(clientUrlFor(settings({ streamingProfile: 'livestream' }), 3), 'http://127.0.0.1:8213/');
    assert.equal(clientUrlFor(settings({ streamingProfile: 'livestream', host: 'sim.local', webViewerPortBase: 9000 }), 2), 'http://sim.local:9002/');
  });

  test('livestream ignores the client URL template; legacy ignores the web viewer template', () => {
    const both = { clientUrlTemplate: 'http://client/{index}', webViewerUrlTemplate: 'http://viewer/{index}?s={signalPort}&m={streamPort}' };
    assert.equal(clientUrlFor(settings({ ...both, streamingProfile: 'livestream' }), 1), 'http://viewer/1?s=49101&m=47999');
    assert.equal(clientUrlFor(settings({ ...both, streamingProfile: 'legacy-webrtc' }), 1), 'http://client/1');
  });

  test('explicit ports (from a container label) win over the settings', () => {
    const s = settings({ streamingProfile: 'livestream' });
    assert.equal(clientUrlFor(s, 3, { signal: 1, stream: 2, webViewer: 3 }), 'http://127.0.0.1:3/');
  });
});

describe('gpuFor: round-robin over a GPU list', () => {
  test('"0,1" → 0, 1, 0, 1', () => {
    assert.deepEqual([0, 1, 2, 3].map((i) => gpuFor('0,1', i)), ['0', '1', '0', '1']);
  });

  test('"0,1,2" → 0, 1, 2, 0, 1', () => {
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => gpuFor('0,1,2', i)), ['0', '1', '2', '0', '1']);
  });

  test('a single id (index or UUID) is the same for every instance', () => {
    for (const i of [0, 1, 7, 15]) {
      assert.equal(gpuFor('GPU-aaa', i), 'GPU-aaa');
      assert.equal(gpuFor('1', i), '1');
    }
  });

  test('"all" and "none" are handed to every instance as they are', () => {
    for (const i of [0, 1, 15]) {
      assert.equal(gpuFor('all', i), 'all');
      assert.equal(gpuFor('none', i), 'none');
    }
  });

  test('the spec\'s DeviceRequests and gpu label follow the round-robin per instance', () => {
    const s = settings({ gpus: '0,GPU-bbb' });
    const ids = [0, 1, 2, 3].map((i) => buildContainerSpec(s, i, HOME));
    assert.deepEqual(
      ids.map((b) => b.HostConfig.DeviceRequests),
      [['0'], ['GPU-bbb'], ['0'], ['GPU-bbb']].map((DeviceIDs) => [{ Driver: 'nvidia', DeviceIDs, Capabilities: [['gpu']] }]),
    );
    assert.deepEqual(
      ids.map((b) => b.Labels[GPU_LABEL]),
      ['0', 'GPU-bbb', '0', 'GPU-bbb'],
    );
  });

  test('"all" requests every GPU for every instance; "none" requests none', () => {
    for (const i of [0, 3]) {
      const all = buildContainerSpec(settings({ gpus: 'all' }), i, HOME);
      assert.deepEqual(all.HostConfig.DeviceRequests, [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
      assert.equal(all.Labels[GPU_LABEL], 'all');
      const none = buildContainerSpec(settings({ gpus: 'none' }), i, HOME);
      assert.ok(!('DeviceRequests' in none.HostConfig));
      assert.equal(none.Labels[GPU_LABEL], 'none');
    }
  });
});

describe('ports the simulator binds itself', () => {
  test('are a subset of the ports each profile uses, and never the separate web viewer', () => {
    for (const profile of Object.values(PROFILES)) {
      assert.ok(profile.binds.length > 0, `${profile.id} binds something`);
      for (const kind of profile.binds) assert.ok(profile.ports.includes(kind), `${profile.id}: ${kind} is one of its ports`);
      assert.ok(!profile.binds.includes('webViewer'), `${profile.id}: the web viewer is another container`);
    }
    assert.deepEqual(PROFILES.livestream.binds, ['signal', 'stream']);
  });
});
