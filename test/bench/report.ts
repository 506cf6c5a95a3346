/**
 * The benchmark's figures: built from what the runs collected into the JSON written to
 * .run/bench.json, and one printed line per figure, ours next to the peer's. The peer's figures are
 * quoted (PEER.source), never measured by this run; scripts/bench-figures.mjs copies both into the
 * README's table.
 */
import os from 'node:os';
import type { ManagerFigures } from './manager';
import type { ParallelFigures } from './parallel';
import { summarize, type Summary } from './shared';
import { domLatency, domLatencyFromCause, finalStopLatency, type Collected, type Trial } from './workbench';

export const PEER = {
  name: 'Microsoft Container Tools 2.5.0',
  source: 'measured beside this project by the same driver in code-server on 2026-12-01 (/work/shared/ENVIRONMENT.md)',
  activationMs: 464,
  clickActivationMs: { median: 255, min: 204, max: 308 },
  requestsBeforeView: 0,
  idleRequests: 22,
  idleSeconds: 300,
  eventToTreeMs: { median: 574, min: 541, max: 682 },
  dieToStoppedMs: 560,
  vsixBytes: 1_031_092,
};

/** Ours before issue 10's changes, measured in the same run as PEER (quoted from the same source). */
export const OURS_BEFORE = { source: PEER.source, eventToFirstChangeMs: 33, dieToStoppedMs: 230, clickActivationMs: 75, vsixBytes: 234_678 };

export function fmt(s: Summary | undefined, unit = ''): string {
  return s ? `median=${s.median}${unit} p95=${s.p95}${unit} min=${s.min}${unit} max=${s.max}${unit} n=${s.n}` : 'n/a';
}

/** A scale run's collected lines, with the instance count it ran with. */
export interface ScaleRun {
  instances: number;
  collected: Collected;
  /** Running instances the manager (in the driver) did not see ready when starting them. */
  managerNotReady: string[];
}

/** First change and final state of the trials of one run (the main run or a scale run). */
export function trialFigures(c: Collected) {
  const stops = c.trials.filter((t) => t.action === 'stop');
  const starts = c.trials.filter((t) => t.action === 'start');
  const dom = (ts: Trial[]) => ts.map((t) => domLatency(t, c.domRows)).filter((x): x is number => x !== undefined);
  const fromCause = (ts: Trial[]) => ts.map((t) => domLatencyFromCause(t, c.domRows)).filter((x): x is number => x !== undefined);
  const data = (ts: Trial[]) => ts.map((t) => t.dataAt - (t.events[0]?.engineAt ?? NaN)).filter(Number.isFinite);
  const next = (t: Trial) => c.trials[c.trials.indexOf(t) + 1]?.issuedAt ?? Infinity;
  const finals = stops.map((t) => ({ ...finalStopLatency(t, c.domRows, next(t)), events: t.events.map((e) => e.action) }));
  return {
    rendered: { all: summarize(dom(c.trials)), stop: summarize(dom(stops)), start: summarize(dom(starts)) },
    renderedFromCause: { all: summarize(fromCause(c.trials)), stop: summarize(fromCause(stops)), start: summarize(fromCause(starts)) },
    data: { all: summarize(data(c.trials)), stop: summarize(data(stops)), start: summarize(data(starts)) },
    finalStopped: {
      fromLastEvent: summarize(finals.map((f) => f.fromLast).filter((x): x is number => x !== undefined)),
      fromDie: summarize(finals.map((f) => f.fromDie).filter((x): x is number => x !== undefined)),
      showedOnTheWay: finals.map((f) => f.transient.join(' → ')),
      bursts: finals.map((f) => f.events.join(' → ')),
      missing: finals.filter((f) => f.fromLast === undefined).length,
    },
  };
}

export function scaleFigures(runs: ScaleRun[]) {
  return runs.map(({ instances, collected, managerNotReady }) => {
    const s = collected.scale as
      | { rows: number; instanceCount: number; rowsReadyMs: number; heapUsedBytes: number; heapDeltaSinceActivationBytes: number; heapAfterTrialsBytes: number; rssBytes: number; idle: { wallMs: number; cpuMs: number; requests: number }; trials: { n: number; wallMs: number; cpuMs: number } }
      | undefined;
    const t = trialFigures(collected);
    return {
      instances,
      managerNotReady,
      instanceCount: s?.instanceCount,
      rows: s?.rows,
      rowsReadyMs: s && Math.round(s.rowsReadyMs),
      eventToTreeRowRenderedMs: t.rendered.all,
      finalStoppedFromLastEventMs: t.finalStopped.fromLastEvent,
      heapUsedMiB: s && Math.round((s.heapUsedBytes / 2 ** 20) * 10) / 10,
      heapDeltaSinceActivationMiB: s && Math.round((s.heapDeltaSinceActivationBytes / 2 ** 20) * 10) / 10,
      rssMiB: s && Math.round(s.rssBytes / 2 ** 20),
      idleCpuPercent: s && Math.round((s.idle.cpuMs / s.idle.wallMs) * 1000) / 10,
      idleCpuMs: s && Math.round(s.idle.cpuMs),
      idleSeconds: s && Math.round(s.idle.wallMs / 1000),
      idleRequests: s?.idle.requests,
      trialCpuMsPerTrial: s && s.trials.n ? Math.round(s.trials.cpuMs / s.trials.n) : undefined,
      trialCpuPercent: s && Math.round((s.trials.cpuMs / s.trials.wallMs) * 1000) / 10,
      detail: t,
    };
  });
}

export function clickFigures(clicks: Array<Record<string, unknown>>) {
  const num = (k: string) => clicks.map((c) => c[k]).filter((x): x is number => typeof x === 'number');
  return {
    clickToActiveMs: summarize(num('clickToActiveMs')),
    clickToFirstRowMs: summarize(num('clickToFirstRowMs')),
    vscodeMs: summarize(num('vscodeMs')),
    wasActive: clicks.some((c) => c.wasActive),
    runs: clicks,
  };
}

export function parallelSummary(p: ParallelFigures | undefined) {
  if (!p) return undefined;
  const managerParallelMs = summarize(p.managerParallelMs);
  const cliSequentialMs = summarize(p.cliSequentialMs);
  return { managerParallelMs, cliSequentialMs, ratio: managerParallelMs && cliSequentialMs ? Math.round((managerParallelMs.median / cliSequentialMs.median) * 100) / 100 : undefined, ratios: p.ratios.map((r) => Math.round(r * 100) / 100), managerReadyAfterMs: p.managerReadyAfterMs, cliEachMs: p.cliEachMs, cliParallelMs: summarize(p.cliParallelMs) };
}

export function managerSummary(m: ManagerFigures | undefined) {
  return m && {
    connectMs: Math.round(m.connectMs * 10) / 10,
    firstStartToReadyMs: Math.round(m.firstStartToReadyMs),
    cachedCreateToReadyMs: summarize(m.cachedCreateToReadyMs),
    restartToReadyMs: summarize(m.restartToReadyMs),
    stopEventToStateMs: summarize(m.stopEventToStateMs),
  };
}

/** The printed lines of the new figures (scale, final state, click activation, parallel start). */
export function newFigureLines(r: {
  main: ReturnType<typeof trialFigures>;
  clicks: ReturnType<typeof clickFigures>;
  activateCall: Summary | undefined;
  scale: ReturnType<typeof scaleFigures>;
  parallel: ReturnType<typeof parallelSummary>;
}): string[] {
  const f = r.main.finalStopped;
  const lines = [
    `final_stopped_after_last_event_ms ${fmt(f.fromLastEvent)} docker stop burst (${f.bursts[0] ?? '?'}): engine's last event → row shows stopped on screen${f.missing ? `; ${f.missing} trials never showed stopped` : ''}`,
    `die_to_tree_stopped_ms ${fmt(f.fromDie)} engine die → row shows stopped on screen (before: ${OURS_BEFORE.dieToStoppedMs}; peer ${PEER.dieToStoppedMs}, quoted); the row showed on the way: ${[...new Set(f.showedOnTheWay.map((s) => s || '(nothing)'))].join(' | ') || 'n/a'}`,
    `event_to_first_change_ms ${fmt(r.main.rendered.all)} engine's first event → first rendered change, stop and start (before: ${OURS_BEFORE.eventToFirstChangeMs}; peer median ${PEER.eventToTreeMs.median}, quoted)`,
    `cause_to_first_change_ms ${fmt(r.main.renderedFromCause.all)} the event the change shows (die for a stop, start for a start) → first rendered change; stop ${fmt(r.main.renderedFromCause.stop)}; start ${fmt(r.main.renderedFromCause.start)}`,
    `activation_click_ms ${fmt(r.clicks.clickToActiveMs)} click on the Isaac Sim activity-bar icon → extension active (before: ${OURS_BEFORE.clickActivationMs}; peer median ${PEER.clickActivationMs.median}, quoted)${r.clicks.wasActive ? '; NOTE: active before the click in some run' : ''}`,
    `activation_click_first_row_ms ${fmt(r.clicks.clickToFirstRowMs)} click → first instance row rendered; VS Code's "Activation" for those runs ${fmt(r.clicks.vscodeMs)}; ext.activate() settled ${fmt(r.activateCall)}`,
  ];
  for (const s of r.scale) {
    lines.push(
      `scale[${s.instances}] event_to_tree_row_ms ${fmt(s.eventToTreeRowRenderedMs)}; final_stopped_ms ${fmt(s.finalStoppedFromLastEventMs)}; heap ${s.heapUsedMiB ?? 'n/a'} MiB (+${s.heapDeltaSinceActivationMiB ?? 'n/a'} since activation), rss ${s.rssMiB ?? 'n/a'} MiB; exthost cpu idle ${s.idleCpuPercent ?? 'n/a'}% (${s.idleCpuMs ?? 'n/a'} ms in ${s.idleSeconds ?? 'n/a'} s, ${s.idleRequests ?? 'n/a'} engine requests), trials ${s.trialCpuMsPerTrial ?? 'n/a'} ms per trial (${s.trialCpuPercent ?? 'n/a'}%); ${s.rows ?? '?'} rows (instanceCount ${s.instanceCount ?? '?'}), ready in ${s.rowsReadyMs ?? 'n/a'} ms${s.managerNotReady.length ? `; NOTE: when the driver's manager started them, ${s.managerNotReady.length} running instances stayed not ready (${s.managerNotReady.join(', ')})` : ''}`,
    );
  }
  const p = r.parallel;
  lines.push(
    p
      ? `parallel_start_ratio=${p.ratio ?? 'n/a'} manager startAll of 4 ${fmt(p.managerParallelMs)} against 4 sequential docker run + readiness wait ${fmt(p.cliSequentialMs)} (target ≤ 0.5); for reference 4 docker run at once ${fmt(p.cliParallelMs)}`
      : 'parallel_start_ratio=n/a (the parallel start bench failed)',
  );
  return lines;
}

export function header(date: string): string {
  return `# Isaac Sim Orchestrator benchmark, ${date} (${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}); peer: ${PEER.name}, its figures quoted (${PEER.source})`;
}

/** The extension host's marks an activation run reported (suite/common.ts, Activation.marks). */
export const marksOf = (r: Record<string, unknown>) => (r.marks ?? {}) as { requireMs?: number; activateMs?: number };
