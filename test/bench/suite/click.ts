/**
 * Extension-host entry point of one click-activation run: nothing activates the extension here. The
 * driver clicks the Isaac Sim icon in the activity bar, as a user opens the view; this side notes
 * when the extension became active (a 1 ms poll of `isActive`), the driver when the first instance
 * row was rendered, and VS Code's own "Activation: N ms" is read from Running Extensions.
 */
import * as vscode from 'vscode';
import { delay, nowMs, waitFor } from '../shared';
import { EXTENSION_ID, ask, readConfig, recordingProxy, report } from './common';

export async function run(): Promise<void> {
  const cfg = readConfig();
  // The extension's isaacSim.dockerHost is the counting proxy: it must answer once the view connects.
  const proxy = await recordingProxy(cfg.proxySocket, cfg.upstreamSocket);
  try {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this code-server`);
    await delay(cfg.settleMs);
    const wasActive = ext.isActive;
    let activeAt: number | undefined;
    let polling = true;
    const poll = () => {
      if (ext.isActive) activeAt = nowMs();
      else if (polling) setTimeout(poll, 1);
    };
    poll();
    const clicked = await ask(cfg, 'click-view');
    try {
      await waitFor('the extension to be active after the click', () => activeAt !== undefined, 30_000);
    } finally {
      polling = false;
    }
    const first = await ask(cfg, 'first-row');
    await vscode.commands.executeCommand('workbench.action.showRuntimeExtensions');
    const answer = await ask(cfg, 'running-extensions');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const text = typeof answer.text === 'string' ? answer.text : undefined;
    const match = text ? /(\d+(?:\.\d+)?)\s*ms/.exec(text) : null;
    const clickAt = Number(clicked.clickAt);
    report('click', {
      wasActive,
      settleMs: cfg.settleMs,
      clickAt,
      clickError: clicked.error,
      clickToActiveMs: activeAt !== undefined && Number.isFinite(clickAt) ? activeAt - clickAt : undefined,
      clickToFirstRowMs: typeof first.at === 'number' ? first.at - clickAt : undefined,
      firstRow: first.row,
      vscodeMs: match ? Number(match[1]) : undefined,
      vscodeText: text ?? String(answer.error ?? ''),
      requests: proxy.count(),
    });
  } finally {
    proxy.close();
  }
}
