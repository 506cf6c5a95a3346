/**
 * Loading the parts of dist/ (src/docker/mainModules.ts) in unit tests: with `vscode` faked, and
 * with the modules a loader hands over taken from the compiled tree. Used by parts.test.ts and
 * lazyParts.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import * as l10n from '@vscode/l10n';
import { loadWithMainModules, type MainModules } from '../../src/docker/mainModules';

export const repo = path.resolve(__dirname, '../../..');
export const dist = (file: string) => path.join(repo, 'dist', file);
const requireFresh = createRequire(__filename);
export const tmp = mkdtempSync(path.join(os.tmpdir(), 'parts-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** What dist/simRun.js reads of the VS Code API in the calls below. */
export class FakeUri {
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
export function withFakeVscode<T>(load: () => T): T {
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
export function handedOver(loader: string, doubles: MainModules = {}): MainModules {
  const source = readFileSync(path.join(repo, loader), 'utf8');
  const keys = [...source.matchAll(/^\s*'(src\/[^']+)\.ts':/gm)].map((m) => `${m[1]}.ts`);
  // A shared package (scripts/parts.mjs SHARED_PACKAGES), handed over whole: the copy these tests load.
  const packages = [...source.matchAll(/^\s*'(@vscode\/l10n)':/gm)].map((m) => m[1]);
  assert.ok(keys.length + packages.length > 0, `${loader} hands over modules`);
  for (const k of Object.keys(doubles)) assert.ok(keys.includes(k) || packages.includes(k), `${loader} hands over ${k}`);
  return withFakeVscode(() =>
    Object.fromEntries([...keys.map((k) => [k, doubles[k] ?? (requireFresh(path.join(repo, 'out', k.replace(/\.ts$/, ''))) as object)]), ...packages.map((p) => [p, doubles[p] ?? (requireFresh(p) as object)])]),
  );
}

/** What dist/simRun.js is handed, with a double of hosts.ts (whose tree imports need a real VS Code): the runs below pass no instance in their arguments. */
export const simRunModules = () => handedOver('src/commands/simRunModule.ts', { 'src/commands/hosts.ts': { targetsFromArgs: () => assert.fail('targetsFromArgs: the run names no instance') } });

/** Loads dist/<name>.js anew (not from require's cache). */
export function loadPart<T>(name: string, modules?: MainModules): T {
  const file = dist(`${name}.js`);
  delete requireFresh.cache[file];
  return withFakeVscode(() => (modules ? loadWithMainModules(modules, () => requireFresh(file) as T) : (requireFresh(file) as T)));
}
