/**
 * This machine's nvidia-smi and /proc, for the GPU figures of instances on a local engine: the
 * compute apps nvidia-smi lists carry host PIDs, and /proc/PID/cgroup names the container each PID
 * runs in. (Inside a container nvidia-smi lists host PIDs too, which the container cannot map:
 * NVIDIA/nvidia-docker#1483; so that path only gives per-GPU figures.)
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface HostGpu {
  /** nvidia-smi's stdout for `args`; rejects with the error (code 'ENOENT' when there is none). */
  nvidiaSmi(args: readonly string[], timeoutMs: number): Promise<string>;
  /** The text of /proc/PID/cgroup, or undefined when the process is gone or not readable. */
  cgroupOf(pid: number): Promise<string | undefined>;
}

/** The real ones: nvidia-smi found on PATH, /proc of this machine. */
export const HOST_GPU: HostGpu = {
  nvidiaSmi: (args, timeoutMs) =>
    new Promise((resolve, reject) => {
      execFile('nvidia-smi', [...args], { timeout: timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stderr: String(stderr), stdout: String(stdout) }));
        else resolve(String(stdout));
      });
    }),
  cgroupOf: (pid) => readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined),
};
