/**
 * src/boot.ts: the entry point runs a CommonJS bundle as `require` would, with a V8 code cache that
 * is written when missing or refused and used when V8 accepts it; and the build wires it to
 * dist/extension.js by the bundle's hash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { codeCacheFile, loadWithCodeCache } from '../../src/boot';

const repo = path.resolve(__dirname, '../../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'boot-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Sample {
  filename: string;
  dirname: string;
  helper: string;
  sum(...xs: number[]): number;
  fail(): never;
}

/** A bundle like ours: requires a file next to it and a Node module, and reads its own paths. */
function writeBundle(dir: string): string {
  writeFileSync(path.join(dir, 'helper.js'), 'module.exports = "helper next to the bundle";\n');
  const file = path.join(dir, 'bundle.js');
  writeFileSync(
    file,
    [
      '"use strict";',
      'const path = require("node:path");',
      'module.exports = {',
      '  filename: __filename, dirname: __dirname, helper: require("./helper.js"),',
      '  sum: (...xs) => xs.reduce((a, b) => a + b, 0),',
      '  fail() { throw new Error("from the bundle " + path.basename(__filename)); },',
      '};',
      '',
    ].join('\n'),
  );
  return file;
}

describe('loadWithCodeCache', () => {
  test('runs the file as require would, writes a cache when there is none, then uses it', async () => {
    const dir = mkdtempSync(path.join(tmp, 'a-'));
    const file = writeBundle(dir);
    const storage = path.join(dir, 'storage');
    const cache = codeCacheFile(storage, file, 'abc123');
    const first = loadWithCodeCache<Sample>(file, cache);
    assert.equal(first.exports.filename, file);
    assert.equal(first.exports.dirname, dir);
    assert.equal(first.exports.helper, 'helper next to the bundle');
    assert.equal(first.exports.sum(1, 2, 3), 6);
    assert.throws(() => first.exports.fail(), (err: Error) => err.message === 'from the bundle bundle.js' && err.stack!.includes(file));
    assert.equal(first.cacheNeeded, true, 'no cache yet');
    assert.equal(existsSync(cache), false, 'nothing is written before writeCache');

    mkdirSync(storage);
    writeFileSync(path.join(storage, 'code-cache-old-build.bin'), 'a cache of an earlier build');
    await first.writeCache();
    assert.ok(readFileSync(cache).length > 0, 'the cache was written');
    assert.deepEqual(readdirSync(storage), [path.basename(cache)], 'the earlier build\'s cache and no partial file are left');

    const second = loadWithCodeCache<Sample>(file, cache);
    assert.equal(second.cacheNeeded, false, 'V8 accepted the cache');
    assert.equal(second.exports.sum(4, 5), 9);
    assert.equal(second.exports.helper, 'helper next to the bundle');
  });

  test('a cache V8 refuses is ignored and written again', async () => {
    const dir = mkdtempSync(path.join(tmp, 'b-'));
    const file = writeBundle(dir);
    const cache = codeCacheFile(dir, file, 'abc123');
    writeFileSync(cache, Buffer.alloc(4096, 7));
    const loaded = loadWithCodeCache<Sample>(file, cache);
    assert.equal(loaded.exports.sum(2, 2), 4);
    assert.equal(loaded.cacheNeeded, true);
    await loaded.writeCache();
    assert.equal(loadWithCodeCache<Sample>(file, cache).cacheNeeded, false);
  });

  test('a cache that cannot be written is skipped without an error', async () => {
    const dir = mkdtempSync(path.join(tmp, 'c-'));
    const file = writeBundle(dir);
    writeFileSync(path.join(dir, 'not-a-folder'), '');
    const cache = codeCacheFile(path.join(dir, 'not-a-folder'), file, 'abc123');
    const loaded = loadWithCodeCache<Sample>(file, cache);
    await loaded.writeCache(); // resolves: no error reaches the caller
    assert.equal(existsSync(cache), false);
  });

  test('the cache file names the bundle (its hash and modification time), V8 and the CPU', () => {
    const dir = mkdtempSync(path.join(tmp, 'd-'));
    const file = writeBundle(dir);
    utimesSync(file, 1_000, 1_000);
    const modified = (1_000_000).toString(36);
    assert.equal(codeCacheFile('/s', file, 'h1'), path.join('/s', `code-cache-h1-${modified}-${process.versions.v8}-${process.arch}.bin`));
    assert.notEqual(codeCacheFile('/s', file, 'h1'), codeCacheFile('/s', file, 'h2'));
    const before = codeCacheFile('/s', file, 'h1');
    utimesSync(file, 2_000, 2_000); // the same bundle rebuilt: same length, so V8 alone would take the old cache
    assert.notEqual(codeCacheFile('/s', file, 'h1'), before);
  });
});

describe('the built entry point', () => {
  test('package.json points at dist/boot.js, which carries the hash of the dist/extension.js built with it', () => {
    const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { main: string };
    assert.equal(manifest.main, './dist/boot.js');
    const hash = createHash('sha256').update(readFileSync(path.join(repo, 'dist/extension.js'))).digest('hex').slice(0, 16);
    assert.ok(readFileSync(path.join(repo, 'dist/boot.js'), 'utf8').includes(JSON.stringify(hash)), `dist/boot.js names ${hash}`);
  });

  test('dist/extension.js has no dynamic import(), which a vm.Script without an import callback could not run', () => {
    assert.doesNotMatch(readFileSync(path.join(repo, 'dist/extension.js'), 'utf8'), /\bimport\(/);
  });
});
