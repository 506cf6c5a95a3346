import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LOG_DIAGNOSES } from '../../src/instances/diagnosis';
import { LogClassifier, PHASE_LABELS, PHASE_PATTERNS, type LineClass, type StartupPhase } from '../../src/instances/readiness';
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
    ]);
  });

  test('each version\'s ready line, bare and with Kit log decorations, is ready', () => {
    for (const app of ['Isaac Sim Full Streaming App', 'Isaac Sim Headless Native App', 'Isaac Sim Headless WebRTC App', 'Isaac Sim App']) {
      assert.deepEqual(classifier.classify(`${app} is loaded.`), { kind: 'ready' }, app);
      assert.deepEqual(classifier.classify(`2024-05-01T12:00:00.123Z [35,123ms] [Info] ${app} is loaded.`), { kind: 'ready' }, app);
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
  const cases: Array<[string, string, string]> = [
    ['2024-05-01 12:00:01 [1,234ms] [Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!', 'no-cuda-gpu', 'no suitable CUDA GPU found'],
    ['[Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!', 'no-cuda-gpu', 'no suitable CUDA GPU found'],
    ['[Error] [gpu.foundation.plugin] Failed to acquire rtx::resourcemanager::ResourceManager!', 'rtx-resource-manager', 'RTX resource manager unavailable'],
    ['[Error] [rtx.resourcemanager.plugin] Failed to acquire rtx::resourcemanager::ResourceManager!', 'rtx-resource-manager', 'RTX resource manager unavailable'],
    ['Failed to acquire rtx::resourcemanager::ResourceManager!', 'rtx-resource-manager', 'RTX resource manager unavailable'],
    ['[Error] [gpu.foundation.plugin] No device could be created. Some known system issues:', 'no-gpu-device', 'no GPU device could be created'],
    ['[gpu.foundation.plugin] No device could be created', 'no-gpu-device', 'no GPU device could be created'],
    ['Failed to initialize NVML: Unknown Error', 'nvml', 'NVML failed to initialize'],
    ['[Warning] [carb] Failed to initialize NVML: Unknown Error', 'nvml', 'NVML failed to initialize'],
    ['[Error] [omni.services.transport.server.http] Failed to bind 127.0.0.1:8211 (address in use?)', 'port-taken', 'a port it needs is already in use'],
  ];
  for (const [line, id, problem] of cases) {
    test(`${line.slice(0, 70)}… → failure ${id}`, () => {
      const v = classifier.classify(line);
      assert.ok(v && v.kind === 'failure', JSON.stringify(v));
      assert.equal(v.diagnosis.id, id);
      assert.equal(v.diagnosis.problem, problem);
      assert.ok(v.diagnosis.fix.length > 0);
      assert.deepEqual(Object.keys(v.diagnosis).sort(), ['fix', 'id', 'problem'], 'the verdict carries the diagnosis without its regex');
    });
  }

  test('every LOG_DIAGNOSES entry is covered by a line above; no stateful regex flags', () => {
    for (const d of LOG_DIAGNOSES) {
      assert.ok(
        cases.some(([line, id]) => id === d.id && d.pattern.test(line)),
        `no test line for ${d.id}`,
      );
      assert.ok(d.problem.length > 0 && d.problem.length < 60);
      assert.ok(!d.pattern.global && !d.pattern.sticky, 'stateful regex flags would make classify flaky');
    }
  });

  test('the gpu.foundation pattern needs the plugin tag (its brackets and dots are literal)', () => {
    assert.equal(classifier.classify('No device could be created'), undefined);
    assert.equal(classifier.classify('gpuXfoundationXplugin] No device could be created'), undefined);
    assert.equal(classifier.classify('[gpuXfoundationXplugin] No device could be created'), undefined);
  });
});

describe('LogClassifier startup phases', () => {
  const cases: Array<[string, StartupPhase]> = [
    ['[ext: omni.kit.async_engine-0.0.0] startup', 'extensions'],
    ['2024-05-01 12:00:03 [3,210ms] [ext: omni.usd-1.10.39] startup', 'extensions'],
    ['[ext: isaacsim.core.api-3.0.0] startup', 'extensions'],
    ['[Info] [rtx.shadercache.plugin] Compiling shaders for the current GPU', 'shaders'],
    ['[Info] [rtx] compiling shaders (1234 remaining)', 'shaders'],
    ['[Info] [rtx] Shader compilation started', 'shaders'],
    ['[Info] [rtx] shader compilation started', 'shaders'],
    ['[Info] [rtx.shadercache] Shader cache hit for 2345 shaders', 'shaders'],
    ['[Info] [rtx] using shader cache at /root/.cache/ov/shaders', 'shaders'],
  ];
  for (const [line, phase] of cases) {
    test(`${line.slice(0, 70)} → phase ${phase}`, () => {
      assert.deepEqual(classifier.classify(line), { kind: 'phase', phase });
    });
  }

  test('every PHASE_PATTERNS entry is covered above and has a label', () => {
    for (const p of PHASE_PATTERNS) {
      assert.ok(
        cases.some(([line, phase]) => phase === p.phase && p.pattern.test(line)),
        `no test line for ${p.phase}`,
      );
      assert.ok(!p.pattern.global && !p.pattern.sticky);
    }
    assert.deepEqual(Object.keys(PHASE_LABELS).sort(), ['container', 'extensions', 'shaders', 'streaming']);
    for (const label of Object.values(PHASE_LABELS)) assert.ok(label.length > 0);
    assert.equal(PHASE_LABELS.shaders, 'compiling shaders');
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
    ]) {
      assert.equal(classifier.classify(line), undefined, JSON.stringify(line));
    }
  });

  test('an invalid pattern throws at construction (settings validation must catch it first)', () => {
    assert.throws(() => new LogClassifier(['(']), SyntaxError);
    assert.throws(() => new LogClassifier(['ok', '[a-']), SyntaxError);
  });
});

describe('LogClassifier: properties', () => {
  const valid = (v: LineClass): boolean =>
    v === undefined ||
    v.kind === 'ready' ||
    (v.kind === 'failure' && typeof v.diagnosis.id === 'string' && v.diagnosis.problem.length > 0 && v.diagnosis.fix.length > 0) ||
    (v.kind === 'phase' && v.phase in PHASE_LABELS);

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
        // A readiness line in the surrounding text wins; otherwise it is the CUDA diagnosis.
        assert.ok(v?.kind === 'ready' || idOf(v) === 'failure:no-cuda-gpu', JSON.stringify(v));
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
