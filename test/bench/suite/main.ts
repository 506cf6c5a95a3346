/**
 * Extension-host entry point of the main benchmark run. In this order, all against the real engine
 * through a counting proxy (the extension's isaacSim.dockerHost):
 *  1. activation and the engine requests before the view is shown (as in activation.ts);
 *  2. the view is shown: time and requests until its 3 rows show the 3 running stand-in instances
 *     (the driver left them running; started here with Start All if it did not);
 *  3. the time until the rendered rows (workbench DOM, watched by the driver) show them ready;
 *  4. idle window: engine requests while nothing happens;
 *  5. trials: `docker stop` / `docker start` from the CLI, each timed from the engine's event to the
 *     tree data changing (here) and to the row changing on screen (the driver, from the DOM);
 *  6. the view hidden: engine requests once the live figures have stopped (after the trials, which
 *     watch the rendered rows).
 */
import * as vscode from 'vscode';
import type { IsaacSimApi } from '../../../src/extension';
import { INSTANCES, delay, listenToEngineEvents, nowMs, waitFor, type EventListener } from '../shared';
import { activateAndCount, ask, memory, readConfig, recordingProxy, report, reportActivation } from './common';
import { OWNER_FILTER, rowDescription, trial } from './trial';

/** How long the hidden view is watched for engine requests. */
const HIDDEN_SECONDS = 30;

function allReady(api: IsaacSimApi): boolean {
  for (let i = 0; i < INSTANCES; i++) if (!/^ready\b/.test(rowDescription(api, i) ?? '')) return false;
  return true;
}

export async function run(): Promise<void> {
  const cfg = readConfig();
  const proxy = await recordingProxy(cfg.proxySocket, cfg.upstreamSocket);
  let events: EventListener | undefined;
  try {
    // 1. Activation, view hidden.
    const activation = await activateAndCount(proxy, cfg);
    reportActivation(activation);
    const { api } = activation;

    // 2. Show the view; the driver watches its rows as rendered from the moment they appear.
    await ask(cfg, 'watch-tree');
    const atShow = proxy.count();
    const shownAt = nowMs();
    await vscode.commands.executeCommand('isaacSim.instances.focus');
    await waitFor('the engine connection', () => api.manager.engineStatus.kind === 'connected', 30_000);
    const connectedMs = nowMs() - shownAt;
    let startedHere = false;
    try {
      await waitFor('3 ready rows', () => allReady(api), 20_000);
    } catch {
      startedHere = true;
      await vscode.commands.executeCommand('isaacSim.startAll');
      await waitFor('3 ready rows after Start All', () => allReady(api), 120_000);
    }
    const rowsReadyMs = nowMs() - shownAt;
    const requests = proxy.count() - atShow;
    const requestLines = proxy.requests().slice(atShow).map((r) => r.line);
    // 3. Until the rendered rows say ready too (the driver gives them 10 s).
    const rendered = await ask(cfg, 'rows-rendered-ready');
    report('view', {
      shownAt,
      connectedMs,
      rowsReadyMs,
      renderedReadyMs: typeof rendered.at === 'number' ? rendered.at - shownAt : undefined,
      renderedRows: rendered.rows,
      startedHere,
      requests,
      requestLines,
      rows: api.tree.rows().map((i) => `${String(i.label)} ${String(i.description)}`),
    });
    await delay(2_000);

    // 4. Idle.
    const memBeforeIdle = await memory();
    const atIdle = proxy.count();
    const idleStart = Date.now();
    const idleEnd = idleStart + cfg.idleSeconds * 1000;
    while (Date.now() < idleEnd) {
      await delay(Math.min(30_000, idleEnd - Date.now()));
      report('progress', { phase: 'idle', elapsedS: Math.round((Date.now() - idleStart) / 1000), of: cfg.idleSeconds, requests: proxy.count() - atIdle });
    }
    const idleLines = proxy.requests().slice(atIdle);
    const memAfterIdle = await memory();
    report('idle', {
      seconds: (Date.now() - idleStart) / 1000,
      requests: idleLines.length,
      requestLines: idleLines.map((r) => r.line),
      // The live figures' share: stats streams opened, and nvidia-smi run in the containers (exec).
      figuresRequests: { stats: idleLines.filter((r) => /\/stats\b/.test(r.line)).length, exec: idleLines.filter((r) => /\/exec\b/.test(r.line)).length },
      figuresCollecting: api.figures.collecting,
      allReadyAfter: allReady(api),
      heapUsedBytes: memAfterIdle.heapUsed,
      heapDeltaSinceActivationBytes: memAfterIdle.heapUsed - activation.memBefore.heapUsed,
      rssDeltaSinceActivationBytes: memAfterIdle.rss - activation.memBefore.rss,
      heapDeltaDuringIdleBytes: memAfterIdle.heapUsed - memBeforeIdle.heapUsed,
      gc: memAfterIdle.gc,
    });

    // 5. Trials.
    events = await listenToEngineEvents(cfg.upstreamSocket, OWNER_FILTER);
    for (let k = 0; k < cfg.trials; k++) {
      const index = k % INSTANCES;
      for (const action of ['stop', 'start'] as const) {
        report('trial', { k, ...(await trial(cfg, api, events, index, action)) });
      }
    }
    // 6. The view hidden: the figures stop, and nothing else asks the engine either.
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('the live figures to stop', () => !api.figures.collecting, 10_000);
    const atHidden = proxy.count();
    const hiddenStart = Date.now();
    await delay(HIDDEN_SECONDS * 1000);
    const hiddenLines = proxy.requests().slice(atHidden);
    report('hidden', { seconds: (Date.now() - hiddenStart) / 1000, requests: hiddenLines.length, requestLines: hiddenLines.map((r) => r.line) });
    report('done', { requestsTotal: proxy.count() });
  } finally {
    events?.close();
    proxy.close();
  }
}
