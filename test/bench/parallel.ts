/**
 * Parallel start, without VS Code: 4 instances started at once by the manager (`startAll` with
 * isaacSim.instanceCount 4) against 4 sequential `docker run` calls of the same containers, made from
 * the manager's own spec (`buildContainerSpec`: same image, entrypoint, arguments, env, labels, mounts,
 * limits) with the same readiness wait: the readiness line in the container's log AND the client
 * endpoint answering, probed as the manager probes it (at once, then every 500 ms). Both on new
 * containers with the shader cache warm (the manager bench ran first). For reference, the same 4
 * `docker run` calls are also made at once: what starting 4 at once costs on this machine. Leaves no
 * container behind.
 */
import { execFile, spawn } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { DockerEngine } from '../../src/docker/engine';
import { resolveVersion } from '../../src/instances/prepare';
import { probeHttp, probeTcp } from '../../src/instances/probe';
import { LogClassifier } from '../../src/instances/readiness';
import { buildContainerSpec, clientUrlFor, portsFor, type ContainerCreateBody } from '../../src/instances/spec';
import { VERSIONS, type VersionId } from '../../src/instances/versions';
import type { Settings } from '../../src/instances/settings';
import { benchManager } from './manager';
import { containerName, delay, waitFor } from './shared';

const exec = promisify(execFile);
export const PARALLEL_INSTANCES = 4;

export interface ParallelFigures {
  /** Manager: startAll() → all 4 ready (one per round). */
  managerParallelMs: number[];
  /** 4 × (`docker run -d` → readiness line seen and endpoint answered), one after the other (one per round). */
  cliSequentialMs: number[];
  /** Each round's manager / CLI. */
  ratios: number[];
  /** Per round: when each instance became ready, ms after startAll() (staggered = serialised somewhere). */
  managerReadyAfterMs: number[][];
  /** Per round: each `docker run` + readiness wait, ms. */
  cliEachMs: number[][];
  /** For reference: the 4 `docker run` calls at once, same wait (what 4 at once costs on this machine). */
  cliParallelMs: number[];
}

/** `docker run` arguments for a create body: the flags the CLI has for each field the manager sets. */
export function dockerRunArgs(body: ContainerCreateBody): string[] {
  const args = ['run', '-d', '--name', body.name];
  const [entry, ...entryRest] = body.Entrypoint ?? [];
  if (entry !== undefined) args.push('--entrypoint', entry);
  for (const e of body.Env) args.push('-e', e);
  if (body.User) args.push('--user', body.User);
  for (const [k, v] of Object.entries(body.Labels)) args.push('--label', `${k}=${v}`);
  const h = body.HostConfig;
  args.push('--network', h.NetworkMode, '--restart', h.RestartPolicy.Name);
  if (h.Runtime) args.push('--runtime', h.Runtime);
  for (const d of h.DeviceRequests ?? []) args.push('--gpus', d.DeviceIDs ? `"device=${d.DeviceIDs.join(',')}"` : 'all');
  if (h.Memory) args.push('--memory', `${h.Memory}b`);
  for (const b of h.Binds) args.push('-v', b);
  for (const m of h.Mounts ?? []) {
    const labels = Object.entries(m.VolumeOptions.Labels).map(([k, v]) => `,volume-label=${k}=${v}`).join('');
    args.push('--mount', `type=volume,source=${m.Source},target=${m.Target}${labels}`);
  }
  return [...args, body.Image, ...entryRest, ...body.Cmd];
}

/** Resolves once the container's log shows a readiness line (`docker logs -f`, stdout and stderr). */
function readinessLine(dockerHost: string, name: string, classifier: LogClassifier, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['--host', dockerHost, 'logs', '-f', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGTERM');
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`${name}: no readiness line within ${timeoutMs} ms`)), timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (classifier.classify(line)?.kind === 'ready') finish();
        }
      });
    }
    child.on('error', (err) => finish(err));
    child.on('exit', (code) => finish(new Error(`${name}: docker logs -f ended (${code}) before a readiness line`)));
  });
}

/** The manager's probe for a version: the client URL over HTTP, or a TCP port; at once, then every 500 ms. */
async function endpointAnswers(settings: Settings, version: VersionId, index: number, timeoutMs: number): Promise<void> {
  const profile = VERSIONS[version];
  const ports = portsFor(settings, version, index);
  const probe = profile.probe;
  const once = () => (probe.kind === 'tcp' ? probeTcp(settings.host, ports[probe.port] ?? 0) : probeHttp(clientUrlFor(settings, version, index, ports)));
  const deadline = Date.now() + timeoutMs;
  for (let n = 0; ; n++) {
    if (await once()) return;
    if (Date.now() > deadline) throw new Error(`instance ${index}: its endpoint did not answer within ${timeoutMs} ms`);
    await delay(Math.min(500 * (1 + Math.floor(n / 10)), 2000));
  }
}

async function removeContainers(dockerHost: string, count: number): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => containerName(i));
  await exec('docker', ['--host', dockerHost, 'rm', '-f', '-v', ...names]).catch(() => undefined);
}

export async function parallelBench(opts: { upstreamSocket: string; image: string; dataRoot: string; rounds: number; progress: (line: string) => void }): Promise<ParallelFigures> {
  const dockerHost = `unix://${opts.upstreamSocket}`;
  const figures: ParallelFigures = { managerParallelMs: [], cliSequentialMs: [], ratios: [], managerReadyAfterMs: [], cliEachMs: [], cliParallelMs: [] };
  const { settings } = benchManager(opts, PARALLEL_INSTANCES);
  const engine = new DockerEngine({ dockerHost });
  const version = await resolveVersion(engine, settings);
  const classifier = new LogClassifier(settings.readinessPatterns);
  const specs = Array.from({ length: PARALLEL_INSTANCES }, (_, i) => buildContainerSpec(settings, i, { version: version.id, image: version.image, home: os.homedir() }));
  for (let round = 0; round < opts.rounds; round++) {
    // 4 × docker run, one after the other, each waited for as the manager waits.
    await removeContainers(dockerHost, PARALLEL_INSTANCES);
    const s0 = performance.now();
    const each: number[] = [];
    for (let i = 0; i < PARALLEL_INSTANCES; i++) {
      const e0 = performance.now();
      await exec('docker', ['--host', dockerHost, ...dockerRunArgs(specs[i])]);
      await readinessLine(dockerHost, specs[i].name, classifier, 120_000);
      await endpointAnswers(settings, version.id, i, 120_000);
      each.push(Math.round(performance.now() - e0));
    }
    const cli = performance.now() - s0;
    await removeContainers(dockerHost, PARALLEL_INSTANCES);

    // Reference: the same 4 docker run calls at once.
    const c0 = performance.now();
    await Promise.all(
      specs.map(async (spec, i) => {
        await exec('docker', ['--host', dockerHost, ...dockerRunArgs(spec)]);
        await readinessLine(dockerHost, spec.name, classifier, 120_000);
        await endpointAnswers(settings, version.id, i, 120_000);
      }),
    );
    figures.cliParallelMs.push(performance.now() - c0);
    await removeContainers(dockerHost, PARALLEL_INSTANCES);

    // The manager, all 4 at once.
    const { manager, log, state } = benchManager(opts, PARALLEL_INSTANCES);
    let par: number;
    try {
      await manager.connect();
      const readyAfter: number[] = [];
      let p0 = performance.now();
      const sub = manager.onDidChange(() => {
        for (let i = 0; i < PARALLEL_INSTANCES; i++) if (readyAfter[i] === undefined && state(i) === 'ready') readyAfter[i] = Math.round(performance.now() - p0);
      });
      p0 = performance.now();
      await manager.startAll();
      await waitFor('4 instances ready', () => Array.from({ length: PARALLEL_INSTANCES }, (_, i) => state(i)).every((s) => s === 'ready' || s === 'failed'), 120_000);
      par = performance.now() - p0;
      sub.dispose();
      figures.managerReadyAfterMs.push(readyAfter);
      const failed = Array.from({ length: PARALLEL_INSTANCES }, (_, i) => i).filter((i) => state(i) !== 'ready');
      if (failed.length) throw new Error(`manager: instances ${failed.join(', ')} failed to start\n${log.lines.slice(-20).join('\n')}`);
    } finally {
      manager.dispose();
    }
    await removeContainers(dockerHost, PARALLEL_INSTANCES);
    figures.cliSequentialMs.push(cli);
    figures.cliEachMs.push(each);
    figures.managerParallelMs.push(par);
    figures.ratios.push(par / cli);
    opts.progress(`parallel start round ${round + 1}/${opts.rounds}: manager 4 at once ${Math.round(par)} ms, 4 sequential docker run ${Math.round(cli)} ms, ratio ${(par / cli).toFixed(2)}; 4 docker run at once ${Math.round(figures.cliParallelMs.at(-1) ?? NaN)} ms (manager: each ready after ${figures.managerReadyAfterMs.at(-1)?.join('/')} ms; CLI: each ${each.join('/')} ms)`);
  }
  return figures;
}
