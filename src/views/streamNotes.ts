/**
 * What the user can reach an instance's stream with, in plain words, for the sim view and the tooltip.
 * The facts: NVIDIA's 4.5/5.x desktop client connects to signal port 49100 only (isaac-sim/IsaacSim #606);
 * 6.x is viewed in NVIDIA's web viewer, one per instance, built with the instance's host and ports
 * (isaac-sim/IsaacSim tools/docker/README.md, "Multiple instances"; the extension builds and runs it:
 * webViewers.ts), or in the desktop client.
 */
import type { InstanceSnapshot } from '../instances/model';
import { DEFAULT_SIGNAL_PORT } from '../instances/versions';

export function viewerNote(s: InstanceSnapshot): string | undefined {
  const view = s.view;
  if (view.kind !== 'desktop-client') return s.streamNote;
  if (view.version === '6.x') {
    const desktop = `Desktop client ("Isaac Sim WebRTC Streaming Client"): server ${view.host}, port ${view.port}.`;
    const v = s.webViewer;
    if (v) {
      const state = v.kind === 'failed' ? `Its web viewer failed: ${v.reason ?? 'unknown reason'}` : v.kind === 'building' ? 'Its web viewer is being built (the build log is in its log channel)' : v.kind === 'waiting' ? 'Its web viewer starts once the instance is ready' : v.kind === 'stopped' ? 'Its web viewer starts with the instance' : `Its web viewer is starting on port ${v.port}`;
      return `${state}; this view shows it as soon as it answers${view.webViewerUrl ? ` at ${view.webViewerUrl}` : ''}. ${desktop}`;
    }
    return (
      `${s.label} streams to NVIDIA's web viewer or desktop client. For the web viewer in this view, set isaacSim.webViewerBuildContext to the tools/docker/web-viewer folder of your isaac-sim/IsaacSim checkout: ` +
      `the extension builds it with ISAACSIM_HOST=${view.host} ISAACSIM_SIGNAL_PORT=${view.port}${view.streamPort !== undefined ? ` ISAACSIM_STREAM_PORT=${view.streamPort}` : ''} and runs it on port ${s.ports.webViewer ?? '?'} once the instance is ready ` +
      `(or set isaacSim.webViewerImage to a viewer image you built with those values). ${desktop}`
    );
  }
  if (view.reachable) {
    return `${s.label} streams to NVIDIA's desktop "Isaac Sim WebRTC Streaming Client": open it and connect to server ${view.host} (signal port ${view.port}). Isaac Sim 4.5–5.x has no browser client.`;
  }
  return (
    `${s.label} streams on signal port ${view.port}, but NVIDIA's 4.5–5.x desktop client connects to port ${DEFAULT_SIGNAL_PORT} only (isaac-sim/IsaacSim #606), so it cannot be viewed. ` +
    `Only the instance on port ${DEFAULT_SIGNAL_PORT} can: stop that one and give this one port ${DEFAULT_SIGNAL_PORT} (isaacSim.signalPortBase), or use Isaac Sim 6.x, whose web viewer takes any port.`
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
  return `Copy and paste in the stream need a secure context, which ${parsed.origin} is not (http to another machine): reach it as http://localhost through an SSH tunnel (ssh -L ${parsed.port || '80'}:localhost:${parsed.port || '80'} ${host}), or serve it over https.`;
}
