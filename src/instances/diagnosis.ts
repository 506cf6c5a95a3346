/**
 * Diagnosis: what went wrong, in the user's words, and how to fix it.
 *
 * The tables are data. Log lines are matched against LOG_DIAGNOSES, engine errors against
 * ENGINE_DIAGNOSES, and an exit that nothing else explains is read by diagnoseExit. Lines known to
 * be harmless (OmniHub's "Hub encountered error") are in no table, so they are never flagged.
 */
import type { EngineErrorKind } from '../docker/errors';

export interface Diagnosis {
  /** Stable id, e.g. `no-gpu-device`. */
  id: string;
  /** Short problem, shown in the tree and the notification. */
  problem: string;
  /** What to do about it. */
  fix: string;
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

const TOOLKIT_FIX =
  'Install the NVIDIA driver and the NVIDIA Container Toolkit, register the runtime ("sudo nvidia-ctk runtime configure --runtime=docker" then restart Docker), and check "nvidia-smi" works on the host. Isaac Sim needs an RTX GPU.';
const DRIVER_FIX = 'Install the driver version the Isaac Sim requirements page names for your release (the 5.x/6.x images ask for at least 570.169: MIN_DRIVER_VERSION), then restart Docker.';

/**
 * Lines Isaac Sim prints, each as a real log shows it. The first fatal line of a run is taken as the root
 * cause. OmniHub's "Hub encountered error. Trying to reconnect" (harmless without a Hub cache, tools/docker/README.md)
 * is in no table, so it is never flagged.
 */
export const LOG_DIAGNOSES: readonly PatternDiagnosis[] = [
  {
    id: 'no-gpu-device',
    pattern: /\[gpu\.foundation\.plugin\] No device could be created/,
    problem: 'no GPU device could be created',
    fix: `Kit found no usable RTX GPU in the container. ${TOOLKIT_FIX} Make sure isaacSim.runtime is "nvidia" and isaacSim.gpus is not "none".`,
    source: 'IsaacSim #239, #794; IsaacLab #2062',
  },
  {
    id: 'cuda-999',
    pattern: /CUDA error 999: cudaErrorUnknown|Failed to query CUDA device count|CUDA error 46: cudaErrorDevicesUnavailable/,
    problem: 'CUDA could not reach the GPU (CUDA error 999/46)',
    fix: 'The driver is in a bad state or the GPU is held elsewhere (exclusive compute mode, another VM). Reboot the host or reload the driver ("sudo rmmod nvidia_uvm && sudo modprobe nvidia_uvm"), check "nvidia-smi" on the host, then start again.',
    source: 'IsaacSim #239',
  },
  {
    id: 'vulkan',
    pattern: /VkResult: ERROR_INCOMPATIBLE_DRIVER|vkCreateInstance failed/,
    problem: 'Vulkan could not start (incompatible driver)',
    fix: `The container has no working NVIDIA Vulkan driver. ${DRIVER_FIX} With the NVIDIA Container Toolkit, set NVIDIA_DRIVER_CAPABILITIES=all (the 5.x/6.x images do) so the Vulkan ICD is mounted.`,
    source: 'IsaacSim #357; genie_sim #30',
  },
  {
    id: 'no-gpu-devices-compat',
    pattern: /Failed to create any GPU devices, including an attempt with compatibility mode/,
    problem: 'no GPU device, even in compatibility mode',
    fix: `Kit could not create a GPU device at all. ${TOOLKIT_FIX}`,
    source: 'genie_sim #30',
  },
  {
    id: 'driver-unsupported',
    pattern: /The currently installed NVIDIA graphics driver is unsupported or has known issues|rtx driver verification failed/,
    problem: 'the NVIDIA driver is unsupported',
    fix: `${DRIVER_FIX} The log names the installed driver and the recommended ones.`,
    source: 'IsaacAutomator #40; IsaacLab #4244',
  },
  {
    id: 'hydra-rtx',
    pattern: /HydraEngine rtx failed creating scene renderer/,
    problem: 'the RTX renderer could not be created',
    fix: `The RTX renderer needs an RTX-class GPU with a supported driver. ${DRIVER_FIX}`,
    source: '../shared/ISAAC-SIM.md (no public log found)',
  },
  {
    id: 'livestream-plugin',
    pattern: /\[Plugin: libcarb\.livestream-rtc\.plugin\.so\] Could not load the dynamic library/,
    problem: 'the livestream plugin could not be loaded',
    fix: 'The WebRTC streaming library did not load, usually because the driver is too old or too new for this release, or the extension cache is incomplete. Use the driver the Isaac Sim requirements page names; if the image was pulled partly, remove it and pull it again.',
    source: 'IsaacSim #523',
  },
  {
    id: 'nvenc',
    pattern: /nvEncOpenEncodeSessionEx failed/,
    problem: 'no NVENC video encoder',
    fix: 'Livestreaming needs a GPU with NVENC; NVIDIA says livestreaming is not supported on A100 and other GPUs without it. Use an RTX GPU, or run headless without streaming.',
    source: 'IsaacSim #743 (described in prose)',
  },
  {
    id: 'rtx-resource-manager',
    pattern: /Failed to acquire rtx::resourcemanager::ResourceManager/,
    problem: 'RTX resource manager unavailable',
    fix: `The RTX renderer could not start on the GPU. Use an RTX-class GPU with a supported driver; ${TOOLKIT_FIX}`,
    source: '../shared/ISAAC-SIM.md',
  },
  {
    id: 'eula',
    pattern: /Please accept the EULA above by setting the ACCEPT_EULA environment variable/,
    problem: 'the Isaac Sim license was not accepted',
    fix: 'The image\'s license.sh needs ACCEPT_EULA set. The extension sets ACCEPT_EULA=Y; if isaacSim.env or a custom entrypoint clears it, remove that.',
    source: 'isaac-sim/IsaacSim@v6.0.1 tools/docker/data/license.sh',
  },
  {
    id: 'aarch64',
    pattern: /Livestreaming is not supported on aarch64/,
    problem: 'livestreaming is not supported on aarch64 in this release',
    fix: 'Isaac Sim 5.1 does not livestream on ARM hosts; use Isaac Sim 6.x (DGX Spark is supported there) or an x86_64 host.',
    source: 'isaac-sim/IsaacSim@v5.1.0 tools/docker/data/runheadless.sh',
  },
  {
    id: 'nvml',
    pattern: /Failed to initialize NVML: Unknown Error/,
    problem: 'NVML failed to initialize',
    fix: 'The container lost access to the NVIDIA driver (often after a driver update or a systemd/cgroup change). Restart Docker (or reboot after a driver update) and check "docker run --rm --runtime=nvidia --gpus all ubuntu nvidia-smi".',
    source: 'IsaacLab #3114',
  },
  {
    id: 'permission',
    pattern: /Permission denied|unable to save the dictionary/,
    // NVIDIA's 6.x recipe also mounts a Hub cache at /var/cache/hub for uid 1234 (tools/docker/README.md).
    also: /\/(?:isaac-sim|root)\/|\/var\/cache\/hub\b/,
    problem: 'a folder it writes to is not writable',
    fix: 'Isaac Sim 5.x and 6.x run as uid 1234: every folder mounted under /isaac-sim must belong to uid 1234. The extension\'s own volumes are prepared that way; if you mount host folders (isaacSim.extraArgs or a custom image), "sudo chown -R 1234:1234" them. The Preflight Doctor checks the volumes.',
    source: 'IsaacLab PR #6122 (and #6082)',
  },
  {
    id: 'no-cuda-gpu',
    severity: 'warning',
    pattern: /CUDA libs are present, but no suitable CUDA GPU was found!/,
    problem: 'no suitable CUDA GPU for PhysX (it falls back to the CPU)',
    fix: `PhysX runs on the CPU; rendering may still work. If the instance then exits: ${TOOLKIT_FIX}`,
    source: '../shared/ISAAC-SIM.md: often not fatal',
  },
  {
    id: 'cuda-bad-state',
    severity: 'warning',
    pattern: /Skipping NVIDIA GPU due CUDA being in bad state/,
    problem: 'a GPU was skipped: CUDA is in a bad state',
    fix: 'Kit skips that GPU and goes on with the others, if any. Reboot the host or reset the GPU ("nvidia-smi -r"), and check "nvidia-smi" shows no errors.',
    source: 'IsaacSim #794 (printed at Warning level)',
  },
  {
    id: 'port-taken',
    severity: 'warning',
    pattern: /http server was meant to start on \d+ but port is taken|Failed to bind \S+:\d+|[Aa]ddress already in use/,
    problem: 'a port it wanted is already in use',
    fix: 'Another process (or another instance) holds one of this instance\'s ports on the host; Kit moves a secondary port and goes on. If the instance then exits, stop what holds the port or move the port bases (isaacSim.*PortBase). The Preflight Doctor lists which ports are taken.',
    source: 'IsaacLab #3346',
  },
];

/**
 * Engine errors when creating or starting the container, by the kind src/docker/errors.ts gave them
 * (which reads the engine's own words, in one place): no English is matched here.
 */
export const ENGINE_DIAGNOSES: Readonly<Partial<Record<EngineErrorKind, Diagnosis>>> = {
  'no-runtime': {
    id: 'no-nvidia-runtime',
    problem: 'Docker has no NVIDIA runtime',
    fix: `${TOOLKIT_FIX} Or set isaacSim.runtime to "" and isaacSim.gpus to "none" to run without a GPU (only the stand-in simulator works that way).`,
  },
  'no-gpu': {
    id: 'no-gpu-driver',
    problem: 'Docker cannot hand out GPUs',
    fix: `${TOOLKIT_FIX} Or set isaacSim.gpus to "none".`,
  },
  'port-taken': {
    id: 'port-taken',
    problem: 'a port it needs is already in use',
    fix: 'Stop what holds the port, or move the port bases (isaacSim.*PortBase).',
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
      problem: `out of memory (OOM killed, exit ${exitCode})`,
      fix: `The kernel killed the simulator for using more memory than ${memoryLimitGiB ? `its ${memoryLimitGiB} GiB limit` : 'it may'}. Raise isaacSim.memoryLimitGiB (Isaac Sim wants 32 GiB or more for large scenes), run fewer instances, or load a smaller scene.`,
    };
  }
  switch (exitCode) {
    case 137:
      return { id: 'killed', problem: 'killed (SIGKILL, exit 137)', fix: 'Something killed the container (docker kill, or a stop that timed out). If a stop timed out, raise isaacSim.stopTimeoutSeconds.' };
    case 139:
      return { id: 'segfault', problem: 'crashed (segmentation fault, exit 139)', fix: 'The simulator crashed. Check its log for the last extension that started; update the NVIDIA driver; clear the caches under isaacSim.hostDataRoot if the crash follows an Isaac Sim upgrade.' };
    case 134:
      return { id: 'abort', problem: 'aborted (SIGABRT, exit 134)', fix: 'The simulator aborted on a failed check: look in its log (Show Logs) just before the end for the failed assertion, then fix what it names (often a missing asset or an incompatible driver), or clear the caches under isaacSim.hostDataRoot after an upgrade.' };
    case 143:
      return { id: 'terminated', problem: 'terminated (SIGTERM, exit 143)', fix: 'The container was asked to stop (docker stop or a shutdown). Start it again when you need it.' };
    default:
      if (lastErrors.length > 0) {
        return {
          id: 'exit',
          problem: `exited with code ${exitCode} after: ${describeLastErrors(lastErrors)}`,
          fix: `The log's last error lines: ${lastErrors.map((l) => `"${l}"`).join(', ')}. Fix what they name (Show Logs has the whole log), and run the Preflight Doctor.`,
        };
      }
      return { id: 'exit', problem: `exited with code ${exitCode}`, fix: 'The log shows no error line before the exit. Read the instance\'s log (Show Logs), and run the Preflight Doctor.' };
  }
}
