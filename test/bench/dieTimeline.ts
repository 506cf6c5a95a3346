/**
 * Where the time goes between an outside `docker stop` and the manager's *stopped* (issue 10,
 * point 5): the extension's InstanceManager and DockerEngine against the engine, without VS Code,
 * with the engine client wrapped so that every step of the exit path is stamped:
 *
 *   engine `kill`/`die`/`stop` (engine time) → the manager's event stream received `die` → the
 *   inspect of the drain → the log stream's end → onDidChange with *stopped*.
 *
 * Not part of `npm run bench`: a measuring tool. It uses the engine at DOCKER_HOST (or the default
 * socket) and instance `BENCH_TIMELINE_INDEX` (default 0), which must not exist; it removes it at
 * the end. Under the shared Docker lock:
 *
 *   node scripts/build.mjs --tests && node out/test/bench/dieTimeline.js      # BENCH_TIMELINE_TRIALS=10
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DockerEngine } from '../../src/docker/engine';
import type { EngineEvent, LogLine } from '../../src/instances/engineApi';
import { InstanceManager } from '../../src/instances/manager';
import { OWNER_FILTER } from '../../src/instances/sync';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';
import { QuietLogger } from './manager';
import { benchSettings, containerName, listenToEngineEvents, nowMs, runMain, summarize, waitFor } from './shared';

const exec = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
const IMAGE = readFileSync(path.join(REPO, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim();

type Mark = { at: number; what: string };

/** The engine client with each call of the exit path stamped into `marks`. */
class StampedEngine extends DockerEngine {
  marks: Mark[] = [];
  private mark(what: string): void {
    this.marks.push({ at: nowMs(), what });
  }
  override async inspect(idOrName: string) {
    this.mark('inspect sent');
    const info = await super.inspect(idOrName);
    this.mark(`inspect answered (running ${info?.running})`);
    return info;
  }
  override streamEvents(label: string, since: bigint | undefined, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void) {
    return super.streamEvents(label, since, (e) => {
      this.mark(`event ${e.action} received`);
      onEvent(e);
    }, onEnd);
  }
  override followLogs(id: string, opts: { since?: bigint; tail?: number }, onLine: (line: LogLine) => void, onEnd: (err?: Error) => void) {
    this.mark('logs followed');
    return super.followLogs(id, opts, (line) => {
      this.mark('log line');
      onLine(line);
    }, (err) => {
      this.mark(`log stream ended${err ? ` (${err.message})` : ''}`);
      onEnd(err);
    });
  }
}

async function main(): Promise<number> {
  const index = Number(process.env.BENCH_TIMELINE_INDEX ?? 0);
  const trials = Number(process.env.BENCH_TIMELINE_TRIALS ?? 10);
  const socket = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  const name = containerName(index);
  const docker = (...args: string[]) => exec('docker', ['--host', `unix://${socket}`, ...args]);
  if ((await docker('ps', '-aq', '--filter', `name=^${name}$`)).stdout.trim()) throw new Error(`${name} exists on this engine: not ours to touch`);
  const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'isaac-die-timeline-'));
  const parsed = parseSettings({ ...DEFAULT_SETTINGS, ...benchSettings(IMAGE, dataRoot, index + 1), dockerHost: `unix://${socket}` });
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.message).join(' '));
  let engine: StampedEngine | undefined;
  const log = new QuietLogger();
  const manager = new InstanceManager({ engineFor: (host) => (engine = new StampedEngine({ dockerHost: host })), log });
  manager.updateSettings(parsed);
  const events = await listenToEngineEvents(socket, OWNER_FILTER);
  const state = () => manager.get(index)?.state.kind;
  const rows: Record<string, number>[] = [];
  try {
    await manager.connect();
    for (let k = 0; k < trials; k++) {
      await manager.start(index);
      await waitFor(`${name} ready`, () => state() === 'ready' || state() === 'failed', 60_000);
      if (state() !== 'ready') throw new Error(`${name} did not get ready: ${JSON.stringify(manager.get(index)?.state)}\n${log.lines.slice(-20).join('\n')}`);
      const changes: Mark[] = [];
      const sub = manager.onDidChange(() => changes.push({ at: nowMs(), what: `changed to ${state()}` }));
      events.clear();
      engine!.marks = [];
      await docker('stop', '-t', '5', name);
      await waitFor(`${name} stopped`, () => state() === 'stopped' || state() === 'failed', 20_000);
      await waitFor(`${name} stop event`, () => events.events(name).some((e) => e.action === 'stop'), 5_000);
      sub.dispose();
      const die = events.events(name).find((e) => e.action === 'die')!.engineAt;
      const all: Mark[] = [
        ...events.events(name).map((e) => ({ at: e.engineAt, what: `engine ${e.action}` })),
        ...engine!.marks.filter((m) => m.what !== 'log line'),
        ...changes,
      ].sort((a, b) => a.at - b.at);
      const lastLine = engine!.marks.filter((m) => m.what === 'log line').pop();
      if (lastLine) all.push({ at: lastLine.at, what: 'last log line' });
      all.sort((a, b) => a.at - b.at);
      process.stdout.write(`trial ${k}:\n${all.map((m) => `  ${(m.at - die).toFixed(1).padStart(7)} ms  ${m.what}`).join('\n')}\n`);
      const first = (what: string) => all.find((m) => m.what.startsWith(what) && m.at >= die - 5)?.at;
      const row: Record<string, number> = {};
      const put = (key: string, at: number | undefined) => {
        if (at !== undefined) row[key] = at - die;
      };
      const kill = events.events(name).find((e) => e.action === 'kill')?.engineAt;
      if (kill !== undefined) row.killBeforeDie = die - kill;
      put('dieReceived', first('event die received'));
      put('logEnded', first('log stream ended'));
      put('stopEvent', first('engine stop'));
      put('stopped', first('changed to stopped') ?? first('changed to failed'));
      rows.push(row);
    }
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    for (const key of keys) {
      const s = summarize(rows.map((r) => r[key]).filter((x) => x !== undefined));
      process.stdout.write(`${key.padEnd(12)} median ${s?.median} (${s?.min}–${s?.max}) ms after die\n`);
    }
    return 0;
  } finally {
    manager.dispose();
    events.close();
    await docker('rm', '-f', name).catch(() => undefined);
  }
}

runMain(main);
