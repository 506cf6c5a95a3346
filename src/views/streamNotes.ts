/**
 * What the user can reach an instance's stream with, in plain words, for the sim view and the tooltip.
 * The facts: NVIDIA's 4.5/5.x desktop client connects to signal port 49100 only (isaac-sim/IsaacSim #606);
 * 6.x is viewed in NVIDIA's web viewer, one per instance, built with the instance's host and ports
 * (isaac-sim/IsaacSim tools/docker/README.md, "Multiple instances"; the extension builds and runs it:
 * webViewers.ts), or in the desktop client.
 */
import * as l10n from '@vscode/l10n';
import type { InstanceSnapshot, WebViewerState } from '../instances/model';
import { DEFAULT_SIGNAL_PORT } from '../instances/versions';

/** Where a 6.x instance's web viewer is, as the clause before "this view shows it as soon as it answers". */
function viewerState(v: WebViewerState): string {
  switch (v.kind) {
    case 'failed':
      return l10n.t('Its web viewer failed: {0}', v.reason ?? l10n.t('unknown reason'));
    case 'building':
      return l10n.t('Its web viewer is being built (the build log is in its log channel)');
    case 'waiting':
      return l10n.t('Its web viewer starts once the instance is ready');
    case 'stopped':
      return l10n.t('Its web viewer starts with the instance');
    default:
      return l10n.t('Its web viewer is starting on port {0}', v.port);
  }
}

export function viewerNote(s: InstanceSnapshot): string | undefined {
  const view = s.view;
  if (view.kind !== 'desktop-client') return s.streamNote;
  if (view.version === '6.x') {
    const desktop = l10n.t('Desktop client ("Isaac Sim WebRTC Streaming Client"): server {0}, port {1}.', view.host, view.port);
    const v = s.webViewer;
    if (v) {
      return view.webViewerUrl
        ? l10n.t('{0}; this view shows it as soon as it answers at {1}. {2}', viewerState(v), view.webViewerUrl, desktop)
        : l10n.t('{0}; this view shows it as soon as it answers. {1}', viewerState(v), desktop);
    }
    // The build's variables are the names NVIDIA's web viewer reads, not words.
    const vars = `ISAACSIM_HOST=${view.host} ISAACSIM_SIGNAL_PORT=${view.port}${view.streamPort !== undefined ? ` ISAACSIM_STREAM_PORT=${view.streamPort}` : ''}`;
    return l10n.t(
      "{0} streams to NVIDIA's web viewer or desktop client. For the web viewer in this view, set isaacSim.webViewerBuildContext to the tools/docker/web-viewer folder of your isaac-sim/IsaacSim checkout: the extension builds it with {1} and runs it on port {2} once the instance is ready (or set isaacSim.webViewerImage to a viewer image you built with those values). {3}",
      s.label,
      vars,
      s.ports.webViewer ?? '?',
      desktop,
    );
  }
  if (view.reachable) {
    return l10n.t('{0} streams to NVIDIA\'s desktop "Isaac Sim WebRTC Streaming Client": open it and connect to server {1} (signal port {2}). Isaac Sim 4.5–5.x has no browser client.', s.label, view.host, view.port);
  }
  return l10n.t(
    "{0} streams on signal port {1}, but NVIDIA's 4.5–5.x desktop client connects to port {2} only (isaac-sim/IsaacSim #606), so it cannot be viewed. Only the instance on port {2} can: stop that one and give this one port {2} ({3}), or use Isaac Sim 6.x, whose web viewer takes any port.",
    s.label,
    view.port,
    DEFAULT_SIGNAL_PORT,
    view.signalSetting,
  );
}

/**
 * The viewer's clipboard works only in a secure context (https, or a loopback host), which an http
 * URL to another machine is not.
 */
/** Why copy and paste in the stream will not work at `url`, or undefined when they can. */
export function clipboardNote(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (parsed.protocol !== 'http:' || loopback) return undefined;
  return l10n.t(
    'Copy and paste in the stream need a secure context, which {0} is not (http to another machine): reach it as http://localhost through an SSH tunnel ({1}), or serve it over https.',
    parsed.origin,
    `ssh -L ${parsed.port || '80'}:localhost:${parsed.port || '80'} ${host}`,
  );
}
