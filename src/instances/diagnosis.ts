/**
 * Diagnosis: what went wrong, in the user's words, and how to fix it.
 *
 * The tables are data. Log lines are matched against LOG_DIAGNOSES, engine errors against
 * ENGINE_DIAGNOSES, and an exit that nothing else explains is read by diagnoseExit. Lines known to
 * be harmless (OmniHub's "Hub encountered error") are in no table, so they are never flagged.
 */

export interface Diagnosis {
  /** Stable id, e.g. `no-cuda-gpu`. */
  id: string;
  /** Short problem, shown in the tree and the notification. */
  problem: string;
  /** What to do about it. */
  fix: string;
}

export interface PatternDiagnosis extends Diagnosis {
  pattern: RegExp;
}

const TOOLKIT_FIX =
  'Install the NVIDIA driver and the NVIDIA Container Toolkit, register the runtime ("sudo nvidia-ctk runtime configure --runtime=docker" then restart Docker), and check "nvidia-smi" works on the host. Isaac Sim needs an RTX GPU.';

/** Fatal lines Isaac Sim prints. The first one seen in a run is taken as the root cause. */
export const LOG_DIAGNOSES: readonly PatternDiagnosis[] = [
  {
    id: 'no-cuda-gpu',
    pattern: /CUDA libs are present, but no suitable CUDA GPU was found!/,
    problem: 'no suitable CUDA GPU found',
    fix: `The container sees no CUDA GPU. ${TOOLKIT_FIX} Make sure isaacSim.runtime is "nvidia" and isaacSim.gpus is not "none".`,
  },
  {
    id: 'rtx-resource-manager',
    pattern: /Failed to acquire rtx::resourcemanager::ResourceManager!/,
    problem: 'RTX resource manager unavailable',
    fix: `The RTX renderer could not start on the GPU. Use an RTX-class GPU with a supported driver (see the Isaac Sim requirements); ${TOOLKIT_FIX}`,
  },
  {
    id: 'no-gpu-device',
    pattern: /\[gpu\.foundation\.plugin\] No device could be created/,
    problem: 'no GPU device could be created',
    fix: `Kit could not create a GPU device. ${TOOLKIT_FIX}`,
  },
  {
    id: 'nvml',
    pattern: /Failed to initialize NVML: Unknown Error/,
    problem: 'NVML failed to initialize',
    fix: 'The container lost access to the NVIDIA driver (often after a driver update or a systemd/cgroup change). Restart Docker (or reboot after a driver update) and check "docker run --rm --runtime=nvidia --gpus all ubuntu nvidia-smi".',
  },
  {
    id: 'port-taken',
    pattern: /Failed to bind \S+:(\d+) \(address in use\?\)|[Aa]ddress already in use/,
    problem: 'a port it needs is already in use',
    fix: 'Another process (or another instance) holds one of this instance\'s ports on the host. Stop it, or move the port bases (isaacSim.*PortBase). The Preflight Doctor lists which ports are taken.',
  },
];

/** Engine errors when creating or starting the container. */
export const ENGINE_DIAGNOSES: readonly PatternDiagnosis[] = [
  {
    id: 'no-nvidia-runtime',
    pattern: /unknown or invalid runtime name|unknown runtime specified|no "nvidia" runtime/i,
    problem: 'Docker has no NVIDIA runtime',
    fix: `${TOOLKIT_FIX} Or set isaacSim.runtime to "" and isaacSim.gpus to "none" to run without a GPU (only the stand-in simulator works that way).`,
  },
  {
    id: 'no-gpu-driver',
    pattern: /could not select device driver|cannot hand out GPUs/i,
    problem: 'Docker cannot hand out GPUs',
    fix: `${TOOLKIT_FIX} Or set isaacSim.gpus to "none".`,
  },
  {
    id: 'port-taken',
    pattern: /address already in use|port (\d+ )?is already in use/i,
    problem: 'a port it needs is already in use',
    fix: 'Stop what holds the port, or move the port bases (isaacSim.*PortBase).',
  },
];

export function diagnoseLine(line: string): Diagnosis | undefined {
  return strip(LOG_DIAGNOSES.find((d) => d.pattern.test(line)));
}

export function diagnoseEngineError(message: string): Diagnosis | undefined {
  return strip(ENGINE_DIAGNOSES.find((d) => d.pattern.test(message)));
}

function strip(d: PatternDiagnosis | undefined): Diagnosis | undefined {
  return d && { id: d.id, problem: d.problem, fix: d.fix };
}

/** An exit that no log line explained. */
export function diagnoseExit(exitCode: number, oomKilled: boolean, memoryLimitGiB?: number): Diagnosis {
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
      return { id: 'exit', problem: `exited with code ${exitCode}`, fix: 'Read the instance\'s log (Show Logs) for the last error lines, and run the Preflight Doctor.' };
  }
}
