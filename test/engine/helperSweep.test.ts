/**
 * Our one-shot helper containers (the player-file reader, the volume owner fix) that an extension
 * host left behind when it died are removed at the next resync once they are old enough; a fresh
 * one (another window may be using it) and anything not labelled as ours stay. On the real engine.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerEngine } from '../../src/docker/engine';
import { InstanceManager } from '../../src/instances/manager';
import { OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { docker, dockerInspect, MemoryLogger, standinSettings, waitFor } from './helpers';

const IMAGE = 'isaac-sim-standin:latest';
const LEFT = ['isaac-sim-orchestrator-read-70-deadbeef', 'isaac-sim-orchestrator-volumes-70-0badc0de', 'isaac-sim-orchestrator-volumes-71'];
const FOREIGN = 'isaac-sim-orchestrator-read-72-cafebabe';
const ALL = [...LEFT, FOREIGN];

async function create(name: string, ours: boolean): Promise<void> {
  await docker('create', '--name', name, '--network', 'host', '--entrypoint', '/bin/true', ...(ours ? ['--label', `${OWNER_LABEL}=${OWNER_VALUE}`] : []), IMAGE);
}

function managerWith(helperStaleMs: number, log: MemoryLogger): InstanceManager<DockerEngine> {
  const manager = new InstanceManager({ engineFor: (dockerHost) => new DockerEngine({ dockerHost }), log, helperStaleMs });
  manager.updateSettings({ ok: true, settings: standinSettings({ instanceCount: 1 }) });
  return manager;
}

after(async () => {
  for (const name of ALL) await docker('rm', '-f', name).catch(() => undefined);
});

test('leftover helpers of ours are removed at a resync once old enough; a fresh one and a foreign one stay', { timeout: 60_000 }, async () => {
  for (const name of ALL) await docker('rm', '-f', name).catch(() => undefined);
  for (const name of LEFT) await create(name, true);
  await create(FOREIGN, false);

  // Young: a window may be using them right now. The sweep decides in the resync that connect() waits for.
  const youngLog = new MemoryLogger();
  const young = managerWith(60_000, youngLog);
  try {
    await young.connect();
  } finally {
    young.dispose();
  }
  assert.deepEqual(youngLog.lines.filter((l) => l.includes('helper container')), [], 'nothing is that old yet');

  const log = new MemoryLogger();
  const manager = managerWith(0, log);
  try {
    await manager.connect();
    const chosen = log.lines.filter((l) => l.includes('a helper container an earlier session left behind'));
    assert.deepEqual(chosen.map((l) => /Removing (\S+),/.exec(l)?.[1]).sort(), [...LEFT].sort(), 'each of ours, and only those, is removed');
    for (const name of LEFT) await waitFor(`${name} to be removed`, async () => (await dockerInspect(name)) === undefined, 20_000);
    // The removals were issued together: with ours gone, the foreign one was never among them.
    assert.ok(await dockerInspect(FOREIGN), `${FOREIGN} (not labelled as ours) is left alone`);
  } finally {
    manager.dispose();
  }
});
