/**
 * Diagnosis: what went wrong, in the user's words, and how to fix it.
 *
 * The tables are data. Log lines are matched against LOG_DIAGNOSES, engine errors against
 * ENGINE_DIAGNOSES, and an exit that nothing else explains is read by diagnoseExit. Lines known to
 * be harmless (OmniHub's "Hub encountered error") are in no table, so they are never flagged.
 */
import * as l10n from '@vscode/l10n';
import type { EngineErrorKind } from '../docker/errors';
import type { SettingKey } from './settings';

export interface Diagnosis {
  /** Stable id, e.g. `no-gpu-device`. */
  id: string;
  /** Short problem, shown in the tree and the notification. */
  problem: string;
  /**
   * What to do about it. `names` gives the id of each setting the text names, as it holds for the
   * instance's engine (an endpoint of isaacSim.endpoints may set gpus and its port bases itself);
   * by default the top-level isaacSim.<key>.
   */
  fix(names?: SettingNamer): string;
  /**
   * `fatal`: the instance has failed. `warning`: often harmless (PhysX falls back to the CPU, a secondary
   * port moves); shown, and the reason of the failure only if the process then exits.
   */
  severity?: 'fatal' | 'warning';
}

export interface PatternDiagnosis extends Diagnosis {
  pattern: RegExp;
  /** A second test the line must pass too (two simple patterns instead of one that backtracks). */
  also?: RegExp;
  /** Where the line was seen: an NVIDIA file or a user's real log (the fixtures in test/fixtures/isaac-logs). */
  source?: string;
}

/** The settings a fix names; `*PortBase` stands for the port bases. */
export type NamedSetting = Extract<SettingKey, 'gpus' | 'runtime' | 'env' | 'extraArgs' | 'memoryLimitGiB' | 'stopTimeoutSeconds' | 'hostDataRoot'> | '*PortBase';
/** The id of the setting that holds `key` for an instance (fleetSettings.ts fixSettingName). */
export type SettingNamer = (key: NamedSetting) => string;
/** The top-level settings: isaacSim.<key>. */
export const TOP_LEVEL_NAMES: SettingNamer = (key) => `isaacSim.${key}`;

const toolkitFix = () =>
  l10n.t('Install the NVIDIA driver and the NVIDIA Container Toolkit, register the runtime ("sudo nvidia-ctk runtime configure --runtime=docker" then restart Docker), and check "nvidia-smi" works on the host. Isaac Sim needs an RTX GPU.');
const driverFix = () => l10n.t('Install the driver version the Isaac Sim requirements page names for your release (the 5.x/6.x images ask for at least 570.169: MIN_DRIVER_VERSION), then restart Docker.');

/**
 * Lines Isaac Sim prints, each as a real log shows it. The first fatal line of a run is taken as the root
 * cause. OmniHub's "Hub encountered error. Trying to reconnect" (harmless without a Hub cache, tools/docker/README.md)
 * is in no table, so it is never flagged.
 */
export const LOG_DIAGNOSES: readonly PatternDiagnosis[] = [
  {
    id: 'no-gpu-device',
    pattern: /\[gpu\.foundation\.plugin\] No device could be created/,
    get problem() {
      return l10n.t('no GPU device could be created');
    },
    fix(n: SettingNamer = TOP_LEVEL_NAMES) {
      return l10n.t('Kit found no usable RTX GPU in the container. {0} Make sure {1} is "nvidia" and {2} is not "none".', toolkitFix(), n('runtime'), n('gpus'));
    },
    source: 'IsaacSim #239, #794; IsaacLab #2062', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'cuda-999',
    pattern: /CUDA error 999: cudaErrorUnknown|Failed to query CUDA device count|CUDA error 46: cudaErrorDevicesUnavailable/,
    get problem() {
      return l10n.t('CUDA could not reach the GPU (CUDA error 999/46)');
    },
    fix() {
      return l10n.t('The driver is in a bad state or the GPU is held elsewhere (exclusive compute mode, another VM). Reboot the host or reload the driver ("sudo rmmod nvidia_uvm && sudo modprobe nvidia_uvm"), check "nvidia-smi" on the host, then start again.');
    },
    source: 'IsaacSim #239', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'vulkan',
    pattern: /VkResult: ERROR_INCOMPATIBLE_DRIVER|vkCreateInstance failed/,
    get problem() {
      return l10n.t('Vulkan could not start (incompatible driver)');
    },
    fix() {
      return l10n.t('The container has no working NVIDIA Vulkan driver. {0} With the NVIDIA Container Toolkit, set NVIDIA_DRIVER_CAPABILITIES=all (the 5.x/6.x images do) so the Vulkan ICD is mounted.', driverFix());
    },
    source: 'IsaacSim #357; genie_sim #30', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'no-gpu-devices-compat',
    pattern: /Failed to create any GPU devices, including an attempt with compatibility mode/,
    get problem() {
      return l10n.t('no GPU device, even in compatibility mode');
    },
    fix() {
      return l10n.t('Kit could not create a GPU device at all. {0}', toolkitFix());
    },
    source: 'genie_sim #30', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'driver-unsupported',
    pattern: /The currently installed NVIDIA graphics driver is unsupported or has known issues|rtx driver verification failed/,
    get problem() {
      return l10n.t('the NVIDIA driver is unsupported');
    },
    fix() {
      return l10n.t('{0} The log names the installed driver and the recommended ones.', driverFix());
    },
    source: 'IsaacAutomator #40; IsaacLab #4244', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'hydra-rtx',
    pattern: /HydraEngine rtx failed creating scene renderer/,
    get problem() {
      return l10n.t('the RTX renderer could not be created');
    },
    fix() {
      return l10n.t('The RTX renderer needs an RTX-class GPU with a supported driver. {0}', driverFix());
    },
    source: '../shared/ISAAC-SIM.md (no public log found)', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'livestream-plugin',
    pattern: /\[Plugin: libcarb\.livestream-rtc\.plugin\.so\] Could not load the dynamic library/,
    get problem() {
      return l10n.t('the livestream plugin could not be loaded');
    },
    fix() {
      return l10n.t('The WebRTC streaming library did not load, usually because the driver is too old or too new for this release, or the extension cache is incomplete. Use the driver the Isaac Sim requirements page names; if the image was pulled partly, remove it and pull it again.');
    },
    source: 'IsaacSim #523', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'nvenc',
    pattern: /nvEncOpenEncodeSessionEx failed/,
    get problem() {
      return l10n.t('no NVENC video encoder');
    },
    fix() {
      return l10n.t('Livestreaming needs a GPU with NVENC; NVIDIA says livestreaming is not supported on A100 and other GPUs without it. Use an RTX GPU, or run headless without streaming.');
    },
    source: 'IsaacSim #743 (described in prose)', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'rtx-resource-manager',
    pattern: /Failed to acquire rtx::resourcemanager::ResourceManager/,
    get problem() {
      return l10n.t('RTX resource manager unavailable');
    },
    fix() {
      return l10n.t('The RTX renderer could not start on the GPU. Use an RTX-class GPU with a supported driver; {0}', toolkitFix());
    },
    source: '../shared/ISAAC-SIM.md', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'eula',
    pattern: /Please accept the EULA above by setting the ACCEPT_EULA environment variable/,
    get problem() {
      return l10n.t('the Isaac Sim license was not accepted');
    },
    fix(n: SettingNamer = TOP_LEVEL_NAMES) {
      return l10n.t('The image\'s license.sh needs ACCEPT_EULA set. The extension sets ACCEPT_EULA=Y; if {0} or a custom entrypoint clears it, remove that.', n('env'));
    },
    source: 'isaac-sim/IsaacSim@v6.0.1 tools/docker/data/license.sh', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'aarch64',
    pattern: /Livestreaming is not supported on aarch64/,
    get problem() {
      return l10n.t('livestreaming is not supported on aarch64 in this release');
    },
    fix() {
      return l10n.t('Isaac Sim 5.1 does not livestream on ARM hosts; use Isaac Sim 6.x (DGX Spark is supported there) or an x86_64 host.');
    },
    source: 'isaac-sim/IsaacSim@v5.1.0 tools/docker/data/runheadless.sh', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'nvml',
    pattern: /Failed to initialize NVML: Unknown Error/,
    get problem() {
      return l10n.t('NVML failed to initialize');
    },
    fix() {
      return l10n.t('The container lost access to the NVIDIA driver (often after a driver update or a systemd/cgroup change). Restart Docker (or reboot after a driver update) and check "docker run --rm --runtime=nvidia --gpus all ubuntu nvidia-smi".');
    },
    source: 'IsaacLab #3114', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'permission',
    pattern: /Permission denied|unable to save the dictionary/,
    // NVIDIA's 6.x recipe also mounts a Hub cache at /var/cache/hub for uid 1234 (tools/docker/README.md).
    also: /\/(?:isaac-sim|root)\/|\/var\/cache\/hub\b/,
    get problem() {
      return l10n.t('a folder it writes to is not writable');
    },
    fix(n: SettingNamer = TOP_LEVEL_NAMES) {
      return l10n.t('Isaac Sim 5.x and 6.x run as uid 1234: every folder mounted under /isaac-sim must belong to uid 1234. The extension\'s own volumes are prepared that way; if you mount host folders ({0} or a custom image), "sudo chown -R 1234:1234" them. The Preflight Doctor checks the volumes.', n('extraArgs'));
    },
    source: 'IsaacLab PR #6122 (and #6082)', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'no-cuda-gpu',
    severity: 'warning',
    pattern: /CUDA libs are present, but no suitable CUDA GPU was found!/,
    get problem() {
      return l10n.t('no suitable CUDA GPU for PhysX (it falls back to the CPU)');
    },
    fix() {
      return l10n.t('PhysX runs on the CPU; rendering may still work. If the instance then exits: {0}', toolkitFix());
    },
    source: '../shared/ISAAC-SIM.md: often not fatal', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'cuda-bad-state',
    severity: 'warning',
    pattern: /Skipping NVIDIA GPU due CUDA being in bad state/,
    get problem() {
      return l10n.t('a GPU was skipped: CUDA is in a bad state');
    },
    fix() {
      return l10n.t('Kit skips that GPU and goes on with the others, if any. Reboot the host or reset the GPU ("nvidia-smi -r"), and check "nvidia-smi" shows no errors.');
    },
    source: 'IsaacSim #794 (printed at Warning level)', // l10n-ignore: the source cited, not shown
  },
  {
    id: 'port-taken',
    severity: 'warning',
    pattern: /http server was meant to start on \d+ but port is taken|Failed to bind \S+:\d+|[Aa]ddress already in use/,
    get problem() {
      return l10n.t('a port it wanted is already in use');
    },
    fix(n: SettingNamer = TOP_LEVEL_NAMES) {
      return l10n.t('Another process (or another instance) holds one of this instance\'s ports on the host; Kit moves a secondary port and goes on. If the instance then exits, stop what holds the port or move the port bases ({0}). The Preflight Doctor lists which ports are taken.', n('*PortBase'));
    },
    source: 'IsaacLab #3346', // l10n-ignore: the source cited, not shown
  },
];

/**
 * Engine errors when creating or starting the container, by the kind src/docker/errors.ts gave them
 * (which reads the engine's own words, in one place): no English is matched here.
 */
export const ENGINE_DIAGNOSES: Readonly<Partial<Record<EngineErrorKind, Diagnosis>>> = {
  'no-runtime': {
    id: 'no-nvidia-runtime',
    get problem() {
      return l10n.t('Docker has no NVIDIA runtime');
    },
    fix(n: SettingNamer = TOP_LEVEL_NAMES) {
      return l10n.t('{0} Or set {1} to "" and {2} to "none" to run without a GPU (only the stand-in simulator works that way).', toolkitFix(), n('runtime'), n('gpus'));
    },
  },
  'no-gpu': {
    id: 'no-gpu-driver',
    get problem() {
      return l10n.t('Docker cannot hand out GPUs');
    },
    fix(n: SettingNamer = TOP_LEVEL_NAMES) {
      return l10n.t('{0} Or set {1} to "none".', toolkitFix(), n('gpus'));
    },
  },
  'port-taken': {
    id: 'port-taken',
    get problem() {
      return l10n.t('a port it needs is already in use');
    },
    fix(n: SettingNamer = TOP_LEVEL_NAMES) {
      return l10n.t('Stop what holds the port, or move the port bases ({0}).', n('*PortBase'));
    },
  },
};

export function diagnoseLine(line: string): Diagnosis | undefined {
  return strip(LOG_DIAGNOSES.find((d) => d.pattern.test(line) && (!d.also || d.also.test(line))));
}

/** The diagnosis for an error of this kind (errors.ts ErrorKind), if the table has one. */
export function diagnoseErrorKind(kind: string): Diagnosis | undefined {
  const d = Object.hasOwn(ENGINE_DIAGNOSES, kind) ? ENGINE_DIAGNOSES[kind as EngineErrorKind] : undefined;
  return d && { ...d, severity: 'fatal' };
}

function strip(d: PatternDiagnosis | undefined): Diagnosis | undefined {
  return d && { id: d.id, problem: d.problem, fix: d.fix, severity: d.severity ?? 'fatal' };
}

/** The last error lines of a run, shortened, for a reason that no table explains. */
export function describeLastErrors(lines: readonly string[]): string {
  const shown = lines.slice(-2).map((l) => (l.length > 160 ? `${l.slice(0, 157)}...` : l));
  return shown.join(' | ');
}

/** An exit that no log line explained; `lastErrors` are the run's last error lines, if any. */
export function diagnoseExit(exitCode: number, oomKilled: boolean, memoryLimitGiB?: number, lastErrors: readonly string[] = []): Diagnosis {
  if (oomKilled) {
    return {
      id: 'oom',
      problem: l10n.t('out of memory (OOM killed, exit {0})', exitCode),
      fix: (n = TOP_LEVEL_NAMES) =>
        memoryLimitGiB
          ? l10n.t('The kernel killed the simulator for using more memory than its {0} GiB limit. Raise {1} (Isaac Sim wants 32 GiB or more for large scenes), run fewer instances, or load a smaller scene.', memoryLimitGiB, n('memoryLimitGiB'))
          : l10n.t('The kernel killed the simulator for using more memory than it may. Raise {0} (Isaac Sim wants 32 GiB or more for large scenes), run fewer instances, or load a smaller scene.', n('memoryLimitGiB')),
    };
  }
  switch (exitCode) {
    case 137:
      return { id: 'killed', problem: l10n.t('killed (SIGKILL, exit 137)'), fix: (n = TOP_LEVEL_NAMES) => l10n.t('Something killed the container (docker kill, or a stop that timed out). If a stop timed out, raise {0}.', n('stopTimeoutSeconds')) };
    case 139:
      return { id: 'segfault', problem: l10n.t('crashed (segmentation fault, exit 139)'), fix: (n = TOP_LEVEL_NAMES) => l10n.t('The simulator crashed. Check its log for the last extension that started; update the NVIDIA driver; clear the caches under {0} if the crash follows an Isaac Sim upgrade.', n('hostDataRoot')) };
    case 134:
      return { id: 'abort', problem: l10n.t('aborted (SIGABRT, exit 134)'), fix: (n = TOP_LEVEL_NAMES) => l10n.t('The simulator aborted on a failed check: look in its log (Show Logs) just before the end for the failed assertion, then fix what it names (often a missing asset or an incompatible driver), or clear the caches under {0} after an upgrade.', n('hostDataRoot')) };
    case 143:
      return { id: 'terminated', problem: l10n.t('terminated (SIGTERM, exit 143)'), fix: () => l10n.t('The container was asked to stop (docker stop or a shutdown). Start it again when you need it.') };
    default:
      if (lastErrors.length > 0) {
        return {
          id: 'exit',
          problem: l10n.t('exited with code {0} after: {1}', exitCode, describeLastErrors(lastErrors)),
          fix: () => l10n.t('The log\'s last error lines: {0}. Fix what they name (Show Logs has the whole log), and run the Preflight Doctor.', lastErrors.map((l) => `"${l}"`).join(', ')),
        };
      }
      return { id: 'exit', problem: l10n.t('exited with code {0}', exitCode), fix: () => l10n.t('The log shows no error line before the exit. Read the instance\'s log (Show Logs), and run the Preflight Doctor.') };
  }
}
