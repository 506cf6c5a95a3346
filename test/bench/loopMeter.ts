/**
 * Event-loop meters of the log benchmark (logThroughput.ts): what held the loop, told apart from
 * what the machine did to it, and what an idle process beside it sees.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { waitFor } from './shared';

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * What held the event loop, told apart from what the machine did to it. A 5 ms interval reads, at
 * each tick, the main thread's scheduler figures (Linux /proc/self/task/<pid>/schedstat: ns on a
 * CPU, ns runnable but waiting for one) and the machine's steal time (/proc/stat: time the
 * hypervisor ran something else). (Not process.cpuUsage: a tick's getrusage cost ~60 µs under load.)
 * - `maxRunMs`: the most CPU time the main thread (our JS, and GC work done on it) used between
 *   two ticks: the longest our code held the loop, with nothing of the machine's load in it;
 * - `worst`: the longest gap between two ticks (what monitorEventLoopDelay sees), and what filled
 *   it: the main thread on a CPU, waiting for one, the machine's steal (all CPUs). A gap the main thread neither ran nor waited in was spent asleep, or lost
 *   to the hypervisor.
 * Where these files cannot be read (not Linux), `maxRunMs` stays null and only the wall figures count.
 */
export class BlockMeter {
  maxRunMs: number | null = 0;
  worst = { wallMs: 0, mainRunMs: 0, mainWaitMs: 0, stealMs: 0 };
  private timer: ReturnType<typeof setInterval> | undefined;
  private sched: number | undefined;
  private stat: number | undefined;
  private readonly buf = Buffer.alloc(256);
  private last = { wall: 0, run: 0, wait: 0, steal: 0 };

  start(): void {
    try {
      this.sched = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
      this.stat = openSync('/proc/stat', 'r');
    } catch {
      this.maxRunMs = null;
    }
    this.last = this.read();
    this.timer = setInterval(() => {
      const now = this.read();
      const runMs = (now.run - this.last.run) / 1e6;
      if (this.maxRunMs !== null) this.maxRunMs = Math.max(this.maxRunMs, runMs);
      const wallMs = now.wall - this.last.wall;
      if (wallMs > this.worst.wallMs) {
        this.worst = {
          wallMs: round(wallMs),
          mainRunMs: round(runMs),
          mainWaitMs: round((now.wait - this.last.wait) / 1e6),
          stealMs: round(now.steal - this.last.steal),
        };
      }
      this.last = now;
    }, 5);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.sched !== undefined) closeSync(this.sched);
    if (this.stat !== undefined) closeSync(this.stat);
  }

  /** Now: wall ms; the main thread's ns on a CPU and waiting for one; the machine's steal ms. */
  private read(): { wall: number; run: number; wait: number; steal: number } {
    const wall = performance.now();
    if (this.sched === undefined || this.stat === undefined) return { wall, run: 0, wait: 0, steal: 0 };
    const [run, wait] = this.buf.toString('latin1', 0, readSync(this.sched, this.buf, 0, this.buf.length, 0)).split(' ').map(Number);
    // "cpu  user nice system idle iowait irq softirq steal ...", in USER_HZ (100 a second).
    const steal = Number(this.buf.toString('latin1', 0, readSync(this.stat, this.buf, 0, this.buf.length, 0)).split('\n')[0].trim().split(/\s+/)[8]) * 10;
    return { wall, run, wait, steal };
  }
}

/**
 * The event-loop delay an idle Node process sees meanwhile: what the machine's load alone does to
 * the figure. Started before the lines flow; `stop()` ends it and returns its figures.
 */
export function idleBaseline(): { stop(): Promise<{ maxMs: number; p99Ms: number }> } {
  const script = `const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 5 }); h.enable();
    process.on('SIGTERM', () => { h.disable(); process.stdout.write(JSON.stringify({ maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6 })); process.exit(0); });
    setInterval(() => {}, 1 << 30); process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (t: string) => (out += t));
  return {
    stop: async () => {
      await waitFor('the idle baseline process to start', () => out.startsWith('ready'), 10_000);
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      await closed;
      const figures = JSON.parse(out.slice(out.indexOf('\n') + 1)) as { maxMs: number; p99Ms: number };
      return { maxMs: round(figures.maxMs), p99Ms: round(figures.p99Ms) };
    },
  };
}

