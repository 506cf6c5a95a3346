/**
 * The parts of the extension that load on first use (src/docker/mainModules.ts, scripts/build.mjs):
 * dist/doctor.js and dist/images.js (builds and pulls), as the build wrote them. Each holds its own code
 * and none of dist/extension.js's: what it shares it reads from the modules its loader hands over,
 * so a class it throws is the class the rest of the extension tests for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadWithMainModules, type MainModules } from '../../src/docker/mainModules';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';

const repo = path.resolve(__dirname, '../../..');
const dist = (file: string) => path.join(repo, 'dist', file);
const requireFresh = createRequire(__filename);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'parts-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Each part, its loader, and messages only that part's own code says. */
const PARTS = [
  { name: 'doctor', loader: 'src/instances/doctorModule.ts', own: ['is in use by another program'] },
  { name: 'images', loader: 'src/docker/imagesModule.ts', own: ["too many for a web viewer's build context", 'limits how often images may be pulled'] },
];

/** The modules a loader hands over, as its source lists them, taken from the compiled tree (out/src). */
function handedOver(loader: string): MainModules {
  const keys = [...readFileSync(path.join(repo, loader), 'utf8').matchAll(/^\s*'(src\/[^']+)\.ts':/gm)].map((m) => m[1]);
  assert.ok(keys.length > 0, `${loader} hands over modules`);
  return Object.fromEntries(keys.map((k) => [`${k}.ts`, requireFresh(path.join(repo, 'out', k)) as object]));
}

/** Loads dist/<name>.js anew (not from require's cache). */
function loadPart<T>(name: string, modules?: MainModules): T {
  const file = dist(`${name}.js`);
  delete requireFresh.cache[file];
  return modules ? loadWithMainModules(modules, () => requireFresh(file) as T) : (requireFresh(file) as T);
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
        assert.match(err.message, new RegExp(`^dist/${part.name}\\.js needs src/[\\w/]+\\.ts of dist/extension\\.js: load it through ${part.loader.replace('.', '\\.')}`));
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
});
