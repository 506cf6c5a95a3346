import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, PORT_BASE_SETTING, SETTING_KEYS, SETTINGS_SECTION, describeProblems, parseSettings, settingsSchema, portRangeProblems } from '../../src/instances/settings';
import { VERSIONS, VERSION_IDS, VERSION_SETTINGS } from '../../src/instances/versions';
import { problemsOf, settingsOf } from './settingsFixture';

describe('parseSettings: defaults', () => {
  test('an empty object is valid and equals DEFAULT_SETTINGS', () => {
    const s = settingsOf(parseSettings({}));
    assert.deepEqual(s, { ...DEFAULT_SETTINGS });
  });

  test('undefined input is valid and yields the defaults (VS Code may give nothing)', () => {
    assert.deepEqual(settingsOf(parseSettings(undefined)), { ...DEFAULT_SETTINGS });
  });

  test('DEFAULT_SETTINGS carries the documented Isaac Sim values: 4.2 image, version read from it, NVIDIA\'s ports', () => {
    assert.equal(DEFAULT_SETTINGS.image, 'nvcr.io/nvidia/isaac-sim:4.2.0');
    assert.equal(DEFAULT_SETTINGS.version, 'auto');
    assert.deepEqual(DEFAULT_SETTINGS.entrypoint, [], 'the version supplies the launcher');
    assert.deepEqual(DEFAULT_SETTINGS.portArgs, [], 'the version supplies the port arguments');
    assert.equal(DEFAULT_SETTINGS.httpPortBase, null, 'the version\'s own Kit HTTP port');
    assert.equal(DEFAULT_SETTINGS.privacyConsent, false, 'no telemetry unless the user opts in');
    assert.equal(DEFAULT_SETTINGS.memoryLimitGiB, 0, 'no memory limit: a first start compiling shaders must not be OOM-killed');
    assert.equal(DEFAULT_SETTINGS.signalPortBase, 49100);
    assert.equal(DEFAULT_SETTINGS.streamPortBase, 47998);
    assert.equal(DEFAULT_SETTINGS.webViewerPortBase, 8210);
    assert.equal(DEFAULT_SETTINGS.pythonServerPortBase, 8226, 'the code servers\' own default port [vs51][ps601]');
    assert.equal(DEFAULT_SETTINGS.pythonServerToken, '', 'a 6.x instance generates its token');
    assert.equal(DEFAULT_SETTINGS.webViewerUrlTemplate, 'http://{host}:{webViewerPort}/');
    // 4.2's /streaming/webrtc-client redirects to another origin; the page it redirects to does not.
    assert.equal(DEFAULT_SETTINGS.clientUrlTemplate, 'http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}');
    assert.equal(DEFAULT_SETTINGS.runtime, 'nvidia');
    assert.equal(DEFAULT_SETTINGS.gpus, 'all');
    assert.deepEqual(DEFAULT_SETTINGS.readinessPatterns, [
      'Isaac Sim Full Streaming App is loaded\\.',
      'Isaac Sim Headless Native App is loaded\\.',
      'Isaac Sim Headless WebRTC App is loaded\\.',
      'Isaac Sim App is loaded\\.',
      'Simulation App Startup Complete',
    ]);
    assert.ok(Object.isFrozen(DEFAULT_SETTINGS));
  });

  test('the default settings are valid for every version setting at every instance count but one', () => {
    for (const version of VERSION_SETTINGS) {
      for (const instanceCount of [0, 1, 4, 15, 16]) {
        const s = settingsOf(parseSettings({ instanceCount }));
        // Also at start, when "auto" has become the image's version.
        for (const id of VERSION_IDS) {
          const problems = portRangeProblems(s, id);
          if (id === '4.2' && instanceCount === 16) {
            // 4.2's Kit HTTP ports 8211 + N reach NVIDIA's code server port 8226 at N = 15: a real clash, named with its fix.
            assert.deepEqual(problems.map((p) => p.setting), ['isaacSim.pythonServerPortBase'], `${version} as 4.2, 16 instances`);
            assert.match(problems[0].message, /isaacSim\.httpPortBase \(8211-8226\) and isaacSim\.pythonServerPortBase \(8226-8241\).*move one base/);
          } else {
            assert.deepEqual(problems, [], `${version} as ${id}, ${instanceCount} instances`);
          }
        }
      }
    }
  });

  test('every port kind has a port base setting, and every version uses only known kinds', () => {
    for (const id of VERSION_IDS) {
      for (const kind of VERSIONS[id].ports) assert.ok(PORT_BASE_SETTING[kind] in DEFAULT_SETTINGS, `${id}: ${kind}`);
    }
    assert.deepEqual(Object.values(PORT_BASE_SETTING).sort(), ['httpPortBase', 'pythonServerPortBase', 'signalPortBase', 'streamPortBase', 'webViewerPortBase']);
  });

  test('the removed settings of the streaming profiles are ignored like any unknown key', () => {
    const s = settingsOf(parseSettings({ streamingProfile: 'livestream', webrtcPortBase: 'nonsense', nativePortBase: -1 }));
    assert.deepEqual(s, { ...DEFAULT_SETTINGS });
    for (const key of ['streamingProfile', 'webrtcPortBase', 'nativePortBase']) assert.ok(!(key in s), key);
  });

  test('SETTING_KEYS lists exactly the keys of DEFAULT_SETTINGS', () => {
    assert.deepEqual([...SETTING_KEYS].sort(), Object.keys(DEFAULT_SETTINGS).sort());
    assert.equal(SETTINGS_SECTION, 'isaacSim');
  });

  test('missing keys take defaults, given keys are kept, unknown keys are ignored', () => {
    const s = settingsOf(parseSettings({ instanceCount: 3, image: 'my.registry:5000/team/isaac-sim:dev', somethingElse: 42 }));
    assert.equal(s.instanceCount, 3);
    assert.equal(s.image, 'my.registry:5000/team/isaac-sim:dev');
    assert.equal(s.memoryLimitGiB, DEFAULT_SETTINGS.memoryLimitGiB);
    assert.equal(s.clientUrlTemplate, DEFAULT_SETTINGS.clientUrlTemplate);
    assert.ok(!('somethingElse' in s));
  });

  test('a key explicitly set to undefined takes its default', () => {
    const s = settingsOf(parseSettings({ image: undefined, gpus: undefined }));
    assert.equal(s.image, DEFAULT_SETTINGS.image);
    assert.equal(s.gpus, DEFAULT_SETTINGS.gpus);
  });

  test('the returned settings are copies: mutating them leaves DEFAULT_SETTINGS and the input alone', () => {
    const input = { extraArgs: ['--a'] };
    const s = settingsOf(parseSettings(input));
    s.entrypoint.push('--mutated');
    s.portArgs.push('--mutated');
    s.readinessPatterns.length = 0;
    s.env.X = 'y';
    s.extraArgs.push('--b');
    assert.deepEqual(DEFAULT_SETTINGS.entrypoint, []);
    assert.deepEqual(DEFAULT_SETTINGS.portArgs, []);
    assert.equal(DEFAULT_SETTINGS.readinessPatterns.length, 5);
    assert.deepEqual(DEFAULT_SETTINGS.env, {});
    assert.deepEqual(input.extraArgs, ['--a']);
  });

  test('valid non-default values of every kind are accepted', () => {
    const raw = {
      instanceCount: 0,
      image: 'nvcr.io/nvidia/isaac-sim@sha256:' + 'a'.repeat(64),
      version: 'custom',
      entrypoint: ['/bin/sh', '-c'],
      portArgs: ['--port={httpPort}', '--label={label}', '--i={index}', '--h={host}', '--s={signalPort}', '--m={streamPort}', '--v={webViewerPort}'],
      extraArgs: ['', '--no-window'],
      env: { MY_VAR: 'x', _under: '', A1: 'with spaces and = signs' },
      runtime: '',
      gpus: 'none',
      privacyConsent: true,
      memoryLimitGiB: 8,
      headroomGiB: 0,
      hostDataRoot: '/var/lib/isaac',
      httpPortBase: 1,
      signalPortBase: 2,
      streamPortBase: 2,
      webViewerPortBase: 2,
      pythonServerPortBase: 2,
      pythonServerToken: 'Tok_en-0123456789abcdef',
      webViewerBuildContext: '~/IsaacSim/tools/docker/web-viewer',
      webViewerImage: '',
      host: '[::1]',
      clientUrlTemplate: 'https://{host}:{httpPort}/x?i={index}&l={label}&s={signalPort}&m={streamPort}&v={webViewerPort}',
      webViewerUrlTemplate: 'https://{host}:{webViewerPort}/v?s={signalPort}&m={streamPort}&l={label}',
      readinessPatterns: ['^ready$', 'loaded\\.$'],
      logTailLines: 0,
      stopTimeoutSeconds: 600,
      endpoints: [{ name: 'gpu-box', dockerHost: 'tcp://10.0.0.6:2375' }],
      dockerHost: 'tcp://10.0.0.5:2375',
      // Never together with dockerHost: its own non-default value is in the dockerContext test.
      dockerContext: '',
    };
    assert.deepEqual(settingsOf(parseSettings(raw)), raw);
  });

  test('more accepted edge values', () => {
    for (const [key, value] of [
      ['instanceCount', 16],
      ['image', 'localhost:5000/isaac:latest'],
      ['image', 'isaac-sim'],
      ['image', 'ubuntu:22.04'],
      ['gpus', '0,1'],
      ['gpus', 'GPU-0f1e2d3c-aaaa-bbbb'],
      ['gpus', 'all'],
      ['memoryLimitGiB', 1],
      ['memoryLimitGiB', 1.5],
      ['memoryLimitGiB', 1024],
      ['hostDataRoot', '~'],
      ['hostDataRoot', '~/x/y'],
      ['hostDataRoot', 'C:\\isaac'],
      ['hostDataRoot', 'D:/isaac'],
      ['host', 'sim-box.local'],
      ['host', '10.1.2.3'],
      ['dockerHost', ''],
      ['dockerHost', 'unix:///var/run/docker.sock'],
      ['dockerHost', 'npipe:////./pipe/docker_engine'],
      ['stopTimeoutSeconds', 0],
      ['logTailLines', 100000],
      ['version', 'auto'],
      ['version', '4.2'],
      ['version', '4.5-5.x'],
      ['version', '6.x'],
      ['version', 'custom'],
      ['privacyConsent', true],
      ['privacyConsent', false],
      ['httpPortBase', null],
      ['httpPortBase', 8011],
      ['memoryLimitGiB', 0],
      ['readinessPatterns', ['x']],
      ['readinessPatterns', ['a', 'b', 'c', 'd', 'e']],
      ['webViewerUrlTemplate', 'http://{host}:{webViewerPort}/'],
      ['webViewerUrlTemplate', 'https://viewer.example/{label}'],
      ['clientUrlTemplate', 'http://{host}:{webViewerPort}/?signal={signalPort}&media={streamPort}'],
      ['portArgs', []],
      ['entrypoint', []],
    ] as const) {
      const s = settingsOf(parseSettings({ [key]: value }));
      assert.deepEqual(s[key], value, `${key}=${JSON.stringify(value)}`);
    }
  });
});

describe('parseSettings: non-object input', () => {
  for (const raw of [null, 5, 'isaacSim', true, [], [1, 2]]) {
    test(`${JSON.stringify(raw)} is reported as a problem of the section`, () => {
      const problems = problemsOf(parseSettings(raw));
      assert.equal(problems.length, 1);
      assert.equal(problems[0].setting, 'isaacSim');
      assert.ok(problems[0].message.includes('must be an object'), problems[0].message);
      assert.ok(problems[0].message.includes(JSON.stringify(raw)), problems[0].message);
    });
  }
});

describe('describeProblems', () => {
  test('one problem is its own message', () => {
    const problems = problemsOf(parseSettings({ gpus: '' }));
    assert.equal(describeProblems(problems), problems[0].message);
  });

  test('several problems are counted and all included', () => {
    const problems = problemsOf(parseSettings({ gpus: '', host: '' }));
    const text = describeProblems(problems);
    assert.match(text, /^2 Isaac Sim settings are invalid: /);
    assert.ok(text.includes(problems[0].message) && text.includes(problems[1].message));
  });
});

describe('defaults are not parsed, so each must pass its own schema', () => {
  test('every default parses to itself through the whole settings schema', () => {
    const parsed = settingsSchema().safeParse({ ...DEFAULT_SETTINGS });
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    assert.deepEqual(parsed.data, DEFAULT_SETTINGS);
  });

  test('a value equal to the default is handed out as a copy; one that differs is still checked', () => {
    const a = parseSettings({});
    const b = parseSettings({ readinessPatterns: [...DEFAULT_SETTINGS.readinessPatterns], env: {} });
    assert.ok(a.ok && b.ok);
    assert.notEqual(a.settings.readinessPatterns, DEFAULT_SETTINGS.readinessPatterns, 'not the shared default list');
    a.settings.readinessPatterns.push('changed');
    const again = parseSettings({});
    assert.ok(again.ok);
    assert.deepEqual(again.settings.readinessPatterns, DEFAULT_SETTINGS.readinessPatterns, 'the default is untouched');
    const bad = parseSettings({ readinessPatterns: [...DEFAULT_SETTINGS.readinessPatterns, '(a|a)*$\\1'] });
    assert.equal(bad.ok, false);
  });
});

describe('"Run in Sim" settings', () => {
  test('a bad code server token is refused without showing it, naming what a token may be', () => {
    for (const bad of ['short-token', 'has spaces in it here', 'x'.repeat(257), 'semi;colon-0123456789', 42]) {
      const problems = problemsOf(parseSettings({ pythonServerToken: bad }));
      assert.equal(problems.length, 1, String(bad));
      assert.equal(problems[0].setting, 'isaacSim.pythonServerToken');
      assert.match(problems[0].message, /not shown: it is a secret.*16 to 256 letters, digits, "-" or "_"/);
      if (typeof bad === 'string') assert.ok(!problems[0].message.includes(bad), 'the value stays out of the message');
    }
  });
  test('the code server port range is checked with the others', () => {
    const problems = problemsOf(parseSettings({ version: '6.x', instanceCount: 4, pythonServerPortBase: 49102 }));
    assert.deepEqual(problems.map((p) => p.setting), ['isaacSim.pythonServerPortBase']);
    assert.match(problems[0].message, /isaacSim\.signalPortBase \(49100-49103\) and isaacSim\.pythonServerPortBase \(49102-49105\)/);
    assert.deepEqual(problemsOf(parseSettings({ version: '4.2', instanceCount: 2, pythonServerPortBase: 65535 })).map((p) => p.setting), ['isaacSim.pythonServerPortBase']);
    // A custom image has no code server: its base is not checked.
    settingsOf(parseSettings({ version: 'custom', instanceCount: 2, pythonServerPortBase: 65535 }));
  });
});
