/**
 * A progress notification that follows a start until the instance is ready (or fails or stops):
 * the phase, the elapsed time and, once this image has started before, the expected total.
 * Cancelling it stops the instance.
 */
import * as vscode from 'vscode';
import { formatElapsed } from '../instances/describe';
import type { Manager } from '../instances/manager';
import type { InstanceSnapshot } from '../instances/model';
import { PHASE_LABELS } from '../instances/readiness';
import { NO_HOST, type HostOf } from './hostOf';

type StartOutcome = 'ready' | 'failed' | 'stopped' | 'cancelled';

function message(s: InstanceSnapshot, now: number): string {
  const since = s.startup?.since ?? s.state.since;
  const elapsed = formatElapsed(now - since);
  const eta = s.startup?.etaMs;
  const phase = s.state.kind === 'loading' && s.state.phase ? PHASE_LABELS[s.state.phase] : s.state.kind;
  const first = s.startup?.kind === 'first';
  const cached = s.startup?.kind === 'cached';
  if (eta) {
    const total = formatElapsed(eta);
    if (first) return vscode.l10n.t('{0} — {1} of ~{2} (first start: shaders are compiled once)', phase, elapsed, total);
    if (cached) return vscode.l10n.t('{0} — {1} of ~{2} (cached start)', phase, elapsed, total);
    return vscode.l10n.t('{0} — {1} of ~{2}', phase, elapsed, total);
  }
  if (first) return vscode.l10n.t('{0} — {1} (first start: shaders are compiled once)', phase, elapsed);
  if (cached) return vscode.l10n.t('{0} — {1} (cached start)', phase, elapsed);
  return `${phase} — ${elapsed}`;
}

/** Follows instance `index`; resolves with how the start ended. */
export function followStart(manager: Manager, index: number, host: HostOf = NO_HOST): Thenable<StartOutcome> {
  const label = host.label(manager.get(index)?.label ?? `instance-${index}`);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Isaac Sim {0}', label), cancellable: true },
    (progress, token) =>
      new Promise<StartOutcome>((resolve) => {
        let reported = 0;
        let done = false;
        const finish = (outcome: StartOutcome) => {
          if (done) return;
          done = true;
          clearInterval(timer);
          subscription.dispose();
          cancel.dispose();
          resolve(outcome);
        };
        const update = () => {
          const s = manager.get(index);
          if (!s) return finish('stopped');
          if (s.state.kind === 'ready') return finish('ready');
          if (s.state.kind === 'failed') return finish('failed');
          if (s.state.kind === 'stopped') return finish('stopped');
          const now = Date.now();
          const eta = s.startup?.etaMs;
          const increment = eta ? Math.min(95, (100 * (now - (s.startup?.since ?? now))) / eta) - reported : 0;
          if (increment > 0) reported += increment;
          progress.report({ message: message(s, now), increment: increment > 0 ? increment : undefined });
        };
        const subscription = manager.onDidChange(update);
        const timer = setInterval(update, 1000);
        const cancel = token.onCancellationRequested(() => {
          finish('cancelled');
          void manager.stop(index).catch(() => undefined);
        });
        update();
      }),
  );
}
