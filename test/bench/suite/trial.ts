/**
 * One outside `docker stop` or `docker start` trial (main.ts and scale.ts): the CLI command, timed
 * from the engine's events to the tree data changing here; the driver times the rendered row.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { IsaacSimApi } from '../../../src/extension';
import { containerName, delay, nowMs, waitFor, type BenchConfig, type EventListener } from '../shared';
import { ask } from './common';

const exec = promisify(execFile);
export const OWNER_FILTER = 'dev.isaac-sim-orchestrator.owner=isaac-sim-orchestrator';

export function rowDescription(api: IsaacSimApi, index: number): string | undefined {
  const item = api.tree.rows().find((i) => i.label === `instance-${index}`);
  return item === undefined ? undefined : String(item.description ?? '');
}

let asked = 0;

export async function trial(cfg: BenchConfig, api: IsaacSimApi, events: EventListener, index: number, action: 'stop' | 'start') {
  const upstreamSocket = cfg.upstreamSocket;
  const name = containerName(index);
  const before = rowDescription(api, index);
  let dataAt: number | undefined;
  let after: string | undefined;
  const sub = api.tree.onDidChangeTreeData(() => {
    if (dataAt !== undefined) return;
    const now = rowDescription(api, index);
    if (now !== before) {
      dataAt = nowMs();
      after = now;
    }
  });
  try {
    events.clear();
    const issuedAt = nowMs();
    await exec('docker', ['--host', `unix://${upstreamSocket}`, action, ...(action === 'stop' ? ['-t', '5'] : []), name]);
    const cliDoneAt = nowMs();
    await waitFor(`${name}: the tree row to change after docker ${action}`, () => dataAt !== undefined && events.events(name).length > 0, 20_000);
    // Settle before the next trial: stopped (or failed), or ready again.
    const settled = action === 'stop' ? /^(stopped|failed)\b/ : /^ready\b/;
    await waitFor(`${name} to settle after docker ${action}`, () => settled.test(rowDescription(api, index) ?? ''), 60_000);
    // And until the rendered row shows it too (the driver waits 5 s at most), so the next trial's
    // command cannot cut a late render short; then a little longer for the events to arrive.
    const rendered = await ask(cfg, `rendered instance-${index} ${action === 'stop' ? 'stopped' : 'ready'} ${++asked}`);
    await delay(100);
    return { index, action, before, after, issuedAt, cliDoneAt, dataAt, renderedSettledAt: rendered.at, windowEnd: nowMs(), events: events.events(name) };
  } finally {
    sub.dispose();
  }
}
