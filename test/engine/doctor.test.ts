/**
 * The preflight doctor against the real Docker engine here, which has no NVIDIA runtime and no GPU.
 * The docker CLI checks, as a second client, that the GPU probe never leaves a container behind.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { DockerEngine } from '../../src/docker/engine';
import { PROBE_LABEL, PROBE_NAME_PREFIX, engineInfo, tryGpuRequest } from '../../src/docker/system';
import { runDoctor } from '../../src/instances/doctor';
import { MIN_FREE_DISK_GIB } from '../../src/instances/doctorChecks';
import { diskSpaceAt, doctorEngineFor, hostDoctorDeps } from '../../src/instances/doctorHost';
import { probePort } from '../../src/instances/portProbe';
import { formatGiB } from '../../src/instances/doctorReport';
import type { DoctorCheck, DoctorCheckId, DoctorReport } from '../../src/instances/doctorTypes';
import { OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import type { Settings } from '../../src/instances/settings';
import { portsFor } from '../../src/instances/spec';
import { docker, newManager, removeContainers, standinSettings, STANDIN_IMAGE, waitFor } from './helpers';

const GIB = 1024 ** 3;
// Below Linux's ephemeral ports (32768–60999): an outgoing connection of anything on this machine can hold one of those for a while.
const BASES = { httpPortBase: 22211, signalPortBase: 22100 };
const GPU_ALL = [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }];

function find(report: DoctorReport, id: DoctorCheckId): DoctorCheck {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `report has a ${id} check`);
  return c;
}

/** Doctor probe containers in any state, as the docker CLI sees them. */
async function probeContainers(): Promise<string[]> {
  return (await docker('ps', '-a', '--filter', `name=${PROBE_NAME_PREFIX}`, '--format', '{{.Names}}')).split('\n').filter(Boolean);
}

async function removeProbes(): Promise<void> {
  const left = await probeContainers();
  if (left.length > 0) await removeContainers(...left);
}

function doctorFor(engine: DockerEngine, settings: Settings, instances: Parameters<typeof hostDoctorDeps>[0]['instances'] = []): Promise<DoctorReport> {
  return runDoctor(hostDoctorDeps({ settings, engine, instances }));
}

describe('preflight doctor on a real engine without an NVIDIA runtime', () => {
  const engine = new DockerEngine({ dockerHost: '' });
  const settings = standinSettings({ runtime: 'nvidia', gpus: 'all', instanceCount: 2, ...BASES });
  let report: DoctorReport;

  before(async () => {
    await removeProbes();
    report = await doctorFor(engine, settings);
  });
  after(removeProbes);

  test('engine ✔ with the real server version', async () => {
    const version = (await docker('version', '--format', '{{.Server.Version}}')).trim();
    const c = find(report, 'engine');
    assert.equal(c.ok, true, c.detail);
    assert.ok(c.detail.includes(version), `${c.detail} names ${version}`);
    assert.ok(c.detail.includes(engine.address));
  });

  test('NVIDIA runtime ✘, naming the runtimes the engine has, with the toolkit fix', () => {
    const c = find(report, 'runtime');
    assert.equal(c.ok, false, c.detail);
    assert.match(c.detail, /no `nvidia` runtime/);
    assert.match(c.detail, /`runc`/);
    assert.match(c.fix ?? '', /nvidia-ctk runtime configure --runtime=docker/);
  });

  test('GPU request ✘ with the engine\'s own message, and no probe container left', async () => {
    const c = find(report, 'gpu');
    assert.equal(c.ok, false, c.detail);
    assert.match(c.detail, /could not select device driver|unknown runtime/i);
    assert.deepEqual(await probeContainers(), []);
  });

  test('image ✔ for the stand-in, ✘ for a missing tag (and then the GPU probe is skipped)', async () => {
    assert.equal(find(report, 'image').ok, true);
    const missing = await doctorFor(engine, { ...settings, image: 'isaac-sim-standin:doctor-missing-tag' });
    const c = find(missing, 'image');
    assert.equal(c.ok, false);
    assert.match(c.fix ?? '', /docker pull isaac-sim-standin:doctor-missing-tag/);
    assert.equal(find(missing, 'gpu').ok, 'skipped');
  });

  test('ports ✔ when free, ✘ naming instance, kind, port and the holding process while a Node server holds one on 127.0.0.1', async () => {
    assert.equal(find(report, 'ports').ok, true, find(report, 'ports').detail);
    const [kind, port] = Object.entries(portsFor(settings, '4.2', 1))[0] as [string, number];
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    try {
      const c = find(await doctorFor(engine, settings), 'ports');
      assert.equal(c.ok, false, c.detail);
      // The holder is this very test process, found through /proc.
      assert.ok(c.detail.includes(`instance-1 ${kind} port ${port} is in use by another process: `), c.detail);
      assert.ok(c.detail.includes(`(pid ${process.pid})`), c.detail);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(find(await doctorFor(engine, settings), 'ports').ok, true, 'free again once released');
  });

  test('disk reports a GiB number, and passes exactly when the data root\'s disk has enough', async () => {
    const c = find(report, 'disk');
    assert.match(c.detail, /\d+(?:\.\d)? GiB free/);
    const space = await diskSpaceAt(settings.hostDataRoot);
    assert.equal(c.ok, space.freeBytes >= MIN_FREE_DISK_GIB * GIB, c.detail);
  });

  test('memory is judged against os.totalmem() and the engine\'s MemTotal', async () => {
    const c = find(report, 'memory');
    const info = await engineInfo(engine);
    const need = settings.memoryLimitGiB * settings.instanceCount * GIB;
    assert.equal(c.ok, need <= Math.min(os.totalmem(), info.memTotal ?? Infinity), c.detail);
    assert.ok(c.detail.includes(`this machine has ${formatGiB(os.totalmem())}`), c.detail);
  });

  test('version ✔ read from the image (the stand-in\'s latest is 4.2.0), and no volumes to check for 4.2\'s host folders', () => {
    const v = find(report, 'version');
    assert.equal(v.ok, true, v.detail);
    assert.match(v.detail, /^Isaac Sim 4\.2 \(Kit web client\), from image tag "4\.2\.0": `\/isaac-sim\/runheadless\.webrtc\.sh`, user root, host folders/);
    assert.equal(find(report, 'volumes').ok, 'skipped');
  });

  test('version ✔ for the 6.0.1 image: its own launcher, uid 1234, named volumes, HEALTHCHECK; the volumes check passes', async () => {
    const six = await doctorFor(engine, standinSettings({ instanceCount: 1, ...BASES, image: 'isaac-sim-standin:6.0.1' }));
    const v = find(six, 'version');
    assert.equal(v.ok, true, v.detail);
    assert.match(v.detail, /^Isaac Sim 6\.x .*, from image tag "6\.0\.1": the image's `\/isaac-sim\/runheadless\.sh`, user `isaac-sim`, named volumes under `\/isaac-sim`; the image has a HEALTHCHECK\.$/);
    const volumes = find(six, 'volumes');
    assert.equal(volumes.ok, true, volumes.detail);
    assert.deepEqual(await probeContainers(), [], 'the writable check leaves no container');
  });

  test('with runtime "" and gpus "none": runtime ✔ and the GPU check skipped', async () => {
    const plain = await doctorFor(engine, standinSettings({ instanceCount: 2, ...BASES }));
    assert.equal(find(plain, 'engine').ok, true);
    assert.equal(find(plain, 'runtime').ok, true);
    assert.match(find(plain, 'runtime').detail, /Default runtime configured \(no GPU\)/);
    assert.equal(find(plain, 'gpu').ok, 'skipped');
    assert.equal(find(plain, 'image').ok, true);
  });
});

describe('GPU probe container', () => {
  const engine = new DockerEngine({ dockerHost: '' });
  before(removeProbes);
  after(removeProbes);

  test('an unknown runtime is refused at create; nothing is left', async () => {
    const r = await tryGpuRequest(engine, STANDIN_IMAGE, GPU_ALL, { runtime: 'nvidia' });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.stage === 'create' && /unknown runtime/i.test(r.message), JSON.stringify(r));
    assert.deepEqual(await probeContainers(), []);
  });

  test('a GPU request the engine cannot serve is refused at start with its message; the created container is removed', async () => {
    const r = await tryGpuRequest(engine, STANDIN_IMAGE, GPU_ALL);
    assert.ok(!r.ok, 'refused');
    assert.equal(r.stage, 'start');
    assert.equal(r.message, 'could not select device driver "nvidia" with capabilities: [[gpu]]');
    assert.match(r.error?.message ?? '', /NVIDIA Container Toolkit/);
    assert.deepEqual(await probeContainers(), []);
  });

  test('the doctor\'s probe the engine accepts runs, exits and is removed; it carried our owner label', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    // Through the doctor's own wiring: the engine layer knows no owner label, the doctor hands it ours.
    const r = await doctorEngineFor(engine).tryGpuRequest(STANDIN_IMAGE, [], undefined);
    assert.deepEqual(r, { ok: true });
    assert.deepEqual(await probeContainers(), []);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const events = (
      await docker('events', '--since', String(since), '--until', String(until), '--filter', 'type=container', '--filter', 'event=create', '--filter', `label=${PROBE_LABEL}`, '--format', '{{json .Actor.Attributes}}')
    )
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, string>);
    const ours = events.filter((a) => a.name?.startsWith(PROBE_NAME_PREFIX));
    assert.ok(ours.length >= 1, `a create event for the probe (${JSON.stringify(events)})`);
    assert.equal(ours[0][OWNER_LABEL], OWNER_VALUE);
  });

  test('a missing image is refused at create with the engine\'s message', async () => {
    const r = await tryGpuRequest(engine, 'isaac-sim-standin:doctor-missing-tag', GPU_ALL);
    assert.ok(!r.ok);
    assert.equal(r.stage, 'create');
    assert.match(r.message, /No such image/i);
    assert.deepEqual(await probeContainers(), []);
  });
});

describe('a running instance of ours holds its own ports', () => {
  // Index 13 keeps clear of the instance names other engine suites use.
  const INDEX = 13;
  const settings = standinSettings({ instanceCount: INDEX + 1, ...BASES });
  const { manager } = newManager(settings);
  const name = `isaac-sim-instance-${INDEX}`;

  before(() => removeContainers(name));
  after(async () => {
    manager.dispose();
    await removeContainers(name);
  });

  test('its ports are "in use by instance-13 (running)", not a failure', async () => {
    await manager.start(INDEX);
    const ports = Object.values(portsFor(settings, '4.2', INDEX)).filter((p): p is number => typeof p === 'number');
    await waitFor('the stand-in to listen on one of its ports', async () => {
      for (const p of ports) if (!(await probePort(p)).free) return true;
      return false;
    });
    // The doctor knows a holder of ours from the manager's list: wait until the manager shows the run too.
    await waitFor(`the manager to show instance-${INDEX} running`, () => {
      const s = manager.list().find((i) => i.index === INDEX);
      return s !== undefined && (s.startedAt !== undefined || ['starting', 'loading', 'ready'].includes(s.state.kind));
    });
    const report = await doctorFor(manager.currentEngine ?? new DockerEngine({ dockerHost: '' }), settings, manager.list());
    const c = find(report, 'ports');
    assert.equal(c.ok, true, `${c.detail}; instance-${INDEX}: ${JSON.stringify(manager.list().find((i) => i.index === INDEX)?.state)}`);
    assert.match(c.detail, new RegExp(`instance-${INDEX} \\w+ port \\d+ is in use by instance-${INDEX} \\(running\\)`));
  });
});

describe('preflight doctor: a port held by a foreign container', () => {
  const FOREIGN = 'isaac-sim-foreign-doctor';
  const engine = new DockerEngine({ dockerHost: '' });
  const settings = standinSettings({ instanceCount: 1, httpPortBase: 22311, signalPortBase: 22400 });

  before(async () => {
    await removeContainers(FOREIGN);
    await docker('run', '-d', '--name', FOREIGN, '--network', 'host', '--entrypoint', '/bin/busybox', STANDIN_IMAGE, 'httpd', '-f', '-p', '127.0.0.1:22311', '-h', '/isaac-sim');
    await waitFor('the foreign httpd listens on 22311', async () => (await fetch('http://127.0.0.1:22311/').catch(() => undefined)) !== undefined, 10_000);
  });
  after(() => removeContainers(FOREIGN));

  test('the ports check names the container, says it is not ours, and leaves it running', async () => {
    const startedAt = (await docker('inspect', '-f', '{{.Id}} {{.State.StartedAt}}', FOREIGN)).trim();
    const c = find(await doctorFor(engine, settings), 'ports');
    assert.equal(c.ok, false, c.detail);
    assert.match(c.detail, new RegExp(`instance-0 http port 22311 is in use by container "${FOREIGN}" \\(id [0-9a-f]{12}, image ${STANDIN_IMAGE.replace(/[.:]/g, '\\$&')}; not created by Isaac Sim Orchestrator; left untouched\\)`), c.detail);
    assert.equal((await docker('inspect', '-f', '{{.Id}} {{.State.StartedAt}}', FOREIGN)).trim(), startedAt, 'same container, same run');
    assert.equal((await docker('inspect', '-f', '{{.State.Running}}', FOREIGN)).trim(), 'true');
  });
});
