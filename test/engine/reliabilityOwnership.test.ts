/**
 * Reliability against a real engine and the stand-in, part 3: ownership. A foreign container with
 * our name or on our ports is named in the error and left untouched.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ForeignContainerError } from '../../src/instances/errors';
import { docker, dockerInspect, STANDIN_IMAGE, waitFor } from './helpers';
import { FOREIGN, name, ownedContainerNames, reliabilityHooks, session, settingsFor, startReady } from './reliabilitySetup';

reliabilityHooks();

// ---- 4/5. ownership ------------------------------------------------------------------------------

describe('only our containers are ever touched', () => {
  async function snapshotOf(containerName: string) {
    const c = await dockerInspect(containerName);
    assert.ok(c, `${containerName} exists`);
    return { id: c.Id as string, running: c.State.Running as boolean, startedAt: c.State.StartedAt as string, pid: c.State.Pid as number };
  }

  test('a foreign container with our name: every command names it and leaves it untouched', async () => {
    await docker('run', '-d', '--name', name(0), '--network', 'host', '--entrypoint', '/bin/sleep', STANDIN_IMAGE, '300');
    const before = await snapshotOf(name(0));
    const manager = session(settingsFor());
    for (const [what, call] of [
      ['start', () => manager.start(0)],
      ['restart', () => manager.restart(0)],
      ['stop', () => manager.stop(0)],
      ['remove', () => manager.remove(0)],
    ] as const) {
      await assert.rejects(call(), (err: Error) => {
        assert.ok(err instanceof ForeignContainerError, `${what}: ${err.message}`);
        assert.match(err.message, /"isaac-sim-instance-0"/);
        assert.match(err.message, /not created by Isaac Sim Orchestrator/);
        assert.match(err.message, /left untouched/);
        return true;
      });
    }
    await assert.rejects(manager.startAll(), /Could not start instance-0: A container named "isaac-sim-instance-0".*left untouched/s);
    await manager.stopAll();
    await manager.removeAll();
    assert.deepEqual(await snapshotOf(name(0)), before, 'same id, still running, same StartedAt');
    assert.deepEqual(await ownedContainerNames(), [], 'nothing of ours was created');
    assert.equal(manager.get(0)?.exists, false, 'not shown as ours');
  });

  test('a foreign container on our HTTP port: the error names the container; nothing created; it is left untouched', async () => {
    await docker('run', '-d', '--name', FOREIGN, '--network', 'host', '--entrypoint', '/bin/busybox', STANDIN_IMAGE, 'httpd', '-f', '-p', '127.0.0.1:25211', '-h', '/isaac-sim');
    await waitFor('the foreign httpd listens on 25211', async () => (await fetch('http://127.0.0.1:25211/').catch(() => undefined)) !== undefined, 10_000);
    const before = await snapshotOf(FOREIGN);
    const manager = session(settingsFor());
    await assert.rejects(manager.start(0), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`instance-0 cannot start: its Kit HTTP port 25211 is already in use on 127\\.0\\.0\\.1 by container "${FOREIGN}" \\(id ${before.id.slice(0, 12)}, image ${STANDIN_IMAGE}; not created by Isaac Sim Orchestrator; left untouched\\)`),
      );
      assert.match(err.message, new RegExp(`Nothing was created: stop that container yourself \\(docker stop ${FOREIGN}\\), or move isaacSim\\.httpPortBase`));
      return true;
    });
    assert.equal(await dockerInspect(name(0)), undefined, 'no isaac-sim-instance-0');
    assert.deepEqual(await ownedContainerNames(), []);
    assert.deepEqual(await snapshotOf(FOREIGN), before, 'same id, still running, same StartedAt');
    const s = manager.get(0)!;
    assert.equal(s.state.kind, 'failed');
    assert.equal(s.state.diagnosisId, 'port-taken');
    assert.equal(s.exists, false);
  });

  test('a plain process on our UDP media port (6.x): named by command and pid', async () => {
    const holder: ChildProcess = spawn(process.execPath, ['-e', "require('dgram').createSocket('udp4').bind(25281, '127.0.0.1', () => console.log('bound'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
      });
      const comm = readFileSync(`/proc/${holder.pid}/comm`, 'utf8').trim(); // "node", unless the binary is named otherwise
      const manager = session(settingsFor({ image: 'isaac-sim-standin:6.0.1' }));
      await assert.rejects(
        manager.start(0),
        new RegExp(`instance-0 cannot start: its [^.]*port 25281 is already in use on 127\\.0\\.0\\.1 by another process: ${comm} \\(pid ${holder.pid}\\)\\. Nothing was created: stop ${comm} \\(pid ${holder.pid}\\), or move isaacSim\\.streamPortBase`),
      );
      assert.equal(await dockerInspect(name(0)), undefined, 'nothing was created');
      assert.equal(holder.exitCode, null, 'the holder still runs');
    } finally {
      holder.kill();
    }
  });

  test('our own container of another session on the port: named as ours', async () => {
    const first = session(settingsFor({ instanceCount: 2 }));
    await startReady(first, 1); // HTTP 25212
    first.dispose();
    const second = session(settingsFor({ httpPortBase: 25212 }));
    await assert.rejects(second.start(0), /its Kit HTTP port 25212 is already in use on 127\.0\.0\.1 by (instance-1 \(running\)|container "isaac-sim-instance-1" \(instance-1 of Isaac Sim Orchestrator)/);
    assert.equal(await dockerInspect(name(0)), undefined, 'nothing was created');
    assert.equal((await dockerInspect(name(1)))?.State.Running, true, 'instance-1 left running');
  });
});
