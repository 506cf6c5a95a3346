/**
 * The preflight doctor's verdicts on the host, with fakes: volumes, ports, disk, memory.
 * The host probes (node:net, statfs) get a few real loopback/tmpdir checks at the end.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runDoctor } from '../../src/instances/doctor';
import { GIB_PER_INSTANCE, MIN_FREE_DISK_GIB } from '../../src/instances/doctorChecks';
import { diskSpaceAt } from '../../src/instances/doctorHost';
import { portProtocol, probePort, type PortProbe } from '../../src/instances/portProbe';
import { code } from '../../src/instances/doctorReport';
import type { DoctorInstance } from '../../src/instances/doctorTypes';
import { portsFor, volumeMountsFor } from '../../src/instances/spec';
import { VERSIONS } from '../../src/instances/versions';
import { GIB, HOME, BASES, settings, fakeEngine, deps, find, runningInstance } from './doctorFakes';

describe('doctor: volumes check', () => {
  const s6 = () => settings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1', instanceCount: 1 });
  const names6 = volumeMountsFor('6.x', 0).map((m) => m.Source);

  test('skipped for 4.2: it mounts host folders as root', async () => {
    const engine = fakeEngine({ volumeExists: async () => true, runProbe: async () => ({ exitCode: 0, output: '' }) });
    const c = find(await runDoctor(deps({ engine })), 'volumes');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /host folders/);
    assert.equal(engine.probeCalls.length, 0);
  });

  test('skipped when the engine facade cannot inspect volumes or run a probe', async () => {
    const c = find(await runDoctor(deps({ settings: s6() })), 'volumes');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /needs the engine and the image/);
  });

  test('✔ when none of the volumes exists yet: they are made for uid 1234 at the first start, no probe run', async () => {
    const asked: string[] = [];
    const engine = fakeEngine({ volumeExists: async (n) => (asked.push(n), false), runProbe: async () => ({ exitCode: 0, output: '' }) });
    const c = find(await runDoctor(deps({ settings: s6(), engine })), 'volumes');
    assert.equal(c.ok, true, c.detail);
    assert.match(c.detail, /None exists yet/);
    assert.deepEqual(asked.sort(), [...names6].sort());
    assert.equal(engine.probeCalls.length, 0);
  });

  test('✔ when uid 1234 can write every existing volume: the probe runs as 1234:1234 with the existing mounts', async () => {
    const existing = new Set(names6.slice(0, 2));
    const engine = fakeEngine({ volumeExists: async (n) => existing.has(n), runProbe: async () => ({ exitCode: 0, output: '' }) });
    const c = find(await runDoctor(deps({ settings: s6(), engine })), 'volumes');
    assert.equal(c.ok, true, c.detail);
    assert.equal(engine.probeCalls.length, 1);
    const call = engine.probeCalls[0];
    assert.equal(call.user, '1234:1234');
    assert.equal(call.image, 'nvcr.io/nvidia/isaac-sim:6.0.1');
    assert.deepEqual(call.mounts.map((m) => m.Source), [...existing]);
    for (const m of call.mounts) assert.ok(call.command.includes(m.Target), m.Target);
    assert.match(c.detail, /uid 1234 can write/);
  });

  test('✘ naming the unwritable folder, with "docker volume rm" of its volume as the fix', async () => {
    const mounts = volumeMountsFor('6.x', 0);
    const bad = mounts[0];
    const engine = fakeEngine({ volumeExists: async () => true, runProbe: async () => ({ exitCode: 0, output: `not writable: ${bad.Target}\n` }) });
    const c = find(await runDoctor(deps({ settings: s6(), engine })), 'volumes');
    assert.equal(c.ok, false);
    assert.ok(c.detail.includes(code(bad.Target)), c.detail);
    assert.ok((c.fix ?? '').includes(`docker volume rm ${bad.Source}`), c.fix);
  });

  test('✘ when the probe fails without naming a folder, or the engine errs', async () => {
    const failed = find(await runDoctor(deps({ settings: s6(), engine: fakeEngine({ volumeExists: async () => true, runProbe: async () => ({ exitCode: 126, output: 'exec failed' }) }) })), 'volumes');
    assert.equal(failed.ok, false);
    assert.match(failed.detail, /exited with 126/);
    const threw = find(await runDoctor(deps({ settings: s6(), engine: fakeEngine({ volumeExists: async () => Promise.reject(new Error('boom')), runProbe: async () => ({ exitCode: 0, output: '' }) }) })), 'volumes');
    assert.equal(threw.ok, false);
    assert.match(threw.detail, /boom/);
  });
});

describe('doctor: ports check', () => {
  test('the ports are those of the version: 6.x probes signal, stream (UDP) and http, not the web viewer\'s', async () => {
    const s = settings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1', instanceCount: 2 });
    const probed: string[] = [];
    const c = find(await runDoctor(deps({ settings: s, checkPort: async (port, protocol) => (probed.push(`${protocol}/${port}`), { free: true }) })), 'ports');
    assert.equal(c.ok, true);
    const expected = [0, 1].flatMap((i) => {
      const ports = portsFor(s, '6.x', i);
      return VERSIONS['6.x'].binds.map((kind) => `${portProtocol(kind)}/${ports[kind]}`);
    });
    assert.deepEqual(probed.sort(), expected.sort());
    assert.ok(probed.includes(`udp/${BASES.streamPortBase}`));
    assert.ok(!probed.some((p) => p.endsWith(`/${BASES.webViewerPortBase}`)), 'the web viewer port is not ours to hold');
  });

  test('4.2 probes its http, signal and code server ports', async () => {
    const s = settings({ instanceCount: 1 });
    assert.deepEqual(portsFor(s, '4.2', 0), { http: BASES.httpPortBase, signal: BASES.signalPortBase, python: BASES.pythonServerPortBase });
  });


  test('✔ when every port of every instance is free; every port kind of portsFor is probed', async () => {
    const s = settings({ instanceCount: 2 });
    const probed: string[] = [];
    const r = await runDoctor(deps({ settings: s, checkPort: async (port, protocol) => (probed.push(`${protocol}/${port}`), { free: true }) }));
    const c = find(r, 'ports');
    assert.equal(c.ok, true);
    const expected = [0, 1].flatMap((i) => Object.entries(portsFor(s, '4.2', i)).map(([kind, port]) => `${portProtocol(kind)}/${port}`));
    assert.deepEqual(probed.sort(), expected.sort());
    assert.match(c.detail, /2 instances/);
  });

  test('✘ naming the instance, port kind and port held by another program, with the setting to move', async () => {
    const s = settings({ instanceCount: 2 });
    const [kind, port] = Object.entries(portsFor(s, '4.2', 1))[0] as [string, number];
    const c = find(await runDoctor(deps({ settings: s, checkPort: async (p): Promise<PortProbe> => (p === port ? { free: false, code: 'EADDRINUSE' } : { free: true }) })), 'ports');
    assert.equal(c.ok, false);
    assert.ok(c.detail.includes(`instance-1 ${kind} port ${port} is in use by another program`), c.detail);
    assert.ok((c.fix ?? '').includes(`isaacSim.${kind}PortBase`), c.fix);
    assert.ok((c.fix ?? '').includes(`:${port}`), c.fix);
  });

  test('the holder of a taken port is named where it is visible; a failing or blind lookup keeps "another program"', async () => {
    const s = settings({ instanceCount: 1 });
    const [kind, port] = Object.entries(portsFor(s, '4.2', 0))[0] as [string, number];
    const held = async (p: number): Promise<PortProbe> => (p === port ? { free: false, code: 'EADDRINUSE' } : { free: true });
    const asked: string[] = [];
    const named = find(
      await runDoctor(deps({ settings: s, checkPort: held, describeHolder: async (p, protocol) => (asked.push(`${protocol}/${p}`), 'container "ros-bridge" (not ours; left untouched)') })),
      'ports',
    );
    assert.equal(named.ok, false);
    assert.ok(named.detail.includes(`instance-0 ${kind} port ${port} is in use by container "ros-bridge" (not ours; left untouched).`), named.detail);
    assert.deepEqual(asked, [`tcp/${port}`], 'only the unexplained port is looked up');
    for (const describeHolder of [async () => 'another process', async () => undefined, async (): Promise<string> => { throw new Error('EACCES'); }]) {
      const c = find(await runDoctor(deps({ settings: s, checkPort: held, describeHolder })), 'ports');
      assert.ok(c.detail.includes(`port ${port} is in use by another program`), c.detail);
    }
  });

  test('a running instance of ours holding its own ports is ✔ "in use by instance-N (running)"', async () => {
    const s = settings({ instanceCount: 2 });
    const held = new Set(Object.values(portsFor(s, '4.2', 0)));
    const c = find(
      await runDoctor(deps({ settings: s, instances: [runningInstance(s, 0)], checkPort: async (p): Promise<PortProbe> => (held.has(p) ? { free: false, code: 'EADDRINUSE' } : { free: true }) })),
      'ports',
    );
    assert.equal(c.ok, true, c.detail);
    assert.match(c.detail, /in use by instance-0 \(running\)/);
  });

  test('a stopped instance of ours does not excuse a held port', async () => {
    const s = settings({ instanceCount: 1 });
    const stopped: DoctorInstance = { ...runningInstance(s, 0), state: { kind: 'stopped', since: 0 }, startedAt: undefined };
    const c = find(await runDoctor(deps({ settings: s, instances: [stopped], checkPort: async () => ({ free: false, code: 'EADDRINUSE' }) })), 'ports');
    assert.equal(c.ok, false);
  });

  test('a port held by another running instance of ours (older settings) is ✘ and names it', async () => {
    const s = settings({ instanceCount: 2 });
    const [, port] = Object.entries(portsFor(s, '4.2', 1))[0] as [string, number];
    const other: DoctorInstance = { index: 5, label: 'instance-5', ports: { http: port }, state: { kind: 'ready', since: 0 }, startedAt: 1 };
    const c = find(await runDoctor(deps({ settings: s, instances: [other], checkPort: async (p): Promise<PortProbe> => (p === port ? { free: false, code: 'EADDRINUSE' } : { free: true }) })), 'ports');
    assert.equal(c.ok, false);
    assert.match(c.detail, /in use by instance-5 \(running/);
  });

  test('a port that cannot be tested is noted, not failed', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ instanceCount: 1 }), checkPort: async () => ({ free: false, code: 'EACCES' }) })), 'ports');
    assert.equal(c.ok, true);
    assert.match(c.detail, /could not be tested \(EACCES\)/);
  });

  test('skipped with no instances configured', async () => {
    assert.equal(find(await runDoctor(deps({ settings: settings({ instanceCount: 0 }) })), 'ports').ok, 'skipped');
  });

  test('UDP for the media stream port kind, TCP for the others', () => {
    assert.equal(portProtocol('stream'), 'udp');
    for (const kind of ['http', 'webrtc', 'native', 'signal', 'webViewer']) assert.equal(portProtocol(kind), 'tcp');
  });
});

describe('doctor: disk check', () => {
  test(`✔ with ≥ ${MIN_FREE_DISK_GIB} GiB free, reporting the number, at the expanded data root`, async () => {
    let asked = '';
    const c = find(
      await runDoctor(deps({ settings: settings({ hostDataRoot: '~/docker/isaac-sim' }), diskSpace: async (f) => ((asked = f), { checkedPath: f, freeBytes: 412.3 * GIB }) })),
      'disk',
    );
    assert.equal(asked, `${HOME}/docker/isaac-sim`);
    assert.equal(c.ok, true);
    assert.match(c.detail, /412 GiB free/);
  });

  test('✘ below the threshold, still reporting the number, with the hostDataRoot fix', async () => {
    const c = find(await runDoctor(deps({ diskSpace: async () => ({ checkedPath: '/data', freeBytes: 12.5 * GIB }) })), 'disk');
    assert.equal(c.ok, false);
    assert.match(c.detail, /12\.5 GiB free/);
    assert.match(c.detail, /measured at `\/data`/);
    assert.match(c.fix ?? '', /isaacSim\.hostDataRoot/);
  });

  test('skipped for an engine on another machine, or when the space cannot be read', async () => {
    assert.equal(find(await runDoctor(deps({ engine: fakeEngine({ isLocal: false }) })), 'disk').ok, 'skipped');
    const c = find(await runDoctor(deps({ diskSpace: async () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) })), 'disk');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /EACCES/);
  });
});

describe('doctor: memory check', () => {
  test(`with no limit (memoryLimitGiB 0) it still runs, counting ${GIB_PER_INSTANCE} GiB per instance`, async () => {
    assert.equal(GIB_PER_INSTANCE, 8);
    const fits = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 0, instanceCount: 3 }), totalMemoryBytes: 32 * GIB })), 'memory');
    assert.equal(fits.ok, true, fits.detail);
    assert.match(fits.detail, /3 instances × ~8 GiB \(no limit set; what a loaded instance takes\) = 24\.0 GiB/);
    assert.match(fits.detail, /NVIDIA asks for 32 GB of RAM/);
    const tooMany = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 0, instanceCount: 5 }), totalMemoryBytes: 32 * GIB })), 'memory');
    assert.equal(tooMany.ok, false, tooMany.detail);
    assert.match(tooMany.detail, /= 40\.0 GiB/);
    assert.match(tooMany.fix ?? '', /isaacSim\.instanceCount/);
    assert.doesNotMatch(tooMany.fix ?? '', /lower `isaacSim\.memoryLimitGiB`/, 'no limit to lower');
  });

  test('skipped only with no instances configured', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 0, instanceCount: 0 }) })), 'memory');
    assert.equal(c.ok, 'skipped');
    assert.match(c.detail, /isaacSim\.instanceCount/);
  });

  test('✔ when limit × instances fits host and engine memory', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 8, instanceCount: 2 }), totalMemoryBytes: 32 * GIB })), 'memory');
    assert.equal(c.ok, true);
    assert.match(c.detail, /2 instances × 8 GiB \(`isaacSim\.memoryLimitGiB`\) = 16\.0 GiB/);
    assert.match(c.detail, /this machine has 32\.0 GiB/);
    assert.match(c.detail, /the engine sees 64\.0 GiB/);
  });

  test('✘ when it does not fit the host, or the engine (smaller VM), with the fix', async () => {
    const host = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 16, instanceCount: 3 }), totalMemoryBytes: 32 * GIB })), 'memory');
    assert.equal(host.ok, false);
    assert.match(host.fix ?? '', /isaacSim\.memoryLimitGiB/);
    const vm = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 8, instanceCount: 2 }), engine: fakeEngine({ memTotal: 8 * GIB }) })), 'memory');
    assert.equal(vm.ok, false);
  });

  test('a remote engine is judged by its own memory only', async () => {
    const c = find(await runDoctor(deps({ settings: settings({ memoryLimitGiB: 8, instanceCount: 2 }), totalMemoryBytes: 4 * GIB, engine: fakeEngine({ isLocal: false, memTotal: 64 * GIB }) })), 'memory');
    assert.equal(c.ok, true);
    assert.doesNotMatch(c.detail, /this machine/);
  });
});

describe('host probes', () => {
  test('probePort: a TCP port held on 127.0.0.1 is EADDRINUSE, free again once released', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    assert.deepEqual(await probePort(port, 'tcp'), { free: false, code: 'EADDRINUSE' });
    await new Promise((resolve) => server.close(resolve));
    assert.deepEqual(await probePort(port, 'tcp'), { free: true });
  });

  test('probePort: UDP likewise', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    assert.deepEqual(await probePort(port, 'udp'), { free: false, code: 'EADDRINUSE' });
    await new Promise<void>((resolve) => socket.close(resolve));
    assert.deepEqual(await probePort(port, 'udp'), { free: true });
  });

  test('diskSpaceAt measures the nearest existing ancestor of a folder that does not exist yet', async () => {
    const tmp = os.tmpdir();
    const space = await diskSpaceAt(path.join(tmp, 'no-such-isaac-folder', 'deeper'));
    assert.equal(space.checkedPath, path.resolve(tmp));
    assert.ok(space.freeBytes > 0);
  });
});
