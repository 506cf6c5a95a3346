/**
 * The sim view's note on where its stream comes from (streamNotes.ts has the notes the tree and the
 * commands show too). Only the sim view's panel uses it, so it loads with that panel (the simView part of dist/parts.js).
 */
import * as l10n from '@vscode/l10n';
import type { InstanceSnapshot } from '../instances/model';

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
  const signal = s.ports.signal !== undefined ? l10n.t('TCP {0} (signalling)', s.ports.signal) : l10n.t('its signalling port (TCP)');
  const video = s.version === '6.x' && s.ports.stream !== undefined ? l10n.t('UDP {0} (video, ISAACSIM_STREAM_PORT)', s.ports.stream) : l10n.t('the UDP ports WebRTC picks (video)');
  return forwarded
    ? l10n.t('The page comes through a forwarded port, the stream does not: this browser must reach {0} on {1} and {2}, or the view stays black. A TCP forward cannot carry UDP.', host, signal, video)
    : l10n.t('The stream comes from {0}: this browser must reach {0} on {1} and {2}, or the view stays black. A TCP forward cannot carry UDP.', host, signal, video);
}

