/**
 * The benchmark's figures: built from what the runs collected into the JSON written to
 * .run/bench.json, and one printed line per figure, ours next to the peer's. The peer's figures are
 * quoted (PEER.source), never measured by this run; scripts/bench-figures.mjs copies both into the
 * README's table.
 */
import os from 'node:os';
import { limitLines, type LimitFigures } from './limits';
import type { ManagerFigures } from './manager';
import type { ParallelFigures } from './parallel';
import { INSTANCES, summarize, type Summary } from './shared';
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

/** The knobs a benchmark run ran with (bench.ts reads them from BENCH_* variables). */
export interface BenchKnobs {
  onlyActivation: boolean;
  idleSeconds: number;
  activationRuns: number;
  clickRuns: number;
  trials: number;
  scale: number[];
  scaleTrials: number;
  scaleIdleSeconds: number;
  parallelRounds: number;
  /** The engine's unix socket. */
  engine: string;
  settleMs: number;
  beforeViewMs: number;
}

/** The .vsix's sizes, read from its listing (bench.ts). */
export interface VsixSizes {
  vsixBytes: number;
  vsixFiles: number | undefined;
  bundleBytes: number | undefined;
  firstUseBytes: Record<string, number>;
  webviewBundleBytes: number | undefined;
  unpackedBytes: number | undefined;
}

/** What a benchmark run collected (bench.ts's main), the input of benchResult. */
export interface BenchRuns {
  collected: Collected;
  clicks: Array<Record<string, unknown>>;
  scaleRuns: ScaleRun[];
  manager: ManagerFigures | undefined;
  parallel: ParallelFigures | undefined;
  limits: LimitFigures | undefined;
  sizes: VsixSizes;
  /** Date.now() when the run began. */
  started: number;
  /** Where bench.ts writes the result (named in the last line). */
  jsonOut: string;
}

/**
 * The run's result, as .run/bench.json holds it, and its printed lines, one per figure. What the
 * figures show the harness did not measure (too few trials, an extension active too early, …) goes
 * onto `failures`, which the result holds too.
 */
export function benchResult(knobs: BenchKnobs, r: BenchRuns, failures: string[]) {
  const { collected, clicks, scaleRuns, manager, parallel, limits, sizes, started } = r;
  const act = collected.activations;
  const vscodeMs = (settled: boolean) => summarize(act.filter((a) => Boolean(a.settleMs) === settled).map((a) => a.vscodeMs).filter((x): x is number => typeof x === 'number'));
  const [activation, activationAtStartup] = [vscodeMs(true), vscodeMs(false)];
  const activateCall = summarize(act.filter((a) => a.settleMs).map((a) => Number(a.ms)));
  // The extension host's own marks, settled runs: the require of our bundle, and the activate call.
  const settledMark = (k: 'requireMs' | 'activateMs') => summarize(act.filter((a) => a.settleMs).map((a) => marksOf(a)[k]).filter((x): x is number => typeof x === 'number'));
  const [requireMark, activateMark] = [settledMark('requireMs'), settledMark('activateMs')];
  if (act.length && !activation) failures.push(`VS Code's activation time was not read from Running Extensions (${String(act[0].vscodeText)})`);
  if (act.some((a) => a.wasActive)) failures.push('the extension was already active before a run activated it: activation time not measured');
  const click = clickFigures(clicks);
  if (click.wasActive) failures.push('the extension was already active before a click run clicked the view: click activation not measured');
  const beforeView = act.map((a) => Number(a.requestsBeforeView));
  const main = trialFigures(collected);
  const { rendered, data } = main;
  const scale = scaleFigures(scaleRuns);
  const kb = (b: unknown) => (typeof b === 'number' ? Math.round(b / 1024) : undefined);
  const heapAfterActivation = summarize(act.filter((a) => a.settleMs).map((a) => Number(a.heapDeltaBytes) / 1024));
  const idle = collected.idle;
  const figuresIdle = idle?.figuresRequests as { stats: number; exec: number } | undefined;
  if (idle && idle.figuresCollecting !== true) failures.push('the live figures were not being collected during the idle window, with the view shown');
  // The bound of figuresCollector.ts: per instance, one followed nvidia-smi --loop (3 requests:
  // create, start, and inspect once it ends) started again at most every 5 s if it keeps ending,
  // and one stats stream opened at most every 2 s if it keeps ending. Both stay open while the
  // view is shown, so a quiet window opens neither.
  const figuresBound = idle ? INSTANCES * (3 * Math.ceil(Number(idle.seconds) / 5) + Math.ceil(Number(idle.seconds) / 2)) : 0;
  if (figuresIdle && figuresIdle.stats + figuresIdle.exec > figuresBound) failures.push(`the live figures made ${figuresIdle.stats + figuresIdle.exec} requests in the idle window, above their bound of ${figuresBound}`);
  const view = collected.view;
  if (!knobs.onlyActivation && collected.trials.length < 2 * knobs.trials) failures.push(`only ${collected.trials.length} of ${2 * knobs.trials} trials finished`);
  if (collected.trials.length && !rendered.all) failures.push('no rendered row change was seen (see exthost-main.log)');
  for (const s of scaleRuns) if (s.collected.trials.length < 2 * knobs.scaleTrials) failures.push(`scale ${s.instances}: only ${s.collected.trials.length} of ${2 * knobs.scaleTrials} trials finished`);

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memMiB: Math.round(os.totalmem() / 2 ** 20), loadavg: os.loadavg(), node: process.version, note: 'shared machine: other work may have been running' },
    config: { only: knobs.onlyActivation ? 'activation' : undefined, idleSeconds: knobs.idleSeconds, activationRuns: knobs.activationRuns, clickRuns: knobs.clickRuns, trials: knobs.trials, instances: INSTANCES, scale: knobs.scale, scaleTrials: knobs.scaleTrials, scaleIdleSeconds: knobs.scaleIdleSeconds, parallelRounds: knobs.parallelRounds, engine: knobs.engine, standinStepSeconds: 0.05 },
    peer: PEER,
    oursBefore: OURS_BEFORE,
    ours: {
      activationMs: { settled: activation, atStartup: activationAtStartup, settledActivateCallWallMs: activateCall, settledRequireMs: requireMark, settledActivateFunctionMs: activateMark, settleMs: knobs.settleMs },
      activationByClick: click,
      requestsBeforeView: { perRun: beforeView, max: beforeView.length ? Math.max(...beforeView) : undefined, windowMs: knobs.beforeViewMs, lines: act.flatMap((a) => a.requestLinesBeforeView as string[]) },
      viewOpen: collected.view,
      idle,
      hidden: collected.hidden,
      eventToTreeRowRenderedMs: rendered,
      causeToTreeRowRenderedMs: main.renderedFromCause,
      eventToTreeDataMs: data,
      finalStoppedMs: main.finalStopped,
      scale,
      parallelStart: parallelSummary(parallel),
      trials: collected.trials,
      renderedRowChanges: collected.domRows,
      sizes,
      exthostMemory: { heapDeltaAfterActivationKiB: heapAfterActivation, heapDeltaAfterViewAndIdleKiB: kb(idle?.heapDeltaSinceActivationBytes), rssDeltaAfterViewAndIdleKiB: kb(idle?.rssDeltaSinceActivationBytes), gc: idle?.gc ?? act[0]?.gc },
      manager: managerSummary(manager),
      limits,
    },
    failures,
    durationS: Math.round((Date.now() - started) / 1000),
  };

  const ratio = (peer: number, ours: number | undefined) => (ours && ours > 0 ? ` = ${(peer / ours).toFixed(1)}× better` : '');
  const m = result.ours.manager;
  const lines = [
    header(result.date),
    `activation_ms ${fmt(activation)} VS Code's Running Extensions figure, fresh extension host settled ${knobs.settleMs / 1000} s, incl. the main run (peer ${PEER.activationMs}, quoted)${ratio(PEER.activationMs, activation?.median)}`,
    `activation_at_startup_ms ${fmt(activationAtStartup)} the same, activated as the extension host starts, beside the built-in extensions' start-up (peer ${PEER.activationMs}, quoted)${ratio(PEER.activationMs, activationAtStartup?.median)}`,
    `activate_call_ms ${fmt(activateCall)} wall time of ext.activate() in the settled extension host; by the host's own marks: require of the bundle ${fmt(requireMark)}, the activate function ${fmt(activateMark)} (peer n/a)`,
    `engine_requests_before_view=${beforeView.length ? Math.max(...beforeView) : 'n/a'} max over ${beforeView.length} runs, each activation + ${knobs.beforeViewMs / 1000} s with the view hidden (peer ${PEER.requestsBeforeView}, quoted)`,
    `engine_requests_idle=${idle ? String(idle.requests) : 'n/a'} in ${idle ? Math.round(Number(idle.seconds)) : knobs.idleSeconds} s with ${INSTANCES} running instances, view shown; of them live figures: ${figuresIdle ? `${figuresIdle.stats} stats streams opened, ${figuresIdle.exec} exec requests (nvidia-smi), bound ${figuresBound}` : 'n/a'} (peer ${PEER.idleRequests} in ${PEER.idleSeconds} s, quoted)`,
    `engine_requests_view_hidden=${collected.hidden ? String(collected.hidden.requests) : 'n/a'} in ${collected.hidden ? Math.round(Number(collected.hidden.seconds)) : 'n/a'} s once the view was hidden, ${INSTANCES} instances running (the live figures stop) (peer n/a)`,
    `event_to_tree_row_ms ${fmt(rendered.all)} rendered row in the workbench, docker stop+start from the CLI (peer median ${PEER.eventToTreeMs.median}, ${PEER.eventToTreeMs.min}–${PEER.eventToTreeMs.max}, quoted)${ratio(PEER.eventToTreeMs.median, rendered.all?.median)}`,
    `event_to_tree_row_ms[stop] ${fmt(rendered.stop)}`,
    `event_to_tree_row_ms[start] ${fmt(rendered.start)}`,
    `event_to_tree_data_ms ${fmt(data.all)} api.tree.rows() changed, in the extension host (peer n/a)`,
    ...newFigureLines({ main, clicks: click, activateCall, scale, parallel: result.ours.parallelStart }),
    `vsix_bytes=${sizes.vsixBytes} (${sizes.vsixFiles ?? '?'} files) (peer ${PEER.vsixBytes}, quoted)${ratio(PEER.vsixBytes, sizes.vsixBytes)}`,
    `bundle_bytes=${sizes.bundleBytes ?? 'n/a'} dist/extension.js, ${Object.entries(sizes.firstUseBytes).map(([name, bytes]) => `${bytes} ${name}`).join(', ')} (first use), ${sizes.webviewBundleBytes ?? 'n/a'} media/webview.js, ${sizes.unpackedBytes ?? 'n/a'} unpacked in all (peer n/a)`,
    `exthost_heap_delta_kib after activation (settled) ${fmt(heapAfterActivation)}; after view + ${INSTANCES} instances + idle ${kb(idle?.heapDeltaSinceActivationBytes) ?? 'n/a'}${act[0]?.gc ? ', after full GC' : ', no forced GC'} (peer n/a)`,
    `view_open_ms connected=${view ? Math.round(Number(view.connectedMs)) : 'n/a'} data_rows_ready=${view ? Math.round(Number(view.rowsReadyMs)) : 'n/a'} rendered_rows_ready=${view ? (typeof view.renderedReadyMs === 'number' ? Math.round(view.renderedReadyMs) : `NOT within 10 s of the data (rendered: ${(view.renderedRows as string[] | undefined)?.join(', ') ?? '?'})`) : 'n/a'}; engine_requests=${view ? String(view.requests) : 'n/a'}${view?.startedHere ? ' (instances started by Start All here)' : ` (${INSTANCES} running instances adopted)`} (peer n/a)`,
    `manager_stop_event_to_state_ms ${fmt(m?.stopEventToStateMs)} (no VS Code)`,
    `manager_start_to_ready_ms first=${m?.firstStartToReadyMs ?? 'n/a'} new_cached ${fmt(m?.cachedCreateToReadyMs)}; restart ${fmt(m?.restartToReadyMs)} (stand-in at 0.05 s per log line)`,
    ...limitLines(limits),
    `# json: ${r.jsonOut}; took ${result.durationS} s${failures.length ? `; HARNESS FAILURES: ${failures.join(' | ')}` : ''}`,
  ];
  return { result, lines };
}

export function header(date: string): string {
  return `# Isaac Sim Orchestrator benchmark, ${date} (${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}); peer: ${PEER.name}, its figures quoted (${PEER.source})`;
}

/** The extension host's marks an activation run reported (suite/common.ts, Activation.marks). */
export const marksOf = (r: Record<string, unknown>) => (r.marks ?? {}) as { requireMs?: number; activateMs?: number };
