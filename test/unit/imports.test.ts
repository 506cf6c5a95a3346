/**
 * The shape of the house, read from the sources with TypeScript's own import scanner: no import
 * circles (type-only imports count too: a circle is a design fault even when the compiler erases
 * it), each layer imports only the layers below it, and no source file is over 400 lines.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const SRC = path.resolve(__dirname, '../../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const FILES = sources(SRC);
const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');

/** Every relative import of `file`, resolved to a source file. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => {
      const base = path.resolve(path.dirname(file), name);
      const found = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => FILES.includes(c));
      assert.ok(found, `${rel(file)} imports ${name}, which is not a source file`);
      return found;
    });
}

const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

/** What each layer may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  docker: [],
  instances: ['docker'],
  webview: [],
  views: ['docker', 'instances', 'webview'],
  commands: ['docker', 'instances', 'views'],
  '.': ['docker', 'instances', 'views', 'commands', 'webview'],
};
const layerOf = (f: string) => (rel(f).includes('/') ? rel(f).split('/')[0] : '.');

describe('the source tree', () => {
  test('scans what it should: the sources and their imports', () => {
    assert.ok(FILES.length > 30, `${FILES.length} source files`);
    assert.ok(GRAPH.get(path.join(SRC, 'instances/manager.ts'))?.includes(path.join(SRC, 'instances/store.ts')), 'manager.ts imports store.ts');
  });

  test('has no import circle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        circles.push([...trail.slice(trail.indexOf(f)), f].map(rel).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const next of GRAPH.get(f) ?? []) visit(next, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of FILES) visit(f, []);
    assert.deepEqual(circles, []);
  });

  test('each layer imports only the layers below it (docker/ nothing of ours, instances/ only docker/)', () => {
    const wrong: string[] = [];
    for (const [f, deps] of GRAPH) {
      const layer = layerOf(f);
      for (const d of deps) {
        // The webview page may use the domain's vocabulary (state kinds), nothing else of it.
        if (layer === 'webview' && rel(d) === 'instances/model.ts') continue;
        if (layerOf(d) !== layer && !ALLOWED[layer].includes(layerOf(d))) wrong.push(`${rel(f)} → ${rel(d)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('no source file is over 400 lines', () => {
    const long = FILES.map((f) => ({ f: rel(f), n: readFileSync(f, 'utf8').split('\n').length })).filter((x) => x.n > 400);
    assert.deepEqual(long, []);
  });
});
