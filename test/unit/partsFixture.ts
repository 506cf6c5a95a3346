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

/** What the simRun part reads of the VS Code API in the calls below. */
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

/** Runs `load` with `vscode` resolved to the fake (for the simRun part and the modules of ours that its loader hands over). */
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

/** What the simRun part is handed, with a double of hosts.ts (whose tree imports need a real VS Code): the runs below pass no instance in their arguments. */
export const simRunModules = () => handedOver('src/commands/simRunModule.ts', { 'src/commands/hosts.ts': { targetsFromArgs: () => assert.fail('targetsFromArgs: the run names no instance') } });

/** dist/parts.js required anew, not from require's cache: no part of it has run yet. */
export function freshPartsFile(): { load(part: string): unknown } {
  const file = dist('parts.js');
  delete requireFresh.cache[file];
  return requireFresh(file) as { load(part: string): unknown };
}

/** Loads part `name` of a fresh dist/parts.js, with `modules` handed over if given. */
export function loadPart<T>(name: string, modules?: MainModules): T {
  const parts = freshPartsFile();
  const load = () => parts.load(name) as T;
  return withFakeVscode(() => (modules ? loadWithMainModules(modules, load) : load()));
}

/** The parts that scripts/parts.mjs builds into dist/parts.js (parts.test.ts checks each one). */
export const PART_NAMES = ['doctor', 'images', 'simRun', 'simView', 'ssh', 'rare', 'linearRegex', 'figures'];

/**
 * Each part's code in dist/parts.js, by name: from the head of its function to the next part's head
 * (of those in `names`, by default all of them). The heads are found in a development build (`"doctor": function (module, …) {`)
 * and in a minified one (`doctor:function(e,…){`).
 */
export function partSources(names: readonly string[] = PART_NAMES): Map<string, string> {
  const text = readFileSync(dist('parts.js'), 'utf8');
  const heads = names.map((name) => {
    const match = new RegExp(`[{,]\\s*"?${name}"?\\s*:\\s*function\\s*\\(`).exec(text);
    assert.ok(match, `dist/parts.js has a function for the ${name} part`);
    return { name, at: match.index };
  });
  heads.sort((a, b) => a.at - b.at);
  return new Map(heads.map(({ name, at }, i) => [name, text.slice(at, heads[i + 1]?.at ?? text.length)]));
}
