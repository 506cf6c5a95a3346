/**
 * Extension-host entry point of one scale run: cfg.scale.instances stand-in instances are running
 * (the driver started them at manager level); isaacSim.instanceCount is set here before activation
 * (at most 16, the setting's maximum: the tree also lists owned containers beyond the count). Then:
 * the view is shown until every row is ready; heap and this extension host's CPU over an idle window;
 * `docker stop` / `docker start` trials on the first rows (they are the rendered ones: the tree
 * renders only the rows in its viewport), with the CPU spent meanwhile.
 */
import * as vscode from 'vscode';
import type { IsaacSimApi } from '../../../src/extension';
import { delay, listenToEngineEvents, nowMs, waitFor, type EventListener } from '../shared';
import { EXTENSION_ID, ask, memory, readConfig, recordingProxy, report } from './common';
import { OWNER_FILTER, rowDescription, trial } from './trial';

/** Rows the trials use: the first 3 (or fewer), always inside the rendered viewport. */
export const SCALE_TRIAL_ROWS = 3;

function readyRows(api: IsaacSimApi, n: number): number {
  let ready = 0;
  for (let i = 0; i < n; i++) if (/^ready\b/.test(rowDescription(api, i) ?? '')) ready++;
  return ready;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

export async function run(): Promise<void> {
  const cfg = readConfig();
  const sc = cfg.scale;
  if (!sc) throw new Error('config.json has no "scale" section (the driver writes it for scale runs)');
  await vscode.workspace.getConfiguration('isaacSim').update('instanceCount', sc.instanceCount, vscode.ConfigurationTarget.Global);
  const proxy = await recordingProxy(cfg.proxySocket, cfg.upstreamSocket);
  let events: EventListener | undefined;
  try {
    const ext = vscode.extensions.getExtension<IsaacSimApi>(EXTENSION_ID);
    if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this code-server`);
    const memBefore = await memory();
    const api = await ext.activate();
    await ask(cfg, 'watch-tree');
    const shownAt = nowMs();
    await vscode.commands.executeCommand('isaacSim.instances.focus');
    await waitFor(`${sc.instances} ready rows`, () => readyRows(api, sc.instances) === sc.instances, 120_000);
    const rowsReadyMs = nowMs() - shownAt;
    const rows = api.tree.rows().length;
    await delay(2_000);

    // Idle: heap with N rows, and the CPU this extension host spends while nothing happens.
    const memIdleStart = await memory();
    const atIdle = proxy.count();
    const idleCpu0 = process.cpuUsage();
    const idleStart = performance.now();
    const idleEnd = idleStart + sc.idleSeconds * 1000;
    while (idleEnd - performance.now() > 1) {
      await delay(Math.min(30_000, idleEnd - performance.now()));
      report('progress', { instances: sc.instances, elapsedS: Math.round((performance.now() - idleStart) / 1000), of: sc.idleSeconds, requests: proxy.count() - atIdle });
    }
    const idleCpu = process.cpuUsage(idleCpu0);
    const idleWallMs = performance.now() - idleStart;
    const idleRequests = proxy.count() - atIdle;

    events = await listenToEngineEvents(cfg.upstreamSocket, OWNER_FILTER);
    const trialCpu0 = process.cpuUsage();
    const trialStart = performance.now();
    const rowsUsed = Math.min(SCALE_TRIAL_ROWS, sc.instances);
    for (let k = 0; k < sc.trials; k++) {
      for (const action of ['stop', 'start'] as const) {
        report('trial', { k, ...(await trial(cfg, api, events, k % rowsUsed, action)) });
      }
    }
    const trialCpu = process.cpuUsage(trialCpu0);
    const trialWallMs = performance.now() - trialStart;
    const memAfter = await memory();
    report('scale', {
      instances: sc.instances,
      instanceCount: sc.instanceCount,
      rows,
      rowsReadyMs,
      heapUsedBytes: memIdleStart.heapUsed,
      heapDeltaSinceActivationBytes: memIdleStart.heapUsed - memBefore.heapUsed,
      heapAfterTrialsBytes: memAfter.heapUsed,
      rssBytes: memIdleStart.rss,
      gc: memIdleStart.gc,
      idle: { wallMs: idleWallMs, cpuMs: cpuMs(idleCpu), cpuUserMs: idleCpu.user / 1000, cpuSystemMs: idleCpu.system / 1000, requests: idleRequests },
      trials: { n: 2 * sc.trials, wallMs: trialWallMs, cpuMs: cpuMs(trialCpu) },
    });
  } finally {
    events?.close();
    proxy.close();
  }
}
