/**
 * The preflight doctor when a check throws after all (a bug, or a dependency failing in a way its check
 * did not foresee): that check is ✘ naming the error, the checks that depend on it are skipped as for
 * an earlier ✘, the others still run, and the report still renders.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineInfo } from '../../src/docker/system';
import { runDoctor } from '../../src/instances/doctor';
import type { DoctorCheck, DoctorCheckId, DoctorDeps, DoctorReport } from '../../src/instances/doctorTypes';
import { deps, fakeEngine, find, settings } from './doctorFakes';

/** The ✘ a check that threw becomes: the error in a code span, and what to do. */
function assertThrew(c: DoctorCheck, message: RegExp): void {
  assert.equal(c.ok, false, `${c.id}: ${c.detail}`);
  assert.match(c.detail, /unexpected error/);
  assert.match(c.detail, message);
  assert.match(c.fix ?? '', /Run the doctor again/);
  assert.match(c.fix ?? '', /bug/);
  assert.match(c.fix ?? '', /Isaac Sim Orchestrator\*\* output channel/);
}

/** Each check's verdict, but for `except`, equals the one of a run with every dependency well. */
async function assertOthersAsUsual(r: DoctorReport, input: Partial<DoctorDeps>, except: readonly DoctorCheckId[]): Promise<void> {
  const usual = await runDoctor(deps({ ...input }));
  assert.deepEqual(
    r.checks.map((c) => c.id),
    usual.checks.map((c) => c.id),
  );
  for (const c of usual.checks) if (!except.includes(c.id)) assert.deepEqual(find(r, c.id), c, c.id);
}

describe('doctor: a check that throws', () => {
  test('a disk reader answering nothing: disk ✘ naming the error, the engine checks still ✔, the report renders', async () => {
    const r = await runDoctor(deps({ diskSpace: async () => undefined as never }));
    const disk = find(r, 'disk');
    assertThrew(disk, /`Cannot read properties of undefined \(reading 'checkedPath'\)`/);
    assert.equal(disk.title, 'Disk space for caches');
    for (const id of ['engine', 'runtime', 'gpu', 'image', 'version', 'ports', 'memory'] as const) assert.equal(find(r, id).ok, true, id);
    await assertOthersAsUsual(r, {}, ['disk']);
    assert.match(r.markdown, /- ✘ \*\*Disk space for caches\*\* — The check stopped on an unexpected error: `Cannot read/);
    assert.match(r.markdown, /\*\*Fix:\*\* Run the doctor again/);
    assert.match(r.markdown, /\*\*1 problem found\.\*\*/);
  });

  test('an engine facade answering its version with nothing: engine ✘, the checks needing it skipped, the host checks still run', async () => {
    const engine = fakeEngine({ version: async () => undefined as never });
    const r = await runDoctor(deps({ engine }));
    assertThrew(find(r, 'engine'), /`Cannot read properties of undefined \(reading 'version'\)`/);
    for (const id of ['runtime', 'image', 'gpu'] as const) {
      assert.equal(find(r, id).ok, 'skipped', id);
      assert.match(find(r, id).detail, /not reachable/, id);
    }
    assert.equal(engine.gpuCalls.length, 0);
    for (const id of ['ports', 'disk', 'memory'] as const) assert.equal(find(r, id).ok, true, id);
    // The image's tag still tells the version; the volumes need the image.
    assert.equal(find(r, 'version').ok, true);
    assert.match(find(r, 'memory').detail, /this machine has/);
    assert.doesNotMatch(find(r, 'memory').detail, /the engine sees/);
    assert.match(r.markdown, /- ✘ \*\*Docker engine\*\*/);
  });

  test('docker info without its runtimes (a malformed answer): runtime and GPU request ✘ naming the error, the rest as usual', async () => {
    const info = async () => ({ serverVersion: '27.1.0', memTotal: 64 * 1024 ** 3 }) as unknown as EngineInfo;
    const r = await runDoctor(deps({ engine: fakeEngine({ info }) }));
    assert.equal(find(r, 'engine').ok, true);
    assertThrew(find(r, 'runtime'), /reading 'length'/);
    assertThrew(find(r, 'gpu'), /reading 'includes'/);
    for (const id of ['image', 'version', 'ports', 'disk', 'memory'] as const) assert.equal(find(r, id).ok, true, id);
  });

  test('docker info failing with a thrown object that has no string form: the runtime check names it, nothing rejects', async () => {
    const r = await runDoctor(deps({ engine: fakeEngine({ info: () => Promise.reject(Object.create(null) as Error) }) }));
    assert.equal(find(r, 'engine').ok, true);
    assert.equal(find(r, 'runtime').ok, false);
    assert.match(find(r, 'runtime').detail, /\[object Object\]/);
  });

  test('a port checker that throws (not rejects): ports ✘ only, every other check as usual', async () => {
    const checkPort = (): never => {
      throw new Error('port probe `bind` exploded');
    };
    const r = await runDoctor(deps({ checkPort }));
    const ports = find(r, 'ports');
    assertThrew(ports, /``port probe `bind` exploded``/);
    assert.equal(ports.title, 'Ports');
    await assertOthersAsUsual(r, {}, ['ports']);
    assert.match(r.markdown, /- ✘ \*\*Ports\*\*/);
  });

  test('an image config read that throws: version ✘, volumes and web viewer skipped as for an unknown version, ports checked as 4.2', async () => {
    const imageConfig = (): never => {
      throw new TypeError('imageConfig exploded');
    };
    const s = settings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.0' });
    const r = await runDoctor(deps({ settings: s, engine: fakeEngine({ imageConfig }) }));
    assertThrew(find(r, 'version'), /`imageConfig exploded`/);
    assert.equal(find(r, 'volumes').ok, 'skipped');
    assert.match(find(r, 'volumes').detail, /version is not known/);
    assert.equal(find(r, 'webViewer').ok, 'skipped');
    assert.match(find(r, 'webViewer').detail, /version is not known/);
    assert.equal(find(r, 'ports').ok, true);
    assert.match(find(r, 'ports').detail, /http 58211–58212/);
    for (const id of ['engine', 'runtime', 'gpu', 'image', 'disk', 'memory'] as const) assert.equal(find(r, id).ok, true, id);
  });
});
