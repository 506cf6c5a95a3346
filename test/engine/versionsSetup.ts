/**
 * What the version-profile suites (versionsProfiles, versionsOutcomes) share: the stand-in images
 * isaac-sim-standin:4.2.0, :5.1.0 and :6.0.1 (stand-in/README.md) run with isaacSim.version "auto",
 * managers that record their log lines and startup kinds, waits, probes, and the hooks that clean up.
 *
 * Other engine tests share this engine: a versions file uses only its own instance indexes (within
 * 20–29; each file names its set in versionsHooks), port bases far from the other suites', and
 * removes only what it made (its containers isaac-sim-instance-N, the volumes of its instances, and
 * the shared cache volumes only if they did not exist before). The 4.2 redirect
 * (/streaming/webrtc-client/) is never requested: every GET here refuses to follow redirects.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { after, before } from 'node:test';
import type { Manager, LogAppend } from '../../src/instances/manager';
import type { InstanceSnapshot } from '../../src/instances/model';
import type { Settings } from '../../src/instances/settings';
import { docker, dockerInspect, newManager, standinSettings, volumeHelpers, waitFor, type MemoryLogger } from './helpers';

export const IMG = { v42: 'isaac-sim-standin:4.2.0', v51: 'isaac-sim-standin:5.1.0', v60: 'isaac-sim-standin:6.0.1' };
const BASES = { instanceCount: 1, httpPortBase: 28200, signalPortBase: 29100, streamPortBase: 27900, webViewerPortBase: 28300 } as const;
const STEP = { STANDIN_STEP_SECONDS: '0.05' };
const SHARED_VOLUMES = ['6.x', '4.5-5.x'].flatMap((v) => [`isaac-sim-orchestrator-${v}-glcache`, `isaac-sim-orchestrator-${v}-computecache`]);
export const PLAYER_PATH = '/isaac-sim/extscache/omni.services.streamclient.webrtc-1.3.8/web/js/kit-player.js';
export const SHADER_LINE = 'Waiting for compilation of ray tracing shaders';

/** This file's instance indexes (versionsHooks sets them). */
let suiteIndexes: readonly number[] = [];
/** Volumes our managers made (they log "instance-N: made volumes a, b for uid 1234."). */
const volumesMade = new Set<string>();
const managerLogs: MemoryLogger[] = [];

export async function volumeNames(): Promise<Set<string>> {
  return new Set((await docker('volume', 'ls', '-q')).split('\n').filter(Boolean));
}

/**
 * The hooks of a versions test file that uses only instances `indexes`, and containers `names` and
 * images `images` of its own besides: call it once at its top level.
 */
export function versionsHooks(indexes: readonly number[], own: { names?: readonly string[]; images?: readonly string[] } = {}): void {
  suiteIndexes = indexes;
  const names = indexes.map((i) => `isaac-sim-instance-${i}`);
  const alternatives = indexes.join('|');
  const ourInstanceVolume = new RegExp(`^isaac-sim-orchestrator-.+-instance-(?:${alternatives})-`);
  const madeVolumes = new RegExp(`instance-(?:${alternatives}): made volumes (.+) for uid 1234\\.`);
  async function removeOurContainers(): Promise<void> {
    for (const name of [...names, ...(await volumeHelpers(indexes)), ...(own.names ?? [])]) await docker('rm', '-f', name).catch(() => undefined);
  }

  before(async () => {
    await removeOurContainers();
  });

  after(async () => {
    await removeOurContainers();
    for (const log of managerLogs) {
      for (const line of log.lines) {
        const m = madeVolumes.exec(line);
        for (const name of m ? m[1].split(', ') : []) volumesMade.add(name);
      }
    }
    for (const name of await volumeNames()) {
      // A shared cache volume is ours to remove only if one of our starts made it (it did not exist then),
      const mine = ourInstanceVolume.test(name) || (SHARED_VOLUMES.includes(name) && volumesMade.has(name));
      // A shared volume another test's container uses now cannot be removed; it is then left alone.
      if (mine) await docker('volume', 'rm', name).catch((err: unknown) => console.log(`left volume ${name}: ${String(err).trim()}`));
    }
    for (const image of own.images ?? []) await docker('rmi', '-f', image).catch(() => undefined);
  });
}

export function settingsFor(image: string, overrides: Partial<Settings> = {}): Settings {
  return standinSettings({ ...BASES, image, version: 'auto', ...overrides, env: { ...STEP, ...(overrides.env ?? {}) } });
}

/** A manager with its log lines and the startup kinds its snapshots showed, per instance. */
export function harness(settings: Settings): { manager: Manager; log: MemoryLogger; lines: Map<number, string[]>; kinds: Map<number, Set<string>> } {
  const { manager, log } = newManager(settings);
  managerLogs.push(log);
  const lines = new Map<number, string[]>();
  const kinds = new Map<number, Set<string>>();
  manager.onDidAppendLog((e: LogAppend) => lines.set(e.index, [...(lines.get(e.index) ?? []), ...e.lines]));
  manager.onDidChange(() => {
    for (const i of suiteIndexes) {
      const kind = manager.get(i)?.startup?.kind;
      if (kind) kinds.set(i, new Set([...(kinds.get(i) ?? []), kind]));
    }
  });
  return { manager, log, lines, kinds };
}

export function stateOf(manager: Manager, index: number): string | undefined {
  return manager.get(index)?.state.kind;
}

export async function waitReady(manager: Manager, index: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `instance-${index} ready`,
    () => {
      const s = manager.get(index);
      if (s?.state.kind === 'failed') throw new Error(`instance-${index} failed: ${s.state.reason}`);
      return s?.state.kind === 'ready';
    },
    timeoutMs,
  );
}

/** Waits until the run has failed and its exit has been handled (the container no longer runs). */
export async function waitFailedAndExited(manager: Manager, index: number, timeoutMs = 30_000): Promise<InstanceSnapshot> {
  return waitFor<InstanceSnapshot | undefined>(
    `instance-${index} failed and exited`,
    () => {
      const s = manager.get(index);
      return s?.state.kind === 'failed' && s.startedAt === undefined ? s : undefined;
    },
    timeoutMs,
  ) as Promise<InstanceSnapshot>;
}

export async function removeAndWait(manager: Manager, index: number): Promise<void> {
  await manager.remove(index);
  await waitFor(`instance-${index} removed`, async () => !(await dockerInspect(`isaac-sim-instance-${index}`)) && manager.get(index)?.exists !== true, 20_000);
}

/** GET on loopback that never follows a redirect. */
export async function get(url: string): Promise<{ status: number; body: string }> {
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\//, 'only loopback URLs are requested');
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, body: await res.text() };
}

export function tcpConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** `docker exec`; a failure says how the container ended and its last lines (another test may have stopped it). */
export async function execIn(name: string, ...args: string[]): Promise<string> {
  try {
    return await docker('exec', name, ...args);
  } catch (err) {
    const c = await dockerInspect(name);
    const tail = (await dockerLogs(name).catch(() => '')).split('\n').slice(-8).join('\n');
    throw new Error(`docker exec ${name} ${args.join(' ')} failed: ${String(err)}\nState: ${JSON.stringify(c?.State)}\nLast lines:\n${tail}`, { cause: err });
  }
}

/** `docker logs` of a container, both streams. */
export function dockerLogs(name: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', ['logs', name], { maxBuffer: 1 << 26 }, (err, stdout, stderr) => (err ? reject(err) : resolve(stdout + stderr))),
  );
}

