import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEngineMessage } from '../../src/docker/errors';
import { ENGINE_DIAGNOSES, LOG_DIAGNOSES, describeLastErrors, diagnoseErrorKind, diagnoseExit, diagnoseLine, type Diagnosis, type PatternDiagnosis } from '../../src/instances/diagnosis';

/** A fix must tell the user what to do: an imperative verb or a setting to change. */
const ACTIONABLE = /\b(Install|Restart|Raise|Stop|Use|Check|check|Read|Make sure|Set|set|move|Update|update|run|clear|Or set|Reboot|reload|Remove|remove|Fix|chown|use)\b|isaacSim\.[A-Za-z*]+/;

function assertWellFormed(d: Diagnosis, where: string): void {
  assert.match(d.id, /^[a-z][a-z0-9-]*$/, `${where}: id ${d.id}`);
  assert.ok(d.problem.trim().length > 0, `${where}: empty problem`);
  assert.ok(d.problem.length <= 80, `${where}: problem too long for the tree: ${d.problem}`);
  assert.ok(d.fix().trim().length > 20, `${where}: the fix must say what to do: ${d.fix()}`);
  assert.match(d.fix(), ACTIONABLE, `${where}: the fix does not say what to do: ${d.fix()}`);
  assert.notEqual(d.fix(), d.problem);
}

function assertTable(table: readonly PatternDiagnosis[], name: string): void {
  assert.ok(table.length > 0);
  const ids = table.map((d) => d.id);
  assert.equal(new Set(ids).size, ids.length, `${name}: duplicate ids ${ids.join(', ')}`);
  for (const d of table) {
    assertWellFormed(d, `${name} ${d.id}`);
    assert.ok(!d.pattern.global && !d.pattern.sticky, `${name} ${d.id}: a stateful regex flag makes .test() flaky`);
    assert.ok(!d.also || (!d.also.global && !d.also.sticky), `${name} ${d.id}: a stateful regex flag on also`);
  }
}

/** Whether a table entry matches a line the way diagnoseLine tests it (pattern, and `also` when set). */
const matches = (d: PatternDiagnosis, line: string): boolean => d.pattern.test(line) && (!d.also || d.also.test(line));

describe('LOG_DIAGNOSES: the table', () => {
  test('ids are unique, every entry has a problem and a fix that says what to do', () => assertTable(LOG_DIAGNOSES, 'LOG_DIAGNOSES'));

  test('holds the real fatal Isaac Sim lines, then the often harmless ones as warnings', () => {
    assert.deepEqual(
      LOG_DIAGNOSES.map((d) => [d.id, d.severity ?? 'fatal']),
      [
        ['no-gpu-device', 'fatal'],
        ['cuda-999', 'fatal'],
        ['vulkan', 'fatal'],
        ['no-gpu-devices-compat', 'fatal'],
        ['driver-unsupported', 'fatal'],
        ['hydra-rtx', 'fatal'],
        ['livestream-plugin', 'fatal'],
        ['nvenc', 'fatal'],
        ['rtx-resource-manager', 'fatal'],
        ['eula', 'fatal'],
        ['aarch64', 'fatal'],
        ['nvml', 'fatal'],
        ['permission', 'fatal'],
        ['no-cuda-gpu', 'warning'],
        ['cuda-bad-state', 'warning'],
        ['port-taken', 'warning'],
      ],
    );
  });

  test('every entry names where its line was seen; only warnings set a severity', () => {
    for (const d of LOG_DIAGNOSES) {
      assert.ok(d.source && d.source.trim().length > 0, `${d.id}: no source`);
      assert.ok(d.severity === undefined || d.severity === 'warning', `${d.id}: fatal is the default, so only warnings say it`);
    }
  });
});

describe('diagnoseLine: verbatim Isaac Sim lines', () => {
  /** [line, id]: from the fixtures (test/fixtures/isaac-logs) where a public log has the line, else NVIDIA's own wording. */
  const cases: Array<[string, string]> = [
    ['2025-03-12 14:26:34 [423ms] [Error] [gpu.foundation.plugin] No device could be created. Some known system issues:', 'no-gpu-device'],
    ['[Error] [gpu.foundation.plugin] No device could be created', 'no-gpu-device'],
    ['2025-10-08T05:46:15Z [1,285ms] [Error] [carb.cudainterop.plugin] CUDA error 999: cudaErrorUnknown - unknown error)', 'cuda-999'],
    ['2025-10-08T05:46:15Z [1,285ms] [Error] [carb.cudainterop.plugin] Failed to query CUDA device count.', 'cuda-999'],
    ['[Error] [carb.cudainterop.plugin] CUDA error 46: cudaErrorDevicesUnavailable', 'cuda-999'],
    ['2025-06-30 21:31:42 [1,468ms] [Error] [carb.graphics-vulkan.plugin] VkResult: ERROR_INCOMPATIBLE_DRIVER', 'vulkan'],
    ['2025-12-11T08:37:08Z [4,779ms] [Error] [carb.graphics-vulkan.plugin] vkCreateInstance failed. Vulkan 1.1 is not supported, or your driver requires an update.', 'vulkan'],
    ['2025-06-30 21:31:43 [3,290ms] [Error] [omni.gpu_foundation_factory.plugin] Failed to create any GPU devices, including an attempt with compatibility mode.', 'no-gpu-devices-compat'],
    ['2025-12-18T08:52:52Z [8,385ms] [Error] [gpu.foundation.plugin] The currently installed NVIDIA graphics driver is unsupported or has known issues.', 'driver-unsupported'],
    ['2025-12-18T08:52:52Z [8,385ms] [Error] [carb.scenerenderer-rtx.plugin] rtx driver verification failed.', 'driver-unsupported'],
    ['[Error] [omni.hydra] HydraEngine rtx failed creating scene renderer.', 'hydra-rtx'],
    ['2026-03-06T00:47:23Z [17,478ms] [Error] [carb] [Plugin: libcarb.livestream-rtc.plugin.so] Could not load the dynamic library from /home/gopi/isaacsim/extscache/omni', 'livestream-plugin'],
    ['[Error] [omni.kit.livestream.nvenc] nvEncOpenEncodeSessionEx failed: NV_ENC_ERR_NO_ENCODE_DEVICE', 'nvenc'],
    ['[Error] [gpu.foundation.plugin] Failed to acquire rtx::resourcemanager::ResourceManager!', 'rtx-resource-manager'],
    ['2024-08-12 09:14:04 [6,002ms] [Error] [rtx.resourcemanager.plugin] Failed to acquire rtx::resourcemanager::ResourceManager!', 'rtx-resource-manager'],
    ['Please accept the EULA above by setting the ACCEPT_EULA environment variable.', 'eula'],
    ['Livestreaming is not supported on aarch64 for 5.1.0.', 'aarch64'],
    ['Failed to initialize NVML: Unknown Error', 'nvml'],
    ['[Warning] [carb.windowing-glfw.plugin] Failed to initialize NVML: Unknown Error', 'nvml'],
    ["[Error] [omni.kit.app.plugin] failed to open file '/isaac-sim/kit/data/Kit/IsaacLab/3.0/user.config.json' - unable to save the dictionary", 'permission'],
    ["[Error] [omni.datastore] open '/isaac-sim/kit/cache/lock': Permission denied", 'permission'],
    ["[Error] [carb] failed to open file '/root/.nvidia-omniverse/config/user.config.json' - unable to save the dictionary", 'permission'],
    ['[Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!', 'no-cuda-gpu'],
    ['2024-08-12 09:14:03 [5,817ms] [Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!', 'no-cuda-gpu'],
    ['2026-08-24T16:00:31Z [18,951ms] [Warning] [gpu.foundation.plugin] Skipping NVIDIA GPU due CUDA being in bad state: NVIDIA RTX Pro 6000 Blackwell DC-4-96Q', 'cuda-bad-state'],
    ['2025-09-10T17:49:05Z [15,357ms] [Warning] [omni.services.transport.server.http.server] http server was meant to start on 8011 but port is taken, starti', 'port-taken'],
    ['[Error] [omni.services.transport.server.http] Failed to bind 127.0.0.1:8211 (address in use?)', 'port-taken'],
    ['[Error] [omni.services.transport.server.http] Failed to bind 0.0.0.0:8212 (address in use?)', 'port-taken'],
    ['[Error] [omni.kit.livestream.app] bind: Address already in use', 'port-taken'],
    ['OSError: [Errno 98] address already in use', 'port-taken'],
  ];
  for (const [line, id] of cases) {
    test(`${line.slice(0, 80)} → ${id}`, () => {
      const d = diagnoseLine(line);
      assert.ok(d, 'diagnosed');
      assert.equal(d.id, id);
      const entry = LOG_DIAGNOSES.find((e) => e.id === id)!;
      assert.deepEqual(d, { id: entry.id, problem: entry.problem, fix: entry.fix, severity: entry.severity ?? 'fatal' }, 'the table entry with its severity, without its regex or source');
    });
  }

  test('every LOG_DIAGNOSES entry is exercised by a verbatim line above', () => {
    for (const d of LOG_DIAGNOSES) assert.ok(cases.some(([line, id]) => id === d.id && matches(d, line)), `no line for ${d.id}`);
  });

  test('each line is diagnosed by its own entry only (no entry shadows another)', () => {
    for (const [line, id] of cases) {
      const matching = LOG_DIAGNOSES.filter((d) => matches(d, line)).map((d) => d.id);
      assert.deepEqual(matching, [id], line);
    }
  });

  test('severity: the three often-harmless lines are warnings, every other diagnosis is fatal', () => {
    for (const [line, id] of cases) {
      assert.equal(diagnoseLine(line)?.severity, ['no-cuda-gpu', 'cuda-bad-state', 'port-taken'].includes(id) ? 'warning' : 'fatal', line);
    }
  });

  test('permission needs a path the image writes (/isaac-sim/ or /root/) on the same line', () => {
    for (const line of [
      "[Error] [carb] open '/tmp/x.lock': Permission denied",
      '[Error] [omni.kit.app.plugin] failed to open file - unable to save the dictionary',
      'ssh: connect to host: Permission denied (publickey)',
      "bash: /home/user/run.sh: Permission denied",
    ]) {
      assert.equal(diagnoseLine(line), undefined, line);
    }
  });

  test('the diagnosis is a fresh object: changing it does not change the table', () => {
    const d = diagnoseLine('Failed to initialize NVML: Unknown Error')!;
    d.problem = 'changed';
    assert.equal(diagnoseLine('Failed to initialize NVML: Unknown Error')!.problem, 'NVML failed to initialize');
  });
});

describe('diagnoseLine: harmless and ordinary lines are never diagnosed', () => {
  const harmless = [
    '[Warning] [omni.hub] OmniHub: Hub encountered error: Connection refused',
    '2024-08-12 09:14:01 [2,001ms] [Warning] [omni.hub] OmniHub: Hub encountered error while trying to connect: Failed to connect',
    '[Error] [omni.hub] OmniHub: Hub encountered error: Error connecting to the Hub',
    '[Info] [carb] Logging to file: /root/.nvidia-omniverse/logs/Kit/Isaac-Sim/4.2/kit_20240812_091400.log',
    'Starting kit application with the following args: [...]',
    '[ext: omni.kit.async_engine-0.0.0] startup',
    '[ext: omni.services.transport.server.http-1.3.1] startup',
    '[Info] [omni.services.transport.server.http] Started server on 127.0.0.1:8211',
    '[Info] [carb.cudainterop.plugin] CUDA libs are present',
    '[Info] [gpu.foundation.plugin] 1 device(s) created',
    '|---------------------------------------------------------------------------------------------|',
    '| GPU | Name                             | Active | LDA | GPU Memory | Vendor-ID | LUID       |',
    '| 0   | NVIDIA RTX A6000                 | Yes: 0 |     | 49386   MB | 10de      | 0          |',
    '[Info] [omni.kit.livestream.webrtc] WebRTC streaming on port 8011',
    'Isaac Sim Full Streaming App is loaded.',
    'Active user not found. Using default user [kiosk]',
    '[Warning] [omni.kit.registry.nucleus.utils.common] Failed to find extension registry',
    '[Error] [omni.physx.plugin] PhysX error: some unrelated error',
    'NVML initialized',
    'Failed to bind',
    '',
    // Real lines next to real failures (fixtures): consequences or noise.
    '2025-06-30 21:31:42 [1,469ms] [Error] [gpu.foundation.plugin] carb::graphics::createInstance failed.',
    'The NVIDIA Software License Agreement (EULA) must be accepted before',
    'The NVIDIA Isaac Sim Additional Software and Materials License must be accepted before',
    "2025-09-09T01:46:05Z [90,679ms] [Warning] [gpu.foundation.plugin] Invalid sync scope for buffer resource 'shared swapchain buffer'. Create resource with valid sync scope for lifetime tracking or use kResourceUsageFlagNoSyncScope.",
    '- The driver cannot enumerate any GPU: driver, display, TCC mode or a docker issue. For Vulkan, test it with Vulkaninfo tool from Vulkan SDK, instead of nvidia-smi.',
  ];
  for (const line of harmless) {
    test(JSON.stringify(line.slice(0, 90)), () => {
      assert.equal(diagnoseLine(line), undefined);
    });
  }
});

describe('ENGINE_DIAGNOSES and diagnoseErrorKind', () => {
  const entries = Object.values(ENGINE_DIAGNOSES) as Diagnosis[];
  test('ids are unique, every entry has a problem and a fix that says what to do', () => assertTable(entries.map((d) => ({ ...d, pattern: /x/ })), 'ENGINE_DIAGNOSES'));

  // The engine's words, as daemons print them → the kind src/docker/errors.ts reads → the diagnosis.
  const cases: Array<[string, string]> = [
    ['Unknown runtime specified nvidia', 'no-nvidia-runtime'],
    ['(HTTP code 400) unexpected - Unknown runtime specified nvidia', 'no-nvidia-runtime'],
    ['unknown or invalid runtime name: nvidia', 'no-nvidia-runtime'],
    ['Error response from daemon: unknown or invalid runtime name: nvidia', 'no-nvidia-runtime'],
    ['could not select device driver "nvidia" with capabilities: [[gpu]]', 'no-gpu-driver'],
    ['Error response from daemon: could not select device driver "" with capabilities: [[gpu]]', 'no-gpu-driver'],
    ['address already in use', 'port-taken'],
    ['driver failed programming external connectivity on endpoint isaac-sim-instance-0: Error starting userland proxy: listen tcp4 0.0.0.0:8211: bind: address already in use', 'port-taken'],
  ];
  for (const [message, id] of cases) {
    test(`${message.slice(0, 80)} → ${id}`, () => {
      const d = diagnoseErrorKind(classifyEngineMessage(message));
      assert.ok(d, 'diagnosed');
      assert.equal(d.id, id);
      const entry = entries.find((e) => e.id === id)!;
      assert.deepEqual(d, { id: entry.id, problem: entry.problem, fix: entry.fix, severity: 'fatal' }, 'an engine error is always fatal');
    });
  }

  test('the engine\'s words are read case-insensitively', () => {
    assert.equal(classifyEngineMessage('UNKNOWN RUNTIME SPECIFIED NVIDIA'), 'no-runtime');
    assert.equal(classifyEngineMessage('Address Already In Use'), 'port-taken');
  });

  test('every ENGINE_DIAGNOSES entry is exercised above', () => {
    for (const d of entries) assert.ok(cases.some(([, id]) => id === d.id), `no message for ${d.id}`);
  });

  test('the runtime fixes name the NVIDIA Container Toolkit and the settings to change', () => {
    assert.match(diagnoseErrorKind('no-runtime')!.fix(), /NVIDIA Container Toolkit/);
    assert.match(diagnoseErrorKind('no-runtime')!.fix(), /isaacSim\.runtime/);
    assert.match(diagnoseErrorKind('no-gpu')!.fix(), /isaacSim\.gpus/);
    assert.match(diagnoseErrorKind('port-taken')!.fix(), /PortBase/);
  });

  test('other kinds, and other engine errors, are not diagnosed', () => {
    for (const kind of ['other', 'conflict', 'not-found', 'unreachable', 'image-missing', 'cancelled', 'settings', 'foreign-container', 'toString', '__proto__']) {
      assert.equal(diagnoseErrorKind(kind), undefined, kind);
    }
    for (const message of [
      '',
      'Conflict. The container name "/isaac-sim-instance-0" is already in use by container "abc"',
      'connect ENOENT /var/run/docker.sock',
      'pull access denied for nvcr.io/nvidia/isaac-sim, repository does not exist or may require \'docker login\'',
      'OCI runtime create failed: exec: "/isaac-sim/runheadless.sh": stat /isaac-sim/runheadless.sh: no such file or directory',
    ]) {
      assert.equal(diagnoseErrorKind(classifyEngineMessage(message)), undefined, message);
    }
  });

  test('our own sentences are never read: a message that merely quotes a diagnosis has no kind', () => {
    // The error path gets the kind from the error object, so these words alone diagnose nothing.
    for (const d of entries) assert.equal(classifyEngineMessage(d.problem), 'other', d.problem);
  });
});

describe('diagnoseExit', () => {
  test('0: a plain "exited with code 0" (the reducer treats an unrequested exit 0 as a stop)', () => {
    const d = diagnoseExit(0, false);
    assert.deepEqual({ id: d.id, problem: d.problem }, { id: 'exit', problem: 'exited with code 0' });
    assertWellFormed(d, 'exit 0');
  });

  const cases: Array<[number, string, string, RegExp]> = [
    [1, 'exit', 'exited with code 1', /log|Preflight Doctor/],
    [2, 'exit', 'exited with code 2', /log/],
    [134, 'abort', 'aborted (SIGABRT, exit 134)', /log/],
    [137, 'killed', 'killed (SIGKILL, exit 137)', /isaacSim\.stopTimeoutSeconds/],
    [139, 'segfault', 'crashed (segmentation fault, exit 139)', /driver|cache/],
    [143, 'terminated', 'terminated (SIGTERM, exit 143)', /stop/],
    [255, 'exit', 'exited with code 255', /log/],
  ];
  for (const [code, id, problem, fix] of cases) {
    test(`${code} → ${id}: "${problem}"`, () => {
      const d = diagnoseExit(code, false);
      assert.equal(d.id, id);
      assert.equal(d.problem, problem);
      assert.match(d.fix(), fix);
      assert.ok(d.problem.includes(String(code)), 'the problem names the exit code');
      // SIGABRT and SIGTERM explain rather than prescribe; the others must say what to do.
      if (id === 'abort' || id === 'terminated') {
        assert.match(d.id, /^[a-z][a-z0-9-]*$/);
        assert.ok(d.fix().trim().length > 0);
      } else {
        assertWellFormed(d, `exit ${code}`);
      }
    });
  }

  test('OOM wins over any exit code and tells to raise isaacSim.memoryLimitGiB', () => {
    for (const code of [0, 1, 137, 139]) {
      const d = diagnoseExit(code, true);
      assert.equal(d.id, 'oom');
      assert.equal(d.problem, `out of memory (OOM killed, exit ${code})`);
      assert.match(d.fix(), /Raise isaacSim\.memoryLimitGiB/);
      assertWellFormed(d, `oom ${code}`);
    }
  });

  test('OOM names the limit when it is known', () => {
    assert.match(diagnoseExit(137, true, 8).fix(), /its 8 GiB limit/);
    assert.match(diagnoseExit(137, true, 1.5).fix(), /its 1\.5 GiB limit/);
    assert.doesNotMatch(diagnoseExit(137, true).fix(), /GiB limit/);
    assert.doesNotMatch(diagnoseExit(137, true, 0).fix(), /its 0 GiB/, 'no limit (0) is not shown as a limit');
  });

  test('an exit no code explains quotes the last error lines: the last two in the problem, all in the fix', () => {
    const errors = ['[Error] [omni.ext] first', '[Error] [omni.ext] second', '[Error] [omni.kit.app] Extension isaacsim.foo failed to start'];
    const d = diagnoseExit(1, false, undefined, errors);
    assert.equal(d.id, 'exit');
    assert.equal(d.problem, 'exited with code 1 after: [Error] [omni.ext] second | [Error] [omni.kit.app] Extension isaacsim.foo failed to start');
    for (const l of errors) assert.ok(d.fix().includes(`"${l}"`), l);
    assert.match(d.fix(), /Show Logs|Preflight Doctor/);
    assert.doesNotMatch(d.fix(), /shows no error line/);
    assert.equal(diagnoseExit(1, false).fix().includes('shows no error line'), true, 'without lines the fix says there were none');
  });

  test('the last error lines do not replace a known exit code or an OOM kill', () => {
    const errors = ['[Error] [omni.ext] boom'];
    const shown = (d: Diagnosis) => ({ ...d, fix: d.fix() });
    for (const code of [134, 137, 139, 143]) assert.deepEqual(shown(diagnoseExit(code, false, undefined, errors)), shown(diagnoseExit(code, false)), String(code));
    assert.deepEqual(shown(diagnoseExit(1, true, 16, errors)), shown(diagnoseExit(1, true, 16)));
    assert.deepEqual(shown(diagnoseExit(2, false, undefined, [])), shown(diagnoseExit(2, false)), 'no lines is the plain exit');
  });

  test('describeLastErrors: the last two lines, each cut to 160 characters', () => {
    assert.equal(describeLastErrors([]), '');
    assert.equal(describeLastErrors(['a']), 'a');
    assert.equal(describeLastErrors(['a', 'b', 'c']), 'b | c');
    const long = 'x'.repeat(200);
    const shown = describeLastErrors([long]);
    assert.equal(shown.length, 160);
    assert.ok(shown.endsWith('...'));
    assert.equal(describeLastErrors(['y'.repeat(160)]), 'y'.repeat(160), 'exactly 160 stays whole');
  });

  test('ids of exits do not collide with log or engine diagnosis ids (except the shared port-taken)', () => {
    const exitIds = new Set([0, 1, 134, 137, 139, 143].map((c) => diagnoseExit(c, false).id).concat(diagnoseExit(1, true).id));
    for (const d of LOG_DIAGNOSES) assert.ok(!exitIds.has(d.id), d.id);
    const engineIds = Object.values(ENGINE_DIAGNOSES).map((d) => d.id);
    for (const id of engineIds) assert.ok(!exitIds.has(id), id);
    const shared = LOG_DIAGNOSES.map((d) => d.id).filter((id) => engineIds.includes(id));
    assert.deepEqual(shared, ['port-taken']);
  });
});
