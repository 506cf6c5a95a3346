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

/**
 * Where the stream itself goes, said when it matters: the sim view's page can come through a
 * forwarded port (VS Code Remote, code-server's /proxy/, an SSH tunnel: `asExternalUri` changed
 * the URL), or from another machine, but the page then connects to the simulator's host itself:
 * WebRTC signalling over TCP, and the video over UDP, which no TCP forward carries
 * (/work/shared/ISAAC-SIM.md, "Under VS Code Remote (SSH), only TCP is forwarded"). For 6.x the
 * UDP port is the instance's ISAACSIM_STREAM_PORT (tools/docker/README.md); 4.2's client leaves
 * the UDP ports to WebRTC, so none is named. Empty when the page is this machine's, not forwarded.
 */
export function mediaNote(s: Pick<InstanceSnapshot, 'clientUrl' | 'ports' | 'version'>, frameUrl: string): string {
  let client: URL;
  let frame: URL;
  try {
    client = new URL(s.clientUrl);
    frame = new URL(frameUrl);
  } catch {
    return '';
  }
  const host = client.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  const forwarded = frame.origin !== client.origin || frame.pathname !== client.pathname;
  if (loopback && !forwarded) return '';
  const signal = s.ports.signal !== undefined ? `TCP ${s.ports.signal} (signalling)` : 'its signalling port (TCP)';
  const video = s.version === '6.x' && s.ports.stream !== undefined ? `UDP ${s.ports.stream} (video, ISAACSIM_STREAM_PORT)` : 'the UDP ports WebRTC picks (video)';
  const how = forwarded ? 'The page comes through a forwarded port, the stream does not' : `The stream comes from ${host}`;
  return `${how}: this browser must reach ${host} on ${signal} and ${video}, or the view stays black. A TCP forward cannot carry UDP.`;
}

