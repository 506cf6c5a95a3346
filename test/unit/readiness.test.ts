import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LOG_DIAGNOSES } from '../../src/instances/diagnosis';
import { LogClassifier, PHASE_LABELS, anyMatcher, PHASE_PATTERNS, isErrorLine, type LineClass, type StartupPhase } from '../../src/instances/readiness';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';

const classifier = new LogClassifier(DEFAULT_SETTINGS.readinessPatterns);

/** The diagnosis id of a failure verdict, or the verdict's kind otherwise (for compact assertions). */
function idOf(verdict: LineClass): string | undefined {
  if (!verdict) return undefined;
  return verdict.kind === 'failure' ? `failure:${verdict.diagnosis.id}` : verdict.kind === 'phase' ? `phase:${verdict.phase}` : verdict.kind;
}

describe('LogClassifier with the default readiness patterns', () => {
  test('the defaults are the "loaded" lines of every Isaac Sim version', () => {
    assert.deepEqual(DEFAULT_SETTINGS.readinessPatterns, [
      'Isaac Sim Full Streaming App is loaded\\.',
      'Isaac Sim Headless Native App is loaded\\.',
      'Isaac Sim Headless WebRTC App is loaded\\.',
      'Isaac Sim App is loaded\\.',
      'Simulation App Startup Complete',
    ]);
  });

  test('each version\'s ready line, bare and with Kit log decorations, is ready', () => {
    for (const app of ['Isaac Sim Full Streaming App', 'Isaac Sim Headless Native App', 'Isaac Sim Headless WebRTC App', 'Isaac Sim App']) {
      assert.deepEqual(classifier.classify(`${app} is loaded.`), { kind: 'ready' }, app);
      assert.deepEqual(classifier.classify(`2024-05-01T12:00:00.123Z [35,123ms] [Info] ${app} is loaded.`), { kind: 'ready' }, app);
    }
    // Verbatim: IsaacSim #188 (5.0 streaming app), IsaacLab #949 (a python.sh app in the 4.2 container).
    assert.deepEqual(classifier.classify('[39.413s] Isaac Sim Full Streaming App is loaded.'), { kind: 'ready' });
    assert.deepEqual(classifier.classify('[10.414s] Simulation App Startup Complete'), { kind: 'ready' });
  });

  test('the lines before readiness are not ready ("app ready" and "Starting" come earlier)', () => {
    for (const line of ['[9.191s] app ready', '[33.998s] app ready', '[5.919s] Simulation App Starting', 'Simulation App Startup']) {
      assert.equal(classifier.classify(line), undefined, line);
    }
  });

  test('near misses are not ready (the dot is literal, the text is case sensitive)', () => {
    for (const line of [
      'Isaac Sim Full Streaming App is loaded',
      'Isaac Sim Full Streaming App is loadedX',
      'isaac sim full streaming app is loaded.',
      'Isaac Sim Full App is loaded.',
      'Isaac Sim Headless App is loaded.',
      'Isaac Sim App is loaded',
      'Isaac Sim  App is loaded.',
    ]) {
      assert.equal(classifier.classify(line), undefined, line);
    }
  });
});

describe('readiness lines as Kit writes them', () => {
  const c = new LogClassifier(DEFAULT_SETTINGS.readinessPatterns);
  // stdout with Kit's time prefix (IsaacSim #348), the Kit log file's form (IsaacSim #301), and a
  // 5.x log line with its ISO timestamp and millisecond counter (the prefix style of IsaacSim #188).
  for (const line of [
    '[13.589s] Isaac Sim Full Streaming App is loaded.',
    '[Info] [omni.kit.app.plugin] [12.832s] Isaac Sim Full Streaming App is loaded.',
    '2025-09-09T01:45:08Z [34,138ms] [Info] [omni.kit.app.plugin] [39.413s] Isaac Sim Full Streaming App is loaded.',
    '[9.1s] Isaac Sim Headless WebRTC App is loaded.',
    '[10.414s] Simulation App Startup Complete',
  ]) {
    test(`ready: ${line}`, () => assert.deepEqual(c.classify(line), { kind: 'ready' }));
  }
  test('not ready: Kit\'s own "app ready", the starting line, or the line without its last word', () => {
    for (const line of ['[9.191s] app ready', '[5.919s] Simulation App Starting', '[13.589s] Isaac Sim Full Streaming App is']) {
      assert.notDeepEqual(c.classify(line), { kind: 'ready' }, line);
    }
  });
});

describe('LogClassifier with custom readiness patterns', () => {
  test('matches the custom pattern and no longer the default lines', () => {
    const c = new LogClassifier(['^\\[stand-in\\] ready on port \\d+$']);
    assert.deepEqual(c.classify('[stand-in] ready on port 8211'), { kind: 'ready' });
    assert.equal(c.classify('Isaac Sim Full Streaming App is loaded.'), undefined);
    assert.equal(c.classify('  [stand-in] ready on port 8211'), undefined);
  });

  test('any one of several patterns is enough', () => {
    const c = new LogClassifier(['^alpha$', 'beta \\d']);
    assert.deepEqual(c.classify('alpha'), { kind: 'ready' });
    assert.deepEqual(c.classify('x beta 7 y'), { kind: 'ready' });
    assert.equal(c.classify('alpha beta'), undefined);
  });

  test('the failure table is the diagnosis table, whatever the readiness patterns', () => {
    const c = new LogClassifier(['READY']);
    const v = c.classify('Failed to initialize NVML: Unknown Error');
    assert.equal(v?.kind, 'failure');
    assert.equal(v?.kind === 'failure' && v.diagnosis.id, 'nvml');
  });

  test('a line that is both ready and a failure counts as ready (the ready patterns are checked first)', () => {
    const c = new LogClassifier(['NVML']);
    assert.deepEqual(c.classify('Failed to initialize NVML: Unknown Error'), { kind: 'ready' });
  });

  test('a ready line that is also a phase line counts as ready', () => {
    const c = new LogClassifier(['startup']);
    assert.deepEqual(c.classify('[ext: omni.kit.window.file-1.3.54] startup'), { kind: 'ready' });
  });

  test('classify is stable across calls (no global-regex lastIndex state)', () => {
    const c = new LogClassifier(['ready']);
    for (let i = 0; i < 3; i++) assert.deepEqual(c.classify('ready'), { kind: 'ready' });
    for (let i = 0; i < 3; i++) assert.equal(idOf(c.classify('Failed to initialize NVML: Unknown Error')), 'failure:nvml');
    for (let i = 0; i < 3; i++) assert.equal(idOf(c.classify('[ext: omni.usd-1.10.0] startup')), 'phase:extensions');
  });

  test('an empty pattern list never reports ready (settings validation requires at least one)', () => {
    const c = new LogClassifier([]);
    assert.equal(c.classify('Isaac Sim Full Streaming App is loaded.'), undefined);
  });
});

describe('LogClassifier failure lines from Isaac Sim', () => {
  /** [line, id, severity]; verbatim from the fixtures (test/fixtures/isaac-logs) where a public log exists, else NVIDIA's wording. */
  const cases: Array<[string, string, 'fatal' | 'warning']> = [
    ['2025-03-12 14:26:34 [423ms] [Error] [gpu.foundation.plugin] No device could be created. Some known system issues:', 'no-gpu-device', 'fatal'],
    ['[gpu.foundation.plugin] No device could be created', 'no-gpu-device', 'fatal'],
    ['2025-10-08T05:46:15Z [1,285ms] [Error] [carb.cudainterop.plugin] CUDA error 999: cudaErrorUnknown - unknown error)', 'cuda-999', 'fatal'],
    ['2025-10-08T05:46:15Z [1,285ms] [Error] [carb.cudainterop.plugin] Failed to query CUDA device count.', 'cuda-999', 'fatal'],
    ['[Error] [carb.cudainterop.plugin] CUDA error 46: cudaErrorDevicesUnavailable', 'cuda-999', 'fatal'],
    ['2025-12-11T08:37:08Z [4,779ms] [Error] [carb.graphics-vulkan.plugin] VkResult: ERROR_INCOMPATIBLE_DRIVER', 'vulkan', 'fatal'],
    ['2025-06-30 21:31:42 [1,469ms] [Error] [carb.graphics-vulkan.plugin] vkCreateInstance failed. Vulkan 1.1 is not supported, or your driver requires an update.', 'vulkan', 'fatal'],
    ['2025-06-30 21:31:43 [3,290ms] [Error] [omni.gpu_foundation_factory.plugin] Failed to create any GPU devices, including an attempt with compatibility mode.', 'no-gpu-devices-compat', 'fatal'],
    ['2025-12-18T08:52:52Z [8,385ms] [Error] [gpu.foundation.plugin] The currently installed NVIDIA graphics driver is unsupported or has known issues.', 'driver-unsupported', 'fatal'],
    ['2025-12-18T08:52:52Z [8,385ms] [Error] [carb.scenerenderer-rtx.plugin] rtx driver verification failed.', 'driver-unsupported', 'fatal'],
    ['[Error] [omni.hydra] HydraEngine rtx failed creating scene renderer.', 'hydra-rtx', 'fatal'],
    ['2026-03-06T00:47:23Z [17,478ms] [Error] [carb] [Plugin: libcarb.livestream-rtc.plugin.so] Could not load the dynamic library from /home/gopi/isaacsim/extscache/omni', 'livestream-plugin', 'fatal'],
    ['[Error] [omni.kit.livestream.webrtc] nvEncOpenEncodeSessionEx failed: out of memory', 'nvenc', 'fatal'],
    ['[Error] [gpu.foundation.plugin] Failed to acquire rtx::resourcemanager::ResourceManager!', 'rtx-resource-manager', 'fatal'],
    ['Please accept the EULA above by setting the ACCEPT_EULA environment variable.', 'eula', 'fatal'],
    ['Livestreaming is not supported on aarch64 for 5.1.0.', 'aarch64', 'fatal'],
    ['Failed to initialize NVML: Unknown Error', 'nvml', 'fatal'],
    ['[Warning] [carb] Failed to initialize NVML: Unknown Error', 'nvml', 'fatal'],
    ["[Error] [omni.kit.app.plugin] failed to open file '/isaac-sim/kit/data/Kit/IsaacLab/3.0/user.config.json' - unable to save the dictionary", 'permission', 'fatal'],
    ["[Error] [carb] open '/root/.cache/ov/x': Permission denied", 'permission', 'fatal'],
    ['2024-05-01 12:00:01 [1,234ms] [Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!', 'no-cuda-gpu', 'warning'],
    ['2026-08-24T16:00:31Z [18,951ms] [Warning] [gpu.foundation.plugin] Skipping NVIDIA GPU due CUDA being in bad state: NVIDIA RTX Pro 6000 Blackwell DC-4-96Q', 'cuda-bad-state', 'warning'],
    ['2025-09-10T17:49:05Z [15,357ms] [Warning] [omni.services.transport.server.http.server] http server was meant to start on 8011 but port is taken, starti', 'port-taken', 'warning'],
    ['[Error] [omni.services.transport.server.http] Failed to bind 127.0.0.1:8211 (address in use?)', 'port-taken', 'warning'],
  ];
  for (const [line, id, severity] of cases) {
    test(`${line.slice(0, 70)}… → ${severity} ${id}`, () => {
      const v = classifier.classify(line);
      assert.ok(v && v.kind === 'failure', JSON.stringify(v));
      const entry = LOG_DIAGNOSES.find((d) => d.id === id)!;
      assert.deepEqual(v.diagnosis, { id, problem: entry.problem, fix: entry.fix, severity }, 'the verdict carries the diagnosis and its severity, without its regex or source');
      assert.ok(v.diagnosis.fix().length > 0);
    });
  }

  test('every LOG_DIAGNOSES entry is covered by a line above; no stateful regex flags', () => {
    for (const d of LOG_DIAGNOSES) {
      assert.ok(
        cases.some(([line, id, severity]) => id === d.id && severity === (d.severity ?? 'fatal') && d.pattern.test(line)),
        `no test line for ${d.id}`,
      );
      assert.ok(d.problem.length > 0 && d.problem.length < 60, d.problem);
      assert.ok(!d.pattern.global && !d.pattern.sticky, 'stateful regex flags would make classify flaky');
      assert.ok(!d.also || (!d.also.global && !d.also.sticky));
    }
  });

  test('"Permission denied" or "unable to save the dictionary" is a failure only for a path under /isaac-sim/ or /root/', () => {
    assert.equal(classifier.classify("[Error] [carb] open '/tmp/x': Permission denied"), undefined);
    assert.equal(classifier.classify('ssh: Permission denied (publickey)'), undefined);
    assert.equal(classifier.classify('[Error] [omni.kit.app.plugin] failed to open file - unable to save the dictionary'), undefined);
    assert.equal(idOf(classifier.classify("[Error] open '/isaac-sim/.cache/x': Permission denied")), 'failure:permission');
  });

  test('the EULA banner of an accepted license (ACCEPT_EULA set) is not a failure', () => {
    for (const line of [
      'The NVIDIA Software License Agreement (EULA) must be accepted before',
      'Omniverse Kit can start. The license terms for this product can be viewed at',
      'The NVIDIA Isaac Sim Additional Software and Materials License must be accepted before',
    ]) {
      assert.equal(classifier.classify(line), undefined, line);
    }
  });

  test('the gpu.foundation pattern needs the plugin tag (its brackets and dots are literal)', () => {
    assert.equal(classifier.classify('No device could be created'), undefined);
    assert.equal(classifier.classify('gpuXfoundationXplugin] No device could be created'), undefined);
    assert.equal(classifier.classify('[gpuXfoundationXplugin] No device could be created'), undefined);
  });
});

describe('LogClassifier startup phases', () => {
  /** [line, phase, detail]; the [ext: …] and streaming lines are verbatim from the fixtures. */
  const cases: Array<[string, StartupPhase, string | undefined]> = [
    ['[ext: omni.kit.async_engine-0.0.0] startup', 'extensions', undefined],
    ['[10.430s] [ext: omni.kit.streamsdk.plugins-4.5.1] startup', 'extensions', undefined],
    ['[17.542s] [ext: omni.kit.livestream.webrtc-7.0.0] startup', 'extensions', undefined],
    ['2025-01-01T00:00:00Z [60,000ms] [Warning] [gpu.foundation.plugin] Waiting for compilation of ray tracing shaders by GPU driver: 30 seconds so far', 'shaders', '30 seconds so far'],
    ['Waiting for compilation of ray tracing shaders by GPU driver: 120 seconds so far', 'shaders', '120 seconds so far'],
    ['[Info] [gpu.foundation.plugin] Ray tracing shader compilation finished after 95 seconds', 'shaders', 'finished after 95 seconds'],
    ['[Info] [rtx] Waiting for RtPso async group async compilation', 'shaders', undefined],
    ['Active user not found. Using default user [kiosk]Streaming server started.', 'streaming', undefined],
    ['2025-01-01T00:00:00Z [40,000ms] [Info] [omni.services.livestream.nvcf] rtx_ready for streaming', 'streaming', undefined],
  ];
  for (const [line, phase, detail] of cases) {
    test(`${line.slice(0, 70)} → phase ${phase}${detail ? ` (${detail})` : ''}`, () => {
      assert.deepEqual(classifier.classify(line), detail === undefined ? { kind: 'phase', phase } : { kind: 'phase', phase, detail });
    });
  }

  test('every PHASE_PATTERNS entry is covered above and has a label', () => {
    for (const p of PHASE_PATTERNS) {
      assert.ok(
        cases.some(([line, phase]) => phase === p.phase && p.pattern.test(line)),
        `no test line for ${p.phase} ${String(p.pattern)}`,
      );
      assert.ok(!p.pattern.global && !p.pattern.sticky);
      assert.ok(p.source.length > 0, 'each pattern names where the line was seen');
    }
    assert.deepEqual(Object.keys(PHASE_LABELS).sort(), ['container', 'extensions', 'shaders', 'streaming']);
    for (const label of Object.values(PHASE_LABELS)) assert.ok(label.length > 0);
    assert.equal(PHASE_LABELS.shaders, 'compiling shaders');
  });

  test('the old made-up shader lines are not phases any more', () => {
    for (const line of ['[Info] [rtx.shadercache.plugin] Compiling shaders for the current GPU', '[Info] [rtx] Shader compilation started', '[Info] [rtx] using shader cache at /root/.cache/ov/shaders']) {
      assert.equal(classifier.classify(line), undefined, line);
    }
  });

  test('a failure line that also looks like a phase line is a failure (diagnosis first)', () => {
    const v = classifier.classify('[ext: omni.kit.foo-1.0.0] startup: Failed to initialize NVML: Unknown Error');
    assert.equal(idOf(v), 'failure:nvml');
  });

  test('near misses are not phases', () => {
    for (const line of ['[ext: ] startup', '[ext: omni.usd-1.0] shutdown', 'ext: omni.usd startup', '[ext: omni.usd] Startup', 'Shaders compiled']) {
      assert.equal(classifier.classify(line), undefined, line);
    }
  });
});

describe('LogClassifier harmless and ordinary lines', () => {
  test('the harmless OmniHub error is not a failure', () => {
    assert.equal(classifier.classify('[Warning] [omni.hub] OmniHub: Hub encountered error while trying to connect: Connection refused'), undefined);
    assert.equal(classifier.classify('2024-05-01 12:00:00 [2,001ms] [Warning] [omni.hub] OmniHub: Hub encountered error ...'), undefined);
  });

  test('ordinary lines are undefined', () => {
    for (const line of [
      '',
      '   ',
      '[Info] [omni.kit.app] Startup complete',
      '[Warning] [omni.kit.livestream.webrtc] something',
      'Starting kit application with the following args: ...',
      'Active user not found. Using default user [kiosk]',
      '[Error] [omni.physx] some other unrelated error',
      'Found 1 GPU(s)',
      'CUDA libs are present',
      'Failed to bind',
      '[Info] [omni.services.transport.server.http] Started server on 127.0.0.1:8211',
      // Real lines around the real failures (fixtures): consequences or noise, not causes.
      '2025-06-30 21:31:42 [1,469ms] [Error] [gpu.foundation.plugin] carb::graphics::createInstance failed.',
      '2024-09-06 13:40:35 [9,560ms] [Warning] [omni.kit.imgui_renderer.plugin] _createExtendCursor: No windowing.',
      "2025-09-09T01:46:05Z [90,679ms] [Warning] [gpu.foundation.plugin] Invalid sync scope for buffer resource 'shared swapchain buffer'. Create resource with valid sync scope for lifetime tracking or use kResourceUsageFlagNoSyncScope.",
      'Failed to open [/var/run/utmp]',
      '| Driver Version: 0             | Graphics API: Vulkan',
    ]) {
      assert.equal(classifier.classify(line), undefined, JSON.stringify(line));
    }
  });

  test('isErrorLine: Kit\'s [Error] and [Fatal] lines, nothing else', () => {
    assert.equal(isErrorLine('2025-06-30 21:31:42 [1,469ms] [Error] [gpu.foundation.plugin] carb::graphics::createInstance failed.'), true);
    assert.equal(isErrorLine('[Fatal] [carb.crashreporter-breakpad.plugin] crash'), true);
    for (const line of ['[Warning] [carb] Failed to initialize NVML: Unknown Error', '[Info] [omni.kit.app] Error handling enabled', 'Error: something', '[error] lower case', '[INFO]: Setup complete...', '']) {
      assert.equal(isErrorLine(line), false, line);
    }
  });

  test('an invalid pattern throws at construction (settings validation must catch it first)', () => {
    assert.throws(() => new LogClassifier(['(']), { name: 'PatternRefusal', kind: 'unclosed-group' });
    assert.throws(() => new LogClassifier(['ok', '[a-']), { name: 'PatternRefusal', kind: 'unclosed-class' });
  });
});

describe('LogClassifier: properties', () => {
  const valid = (v: LineClass): boolean =>
    v === undefined ||
    v.kind === 'ready' ||
    (v.kind === 'failure' &&
      typeof v.diagnosis.id === 'string' &&
      v.diagnosis.problem.length > 0 &&
      v.diagnosis.fix().length > 0 &&
      (v.diagnosis.severity === 'fatal' || v.diagnosis.severity === 'warning')) ||
    (v.kind === 'phase' && v.phase in PHASE_LABELS && (v.detail === undefined || v.detail.length > 0));

  /** Strings with lone surrogates, control characters and binary junk mixed in. */
  const junk = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 }).map((codes) => String.fromCharCode(...codes)),
    fc.array(fc.constantFrom('\uD800', '\uDFFF', '\u0000', '\uFFFD', '\u001b[31m', '\r', '\n', '[', ']', ':', '(', ' ', 'ext: ', '[Error] ', 'NVML', 'Failed to bind '), { maxLength: 200 }).map((xs) => xs.join('')),
  );

  test('classify never throws and always returns a well-formed verdict on arbitrary strings', () => {
    fc.assert(
      fc.property(junk, (line) => {
        assert.ok(valid(classifier.classify(line)));
      }),
      { numRuns: 1000 },
    );
  });

  test('arbitrary text around a known line does not stop it being recognised', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), fc.string({ maxLength: 50 }), (before, after) => {
        fc.pre(!/[\r\n]/.test(before + after));
        const v = classifier.classify(`${before}[Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!${after}`);
        // A readiness line in the surrounding text wins; otherwise it is the CUDA warning.
        assert.ok(v?.kind === 'ready' || (idOf(v) === 'failure:no-cuda-gpu' && v?.kind === 'failure' && v.diagnosis.severity === 'warning'), JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });

  test('very long lines (100k characters) and lone surrogates do not throw', () => {
    const lines = [
      'x'.repeat(100_000),
      '\uD800'.repeat(100_000),
      '\uDC00\uD800'.repeat(50_000),
      '\u0000\u00ff'.repeat(50_000),
      `${'a'.repeat(99_900)}Isaac Sim App is loaded.`,
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      `Failed to bind ${'1'.repeat(100_000)}`,
      `Failed to bind ${'a:1'.repeat(33_333)} (address in use?)`,
      `${'[ext: x] startu'.repeat(6_000)}`,
    ];
    for (const line of lines) assert.ok(valid(classifier.classify(line)), line.slice(0, 40));
    assert.deepEqual(classifier.classify(lines[4]), { kind: 'ready' });
    assert.equal(idOf(classifier.classify(lines[7])), 'failure:port-taken');
  });
});

describe('anyMatcher (the one-run check that a line can match a table pattern)', () => {
  const tables = [...LOG_DIAGNOSES.map((d) => d.pattern), ...PHASE_PATTERNS.map((p) => p.pattern)];
  // Pieces of every table pattern's own text, so random lines do hit them.
  const samples = [
    ...LOG_DIAGNOSES.map((d) => d.pattern.source.replace(/\\(.)/g, '$1').split('|')[0]),
    '[ext: omni.kit 1.0] startup', 'Waiting for compilation of ray tracing shaders by GPU driver: 12 seconds so far',
    'Address already in use', 'Failed to bind 0.0.0.0:8011', 'Permission denied', '/isaac-sim/', 'filler 7', ' ', '[', ']',
  ];

  test('true exactly when one of the patterns matches, over random lines', () => {
    const extra = [/(a+)b\1/, /(?<word>ca+t)/i, /DOG/i, /x$/m];
    const match = anyMatcher([...tables, ...extra]);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...samples, 'aab', 'aaba', 'Caat', 'dog', 'x\ny', 'ab'), fc.string({ maxLength: 6 })), { maxLength: 6 }), (parts) => {
        const line = parts.join('');
        assert.equal(match(line), [...tables, ...extra].some((p) => p.test(line)), JSON.stringify(line));
      }),
      { numRuns: 3000 },
    );
  });

  test('a backreference or a named group keeps its meaning (tested on its own)', () => {
    const match = anyMatcher([/(x)y/, /(a)\1/, /(?<n>q)r/, /(?<n>s)t/]);
    assert.equal(match('aa'), true);
    assert.equal(match('ax'), false);
    assert.equal(match('st'), true);
    assert.equal(match('zzz'), false);
  });

  test('the classifier with the check gives what every table pattern run in full gives', () => {
    for (const line of [...samples, 'CUDA error 999: cudaErrorUnknown', 'Permission denied: /isaac-sim/kit/data', 'Streaming server started.', 'nothing here']) {
      const full = LOG_DIAGNOSES.find((d) => d.pattern.test(line) && (!d.also || d.also.test(line)))?.id ?? PHASE_PATTERNS.find((p) => p.pattern.test(line))?.phase;
      const verdict = classifier.classify(line);
      const got = verdict?.kind === 'failure' ? verdict.diagnosis.id : verdict?.kind === 'phase' ? verdict.phase : verdict?.kind;
      assert.equal(got, verdict?.kind === 'ready' ? 'ready' : full, JSON.stringify(line));
    }
  });
});
