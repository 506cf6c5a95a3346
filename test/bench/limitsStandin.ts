/**
 * The stand-in's own time limits (test/bench/limits.ts has the figures' meaning): `docker stop -t 10`
 * of each Isaac Sim version's image once ready, and STANDIN_MODE=fatal runs to their exit 1, set up
 * as test/engine/standinSetup.ts sets them up. Plain `docker run` containers on the host network,
 * named isaac-sim-bench-limits-* and labelled dev.isaac-sim-orchestrator.bench=limits (scripts/bench.sh
 * removes leftovers), on ports 27411–27429. Each returns its samples (ms) by version or fatal id, and
 * pushes onto `problems` an exit code other than the one the limit is about.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitFor } from './shared';

const exec = promisify(execFile);

const PREFIX = 'isaac-sim-bench-limits';
export const LIMITS_LABEL = 'dev.isaac-sim-orchestrator.bench=limits';
const HTTP_ARG = '--/exts/omni.services.transport.server.http/port=';
const VERSIONS = ['4.2.0', '5.1.0', '6.0.1'];
/** The STANDIN_FATAL ids (stand-in/kit.sh), each on the version test/engine/standinModes.test.ts runs it on. */
const FATAL_IDS = ['no-gpu-device', 'cuda-999', 'vulkan', 'driver-unsupported', 'no-gpu-devices-compat', 'hydra-rtx', 'cuda-bad-state', 'livestream-plugin', 'nvenc', 'rtx-resource-manager', 'nvml', 'permission'];
const fatalVersion = (id: string) => (id === 'permission' ? '6.0.1' : id === 'livestream-plugin' ? '5.1.0' : '4.2.0');

interface StandinRun {
  name: string;
  image: string;
  env: Record<string, string>;
  args: string[];
}

function runArgs(r: StandinRun): string[] {
  const env: Record<string, string> = { STANDIN_STEP_SECONDS: '0.05', ACCEPT_EULA: 'Y', ...r.env };
  return ['--name', r.name, '--label', LIMITS_LABEL, '--network', 'host', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), r.image, ...r.args];
}

/** The docker CLI on the engine at `socket`. */
function cli(socket: string) {
  return (args: string[], timeout = 60_000) => exec('docker', ['--host', `unix://${socket}`, ...args], { maxBuffer: 16 * 1024 * 1024, timeout });
}

/** The image repository of the bench's image ("isaac-sim-standin:latest" → "isaac-sim-standin"). */
const repoOf = (image: string) => image.slice(0, image.lastIndexOf(':'));

export async function standinStop(socket: string, image: string, problems: string[]): Promise<Record<string, number[]>> {
  const docker = cli(socket);
  const samples: Record<string, number[]> = {};
  for (const [k, version] of VERSIONS.entries()) {
    const signal = String(27421 + k);
    const r: StandinRun = {
      name: `${PREFIX}-stop-${version}`,
      image: `${repoOf(image)}:${version}`,
      env: version === '6.0.1' ? { ISAACSIM_SIGNAL_PORT: signal } : {},
      args: [`${HTTP_ARG}${27411 + k}`, ...(version === '6.0.1' ? [] : [`--/app/livestream/port=${signal}`])],
    };
    await docker(['rm', '-f', r.name]).catch(() => undefined);
    try {
      await docker(['run', '-d', ...runArgs(r)]);
      await waitFor(
        `${r.name} ready`,
        async () => {
          const { stdout } = await docker(['logs', r.name]);
          if (/^\[\d+\.\d{3}s\] .* App is loaded\.$/m.test(stdout)) return true;
          const status = (await docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', r.name])).stdout.trim();
          if (!status.startsWith('running')) throw new Error(`${r.name} (${r.image}) ended before it was ready: ${status}`);
          return false;
        },
        60_000,
      );
      const t0 = performance.now();
      await docker(['stop', '-t', '10', r.name]);
      samples[version] = [performance.now() - t0];
      const code = (await docker(['inspect', '-f', '{{.State.ExitCode}}', r.name])).stdout.trim();
      if (code !== '0') problems.push(`stand-in ${version}: docker stop ended it with exit ${code}, not 0 (SIGTERM did not end it)`);
    } finally {
      await docker(['rm', '-f', r.name]).catch(() => undefined);
    }
  }
  return samples;
}

export async function standinFatal(socket: string, image: string, problems: string[]): Promise<Record<string, number[]>> {
  const docker = cli(socket);
  const samples: Record<string, number[]> = {};
  for (const id of FATAL_IDS) {
    const r: StandinRun = {
      name: `${PREFIX}-fatal`,
      image: `${repoOf(image)}:${fatalVersion(id)}`,
      env: { STANDIN_MODE: 'fatal', STANDIN_FATAL: id, ISAACSIM_SIGNAL_PORT: '27429' },
      args: [`${HTTP_ARG}27419`, '--/app/livestream/port=27429'],
    };
    await docker(['rm', '-f', r.name]).catch(() => undefined);
    try {
      const t0 = performance.now();
      const code = await docker(['run', ...runArgs(r)]).then(
        () => 0,
        (err: { code?: unknown; killed?: boolean }) => (err.killed ? 'killed after 60 s' : err.code),
      );
      samples[id] = [performance.now() - t0];
      if (code !== 1) problems.push(`stand-in fatal ${id}: docker run ended with ${String(code)}, not exit 1`);
    } finally {
      await docker(['rm', '-f', r.name]).catch(() => undefined);
    }
  }
  return samples;
}
