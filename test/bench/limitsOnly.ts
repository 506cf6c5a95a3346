/**
 * `BENCH_ONLY=limits npm run bench` (scripts/bench.sh bundles this instead of bench.ts): only the
 * time-limit figures (test/bench/limits.ts), on the benchmark's engine, without VS Code or the
 * .vsix. Prints the same `limit_*` lines as the full run and writes .run/bench.json with
 * `ours.limits` only (scripts/bench-figures.mjs --no-curves reads it; its other rows are '–').
 * Exits non-zero only when the harness fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LIMITS_INDEX, limitLines, limitsPart } from './limits';
import { header } from './report';
import { containerName, runMain } from './shared';

const exec = promisify(execFile);

function findRepo(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'stand-in/IMAGE')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`bench: no repository root above ${from}`);
  }
}

async function main(): Promise<number> {
  const repo = findRepo(__dirname);
  const run = path.resolve(process.env.BENCH_RUN_DIR ?? path.join(repo, '.run/bench'));
  const dataRoot = path.join(run, 'isaac-sim-data');
  const jsonOut = path.join(repo, '.run/bench.json');
  const image = readFileSync(path.join(repo, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim();
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (!host.startsWith('unix://')) throw new Error(`the benchmark runs on a unix socket; DOCKER_HOST=${host} is not one`);
  const upstream = host.slice('unix://'.length);
  const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const started = Date.now();

  // The instance the limits use: ours from an earlier run (a bind under this run's data folder) is
  // removed; anyone else's stops the run.
  const name = containerName(LIMITS_INDEX);
  const binds = await exec('docker', ['inspect', '-f', '{{range .HostConfig.Binds}}{{println .}}{{end}}', name]).then((r) => r.stdout, () => undefined);
  if (binds !== undefined) {
    if (!binds.split('\n').some((b) => b.startsWith(dataRoot + '/'))) throw new Error(`${name} already exists on this engine (someone else's instance); run the benchmark on an engine of its own`);
    await exec('docker', ['rm', '-f', name]);
  }
  rmSync(dataRoot, { recursive: true, force: true });
  mkdirSync(dataRoot, { recursive: true });

  const failures: string[] = [];
  const limits = await limitsPart({ upstreamSocket: upstream, image, dataRoot, progress }, failures);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memMiB: Math.round(os.totalmem() / 2 ** 20), loadavg: os.loadavg(), node: process.version, note: 'shared machine: other work may have been running' },
    config: { only: 'limits', limitsRuns: limits?.runs, engine: upstream, standinStepSeconds: 0.05 },
    ours: { limits },
    failures,
    durationS: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(path.dirname(jsonOut), { recursive: true });
  writeFileSync(jsonOut, JSON.stringify(result, null, 2) + '\n');
  const lines = [header(result.date), ...limitLines(limits), `# json: ${jsonOut} (BENCH_ONLY=limits); took ${result.durationS} s${failures.length ? `; HARNESS FAILURES: ${failures.join(' | ')}` : ''}`];
  process.stdout.write(lines.join('\n') + '\n');
  return failures.length ? 1 : 0;
}

runMain(main);
