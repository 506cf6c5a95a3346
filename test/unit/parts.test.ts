/**
 * The parts of the extension that load on first use (src/docker/mainModules.ts, scripts/build.mjs):
 * dist/doctor.js, dist/images.js (builds and pulls) and dist/simRun.js (Run in Sim and the Language
 * Model tools), as the build wrote them. Each holds its own code and none of dist/extension.js's:
 * what it shares it reads from the modules its loader hands over, so a class it throws is the class
 * the rest of the extension tests for. dist/simRun.js requires `vscode`, which these tests fake.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import * as l10n from '@vscode/l10n';
import { loadWithMainModules, type MainModules } from '../../src/docker/mainModules';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';
import { emptyDoctorInput } from './doctorFixture';

const repo = path.resolve(__dirname, '../../..');
const dist = (file: string) => path.join(repo, 'dist', file);
const requireFresh = createRequire(__filename);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'parts-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Each part, its loader, and messages only that part's own code says. */
const PARTS = [
  { name: 'doctor', loader: 'src/instances/doctorModule.ts', own: ['is in use by another program'] },
  { name: 'images', loader: 'src/docker/imagesModule.ts', own: ["too many for a web viewer's build context", 'limits how often images may be pulled'] },
  { name: 'simRun', loader: 'src/commands/simRunModule.ts', own: ['so it has no selection', 'The input must be a JSON object with the fields the tool declares'] },
];

/** What dist/simRun.js reads of the VS Code API in the calls below. */
class FakeUri {
  constructor(readonly fsPath: string) {}
}
const fakeVscode = {
  Uri: FakeUri,
  // vscode.l10n.t without a bundle: English, formatted as @vscode/l10n does.
  l10n: { t: l10n.t },
  ProgressLocation: { Notification: 15 },
  window: {
    withProgress: (_options: unknown, task: (progress: unknown, token: unknown) => Promise<unknown>) => task({}, { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) }),
  },
  workspace: {
    isTrusted: true,
    asRelativePath: (uri: FakeUri) => path.basename(uri.fsPath),
    openTextDocument: async (uri: FakeUri) => ({ uri, getText: () => 'print("hello")\n' }),
  },
};

/** Runs `load` with `vscode` resolved to the fake (for dist/simRun.js and the modules of ours that its loader hands over). */
function withFakeVscode<T>(load: () => T): T {
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = loader._resolveFilename;
  const fakeId = path.join(tmp, '__fake_vscode__.js');
  requireFresh.cache[fakeId] = { id: fakeId, filename: fakeId, loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
  loader._resolveFilename = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fakeId : original.call(Module, request, ...rest));
  try {
    return load();
  } finally {
    loader._resolveFilename = original;
  }
}

/**
 * The modules a loader hands over, as its source lists them, taken from the compiled tree (out/src);
 * `doubles` stand in for modules that need more of VS Code than the fake has.
 */
function handedOver(loader: string, doubles: MainModules = {}): MainModules {
  const source = readFileSync(path.join(repo, loader), 'utf8');
  const keys = [...source.matchAll(/^\s*'(src\/[^']+)\.ts':/gm)].map((m) => `${m[1]}.ts`);
  // A shared package (scripts/parts.mjs SHARED_PACKAGES), handed over whole: the copy these tests load.
  const packages = [...source.matchAll(/^\s*'(@vscode\/l10n)':/gm)].map((m) => m[1]);
  assert.ok(keys.length > 0, `${loader} hands over modules`);
  for (const k of Object.keys(doubles)) assert.ok(keys.includes(k) || packages.includes(k), `${loader} hands over ${k}`);
  return withFakeVscode(() =>
    Object.fromEntries([...keys.map((k) => [k, doubles[k] ?? (requireFresh(path.join(repo, 'out', k.replace(/\.ts$/, ''))) as object)]), ...packages.map((p) => [p, doubles[p] ?? (requireFresh(p) as object)])]),
  );
}

/** What dist/simRun.js is handed, with a double of hosts.ts (whose tree imports need a real VS Code): the runs below pass no instance in their arguments. */
const simRunModules = () => handedOver('src/commands/simRunModule.ts', { 'src/commands/hosts.ts': { targetsFromArgs: () => assert.fail('targetsFromArgs: the run names no instance') } });

/** Loads dist/<name>.js anew (not from require's cache). */
function loadPart<T>(name: string, modules?: MainModules): T {
  const file = dist(`${name}.js`);
  delete requireFresh.cache[file];
  return withFakeVscode(() => (modules ? loadWithMainModules(modules, () => requireFresh(file) as T) : (requireFresh(file) as T)));
}

describe('the parts loaded on first use', () => {
  const main = readFileSync(dist('extension.js'), 'utf8');

  for (const part of PARTS) {
    test(`dist/extension.js requires ./${part.name}.js and does not hold its code; dist/${part.name}.js does`, () => {
      assert.match(main, new RegExp(`require\\(["']\\./${part.name}\\.js["']\\)`));
      for (const own of part.own) {
        assert.ok(!main.includes(own), `dist/extension.js says "${own}", which belongs to dist/${part.name}.js`);
        assert.ok(readFileSync(dist(`${part.name}.js`), 'utf8').includes(own), `dist/${part.name}.js says "${own}"`);
      }
    });

    test(`dist/${part.name}.js loaded without its loader names the module it lacks and the loader`, () => {
      assert.throws(() => loadPart(part.name), (err: Error) => {
        assert.match(err.message, new RegExp(`^dist/${part.name}\\.js needs (src/[\\w/]+\\.ts|@vscode/l10n) of dist/extension\\.js: load it through ${part.loader.replace('.', '\\.')}`));
        return true;
      });
    });
  }

  test('the modules handed over are gone once a part has loaded', () => {
    loadPart('doctor', handedOver('src/instances/doctorModule.ts'));
    assert.equal(Object.getOwnPropertySymbols(globalThis).some((s) => s.description === 'isaac-sim-orchestrator.main-modules'), false);
  });

  test("dist/images.js throws the BuildContextError class it was handed, not a copy of its own", async () => {
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

  test("dist/images.js and dist/doctor.js say their messages through the @vscode/l10n they were handed, dist/extension.js's copy that activation configured", async () => {
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

  test("dist/doctor.js tells the EngineError class it was handed by instanceof: the engine check's fix for an engine address from bad settings", async () => {
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

  test('dist/images.js formats sizes with the modules it was handed', () => {
    const pull = loadPart<typeof import('../../src/docker/imagesChunk')>('images', handedOver('src/docker/imagesModule.ts'));
    assert.equal(typeof pull.pullImage, 'function');
    assert.match(pull.formatBytes(3_000_000), /^3(\.0)? MB$/);
  });

  test('dist/simRun.js tells the SimPythonError class it was handed by instanceof: a run refused as not ready offers Start Instance', async () => {
    const modules = simRunModules();
    const { SimPythonError } = modules['src/instances/simPython.ts'] as typeof import('../../src/instances/simPython');
    const part = loadPart<typeof import('../../src/commands/simRunChunk')>('simRun', modules);
    const refused = new SimPythonError('not-ready', 'instance-0 is starting, not ready: wait until it is ready, then run the code again.');
    const records: import('../../src/commands/simRunFlow').SimRunRecord[] = [];
    const outputs: string[] = [];
    const deps = {
      fleet: { connectAll: async () => undefined, redactor: { redact: (t: string) => t }, require: () => ({ runCode: () => Promise.reject(refused) }) },
      target: { plan: () => ({ kind: 'use', target: { host: 'local', index: 0 } }), remember: () => undefined, label: () => 'instance-0' },
      output: { report: (_doc: unknown, _header: unknown, outcome: { kind: string }) => outputs.push(outcome.kind) },
    } as unknown as import('../../src/commands/simRunFlow').SimRunDeps;
    const reported: { err: unknown; extra: readonly { title: string }[] }[] = [];
    await part.runInSim({ deps, record: (r) => records.push(r) }, 'file', [new FakeUri(path.join(tmp, 'hello.py'))], (err, extra) => reported.push({ err, extra }));
    assert.deepEqual(outputs, ['failed']);
    assert.equal(records[0]?.outcome, 'failed', JSON.stringify(records));
    assert.equal(reported.length, 1);
    assert.equal(reported[0].err, refused);
    // Only an instance of the handed-over class gets this button; a copy of the class in the part would give none.
    assert.deepEqual(reported[0].extra.map((a) => a.title), ['Start Instance']);
  });

  test("dist/simRun.js's tools refuse bad input with an error of the OrchestratorError class they were handed", async () => {
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
