/**
 * Readiness probing. A readiness line alone is not enough: the instance is ready once its client
 * endpoint answers too. One probe loop per run; it stops when the endpoint answers, the run ends
 * (a newer run, a stop) or the owner shuts down.
 */
import type { InstanceSnapshot } from './model';
import { probeHttp, probeTcp } from './probe';
import { VERSIONS } from './versions';

export interface ProbeResult {
  ok: boolean;
  /** 6.x: whether a web viewer answers at the client URL (asked only once the signal port answers). */
  webViewerUp?: boolean;
}

/** One probe of an instance, as its version's profile says: TCP on a port, or HTTP on its client URL. */
export async function probeInstance(s: InstanceSnapshot, host: string): Promise<ProbeResult> {
  const profile = VERSIONS[s.version];
  if (profile.probe.kind === 'tcp') {
    const port = s.ports[profile.probe.port];
    if (port === undefined) return { ok: false };
    const ok = await probeTcp(host, port);
    return ok && profile.view === 'web-viewer' ? { ok, webViewerUp: await probeHttp(s.clientUrl) } : { ok };
  }
  return { ok: await probeHttp(s.clientUrl) };
}

export interface ProbeLoop {
  /** Still worth probing (same run, still running, not disposed). */
  wanted(): boolean;
  probe(): Promise<ProbeResult>;
  onResult(result: ProbeResult): void;
  /** Said once, after a few failed attempts. */
  onSlow(): void;
  intervalMs: number;
}

/** Probes until `probe` answers ok or `wanted` turns false; backs off from intervalMs to 2 s. */
export function probeUntilReady(loop: ProbeLoop): void {
  const attempt = async (n: number): Promise<void> => {
    if (!loop.wanted()) return;
    const result = await loop.probe();
    if (!loop.wanted()) return;
    loop.onResult(result);
    if (result.ok) return;
    if (n === 3) loop.onSlow();
    setTimeout(() => void attempt(n + 1), Math.min(loop.intervalMs * (1 + Math.floor(n / 10)), 2000));
  };
  void attempt(0);
}
