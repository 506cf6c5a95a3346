/**
 * Extension-host entry point of one activation run: activate the installed extension in this fresh
 * extension host, time it, and count engine requests while the view stays hidden.
 */
import { activateAndCount, readConfig, recordingProxy, reportActivation } from './common';

export async function run(): Promise<void> {
  const cfg = readConfig();
  const proxy = await recordingProxy(cfg.proxySocket, cfg.upstreamSocket);
  try {
    reportActivation(await activateAndCount(proxy, cfg));
  } finally {
    proxy.close();
  }
}
