/** Running a command to its end and keeping its exit code, for tests that assert on failures too. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file` with `args`; resolves with its exit code and output, rejects only if it could not run or was killed. */
export function run(file: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err.killed || err.signal || typeof err.code !== 'number')) {
        reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

export const dockerRun = (...args: string[]): Promise<Run> => run('docker', args);

/** `docker ARGS`, asserting it exits 0; its stdout. */
export async function dockerOk(...args: string[]): Promise<string> {
  const r = await dockerRun(...args);
  assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * True once the stand-in in `name` sits in STANDIN_MODE=hang's endless wait (its `sleep 3600`, see
 * stand-in/kit.sh `stay_up`): the script has passed every point at which it could still open a port
 * or print a readiness line, so their absence from then on is the hang, not a check made too early.
 */
export async function standinHangs(name: string): Promise<boolean> {
  // The engine needs the pid column to map ps's output to the container.
  const r = await dockerRun('top', name, '-o', 'pid,args');
  return r.code === 0 && r.stdout.split('\n').some((l) => /^\s*\d+\s+sleep 3600\s*$/.test(l));
}
