/** Shared helpers for tests against the real Docker engine and the stand-in image. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readBuildContext } from '../../src/docker/buildContext';
import { DockerEngine } from '../../src/docker/engine';
import type { KeyValueStore } from '../../src/instances/eta';
import { InstanceManager, type Logger } from '../../src/instances/manager';
import { DEFAULT_SETTINGS, parseSettings, type Settings } from '../../src/instances/settings';
import { ISAAC_SIM_LAYOUT, volumeName } from '../../src/instances/spec';
import type { VersionId } from '../../src/instances/versions';

const run = promisify(execFile);
export const REPO = path.resolve(__dirname, '../../..');
export const STANDIN_IMAGE = readFileSync(path.join(REPO, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim();

/** Runs the docker CLI as a second, independent client of the engine. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw `docker inspect` JSON, read field by field in assertions
export async function dockerInspect(name: string): Promise<Record<string, any> | undefined> {
  try {
    return JSON.parse(await docker('inspect', name))[0];
  } catch {
    return undefined;
  }
}

/** Polls `check` until it returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  debug(m: string) { this.lines.push(`debug ${m}`); }
  info(m: string) { this.lines.push(`info ${m}`); }
  warn(m: string) { this.lines.push(`warn ${m}`); }
  error(m: string) { this.lines.push(`error ${m}`); }
}

/** Settings that run the stand-in here: no NVIDIA runtime, no GPU request, ports well away from defaults. */
export function standinSettings(overrides: Partial<Settings> = {}): Settings {
  const result = parseSettings({
    ...DEFAULT_SETTINGS,
    image: STANDIN_IMAGE,
    runtime: '',
    gpus: 'none',
    memoryLimitGiB: 2,
    hostDataRoot: mkdtempSync(path.join(os.tmpdir(), 'isaac-sim-data-')),
    env: { STANDIN_STEP_SECONDS: '0.05' },
    ...overrides,
  });
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join(' '));
  return result.settings;
}

export function newManager(settings: Settings, log = new MemoryLogger(), store?: KeyValueStore): { manager: InstanceManager<DockerEngine>; log: MemoryLogger; enginesMade: () => number } {
  let made = 0;
  const manager = new InstanceManager({
    engineFor: (dockerHost) => {
      made++;
      return new DockerEngine({ dockerHost });
    },
    log,
    store,
    probeIntervalMs: 100,
  });
  manager.updateSettings({ ok: true, settings });
  return { manager, log, enginesMade: () => made };
}

/** Removes test containers by name prefix, whoever made them. */
export async function removeContainers(...names: string[]): Promise<void> {
  for (const name of names) {
    await docker('rm', '-f', name).catch(() => undefined);
  }
}

/**
 * Removes the per-instance named volumes (5.x/6.x layout) of the given instance indexes, by name, and
 * their one-shot chown helpers. The shared volumes (GLCache, ComputeCache) are left alone: other test
 * files use them on the same engine at the same time.
 */
/** The names of the volume owner helpers of these instances on the engine (isaac-sim-orchestrator-volumes-N-<8 hex>, spec.ts). */
export async function volumeHelpers(indexes: readonly number[]): Promise<string[]> {
  const names = (await docker('ps', '-a', '--format', '{{.Names}}', '--filter', 'name=isaac-sim-orchestrator-volumes-').catch(() => '')).split('\n');
  return names.filter((n) => indexes.some((i) => new RegExp(`^isaac-sim-orchestrator-volumes-${i}(?:-[0-9a-f]{8})?$`).test(n)));
}

export async function removeInstanceVolumes(indexes: readonly number[], versions: readonly VersionId[] = ['4.5-5.x', '6.x']): Promise<void> {
  const names: string[] = [];
  for (const version of versions) {
    for (const index of indexes) {
      for (const plan of ISAAC_SIM_LAYOUT) if (plan.perInstance) names.push(volumeName(version, plan, index));
    }
  }
  await removeContainers(...(await volumeHelpers(indexes)));
  if (names.length > 0) await docker('volume', 'rm', '-f', ...names).catch(() => undefined);
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** The stand-in web viewer build context (stand-in/web-viewer, after NVIDIA's tools/docker/web-viewer). */
export const VIEWER_CONTEXT = path.join(REPO, 'stand-in/web-viewer');

export interface ViewerBuildArgs {
  signalPort: number | string;
  streamPort: number | string;
  host?: string;
}

/**
 * A build of a web viewer build context with NVIDIA's three build args and network host, as
 * docker-compose.yml builds tools/docker/web-viewer. On BuildKit (NVIDIA's Dockerfile needs it for
 * COPY --chmod) through the Engine API, as the extension builds it (Debian's docker CLI has no buildx,
 * which `DOCKER_BUILDKIT=1 docker build` needs); or, with `classic`, `docker build` on the classic
 * builder, whose --force-rm leaves no container of a failed step behind. Never throws for a failed
 * build: its exit code (0 or not) and the whole output come back.
 */
export async function buildViewer(tag: string, args: ViewerBuildArgs, context = VIEWER_CONTEXT, classic = false): Promise<{ code: number; output: string }> {
  const buildArgs = { ISAACSIM_HOST: args.host ?? '127.0.0.1', ISAACSIM_SIGNAL_PORT: String(args.signalPort), ISAACSIM_STREAM_PORT: String(args.streamPort) };
  if (!classic) {
    const lines: string[] = [];
    try {
      await new DockerEngine({ dockerHost: '' }).buildImage(await readBuildContext(context), { tag, buildArgs, labels: {}, networkMode: 'host', onLine: (l) => lines.push(l) });
      return { code: 0, output: lines.join('\n') };
    } catch (err) {
      return { code: 1, output: `${lines.join('\n')}\n${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const argv = ['build', '--network', 'host', '--force-rm', ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), '-t', tag, context];
  return new Promise((resolve, reject) => {
    execFile('docker', argv, { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? Number(err.code) : 0, output: stdout + stderr });
    });
  });
}

const viewerBuilds = new Map<string, Promise<string>>();

/** Builds the stand-in web viewer image for one port set, once per test file; its tag. */
export function buildStandinViewer(args: ViewerBuildArgs): Promise<string> {
  const tag = `isaac-sim-standin-web-viewer:${args.host ?? '127.0.0.1'}-${args.signalPort}-${args.streamPort}`;
  let built = viewerBuilds.get(tag);
  if (!built) {
    built = buildViewer(tag, args).then(({ code, output }) => {
      if (code !== 0) throw new Error(`docker build of ${tag} failed (exit ${code}):\n${output.split('\n').slice(-15).join('\n')}`);
      return tag;
    });
    viewerBuilds.set(tag, built);
  }
  return built;
}

/** The command that runs a viewer image on 127.0.0.1:PORT, as compose's `command:` does with WEB_VIEWER_PORT. */
export const viewerCommand = (port: number, ...extra: string[]): string[] => ['npx', 'vite', 'preview', '--host', '127.0.0.1', '--port', String(port), ...extra];

/** vite preview's line for a server it listens on at 127.0.0.1:PORT (vite v8.0.16 logger.ts printServerUrls). */
export const viewerLocalLine = (port: number): string => `  ➜  Local:   http://127.0.0.1:${port}/`;

/** Runs `argv` in container `id` through DockerEngine.followExec until it ends by itself: its stdout lines, stderr and exit code. */
export function execToEnd(engine: DockerEngine, id: string, argv: readonly string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    engine.followExec(id, argv, (line) => lines.push(line), (end) => (end.error ? reject(end.error) : resolve({ exitCode: end.exitCode, stdout: lines.map((l) => `${l}\n`).join(''), stderr: end.stderr }))).catch(reject);
  });
}
