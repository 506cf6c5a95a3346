/**
 * StartReads: the image reads every start repeats are made once (src/instances/startReads.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageConfig } from '../../src/instances/engineApi';
import { StartReads } from '../../src/instances/startReads';
import { FakeEngine } from './fakeEngine';

const CONFIG: ImageConfig = { id: 'sha256:aaa', user: '', entrypoint: [], env: [], tags: ['sim:4.2.0'] };

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('StartReads.imageConfig', () => {
  test('starts asking at the same time share one request; a later start asks again', async () => {
    const asked: string[] = [];
    const pending = deferred<ImageConfig | undefined>();
    const engine = new FakeEngine({ imageConfig: (image) => (asked.push(image), pending.promise) });
    const reads = new StartReads();
    const four = Promise.all([0, 1, 2, 3].map(() => reads.imageConfig(engine, 'sim:4.2.0')));
    assert.deepEqual(asked, ['sim:4.2.0'], 'one request for the four');
    pending.resolve(CONFIG);
    assert.deepEqual(await four, [CONFIG, CONFIG, CONFIG, CONFIG]);
    // Settled: the image may be pulled or removed before the next start, so it is asked again.
    const later = reads.imageConfig(engine, 'sim:4.2.0');
    assert.equal(asked.length, 2, 'asked again once the first answer came');
    await later;
  });

  test('other images and other engines are asked on their own; a failure reaches every waiter and is not kept', async () => {
    const asked: string[] = [];
    const fail = deferred<ImageConfig | undefined>();
    const a = new FakeEngine({ imageConfig: (image) => (asked.push(`a ${image}`), image === 'bad' ? fail.promise : Promise.resolve(CONFIG)) });
    const b = new FakeEngine({ imageConfig: (image) => (asked.push(`b ${image}`), Promise.resolve(undefined)) });
    const reads = new StartReads();
    const [x, y, z] = await Promise.all([reads.imageConfig(a, 'sim'), reads.imageConfig(a, 'other'), reads.imageConfig(b, 'sim')]);
    assert.deepEqual([x, y, z], [CONFIG, CONFIG, undefined]);
    assert.deepEqual(asked.sort(), ['a other', 'a sim', 'b sim']);
    const both = [reads.imageConfig(a, 'bad'), reads.imageConfig(a, 'bad')];
    fail.reject(new Error('engine gone'));
    for (const p of both) await assert.rejects(p, /engine gone/);
    await reads.imageConfig(a, 'bad').catch(() => undefined);
    assert.equal(asked.filter((l) => l === 'a bad').length, 2, 'the failed read was not kept');
  });
});

describe('StartReads.imageFile', () => {
  test('one read per image ID serves every container of that image, at once or later', async () => {
    const reads: string[] = [];
    const engine = new FakeEngine({ readFile: (id, file) => (reads.push(`${id} ${file}`), Promise.resolve(Buffer.from(`of ${id}`))) });
    const cache = new StartReads();
    const first = await Promise.all(['c1', 'c2', 'c3'].map((c) => cache.imageFile('sha256:aaa', '/p.js', () => engine.readFile(c, '/p.js'))));
    assert.deepEqual(reads, ['c1 /p.js']);
    assert.deepEqual(first.map(String), ['of c1', 'of c1', 'of c1']);
    assert.equal(String(await cache.imageFile('sha256:aaa', '/p.js', () => engine.readFile('c4', '/p.js'))), 'of c1', 'a later start of the same image');
    await cache.imageFile('sha256:bbb', '/p.js', () => engine.readFile('c5', '/p.js'));
    await cache.imageFile('sha256:aaa', '/other.js', () => engine.readFile('c6', '/other.js'));
    assert.deepEqual(reads, ['c1 /p.js', 'c5 /p.js', 'c6 /other.js'], 'another image or another file is read');
  });

  test('without an image ID every container is read; a missing file or a failed read is read again next time', async () => {
    let n = 0;
    const answers: Array<() => Promise<Buffer | undefined>> = [
      () => Promise.resolve(Buffer.from('x')),
      () => Promise.resolve(Buffer.from('y')),
      () => Promise.resolve(undefined),
      () => Promise.reject(new Error('archive failed')),
      () => Promise.resolve(Buffer.from('z')),
    ];
    const engine = new FakeEngine({ readFile: () => answers[n++]() });
    const cache = new StartReads();
    assert.equal(String(await cache.imageFile(undefined, '/p.js', () => engine.readFile('c1', '/p.js'))), 'x');
    assert.equal(String(await cache.imageFile(undefined, '/p.js', () => engine.readFile('c2', '/p.js'))), 'y');
    assert.equal(await cache.imageFile('sha256:aaa', '/p.js', () => engine.readFile('c3', '/p.js')), undefined);
    await assert.rejects(cache.imageFile('sha256:aaa', '/p.js', () => engine.readFile('c4', '/p.js')), /archive failed/);
    assert.equal(String(await cache.imageFile('sha256:aaa', '/p.js', () => engine.readFile('c5', '/p.js'))), 'z');
    assert.equal(n, 5, 'each of these was a read');
  });

  test('keeps the files of at most 8 images', async () => {
    let n = 0;
    const engine = new FakeEngine({ readFile: () => (n++, Promise.resolve(Buffer.from('x'))) });
    const cache = new StartReads();
    for (let i = 0; i < 9; i++) await cache.imageFile(`sha256:${i}`, '/p.js', () => engine.readFile(`c${i}`, '/p.js'));
    await cache.imageFile('sha256:8', '/p.js', () => engine.readFile('again', '/p.js'));
    assert.equal(n, 9, 'the newest is kept');
    await cache.imageFile('sha256:0', '/p.js', () => engine.readFile('again', '/p.js'));
    assert.equal(n, 10, 'the oldest was let go');
  });
});
