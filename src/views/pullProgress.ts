/**
 * A cancellable progress notification for pulling a missing image: layer progress as the bar's
 * increments, PullProgress.message as its text, the steps in the extension's log channel.
 * Two starts that need the same image share one pull (and one notification).
 */
import * as vscode from 'vscode';
import type { DockerEngine } from '../docker/engine';
import { isPullCancelled } from '../docker/pullErrors';
import { imagesModule } from '../docker/imagesModule';
import type { LayerPhase, PullProgress } from '../docker/pullProgress';

/** How often the notification's text is refreshed while bytes flow (the bar moves on every event). */
const MESSAGE_INTERVAL_MS = 250;

const inFlight = new Map<string, Promise<void>>();

/**
 * Pulls `image` through `engine` under a cancellable notification "Pulling IMAGE". Resolves when
 * the image is there; rejects with the pull's PullError, or PullCancelledError when the user
 * cancels (nothing was started then). `signal` lets the caller cancel too (e.g. a Stop while the
 * start is still pulling); a pull shared by two callers follows the first caller's signal.
 */
export function pullWithProgress(engine: DockerEngine, image: string, log: vscode.LogOutputChannel, signal?: AbortSignal): Promise<void> {
  const key = `${engine.address}\u0000${image}`;
  const running = inFlight.get(key);
  if (running) {
    log.info(`Pull of ${image} already in progress; waiting for it.`);
    return running;
  }
  const pull = Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, cancellable: true, title: vscode.l10n.t('Pulling {0}', image) }, (progress, token) =>
      runPull(engine, image, log, progress, token, signal),
    ),
  ).finally(() => inFlight.delete(key));
  inFlight.set(key, pull);
  return pull;
}

async function runPull(
  engine: DockerEngine,
  image: string,
  log: vscode.LogOutputChannel,
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  token: vscode.CancellationToken,
  signal: AbortSignal | undefined,
): Promise<void> {
  const controller = new AbortController();
  const cancellation = token.onCancellationRequested(() => {
    log.info(`Pull of ${image}: cancelled by the user.`);
    controller.abort();
  });
  const onCallerAbort = () => {
    log.info(`Pull of ${image}: cancelled.`);
    controller.abort();
  };
  if (signal?.aborted) onCallerAbort();
  else signal?.addEventListener('abort', onCallerAbort, { once: true });
  const started = Date.now();
  let reportedPercent = 0;
  let lastMessage = '';
  let lastMessageAt = 0;
  const phases = new Map<string, LayerPhase>();
  let last: PullProgress | undefined;

  const onProgress = (p: PullProgress) => {
    last = p;
    for (const layer of p.layers) {
      if (phases.get(layer.id) === layer.phase) continue;
      phases.set(layer.id, layer.phase);
      if (layer.phase !== 'downloading' && layer.phase !== 'extracting') {
        log.debug(`Pull of ${image}: layer ${layer.id} ${layer.status}${layer.size !== undefined ? ` (${imagesModule().formatBytes(layer.size)})` : ''}.`);
      }
    }
    // The bar only moves forward: report the growth of the fraction, in percent.
    const percent = p.fraction !== undefined ? Math.floor(p.fraction * 1000) / 10 : reportedPercent;
    const increment = percent > reportedPercent ? percent - reportedPercent : undefined;
    if (increment !== undefined) reportedPercent = percent;
    const now = Date.now();
    const messageDue = p.message !== lastMessage && (now - lastMessageAt >= MESSAGE_INTERVAL_MS || p.done || p.layers.length === 0);
    if (increment === undefined && !messageDue) return;
    if (messageDue) {
      lastMessage = p.message;
      lastMessageAt = now;
    }
    progress.report({ increment, message: messageDue ? p.message : undefined });
  };

  log.info(`Image ${image} is not on the engine at ${engine.address}; pulling it.`);
  try {
    await imagesModule().pullImage(engine, image, onProgress, controller.signal);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const size = last && last.bytesTotal > 0 ? `, ${imagesModule().formatBytes(last.bytesTotal)} downloaded` : '';
    log.info(`Pulled ${image} in ${seconds} s${size}${last?.digest ? ` (${last.digest})` : ''}.`);
  } catch (err) {
    if (isPullCancelled(err)) log.info(err.message);
    else log.error(err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    cancellation.dispose();
    signal?.removeEventListener('abort', onCallerAbort);
  }
}
