#!/usr/bin/env node
/**
 * Writes the README's benchmark table from the benchmark's own output, so that no figure in it is
 * typed by hand: reads .run/bench.json (npm run bench) and, if present, .run/bench-logs.json (the
 * log-follower benchmark: lines_per_s_ours, lines_per_s_cli, ratio, heap_growth_mb,
 * max_event_loop_delay_ms), rewrites what stands between `<!-- bench:start -->` and
 * `<!-- bench:end -->` in README.md, and draws the scale curves (test/bench/scale-*.png).
 * The peer's figures, and ours from before issue 10, are marked "quoted" with their source.
 *
 *   node scripts/bench-figures.mjs               # after npm run bench
 *   node scripts/bench-figures.mjs --check       # exits 1 if the README's table is not what the JSON gives
 *   node scripts/bench-figures.mjs --no-curves   # the table only
 */
/* global process, console */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README = path.join(REPO, 'README.md');
const BENCH = path.join(REPO, '.run/bench.json');
const LOGS = path.join(REPO, '.run/bench-logs.json');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/**
 * What the requests of the hidden window were, when all of them end the GPU loops that hiding the
 * view killed (figuresCollector.ts endLoop: the kill's exec reports its exit code, GET /exec/<id>/json).
 */
const hiddenNote = (hidden) => {
  const lines = hidden.requestLines ?? [];
  return lines.length > 0 && lines.every((l) => /^GET \/exec\/[0-9a-f]{64}\/json$/.test(l)) ? ` (all ${lines.length}: the exit codes of the kills that ended the GPU loops at the hide)` : '';
};
const n0 = (x) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : undefined);
const n1 = (x) => (typeof x === 'number' && Number.isFinite(x) ? (Math.round(x * 10) / 10).toLocaleString('en-US') : undefined);
const n2 = (x) => (typeof x === 'number' && Number.isFinite(x) ? (Math.round(x * 100) / 100).toFixed(2) : undefined);
/** "median 27 ms (13–57)" from a summary; '–' when the run has none. */
const med = (s, unit = ' ms') =>
  s && typeof s.median === 'number' ? (s.n === 1 ? `${n0(s.median)}${unit} (1 sample)` : `median ${n0(s.median)}${unit} (${n0(s.min)}–${n0(s.max)})`) : '–';
const medP95 = (s, unit = ' ms') => (s && typeof s.median === 'number' ? `${med(s, unit)}, p95 ${n0(s.p95)}${unit}` : '–');
const or = (v, fallback = '–') => (v === undefined || v === null ? fallback : v);

export function tableFrom(bench, logs) {
  const o = bench.ours ?? {};
  const peer = bench.peer ?? {};
  const before = bench.oursBefore ?? {};
  const q = (v) => (v === undefined || v === null || v === '' ? '–' : `${v} (quoted)`);
  const scale = Array.isArray(o.scale) ? o.scale : [];
  const perScale = (f) => (scale.length ? scale.map((s) => `${s.instances}: ${or(f(s))}`).join(' · ') : '–');
  const kib = (x) => (typeof x === 'number' ? `${x >= 0 ? '+' : ''}${n1(x / 1024)} MB` : '–');
  const idle = o.idle;
  const p = o.parallelStart;
  const click = o.activationByClick ?? {};
  const rows = [
    ['activation (VS Code\'s own figure, host settled)', med(o.activationMs?.settled), '–', q(peer.activationMs !== undefined ? `${n0(peer.activationMs)} ms` : undefined)],
    ['activation by clicking the view: click → extension active', med(click.clickToActiveMs), q(before.clickActivationMs !== undefined ? `${n0(before.clickActivationMs)} ms` : undefined), q(peer.clickActivationMs ? med(peer.clickActivationMs) : undefined)],
    ['click → first instance row rendered', med(click.clickToFirstRowMs), '–', '–'],
    ['`ext.activate()` wall time, host settled', med(o.activationMs?.settledActivateCallWallMs), '–', '–'],
    ['engine requests before the view is shown', or(o.requestsBeforeView?.max), '–', q(peer.requestsBeforeView)],
    [`engine requests while idle, 3 running instances, view shown`, idle ? `${idle.requests} in ${n0(idle.seconds)} s${idle.figuresRequests ? ` (live figures: ${idle.figuresRequests.stats} stats streams and ${idle.figuresRequests.exec} exec requests opened in it; their streams, opened before, stay open)` : ''}` : '–', '–', q(peer.idleRequests !== undefined ? `${peer.idleRequests} in ${peer.idleSeconds} s` : undefined)],
    ['engine requests with the view hidden, 3 running instances', o.hidden ? `${o.hidden.requests} in ${n0(o.hidden.seconds)} s${hiddenNote(o.hidden)}` : '–', '–', '–'],
    ['engine event → tree row changed on screen (first change)', medP95(o.eventToTreeRowRenderedMs?.all), q(before.eventToFirstChangeMs !== undefined ? `${before.eventToFirstChangeMs} ms` : undefined), q(peer.eventToTreeMs ? med(peer.eventToTreeMs) : undefined)],
    ['the event the change shows (`die` for a stop, `start` for a start) → tree row changed on screen', medP95(o.causeToTreeRowRenderedMs?.all), q(before.eventToFirstChangeMs !== undefined ? `${before.eventToFirstChangeMs} ms` : undefined), '–'],
    ['`docker stop`: engine `die` → row shows *stopped*', medP95(o.finalStoppedMs?.fromDie), q(before.dieToStoppedMs !== undefined ? `${before.dieToStoppedMs} ms` : undefined), q(peer.dieToStoppedMs !== undefined ? `${peer.dieToStoppedMs} ms` : undefined)],
    ['`docker stop`: last event of the burst → row shows *stopped*', medP95(o.finalStoppedMs?.fromLastEvent), '–', '–'],
    ['scale, event → row on screen, p50 / p95 by running instances', perScale((s) => (s.eventToTreeRowRenderedMs ? `${n0(s.eventToTreeRowRenderedMs.median)} / ${n0(s.eventToTreeRowRenderedMs.p95)} ms` : undefined)), '–', '–'],
    ['scale, extension-host heap since activation', perScale((s) => (typeof s.heapDeltaSinceActivationMiB === 'number' ? `${n1(s.heapDeltaSinceActivationMiB)} MB` : undefined)), '–', '–'],
    ['scale, extension-host CPU idle / per stop+start trial', perScale((s) => (typeof s.idleCpuPercent === 'number' ? `${n1(s.idleCpuPercent)} % / ${n0(s.trialCpuMsPerTrial)} ms` : undefined)), '–', '–'],
    [
      '4 instances started at once (manager) ÷ 4 sequential `docker run`, same readiness wait',
      p?.ratio !== undefined ? `${p.ratio}× (${n0(p.managerParallelMs?.median)} ms against ${n0(p.cliSequentialMs?.median)} ms; the 4 \`docker run\` at once: ${n0(p.cliParallelMs?.median) ?? '–'} ms)` : '–',
      '–',
      '–',
    ],
  ];
  if (logs) {
    // Field names as test/bench/logThroughput.ts writes them.
    const idle = logs.idleProcessEventLoopDelay;
    const gap = logs.longestTickGap;
    const place = logs.cpuPlacement;
    const where = place?.engineCpus
      ? `both followers on CPU ${place.ours}, the engine and the producer on CPU ${place.engine}`
      : 'followers, engine and producer sharing the CPUs';
    rows.push([
      `log following, ${n0(logs.lines)} lines: lines/s through our whole follower to the channel's batch ÷ \`docker logs -f\` (same run; ${where})`,
      `${n0(logs.ours?.linesPerSec)} ÷ ${n0(logs.cli?.linesPerSec)} = ${or(n2(logs.ratio))}× (target ≥ 0.8); heap growth ${or(n1(logs.heapGrowthMiB))} MB (≤ 50); longest event-loop delay ${or(n0(logs.eventLoopDelayMaxMs))} ms, p99 ${or(n0(logs.eventLoopDelayP99Ms))} ms (wall clock; target ≤ 50)${gap ? `, in which our main thread ran ${or(n1(gap.mainRunMs))} ms and waited ${or(n0(gap.mainWaitMs))} ms for a CPU` : ''}; longest our code held the loop ${or(n1(logs.mainThreadBusyMaxMs))} ms${idle ? `; an idle process beside it: ${or(n0(idle.maxMs))} ms` : ''}`,
      '–',
      '–',
    ]);
  }
  rows.push(...limitRows(o.limits));
  rows.push(
    ['`.vsix` size (target ≤ 150 KB; KB = 1,024 bytes here, as vsce counts)', o.sizes?.vsixBytes !== undefined ? `${n1(o.sizes.vsixBytes / 1024)} KB (${n0(o.sizes.vsixBytes)} bytes)` : '–', q(before.vsixBytes !== undefined ? `${n1(before.vsixBytes / 1024)} KB` : undefined), q(peer.vsixBytes !== undefined ? `${n0(peer.vsixBytes / 1024)} KB` : undefined)],
    [
      'extension bundle `dist/extension.js`, the code read at activation (target ≤ 250 KB, KB = 1,024 bytes); the parts it loads on first use; all of it unpacked',
      o.sizes?.bundleBytes !== undefined
        ? `${n1(o.sizes.bundleBytes / 1024)} KB (${n0(o.sizes.bundleBytes)} bytes); ${o.sizes.firstUseBytes ? Object.entries(o.sizes.firstUseBytes).map(([name, bytes]) => `${name.replace(/^dist\//, '')} ${n0(bytes / 1024)}`).join(', ') + ' KB; ' : ''}${n0((o.sizes.unpackedBytes ?? NaN) / 1024)} KB`
        : '–',
      '–',
      '–',
    ],
    ['extension-host heap after activation', kib(o.exthostMemory?.heapDeltaAfterActivationKiB?.median), '–', '–'],
  );
  const m = bench.machine ?? {};
  const lines = [
    START,
    `<!-- written by scripts/bench-figures.mjs from .run/bench.json${logs ? ' and .run/bench-logs.json' : ''}; do not edit by hand -->`,
    `Measured ${String(bench.date ?? '').slice(0, 16).replace('T', ' ')} UTC (${or(m.cpus, '?')} cores, load ${Array.isArray(m.loadavg) ? m.loadavg.map((l) => l.toFixed(1)).join(' ') : '?'}, shared with other work, so times are noisy; ${bench.config?.trials ?? '?'} stop/start trials, scale runs with ${bench.config?.scaleTrials ?? '?'}):`,
    '',
    `| figure | ours | ours before issue 10 | ${peer.name ?? 'peer'} |`,
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `The run took ${n0((bench.durationS ?? NaN) / 60) ?? '?'} min. "Quoted" figures are not measured by this run; they were ${String(peer.source ?? before.source ?? 'taken from the benchmark JSON').replace(/^quoted:\s*/, '')}.` +
      (scale.length ? ' Scale curves: [latency](test/bench/scale-latency.png), [heap](test/bench/scale-heap.png), [CPU](test/bench/scale-cpu.png).' : ''),
    ...(Array.isArray(bench.failures) && bench.failures.length ? ['', `The run reported harness failures: ${bench.failures.join('; ')}.`] : []),
    END,
  ];
  return lines.join('\n');
}

/** One row per time-limit group (ours.limits, test/bench/limits.ts): each figure's largest sample (the slowest, when many), then met / missed. */
export function limitRows(limits) {
  const ms = (x) => `${Math.abs(x) < 10 ? n1(x) : n0(x)} ms`;
  return Object.values(limits ?? {}).filter((g) => g && typeof g === 'object' && g.figures).map((g) => {
    const figs = Object.entries(g.figures);
    const slowest = figs.reduce((a, b) => ((b[1]?.max ?? -Infinity) > (a[1]?.max ?? -Infinity) ? b : a), figs[0]);
    const shown = figs.length > 4 ? `${figs.length} figures, slowest ${slowest[0]} ${slowest[1] ? ms(slowest[1].max) : '–'}` : figs.map(([k, s]) => `${k} ${s ? ms(s.max) : '–'}`).join(', ');
    const extra = Object.entries(g.extra ?? {}).map(([k, s]) => `; ${k} ${s ? ms(s.max) : '–'}`).join('');
    const target = typeof g.targetMs === 'number';
    const verdict = target ? (g.met ? 'met' : `missed (${g.missed.join(', ')})`) : 'no target';
    return [`time limits (${target ? `target < ${n1(g.targetMs / 1000)} s each` : 'no target'}): ${g.what}`, `${shown}${extra} (largest sample): ${verdict}`, '–', '–'];
  });
}

export function rewrite(readme, table) {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} block: put both markers into its "## Benchmark" section`);
  return readme.slice(0, a) + table + readme.slice(b + END.length);
}

async function main() {
  const args = new Set(process.argv.slice(2));
  if (!existsSync(BENCH)) throw new Error(`no ${path.relative(REPO, BENCH)}: run npm run bench first`);
  const bench = JSON.parse(readFileSync(BENCH, 'utf8'));
  const logs = existsSync(LOGS) ? JSON.parse(readFileSync(LOGS, 'utf8')) : undefined;
  const readme = readFileSync(README, 'utf8');
  const next = rewrite(readme, tableFrom(bench, logs));
  if (args.has('--check')) {
    if (next !== readme) {
      console.error('bench-figures: README.md\'s benchmark table differs from .run/bench.json; run node scripts/bench-figures.mjs');
      process.exit(1);
    }
    console.log('bench-figures: README.md matches .run/bench.json');
    return;
  }
  writeFileSync(README, next);
  console.log(`bench-figures: README.md table written from ${path.relative(REPO, BENCH)}${logs ? ` and ${path.relative(REPO, LOGS)}` : ''}`);
  if (!args.has('--no-curves')) {
    const { drawCurves } = await import('../test/bench/curves.mjs');
    const files = await drawCurves(bench);
    console.log(`bench-figures: curves ${files.map((f) => path.relative(REPO, f)).join(', ')}`);
  }
}

main().catch((err) => {
  console.error(`bench-figures: error: ${err.message}`);
  process.exit(1);
});
