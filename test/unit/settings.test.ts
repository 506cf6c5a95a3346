import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { maskUrlCredentials } from '../../src/instances/redact';
import {
  DEFAULT_SETTINGS,
  PORT_BASE_SETTING,
  SETTING_KEYS,
  SETTINGS_SECTION,
  describeProblems,
  parseSettings,
  portBase,
  settingsSchema,
  portRangeProblems,
  type Settings,
  type SettingsProblem,
  type SettingsResult,
} from '../../src/instances/settings';
import { TEMPLATE_PLACEHOLDERS, fillTemplate } from '../../src/instances/templates';
import { VERSIONS, VERSION_IDS, VERSION_SETTINGS } from '../../src/instances/versions';

function problemsOf(result: SettingsResult): SettingsProblem[] {
  assert.equal(result.ok, false, `expected invalid settings, got ${JSON.stringify(result)}`);
  return result.ok ? [] : result.problems;
}

function settingsOf(result: SettingsResult): Settings {
  assert.equal(result.ok, true, `expected valid settings, got ${JSON.stringify(result)}`);
  return result.ok ? result.settings : (undefined as never);
}

/** Exactly one problem, for the named setting, showing the value and saying what is allowed. */
function assertSingleProblem(key: string, value: unknown, allowedFragment: string | RegExp): SettingsProblem {
  const problems = problemsOf(parseSettings({ [key]: value }));
  assert.equal(problems.length, 1, `one problem expected for ${key}=${JSON.stringify(value)}: ${JSON.stringify(problems)}`);
  const [p] = problems;
  assert.equal(p.setting, `isaacSim.${key}`);
  assert.ok(p.message.includes(`isaacSim.${key}`), `message names the setting: ${p.message}`);
  const shown = JSON.stringify(value);
  // Shown as given, except a password in a URL.
  if (shown.length <= 80) assert.ok(p.message.includes(maskUrlCredentials(shown)), `message shows the bad value ${shown}: ${p.message}`);
  // URL templates also say which rule the value breaks, in parentheses.
  const why = (key.endsWith('UrlTemplate') || key === 'dockerHost') && typeof value === 'string' ? /not allowed \(.+?\): use / : key === 'readinessPatterns' ? /not allowed(?: \(pattern \d+: .+?\))?: use / : /not allowed: use /;
  assert.match(p.message, why);
  if (typeof allowedFragment === 'string') assert.ok(p.message.includes(allowedFragment), `message says what is allowed ("${allowedFragment}"): ${p.message}`);
  else assert.match(p.message, allowedFragment);
  return p;
}

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

describe('parseSettings: invalid values name the setting, show the value and say what is allowed', () => {
  test('instanceCount: wrong type, fraction, out of range', () => {
    for (const v of ['1', 1.5, -1, 17, null, true]) assertSingleProblem('instanceCount', v, 'a whole number of instances from 0 to 16');
  });

  test('image: bad references', () => {
    for (const v of ['', 'Foo', 'nvidia/Isaac-Sim', ' nvcr.io/x', 'nvcr.io/nvidia/isaac-sim:', 'a b', 'nvcr.io/x@sha256:abc', 42]) {
      assertSingleProblem('image', v, 'a Docker image reference such as "nvcr.io/nvidia/isaac-sim:4.2.0"');
    }
  });

  test('entrypoint: not a list, or a list with an empty string', () => {
    for (const v of ['/isaac-sim/runheadless.webrtc.sh', [''], [1], { a: 1 }]) assertSingleProblem('entrypoint', v, "[] uses the Isaac Sim version's launcher");
  });

  test('portArgs: unknown placeholder, empty entry, not a list', () => {
    const p = assertSingleProblem(
      'portArgs',
      ['--port={bogus}'],
      "may use only {host}, {httpPort}, {signalPort}, {streamPort}, {webViewerPort}, {index}, {label} ([] uses the Isaac Sim version's arguments)",
    );
    assert.ok(p.message.includes('{bogus}'));
    // The placeholders of the removed streaming profiles are unknown now.
    assertSingleProblem('portArgs', ['--/exts/omni.kit.livestream.webrtc/port={webrtcPort}'], '{httpPort}');
    assertSingleProblem('portArgs', ['--/app/livestream/port={nativePort}'], '{httpPort}');
    assertSingleProblem('portArgs', ['--port={HTTPPORT}'], '{httpPort}');
    assertSingleProblem('portArgs', [''], '{httpPort}');
    assertSingleProblem('portArgs', '--port={httpPort}', '{httpPort}');
  });

  test('extraArgs: non-string entries', () => {
    for (const v of [[1], 'x', [null]]) assertSingleProblem('extraArgs', v, "a list of strings appended to the simulator's command line");
  });

  test('env: bad names, non-string values, not an object', () => {
    for (const v of [{ '1A': 'x' }, { 'MY-VAR': 'x' }, { 'A B': 'x' }, { '': 'x' }, { A: 1 }, { A: null }, [], 'A=1']) {
      assertSingleProblem('env', v, 'names like MY_VAR mapped to string values');
    }
  });

  test('runtime: characters that are not a runtime name', () => {
    for (const v of ['a b', 'nvidia;rm', 5]) assertSingleProblem('runtime', v, 'or "" for the engine\'s default runtime');
  });

  test('gpus: empty, trailing comma, spaces, wrong type', () => {
    for (const v of ['', '0,', ',0', '0, 1', 'all,none!', 2]) assertSingleProblem('gpus', v, '"all", "none", or a comma-separated list of GPU indexes or UUIDs such as "0,1"');
  });

  test('headroomGiB: negative, too large, string', () => {
    for (const v of [-1, 1025, '8', null]) assertSingleProblem('headroomGiB', v, 'a number of GiB from 0 to 1024 (0 turns the check off)');
  });

  test('memoryLimitGiB: between 0 and 1, negative, too large, string', () => {
    for (const v of [0.5, 0.001, -1, 1025, '8', null]) assertSingleProblem('memoryLimitGiB', v, 'a memory limit in GiB from 1 to 1024, or 0 for no limit');
  });

  test('the web viewer: an image with per-instance placeholders, or a build folder, never both', () => {
    for (const image of ['my-web-viewer:{signalPort}', 'registry.local:5000/team/viewer-{index}:v{streamPort}', 'viewer:latest']) {
      assert.equal(settingsOf(parseSettings({ webViewerImage: image })).webViewerImage, image);
    }
    for (const image of ['Viewer:latest', 'viewer:{port}', 'viewer with space', '{host}/viewer']) {
      assertSingleProblem('webViewerImage', image, '"" or the Docker image reference of a web viewer you built');
    }
    for (const folder of ['tools/docker/web-viewer', './web-viewer', '~user/x']) {
      assertSingleProblem('webViewerBuildContext', folder, '"" or the folder of NVIDIA\'s web viewer in your IsaacSim checkout');
    }
    const both = parseSettings({ webViewerImage: 'viewer:{signalPort}', webViewerBuildContext: '/src/IsaacSim/tools/docker/web-viewer' });
    assert.equal(both.ok, false);
    const [problem, ...rest] = both.ok ? [] : both.problems;
    assert.deepEqual(rest, []);
    assert.equal(problem.setting, 'isaacSim.webViewerBuildContext');
    assert.match(problem.message, /isaacSim\.webViewerImage \("viewer:\{signalPort\}"\) and isaacSim\.webViewerBuildContext \("\/src\/IsaacSim\/tools\/docker\/web-viewer"\) both name where the web viewer comes from: keep one/);
  });

  test('dockerContext: a name, as the CLI\'s --context; never together with dockerHost (the CLI refuses -H with --context)', () => {
    const named = parseSettings({ dockerContext: 'gpu-box' });
    assert.ok(named.ok && named.settings.dockerContext === 'gpu-box', JSON.stringify(named));
    for (const bad of ['a/b', 'with space', '../x']) assertSingleProblem('dockerContext', bad, '"" (no context named here), or the name of a docker context as "docker context ls" lists it, such as "gpu-box"');
    const both = parseSettings({ dockerHost: 'tcp://10.0.0.5:2376', dockerContext: 'gpu-box' });
    assert.equal(both.ok, false);
    const [problem, ...rest] = both.ok ? [] : both.problems;
    assert.deepEqual(rest, []);
    assert.equal(problem.setting, 'isaacSim.dockerContext');
    assert.match(problem.message, /isaacSim\.dockerHost \("tcp:\/\/10\.0\.0\.5:2376"\) and isaacSim\.dockerContext \("gpu-box"\) both name the engine/);
  });

  test('hostDataRoot: relative, ~user, empty', () => {
    for (const v of ['rel/path', './x', '~user/x', '', 'C:relative']) assertSingleProblem('hostDataRoot', v, 'an absolute host folder, or one under your home such as "~/docker/isaac-sim"');
  });

  test('port bases: 0, 65536, fractions, strings; null only for httpPortBase', () => {
    for (const key of ['signalPortBase', 'webViewerPortBase']) {
      for (const v of [0, 65536, 8211.5, '8211', -8211, null]) assertSingleProblem(key, v, 'a TCP port from 1 to 65535');
    }
    for (const v of [0, 65536, 8211.5, '8211', -8211, 'null', false]) {
      assertSingleProblem('httpPortBase', v, 'a TCP port from 1 to 65535, or null for the version\'s own (8211 for 4.2, 8011 for 4.5 and later)');
    }
    assert.equal(settingsOf(parseSettings({ httpPortBase: null })).httpPortBase, null);
    for (const v of [0, 65536, 47998.5, '47998', -1, null]) assertSingleProblem('streamPortBase', v, 'a UDP port from 1 to 65535');
  });

  test('version: only "auto" and the known version ids', () => {
    for (const v of ['', 'AUTO', 'Auto', ' auto', '4.2.0', '4', '4.5', '5.x', '6', '6.0.1', 'legacy-webrtc', 'livestream', 1, 4.2, null, ['6.x']]) {
      assertSingleProblem('version', v, 'one of "auto", "4.2", "4.5-5.x", "6.x", "custom" ("auto" reads it from the image\'s tag or config)');
    }
  });

  test('privacyConsent: only true or false', () => {
    for (const v of ['true', 'Y', 1, 0, null, []]) assertSingleProblem('privacyConsent', v, 'true to send NVIDIA the anonymous usage data');
  });

  test('host: empty, spaces, URL, leading dash', () => {
    for (const v of ['', 'a b', 'http://127.0.0.1', '-bad', 'host/path']) assertSingleProblem('host', v, 'a host name or IP address that reaches the simulator, such as "127.0.0.1"');
  });

  test('clientUrlTemplate: javascript:, file:, data:, credentials, unknown placeholder, not a URL', () => {
    const allowed = 'an http(s) URL template using only {host}, {httpPort}, {signalPort}, {streamPort}, {webViewerPort}, {index}, {label}';
    for (const v of [
      'http://{host}:{webrtcPort}/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>1</script>',
      'ftp://{host}/',
      'http://user:secret@{host}:{httpPort}/',
      'http://user@{host}/',
      'http://{host}:{foo}/',
      'http://{HOST}/',
      '{host}:{httpPort}',
      'not a url',
      '',
    ]) {
      assertSingleProblem('clientUrlTemplate', v, allowed);
    }
  });

  test('clientUrlTemplate: a removed placeholder after the host is refused too, naming the setting', () => {
    for (const v of ['http://{host}:{httpPort}/?n={nativePort}', 'http://{host}:{httpPort}/{webrtcPort}']) {
      const problems = problemsOf(parseSettings({ clientUrlTemplate: v }));
      assert.deepEqual(problems.map((p) => p.setting), ['isaacSim.clientUrlTemplate'], v);
      assert.ok(problems[0].message.includes(JSON.stringify(v)), problems[0].message);
      assert.ok(problems[0].message.includes('using only {host}, {httpPort}, {signalPort}, {streamPort}, {webViewerPort}, {index}, {label}'), problems[0].message);
    }
  });

  test('webViewerUrlTemplate: the same rules as the client URL template', () => {
    const allowed = 'an http(s) URL template using only {host}, {httpPort}, {signalPort}, {streamPort}, {webViewerPort}, {index}, {label}, such as "http://{host}:{webViewerPort}/"';
    for (const v of ['javascript:alert(1)', 'file:///x', 'http://u:p@{host}:{webViewerPort}/', 'http://{host}:{viewerPort}/', '{host}:{webViewerPort}', '', 7]) {
      assertSingleProblem('webViewerUrlTemplate', v, allowed);
    }
  });

  test('readinessPatterns: not a list, empty list, invalid or empty regex in the list', () => {
    const allowed = 'a non-empty list of regular expressions of at most 500 characters';
    for (const v of ['Isaac Sim App is loaded\\.', [], ['('], ['ok', '[a-'], ['*x'], [''], [1], null, { 0: 'x' }]) assertSingleProblem('readinessPatterns', v, allowed);
  });

  test('readinessPatterns: patterns the linear-time matcher cannot run, or huge ones, are refused, naming the pattern, the construct and the fix', () => {
    for (const [patterns, k, reason] of [
      [['(a)\\1'], 1, /\\1 at character 4 is a backreference/],
      [['Isaac Sim App is loaded\\.', '(?=App)App is loaded'], 2, /\(\?= at character 1 is a lookahead/],
      [['(?<!not )loaded'], 1, /\(\?<! at character 1 is a lookbehind/],
      [['x'.repeat(501)], 1, /longer than 500 characters/],
      [['ok', '('], 2, /not a regular expression the linear-time matcher can run: the group opened at character 1 is not closed/],
      [['a{10000}'], 1, /more than 1,000 matcher states/],
    ] as Array<[string[], number, RegExp]>) {
      const p = assertSingleProblem('readinessPatterns', patterns, /regular expressions/);
      assert.match(p.message, /^Setting isaacSim\.readinessPatterns is /, p.message);
      assert.match(p.message, new RegExp(`\\(pattern ${k}: `), p.message);
      assert.match(p.message, reason);
      if (reason.source !== /longer than 500 characters/.source) assert.match(p.message, /no backreferences such as \\1 and no lookaround .*: match the text of the line itself instead/);
    }
    // Ordinary patterns, single quantifiers and alternations, and nested repetitions too (the
    // matcher runs them in linear time), stay accepted.
    for (const ok of ['App is loaded\\.$', '^Isaac Sim .* App is loaded\\.', '(Full|Headless) Streaming', 'ready \\d+ms', 'x'.repeat(500), '(a+)+$', '(a|a)*$']) {
      assert.equal(parseSettings({ readinessPatterns: [ok] }).ok, true, ok);
    }
  });

  test('the old single readinessPattern key is ignored (unknown keys are)', () => {
    const s = settingsOf(parseSettings({ readinessPattern: '(' }));
    assert.deepEqual(s.readinessPatterns, DEFAULT_SETTINGS.readinessPatterns);
  });

  test('logTailLines and stopTimeoutSeconds: range and type', () => {
    for (const v of [-1, 100001, 1.5, '10']) assertSingleProblem('logTailLines', v, 'a whole number of lines from 0 to 100000');
    for (const v of [-1, 601, 2.5, '20']) assertSingleProblem('stopTimeoutSeconds', v, 'a whole number of seconds from 0 to 600');
  });

  test('dockerHost: empty or bad port, wrong scheme, empty unix path, a path or password where none goes; each with its reason', () => {
    const cases: [string, string][] = [
      ['tcp://h:', 'the port after ":" is empty'],
      ['tcp://h:0', 'the port 0 is outside 1-65535'],
      ['tcp://h:65536', 'the port 65536 is outside 1-65535'],
      ['tcp://h:x1', 'the port "x1" is not a number'],
      ['tcp://h:2375/path', 'a tcp:// host is tcp://host or tcp://host:port'],
      ['tcp://user@h:2375', 'a tcp:// host is tcp://host or tcp://host:port'],
      ['http://h:2375', 'it starts with none of unix://, tcp://, ssh:// or npipe://'],
      ['/var/run/docker.sock', 'it starts with none of unix://, tcp://, ssh:// or npipe://'],
      ['unix://', 'a unix:// host needs an absolute socket path'],
      ['ssh://user:secret@host', 'must not carry a password'],
      ['ssh://user@host/var/run', 'takes no path after the host'],
      ['ssh://user@host:99999', 'the port 99999 is outside 1-65535'],
    ];
    for (const [v, why] of cases) {
      const p = assertSingleProblem('dockerHost', v, '"unix:///path/to/docker.sock", "tcp://host:port"');
      assert.ok(p.message.includes(why), `${v}: ${p.message}`);
      assert.ok(p.message.includes('"ssh://user@host[:port]"'), p.message);
    }
    // The password of an ssh:// URL is masked in the message.
    assert.ok(!parseSettings({ dockerHost: 'ssh://user:secret@host' }).ok);
    const masked = problemsOf(parseSettings({ dockerHost: 'ssh://user:secret@host' }))[0].message;
    assert.ok(!masked.includes('secret'), masked);
  });

  test('dockerHost: the forms the docker CLI takes are accepted, a tcp:// host also without its port', () => {
    for (const v of ['tcp://h', 'tcp://127.0.0.1:2376', 'tcp://[::1]:2375', 'tcp://h.example:2375/', 'ssh://user@host', 'ssh://root@127.0.0.1:2222', 'ssh://host', 'unix:///run/user/1000/docker.sock']) {
      assert.equal(settingsOf(parseSettings({ dockerHost: v })).dockerHost, v);
    }
  });

  test('a long bad value is shown truncated with "..."', () => {
    const long = 'x'.repeat(200);
    const p = assertSingleProblem('host', long + ' !', 'a host name or IP address');
    assert.ok(p.message.includes(`"${'x'.repeat(76)}...`), p.message);
    assert.ok(!p.message.includes('x'.repeat(100)));
  });

  test('several bad settings give one problem each, in schema order', () => {
    const problems = problemsOf(parseSettings({ gpus: '', instanceCount: -3, dockerHost: 'nope' }));
    assert.deepEqual(
      problems.map((p) => p.setting),
      ['isaacSim.instanceCount', 'isaacSim.gpus', 'isaacSim.dockerHost'],
    );
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

describe('parseSettings: cross-field port rules (checked when isaacSim.version names a version)', () => {
  test('a port range that runs past 65535 names the base and the largest allowed base', () => {
    const problems = problemsOf(parseSettings({ version: '4.2', instanceCount: 16, httpPortBase: 65530 }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].setting, 'isaacSim.httpPortBase');
    assert.match(problems[0].message, /isaacSim\.httpPortBase is 65530/);
    assert.match(problems[0].message, /16 instances need ports up to 65545, past 65535/);
    assert.match(problems[0].message, /at most 65520/);
  });

  test('the last port that fits exactly is accepted', () => {
    const s = settingsOf(parseSettings({ version: '4.2', instanceCount: 16, signalPortBase: 65520, pythonServerPortBase: 9000 }));
    assert.equal(s.signalPortBase, 65520);
    problemsOf(parseSettings({ version: '4.2', instanceCount: 16, signalPortBase: 65521, pythonServerPortBase: 9000 }));
  });

  test('with 0 instances a base of 65535 still fits (one port is reserved)', () => {
    settingsOf(parseSettings({ version: '4.2', instanceCount: 0, signalPortBase: 65535 }));
    settingsOf(parseSettings({ version: '4.2', instanceCount: 1, signalPortBase: 65535 }));
    problemsOf(parseSettings({ version: '4.2', instanceCount: 2, signalPortBase: 65535 }));
  });

  test('overlapping port ranges are reported on the later setting with both ranges', () => {
    const problems = problemsOf(parseSettings({ version: '4.2', instanceCount: 4, httpPortBase: 49097 }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].setting, 'isaacSim.signalPortBase');
    assert.ok(problems[0].message.includes('isaacSim.httpPortBase (49097-49100)'), problems[0].message);
    assert.ok(problems[0].message.includes('isaacSim.signalPortBase (49100-49103)'), problems[0].message);
    assert.ok(problems[0].message.includes('Isaac Sim 4.2'), problems[0].message);
    assert.match(problems[0].message, /overlapping/);
  });

  test('adjacent ranges do not overlap', () => {
    settingsOf(parseSettings({ version: '4.2', instanceCount: 4, httpPortBase: 49096 }));
    settingsOf(parseSettings({ version: '6.x', instanceCount: 4, signalPortBase: 8000, streamPortBase: 8004, httpPortBase: 8008, webViewerPortBase: 8012 }));
  });

  test('equal bases overlap pairwise: each later setting is reported once per earlier one, in the version\'s port order', () => {
    const problems = problemsOf(parseSettings({ version: '6.x', httpPortBase: 9000, signalPortBase: 9000, streamPortBase: 9000, webViewerPortBase: 9000 }));
    assert.deepEqual(
      problems.map((p) => p.setting),
      ['isaacSim.streamPortBase', 'isaacSim.httpPortBase', 'isaacSim.webViewerPortBase', 'isaacSim.httpPortBase', 'isaacSim.webViewerPortBase', 'isaacSim.webViewerPortBase'],
    );
  });

  test('only the version\'s port kinds are checked: 4.2, 4.5-5.x and custom ignore the stream and web viewer bases', () => {
    const raw = { instanceCount: 4, streamPortBase: 49100, webViewerPortBase: 49101 };
    for (const version of ['4.2', '4.5-5.x', 'custom'] as const) settingsOf(parseSettings({ ...raw, version }));
    const problems = problemsOf(parseSettings({ ...raw, version: '6.x' }));
    assert.deepEqual(
      problems.map((p) => p.setting),
      ['isaacSim.streamPortBase', 'isaacSim.webViewerPortBase', 'isaacSim.webViewerPortBase'],
    );
    assert.ok(problems[0].message.includes('isaacSim.signalPortBase (49100-49103)'), problems[0].message);
    assert.ok(problems[0].message.includes('isaacSim.streamPortBase (49100-49103)'), problems[0].message);
  });

  test('httpPortBase null is checked as the version\'s own Kit HTTP port (8211 for 4.2 and custom, 8011 after)', () => {
    const signalAt8210 = { instanceCount: 4, signalPortBase: 8210 };
    for (const version of ['4.2', 'custom'] as const) {
      const problems = problemsOf(parseSettings({ ...signalAt8210, version }));
      assert.equal(problems.length, 1, version);
      assert.equal(problems[0].setting, 'isaacSim.signalPortBase');
      assert.ok(problems[0].message.includes('isaacSim.httpPortBase (8211-8214)'), problems[0].message);
      assert.ok(problems[0].message.includes('isaacSim.signalPortBase (8210-8213)'), problems[0].message);
    }
    settingsOf(parseSettings({ ...signalAt8210, version: '4.5-5.x' }));

    const viewerAt8009 = { instanceCount: 4, webViewerPortBase: 8009 };
    const problems = problemsOf(parseSettings({ ...viewerAt8009, version: '6.x' }));
    assert.deepEqual(problems.map((p) => p.setting), ['isaacSim.webViewerPortBase']);
    assert.ok(problems[0].message.includes('isaacSim.httpPortBase (8011-8014)'), problems[0].message);
    assert.ok(problems[0].message.includes('isaacSim.webViewerPortBase (8009-8012)'), problems[0].message);
    settingsOf(parseSettings({ ...viewerAt8009, version: '4.2' }));
  });

  test('the 65535 limit applies only to the version\'s bases', () => {
    settingsOf(parseSettings({ instanceCount: 16, streamPortBase: 65530, version: '4.2', pythonServerPortBase: 9000 }));
    settingsOf(parseSettings({ instanceCount: 16, webViewerPortBase: 65530, version: '4.5-5.x' }));
    const problems = problemsOf(parseSettings({ instanceCount: 16, streamPortBase: 65530, version: '6.x' }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].setting, 'isaacSim.streamPortBase');
    assert.match(problems[0].message, /16 instances need ports up to 65545, past 65535/);
    assert.match(problems[0].message, /at most 65520/);
    settingsOf(parseSettings({ instanceCount: 16, webViewerPortBase: 65520, version: '6.x' }));
    problemsOf(parseSettings({ instanceCount: 16, webViewerPortBase: 65521, version: '6.x' }));
  });

  test('"auto": nothing is checked when the settings are read; portRangeProblems checks the version found at start', () => {
    const raw = { instanceCount: 4, httpPortBase: 9000, signalPortBase: 9000 };
    const s = settingsOf(parseSettings(raw));
    assert.equal(s.version, 'auto');
    for (const version of VERSION_IDS) {
      const problems = portRangeProblems(s, version);
      assert.deepEqual(problems, problemsOf(parseSettings({ ...raw, version })), version);
      assert.ok(problems.some((p) => p.setting === 'isaacSim.signalPortBase' || p.setting === 'isaacSim.httpPortBase'), version);
    }
    assert.deepEqual(portRangeProblems(settingsOf(parseSettings({})), '6.x'), []);
  });

  test('cross-field rules are only checked when every field is valid', () => {
    const problems = problemsOf(parseSettings({ version: '4.2', httpPortBase: 9000, signalPortBase: 9000, gpus: '' }));
    assert.deepEqual(
      problems.map((p) => p.setting),
      ['isaacSim.gpus'],
    );
  });
});

describe('portBase', () => {
  test('http: httpPortBase, or the version\'s own Kit HTTP port when it is null', () => {
    const s = settingsOf(parseSettings({}));
    assert.deepEqual(
      VERSION_IDS.map((v) => portBase(s, 'http', v)),
      [8211, 8011, 8011, 8211],
    );
    for (const v of VERSION_IDS) assert.equal(portBase(s, 'http', v), VERSIONS[v].defaultHttpPort);
    const explicit = settingsOf(parseSettings({ httpPortBase: 9000 }));
    for (const v of VERSION_IDS) assert.equal(portBase(explicit, 'http', v), 9000, v);
  });

  test('the other kinds: their base setting, whatever the version', () => {
    const s = settingsOf(parseSettings({ signalPortBase: 1, streamPortBase: 2, webViewerPortBase: 3 }));
    for (const v of VERSION_IDS) {
      assert.equal(portBase(s, 'signal', v), 1);
      assert.equal(portBase(s, 'stream', v), 2);
      assert.equal(portBase(s, 'webViewer', v), 3);
    }
  });
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

describe('fillTemplate', () => {
  test('replaces every known placeholder, repeatedly', () => {
    assert.equal(
      fillTemplate('http://{host}:{httpPort}/?server={host}&s={signalPort}&i={index}&l={label}&h={httpPort}', {
        host: '10.0.0.2',
        httpPort: 8212,
        signalPort: 49101,
        index: 1,
        label: 'instance-1',
      }),
      'http://10.0.0.2:8212/?server=10.0.0.2&s=49101&i=1&l=instance-1&h=8212',
    );
  });

  test('leaves unknown and missing placeholders as they are', () => {
    assert.equal(fillTemplate('{host}/{nope}/{index}', { host: 'h' }), 'h/{nope}/{index}');
    // The removed profiles' placeholders are unknown now.
    assert.equal(fillTemplate('{webrtcPort}/{nativePort}', { host: 'h', httpPort: 1 }), '{webrtcPort}/{nativePort}');
  });

  test('does not resolve inherited names such as {constructor} or {toString}', () => {
    assert.equal(fillTemplate('{constructor}{toString}{__proto__}', { host: 'h' }), '{constructor}{toString}{__proto__}');
  });

  test('substitutes 0 and values with $ patterns literally', () => {
    assert.equal(fillTemplate('a{index}b{host}c', { index: 0, host: "$&$1$'" }), "a0b$&$1$'c");
  });

  test('replaces the signal, stream and web viewer placeholders', () => {
    assert.equal(
      fillTemplate('--s={signalPort} --m={streamPort} --v={webViewerPort} --ip={host}', { host: '10.0.0.2', signalPort: 49101, streamPort: 47999, webViewerPort: 8211 }),
      '--s=49101 --m=47999 --v=8211 --ip=10.0.0.2',
    );
  });

  test('text without placeholders is unchanged', () => {
    assert.equal(fillTemplate('--flag={not a placeholder}', { host: 'h' }), '--flag={not a placeholder}');
    assert.deepEqual([...TEMPLATE_PLACEHOLDERS], ['host', 'httpPort', 'signalPort', 'streamPort', 'webViewerPort', 'index', 'label']);
  });
});

describe('parseSettings: properties', () => {
  const isProblemWellFormed = (p: SettingsProblem): boolean =>
    (p.setting === SETTINGS_SECTION || (p.setting.startsWith(`${SETTINGS_SECTION}.`) && (SETTING_KEYS as string[]).includes(p.setting.slice(SETTINGS_SECTION.length + 1)))) &&
    p.message.includes(p.setting);

  test('never throws on arbitrary input; every problem names an isaacSim setting', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const r = parseSettings(raw);
        if (!r.ok) {
          assert.ok(r.problems.length > 0);
          for (const p of r.problems) assert.ok(isProblemWellFormed(p), JSON.stringify(p));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('arbitrary JSON values for the real keys: never throws, problems are well formed, valid results round-trip', () => {
    const keyed = fc.dictionary(fc.constantFrom(...SETTING_KEYS), fc.jsonValue(), { maxKeys: 6 });
    fc.assert(
      fc.property(keyed, (raw) => {
        const r = parseSettings(raw);
        if (r.ok) {
          assert.deepEqual(Object.keys(r.settings).sort(), [...SETTING_KEYS].sort());
          const again = parseSettings(r.settings);
          assert.ok(again.ok);
          assert.deepEqual(again.ok && again.settings, r.settings);
        } else {
          for (const p of r.problems) {
            assert.ok(isProblemWellFormed(p), JSON.stringify(p));
            assert.notEqual(p.setting, SETTINGS_SECTION);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseSettings: hostile values', () => {
  test('values JSON cannot show are reported, not thrown', () => {
    const r = parseSettings({ image: Object.assign(Object.create(null), { x: 1n }) });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.problems[0].message, /isaacSim\.image/);
  });

  test('NaN and Infinity are shown as themselves', () => {
    const r = parseSettings({ memoryLimitGiB: Number.NaN, logTailLines: Number.POSITIVE_INFINITY });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.problems.find((p) => p.setting === 'isaacSim.memoryLimitGiB')!.message, /is NaN,/);
      assert.match(r.problems.find((p) => p.setting === 'isaacSim.logTailLines')!.message, /is Infinity,/);
    }
  });

  test('an env variable named __proto__ is rejected rather than silently dropped', () => {
    const r = parseSettings({ env: JSON.parse('{"__proto__": "x"}') });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.problems[0].setting, 'isaacSim.env');
  });
});

describe('parseSettings: secrets in isaacSim.env never reach a message', () => {
  test('a password in a rejected URL template is masked', () => {
    const r = parseSettings({ clientUrlTemplate: 'http://robot:hunter22@{host}:{httpPort}/' });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.doesNotMatch(r.problems[0].message, /hunter22/);
      assert.match(r.problems[0].message, /robot:\*\*\*@/);
    }
  });

  test('an invalid env object is shown with secret-looking values masked', () => {
    const r = parseSettings({ env: { NGC_API_KEY: 'nvapi-s3cr3t', 'bad name': 'visible' } });
    assert.equal(r.ok, false);
    if (!r.ok) {
      const text = r.problems.map((p) => p.message).join(' ');
      assert.doesNotMatch(text, /s3cr3t/);
      assert.match(text, /"NGC_API_KEY":"\*\*\*"/);
      assert.match(text, /"bad name":"visible"/, 'other values are still shown, so the problem can be found');
    }
    for (const name of ['HF_TOKEN', 'DB_PASSWORD', 'MY_SECRET', 'AWS_SECRET_ACCESS_KEY']) {
      const other = parseSettings({ env: { [name]: 's3cr3t', 'bad name': 'x' } });
      assert.equal(other.ok, false);
      if (!other.ok) assert.doesNotMatch(other.problems[0].message, /s3cr3t/, `${name} is masked`);
    }
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
