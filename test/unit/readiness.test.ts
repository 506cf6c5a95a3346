import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_PATTERNS, LogClassifier } from '../../src/instances/readiness';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';

const classifier = new LogClassifier(DEFAULT_SETTINGS.readinessPattern);

describe('LogClassifier with the default readiness pattern', () => {
  test('the default pattern is the one Isaac Sim 4.2 prints when the streaming app is up', () => {
    assert.equal(DEFAULT_SETTINGS.readinessPattern, 'Isaac Sim Full Streaming App is loaded\\.');
  });

  test('the ready line, bare and with Kit log decorations, is ready', () => {
    assert.deepEqual(classifier.classify('Isaac Sim Full Streaming App is loaded.'), { kind: 'ready' });
    assert.deepEqual(classifier.classify('2024-05-01T12:00:00.123Z [35,123ms] [Info] Isaac Sim Full Streaming App is loaded.'), { kind: 'ready' });
  });

  test('near misses are not ready (the dot is literal, the text is case sensitive)', () => {
    for (const line of ['Isaac Sim Full Streaming App is loaded', 'Isaac Sim Full Streaming App is loadedX', 'isaac sim full streaming app is loaded.', 'Isaac Sim Full App is loaded.']) {
      assert.equal(classifier.classify(line), undefined, line);
    }
  });
});

describe('LogClassifier with a custom readiness pattern', () => {
  test('matches the custom pattern and no longer the default line', () => {
    const c = new LogClassifier('^\\[stand-in\\] ready on port \\d+$');
    assert.deepEqual(c.classify('[stand-in] ready on port 8211'), { kind: 'ready' });
    assert.equal(c.classify('Isaac Sim Full Streaming App is loaded.'), undefined);
    assert.equal(c.classify('  [stand-in] ready on port 8211'), undefined);
  });

  test('a custom failure table replaces the default one', () => {
    const c = new LogClassifier('READY', [{ pattern: /boom/, reason: 'it went boom' }]);
    assert.deepEqual(c.classify('a boom here'), { kind: 'failure', reason: 'it went boom' });
    assert.equal(c.classify('Failed to initialize NVML: Unknown Error'), undefined);
  });

  test('a line that is both ready and a failure counts as ready (the ready pattern is checked first)', () => {
    const c = new LogClassifier('NVML');
    assert.deepEqual(c.classify('Failed to initialize NVML: Unknown Error'), { kind: 'ready' });
  });

  test('classify is stable across calls (no global-regex lastIndex state)', () => {
    const c = new LogClassifier('ready');
    for (let i = 0; i < 3; i++) assert.deepEqual(c.classify('ready'), { kind: 'ready' });
  });
});

describe('LogClassifier failure lines from Isaac Sim', () => {
  const cases: Array<[string, string]> = [
    ['2024-05-01 12:00:01 [1,234ms] [Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!', 'no suitable CUDA GPU found'],
    ['[Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!', 'no suitable CUDA GPU found'],
    ['[Error] [rtx.resourcemanager.plugin] Failed to acquire rtx::resourcemanager::ResourceManager!', 'RTX resource manager unavailable'],
    ['Failed to acquire rtx::resourcemanager::ResourceManager!', 'RTX resource manager unavailable'],
    ['[Error] [gpu.foundation.plugin] No device could be created. Some known system issues:', 'no GPU device could be created'],
    ['[gpu.foundation.plugin] No device could be created', 'no GPU device could be created'],
    ['Failed to initialize NVML: Unknown Error', 'NVML failed to initialize'],
    ['[Warning] [carb] Failed to initialize NVML: Unknown Error', 'NVML failed to initialize'],
  ];
  for (const [line, reason] of cases) {
    test(`${line.slice(0, 70)}… → failure "${reason}"`, () => {
      assert.deepEqual(classifier.classify(line), { kind: 'failure', reason });
    });
  }

  test('every FAILURE_PATTERNS entry is covered by a line above and has a short reason', () => {
    for (const f of FAILURE_PATTERNS) {
      assert.ok(
        cases.some(([line]) => f.pattern.test(line)),
        `no test line for ${f.pattern}`,
      );
      assert.ok(f.reason.length > 0 && f.reason.length < 60);
      assert.ok(!f.pattern.global && !f.pattern.sticky, 'stateful regex flags would make classify flaky');
    }
    assert.equal(FAILURE_PATTERNS.length, 4);
  });

  test('the gpu.foundation pattern needs the plugin tag (its brackets are literal)', () => {
    assert.equal(classifier.classify('No device could be created'), undefined);
    assert.equal(classifier.classify('gpuXfoundationXplugin] No device could be created'), undefined);
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
    ]) {
      assert.equal(classifier.classify(line), undefined, JSON.stringify(line));
    }
  });

  test('an invalid pattern throws at construction (settings validation must catch it first)', () => {
    assert.throws(() => new LogClassifier('('), SyntaxError);
  });
});
