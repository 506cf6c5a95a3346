/**
 * What the benchmark driver (test/bench/bench.ts, plain Node) and its extension-host side
 * (test/bench/suite/*, inside code-server's extension host) share: the run's configuration, the
 * settings that point the extension at the stand-in, a raw engine event listener, and statistics.
 * Nothing here imports `vscode`.
 */
import http from 'node:http';

/** Every line the extension-host side reports to the driver starts with this, then JSON. */
export const BENCH_PREFIX = 'BENCH ';
/**
 * `BENCH-ASK <question>`: the extension-host side asks the driver, which owns the workbench page,
 * to do something there (e.g. read the Running Extensions editor); it waits for the answer file
 * `<answersDir>/<question>.json`.
 */
export const ASK_PREFIX = 'BENCH-ASK ';

export const INSTANCES = 3;

/** Written by the driver next to the extension-host entry points as config.json. */
export interface BenchConfig {
  /** The counting proxy the extension-host side serves; `isaacSim.dockerHost` points here. */
  proxySocket: string;
  /** The real engine's socket, behind the proxy. */
  upstreamSocket: string;
  /** How long to wait, after activation, before the view is shown (requests are counted meanwhile). */
  beforeViewMs: number;
  idleSeconds: number;
  trials: number;
  /** Where the driver writes its answers (see ASK_PREFIX). */
  answersDir: string;
  /** How long the extension host is left to settle after it started, before activation is timed. */
  settleMs: number;
  /** Scale runs (suite/scale.ts): how many instances run, and the isaacSim.instanceCount set for them. */
  scale?: { instances: number; instanceCount: number; trials: number; idleSeconds: number };
}

/** isaacSim.instanceCount's maximum (package.json); more instances are owned containers beyond the count, which the tree lists too. */
export const MAX_INSTANCE_COUNT = 16;

/**
 * isaacSim.* settings (bare keys) for the stand-in: 3 instances (or `instanceCount`), no NVIDIA
 * runtime, ports in 27211–27402 (below Linux's ephemeral range, 32768–60999, where an outgoing
 * connection can hold one: a run once lost its scale part to that; apart from the test suites'
 * ports; room for 32 instances of each kind of port), data under the run folder.
 */
export function benchSettings(image: string, dataRoot: string, instanceCount = INSTANCES): Record<string, unknown> {
  return {
    image,
    runtime: '',
    gpus: 'none',
    memoryLimitGiB: 2,
    instanceCount,
    hostDataRoot: dataRoot,
    httpPortBase: 27211,
    signalPortBase: 27251,
    streamPortBase: 27291,
    webViewerPortBase: 27331,
    pythonServerPortBase: 27371,
    stopTimeoutSeconds: 5,
    env: { STANDIN_STEP_SECONDS: '0.05' },
  };
}

export function containerName(index: number): string {
  return `isaac-sim-instance-${index}`;
}

export interface EngineEventRecord {
  /** Container name. */
  name: string;
  action: string;
  /** The engine's own time of the event (ms since the epoch, from timeNano). */
  engineAt: number;
  /** When this listener received it (ms since the epoch). */
  receivedAt: number;
}

export interface EventListener {
  /** Events received since the last `clear()`, optionally only those of one container. */
  events(name?: string): EngineEventRecord[];
  clear(): void;
  close(): void;
}

/**
 * Listens to the engine's container events on its own connection straight to the engine socket
 * (never through the counting proxy), so the benchmark knows when each engine event happened.
 * Resolves once the stream is open.
 */
export function listenToEngineEvents(socketPath: string, labelFilter: string): Promise<EventListener> {
  let records: EngineEventRecord[] = [];
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], label: [labelFilter] }));
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: `/events?filters=${filters}`, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /events answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const receivedAt = nowMs();
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          try {
            const e = JSON.parse(line) as { Action?: string; status?: string; timeNano?: number; time?: number; Actor?: { Attributes?: Record<string, string> } };
            const engineAt = e.timeNano ? e.timeNano / 1e6 : (e.time ?? 0) * 1000;
            records.push({ name: e.Actor?.Attributes?.name ?? '', action: e.Action ?? e.status ?? '', engineAt, receivedAt });
          } catch {
            // not an event line
          }
        }
      });
      res.on('error', () => undefined);
      resolve({
        events: (name) => (name === undefined ? [...records] : records.filter((r) => r.name === name)),
        clear: () => {
          records = [];
        },
        close: () => {
          req.destroy();
          res.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  p90: number;
  p95: number;
  samples: number[];
}

export function summarize(samples: number[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { n: sorted.length, median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]), p90: round(at(0.9)), p95: round(at(0.95)), samples: samples.map(round) };
}

/** Wall-clock time in ms with sub-millisecond resolution (engine event times have it too). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 20 ms until it returns a truthy value; rejects after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

/** Runs a driver's main and exits with its code; on an error, prints it, runs `onError` (cleanup) and exits 1. */
export function runMain(main: () => Promise<number>, onError: () => Promise<unknown> = async () => undefined): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      void onError().finally(() => process.exit(1));
    },
  );
}
