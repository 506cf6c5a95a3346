/**
 * The parts of the extension that load on first use (src/docker/mainModules.ts, scripts/build.mjs):
 * the doctor, images (builds and pulls), simRun (Run in Sim and the Language Model tools), figures
 * (the live figures' collector), and the ones lazyParts.test.ts tries out (simView, ssh,
 * linearRegex, and rare: a 6.x viewer's run and who holds a port), all in dist/parts.js, as the
 * build wrote it. Each holds its own code and none of dist/extension.js's: what it shares it reads
 * from the modules its loader hands over, so a class it throws is the class the rest of the
 * extension tests for. The simRun part requires `vscode`, which these tests fake.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';
import { emptyDoctorInput } from './doctorFixture';
import { loadWithMainModules } from '../../src/docker/mainModules';
import { FakeUri, dist, freshPartsFile, PART_NAMES, handedOver, loadPart, partSources, simRunModules, tmp, withFakeVscode } from './partsFixture';

/** Each part, its loader, and messages only that part's own code says. */
const PARTS = [
  { name: 'doctor', loader: 'src/instances/doctorModule.ts', own: ['is in use by another program'] },
  { name: 'images', loader: 'src/docker/imagesModule.ts', own: ["too many for a web viewer's build context", 'limits how often images may be pulled'] },
  { name: 'simRun', loader: 'src/commands/simRunModule.ts', own: ['so it has no selection', 'The input must be a JSON object with the fields the tool declares'] },
  { name: 'simView', loader: 'src/views/simViewModule.ts', own: ['has no sim view URL: check isaacSim.clientUrlTemplate', 'A TCP forward cannot carry UDP'] },
  { name: 'ssh', loader: 'src/docker/sshModule.ts', own: ['ConnectTimeout='] },
  { name: 'linearRegex', loader: 'src/instances/linearRegexModule.ts', own: ['which a linear-time matcher does not have'] },
  { name: 'figures', loader: 'src/instances/figuresModule.ts', own: ['no process of this container uses a GPU', 'which is not a whole number'] },
  { name: 'rare', loader: 'src/instances/rareModule.ts', own: ['(isaacSim.webViewerImage) is not on this engine', 'cannot be built from isaacSim.webViewerBuildContext', 'not created by Isaac Sim Orchestrator; left untouched'] },
];

describe('the parts loaded on first use', () => {
  const main = readFileSync(dist('extension.js'), 'utf8');
  let parsed: Map<string, string> | undefined;
  const sources = () => (parsed ??= partSources());

  for (const part of PARTS) {
    test(`dist/extension.js loads the ${part.name} part from ./parts.js and does not hold its code; the part's function in dist/parts.js does`, () => {
      assert.match(main, new RegExp(`require\\(["']\\./parts\\.js["']\\)\\.load\\(["']${part.name}["']\\)`));
      for (const own of part.own) {
        assert.ok(!main.includes(own), `dist/extension.js says "${own}", which belongs to the ${part.name} part`);
        assert.ok(sources().get(part.name)?.includes(own), `the ${part.name} part of dist/parts.js says "${own}"`);
      }
    });

    test(`the ${part.name} part loaded without its loader names the module it lacks and the loader`, () => {
      assert.throws(() => loadPart(part.name), (err: Error) => {
        assert.match(err.message, new RegExp(`^The ${part.name} part of dist/parts\\.js needs (src/[\\w/]+\\.ts|@vscode/l10n) of dist/extension\\.js: load it through ${part.loader.replace('.', '\\.')}`));
        return true;
      });
    });
  }

  test('the fixture knows every part this file checks', () => {
    assert.deepEqual([...PART_NAMES].sort(), PARTS.map((p) => p.name).sort());
  });

  test('dist/parts.js runs a part once, and again after a load that threw', () => {
    const parts = freshPartsFile();
    assert.throws(() => withFakeVscode(() => parts.load('doctor')), /^Error: The doctor part of dist\/parts\.js needs /);
    const doctor = withFakeVscode(() => loadWithMainModules(handedOver('src/instances/doctorModule.ts'), () => parts.load('doctor'))) as { runDoctor?: unknown };
    assert.equal(typeof doctor.runDoctor, 'function');
    // Nothing is handed over now: the part would throw if it ran again.
    assert.equal(parts.load('doctor'), doctor);
  });

  test('the modules handed over are gone once a part has loaded', () => {
    loadPart('doctor', handedOver('src/instances/doctorModule.ts'));
    assert.equal(Object.getOwnPropertySymbols(globalThis).some((s) => s.description === 'isaac-sim-orchestrator.main-modules'), false);
  });

  test("the images part throws the BuildContextError class it was handed, not a copy of its own", async () => {
    const modules = handedOver('src/docker/imagesModule.ts');
    const { BuildContextError } = modules['src/docker/buildErrors.ts'] as typeof import('../../src/docker/buildErrors');
    const build = loadPart<typeof import('../../src/docker/imagesChunk')>('images', modules);
    const missing = path.join(tmp, 'no-such-folder');
    await assert.rejects(build.readBuildContext(missing), (err: unknown) => {
      assert.ok(err instanceof BuildContextError, `${String(err)} is the handed-over BuildContextError`);
      assert.match((err as Error).message, /is not a folder/);
      return true;
    });
  });

  test("the images part and the doctor part say their messages through the @vscode/l10n they were handed, dist/extension.js's copy that activation configured", async () => {
    // A stand-in for the handed copy that marks what it is asked, unformatted: a copy of the package in the part would format it.
    const t = (m: string | { message: string }) => `⟦${typeof m === 'string' ? m : m.message}⟧`;
    const images = loadPart<typeof import('../../src/docker/imagesChunk')>('images', handedOver('src/docker/imagesModule.ts', { '@vscode/l10n': { t } }));
    await assert.rejects(images.readBuildContext(path.join(tmp, 'no-such-folder')), (err: Error) => {
      assert.match(err.message, /^⟦"\{0\}" is not a folder: /);
      return true;
    });
    const doctor = loadPart<typeof import('../../src/instances/doctorChunk')>('doctor', handedOver('src/instances/doctorModule.ts', { '@vscode/l10n': { t } }));
    const report = await doctor.runDoctor(emptyDoctorInput(tmp));
    assert.equal(report.checks.find((c) => c.id === 'ports')?.detail, '⟦Skipped: no instances are configured ({0} is 0).⟧');
  });

  test("the doctor part tells the EngineError class it was handed by instanceof: the engine check's fix for an engine address from bad settings", async () => {
    const modules = handedOver('src/instances/doctorModule.ts');
    const { EngineError } = modules['src/docker/errors.ts'] as typeof import('../../src/docker/errors');
    const doctor = loadPart<typeof import('../../src/instances/doctorChunk')>('doctor', modules);
    const refused = new EngineError('DOCKER_CONTEXT names "gone", which has no meta.json: run docker context ls.', 'settings');
    const engine = { address: 'unix:///var/run/docker.sock', isLocal: true, version: () => Promise.reject(refused) } as unknown as Parameters<typeof doctor.runDoctor>[0]['engine'];
    const report = await doctor.runDoctor({
      settings: DEFAULT_SETTINGS,
      engine,
      instances: [],
      checkPort: async () => ({ free: true }),
      diskSpace: async (folder) => ({ checkedPath: folder, freeBytes: 500 * 1024 ** 3 }),
      totalMemoryBytes: 64 * 1024 ** 3,
      home: tmp,
    });
    const check = report.checks.find((c) => c.id === 'engine');
    assert.equal(check?.ok, false, JSON.stringify(check));
    // Only an EngineError of kind 'settings' gets this fix; a copy of the class in the part would give the "Start Docker" one.
    assert.match(check?.fix ?? '', /^Fix what the message names/, JSON.stringify(check));
  });

  test('the images part formats sizes with the modules it was handed', () => {
    const pull = loadPart<typeof import('../../src/docker/imagesChunk')>('images', handedOver('src/docker/imagesModule.ts'));
    assert.equal(typeof pull.pullImage, 'function');
    assert.match(pull.formatBytes(3_000_000), /^3(\.0)? MB$/);
  });

  test('the simRun part tells the SimPythonError class it was handed by instanceof: a run refused as not ready offers Start Instance', async () => {
    const modules = simRunModules();
    const { SimPythonError } = modules['src/instances/simPython.ts'] as typeof import('../../src/instances/simPython');
    const part = loadPart<typeof import('../../src/commands/simRunChunk')>('simRun', modules);
    const refused = new SimPythonError('not-ready', 'instance-0 is starting, not ready: wait until it is ready, then run the code again.');
    const records: import('../../src/commands/simRunFlow').SimRunRecord[] = [];
    const outputs: import('../../src/views/simPythonOutput').RunReport[] = [];
    const deps = {
      fleet: { connectAll: async () => undefined, redactor: { redact: (t: string) => t }, require: () => ({ runCode: () => Promise.reject(refused) }) },
      target: { plan: () => ({ kind: 'use', target: { host: 'local', index: 0 } }), remember: () => undefined, label: () => 'instance-0' },
      output: { report: (_doc: unknown, run: import('../../src/views/simPythonOutput').RunReport) => outputs.push(run) },
    } as unknown as import('../../src/commands/simRunFlow').SimRunDeps;
    const reported: { err: unknown; extra: readonly { title: string }[] }[] = [];
    await part.runInSim({ deps, record: (r) => records.push(r) }, 'file', [new FakeUri(path.join(tmp, 'hello.py'))], (err, extra) => reported.push({ err, extra }));
    // The block the part wrote (simRunReport.ts is the part's own), with no Problems entry: the run never reached the simulator.
    assert.equal(outputs.length, 1);
    assert.match(outputs[0].block, /instance-0 is starting, not ready/);
    assert.equal(outputs[0].problem, undefined);
    assert.equal(records[0]?.outcome, 'failed', JSON.stringify(records));
    assert.equal(reported.length, 1);
    assert.equal(reported[0].err, refused);
    // Only an instance of the handed-over class gets this button; a copy of the class in the part would give none.
    assert.deepEqual(reported[0].extra.map((a) => a.title), ['Start Instance']);
  });

  test("the simRun part's tools refuse bad input with an error of the OrchestratorError class they were handed", async () => {
    const modules = simRunModules();
    const { OrchestratorError } = modules['src/instances/errors.ts'] as typeof import('../../src/instances/errors');
    const { TOOL_NAMES } = modules['src/commands/lmToolNames.ts'] as typeof import('../../src/commands/lmToolNames');
    const part = loadPart<typeof import('../../src/commands/simRunChunk')>('simRun', modules);
    const fleet = { redactor: { redact: (t: string) => t } } as unknown as import('../../src/instances/fleet').FleetView;
    const tools = part.lmTools(fleet, () => undefined);
    assert.deepEqual([...tools.keys()].sort(), Object.values(TOOL_NAMES).sort());
    const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) } as unknown as import('vscode').CancellationToken;
    const options = { input: { instance: 'instance-0' }, toolInvocationToken: undefined } as unknown as import('vscode').LanguageModelToolInvocationOptions<unknown>;
    await assert.rejects(Promise.resolve(tools.get(TOOL_NAMES.run)!.invoke(options, token)), (err: Error) => {
      assert.ok(err.cause instanceof OrchestratorError, `${String(err.cause)} is the handed-over OrchestratorError`);
      assert.match(err.message, /^No code was given\. Send the Python source to run in "code"/);
      return true;
    });
  });
});
