/** parseSettings on invalid, arbitrary and hostile values: each problem names the setting, shows the value (secrets masked) and says what is allowed. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { maskUrlCredentials } from '../../src/instances/redact';
import { DEFAULT_SETTINGS, SETTING_KEYS, SETTINGS_SECTION, parseSettings, type SettingsProblem } from '../../src/instances/settings';
import { problemsOf, settingsOf } from './settingsFixture';

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
