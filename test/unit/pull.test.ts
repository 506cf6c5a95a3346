import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as l10n from '@vscode/l10n';
import Docker from 'dockerode';
import fc from 'fast-check';
import type { DockerEngine } from '../../src/docker/engine';
import { EngineError } from '../../src/docker/errors';
import { describePullError, pullImage } from '../../src/docker/pull';
import { PullCancelledError, PullError } from '../../src/docker/pullErrors';
import { formatBytes, initialPullProgress, reducePullEvent, type PullEvent, type PullProgress } from '../../src/docker/pullProgress';
import { registryOf } from '../../src/docker/registryAuth';

const IMAGE = 'nvcr.io/nvidia/isaac-sim:4.2.0';

function fold(events: PullEvent[], image = IMAGE): PullProgress[] {
  const states: PullProgress[] = [];
  let s = initialPullProgress(image);
  for (const e of events) {
    s = reducePullEvent(s, e);
    states.push(s);
  }
  return states;
}

const last = <T>(xs: T[]): T => xs[xs.length - 1];
const progress = (current: number, total: number) => ({ current, total });

/** What dockerd 20.10 printed for a pull of a 3-layer image whose base layer was already there. */
const RECORDED: PullEvent[] = [
  { status: 'Pulling from isaac-sim-standin', id: 'exp' },
  { status: 'Already exists', progressDetail: {}, id: 'f6e50aa0fc03' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '9c00bc880036' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '37adcc2e9020' },
  { status: 'Downloading', progressDetail: progress(36412, 3001132), progress: '[>    ]  36.41kB/3.001MB', id: '9c00bc880036' },
  { status: 'Downloading', progressDetail: progress(1166, 1166), progress: '[=====>]  1.166kB/1.166kB', id: '37adcc2e9020' },
  { status: 'Verifying Checksum', progressDetail: {}, id: '37adcc2e9020' },
  { status: 'Download complete', progressDetail: {}, id: '37adcc2e9020' },
  { status: 'Verifying Checksum', progressDetail: {}, id: '9c00bc880036' },
  { status: 'Download complete', progressDetail: {}, id: '9c00bc880036' },
  { status: 'Extracting', progressDetail: progress(32768, 3001132), id: '9c00bc880036' },
  { status: 'Extracting', progressDetail: progress(3001132, 3001132), id: '9c00bc880036' },
  { status: 'Pull complete', progressDetail: {}, id: '9c00bc880036' },
  { status: 'Extracting', progressDetail: progress(1166, 1166), id: '37adcc2e9020' },
  { status: 'Pull complete', progressDetail: {}, id: '37adcc2e9020' },
  { status: 'Digest: sha256:05d8c08da82071bb6412ddd22de9fcc16c3a190db140df26cd31a37215e24a7e' },
  { status: 'Status: Downloaded newer image for 127.0.0.1:5055/isaac-sim-standin:exp' },
];

describe('reducePullEvent', () => {
  test('before any event: no layers, fraction unknown, a message that names the registry', () => {
    const s = initialPullProgress(IMAGE);
    assert.deepEqual(s.layers, []);
    assert.equal(s.fraction, undefined);
    assert.equal(s.bytesDone, 0);
    assert.equal(s.bytesTotal, 0);
    assert.equal(s.message, 'Contacting nvcr.io…');
    assert.equal(s.done, false);
  });

  test('"Pulling from" carries the tag in id: not a layer', () => {
    const [s] = fold([{ status: 'Pulling from nvidia/isaac-sim', id: '4.2.0' }]);
    assert.deepEqual(s.layers, []);
    assert.equal(s.fraction, undefined);
  });

  test('a recorded pull: layers, bytes, fraction and messages step by step', () => {
    const states = fold(RECORDED, '127.0.0.1:5055/isaac-sim-standin:exp');
    const at = (i: number) => states[i];
    // Already exists: a layer, but no work and no bytes.
    assert.deepEqual(at(1).layers, [{ id: 'f6e50aa0fc03', status: 'Already exists', phase: 'exists', current: undefined, total: undefined, size: undefined }]);
    assert.equal(at(1).message, 'The only layer is already here; finishing…');
    // Two layers announced, sizes unknown: fraction 0, bytes unknown.
    assert.equal(at(3).layers.length, 3);
    assert.equal(at(3).fraction, 0);
    assert.equal(at(3).message, 'Downloaded 0 of 2 layers — 0 B so far');
    // First Downloading: the big layer's size becomes known.
    assert.equal(at(4).bytesDone, 36412);
    assert.equal(at(4).bytesTotal, 3001132);
    assert.equal(at(4).layers[1].phase, 'downloading');
    assert.equal(at(4).layers[1].size, 3001132);
    assert.equal(at(4).message, 'Downloaded 0 of 2 layers — 36 kB so far');
    // Both sizes known.
    assert.equal(at(5).bytesTotal, 3001132 + 1166);
    assert.equal(at(5).bytesDone, 36412 + 1166);
    assert.equal(at(5).message, 'Downloaded 0 of 2 layers — 38 kB of 3.0 MB');
    // Verifying Checksum counts as downloaded.
    assert.equal(at(6).layers[2].phase, 'downloaded');
    assert.equal(at(7).message, 'Downloaded 1 of 2 layers — 38 kB of 3.0 MB');
    // Everything downloaded: bytes done == total, extraction ahead.
    assert.equal(at(9).bytesDone, at(9).bytesTotal);
    assert.equal(at(9).fraction, 0.5);
    assert.equal(at(9).message, 'Extracting layer 1 of 2 — 3.0 MB downloaded');
    assert.equal(at(10).layers[1].phase, 'extracting');
    assert.equal(at(12).layers[1].phase, 'complete');
    assert.equal(at(12).message, 'Extracting layer 2 of 2 — 3.0 MB downloaded');
    assert.equal(at(14).message, 'Extracted 2 layers; finishing…');
    assert.equal(at(14).fraction, 1);
    // Digest and final status.
    assert.equal(at(15).digest, 'sha256:05d8c08da82071bb6412ddd22de9fcc16c3a190db140df26cd31a37215e24a7e');
    const end = last(states);
    assert.equal(end.done, true);
    assert.equal(end.upToDate, false);
    assert.equal(end.fraction, 1);
    assert.equal(end.message, 'Pulled 127.0.0.1:5055/isaac-sim-standin:exp — 3.0 MB');
    assert.deepEqual(
      end.layers.map((l) => [l.id, l.phase]),
      [
        ['f6e50aa0fc03', 'exists'],
        ['9c00bc880036', 'complete'],
        ['37adcc2e9020', 'complete'],
      ],
    );
    // The fraction never goes back.
    const fractions = states.map((s) => s.fraction ?? 0);
    for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i] >= fractions[i - 1], `fraction went back at event ${i}`);
  });

  test('Isaac-sized pull: "Downloaded N of M layers — X MB of Y GB" once every size is known', () => {
    const ids = ['a1', 'b2', 'c3', 'd4', 'e5', 'f6', 'g7'].map((x) => x.repeat(6));
    const sizes = [900e6, 600e6, 250e6, 100e6, 30e6, 12e6, 8e6];
    const events: PullEvent[] = [
      { status: 'Pulling from nvidia/isaac-sim', id: '4.2.0' },
      ...ids.map((id) => ({ status: 'Pulling fs layer', progressDetail: {}, id })),
      ...ids.slice(3).map((id) => ({ status: 'Waiting', progressDetail: {}, id })),
      ...ids.map((id, i) => ({ status: 'Downloading', progressDetail: progress(0, sizes[i]), id })),
      { status: 'Downloading', progressDetail: progress(300e6, sizes[0]), id: ids[0] },
      ...ids.slice(4).flatMap((id) => [
        { status: 'Verifying Checksum', progressDetail: {}, id },
        { status: 'Download complete', progressDetail: {}, id },
      ]),
    ];
    const s = last(fold(events));
    assert.equal(s.bytesTotal, 1.9e9);
    assert.equal(s.bytesDone, 300e6 + 30e6 + 12e6 + 8e6);
    assert.equal(s.message, 'Downloaded 3 of 7 layers — 350 MB of 1.9 GB');
    assert.ok(s.fraction !== undefined && s.fraction > 0 && s.fraction < 0.5);
  });

  test('Retrying keeps the layer downloading; the last status text is kept', () => {
    const states = fold([
      { status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' },
      { status: 'Downloading', progressDetail: progress(10, 100), id: 'aaaaaaaaaaaa' },
      { status: 'Retrying in 5 seconds', progressDetail: {}, id: 'aaaaaaaaaaaa' },
    ]);
    const layer = last(states).layers[0];
    assert.equal(last(states).message, 'Downloaded 0 of 1 layer — 0 B of 100 B');
    assert.equal(layer.phase, 'downloading');
    assert.equal(layer.status, 'Retrying in 5 seconds');
    assert.equal(layer.size, 100);
  });

  test('an image that is already up to date is done at once', () => {
    const states = fold([
      { status: 'Pulling from isaac-sim-standin', id: 'exp' },
      { status: 'Digest: sha256:05d8c08da82071bb6412ddd22de9fcc16c3a190db140df26cd31a37215e24a7e' },
      { status: 'Status: Image is up to date for 127.0.0.1:5055/isaac-sim-standin:exp' },
    ]);
    const s = last(states);
    assert.equal(s.done, true);
    assert.equal(s.upToDate, true);
    assert.equal(s.fraction, 1);
    assert.equal(s.message, `${IMAGE} is up to date`);
  });

  test('an error event records the engine message', () => {
    const states = fold([
      { status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' },
      { errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' },
    ]);
    const s = last(states);
    assert.equal(s.error, 'unauthorized: authentication required');
    assert.equal(s.message, 'Pull failed: unauthorized: authentication required');
    assert.equal(s.done, false);
    // An error without errorDetail counts too.
    assert.equal(reducePullEvent(initialPullProgress(IMAGE), { error: 'write /var/lib/docker/tmp/x: no space left on device' }).error, 'write /var/lib/docker/tmp/x: no space left on device');
  });

  test('events it cannot read change nothing', () => {
    const s = initialPullProgress(IMAGE);
    assert.equal(reducePullEvent(s, {}), s);
    assert.equal(reducePullEvent(s, { status: 'Some future status line' }), s);
    assert.equal(reducePullEvent(s, { id: 'x', progressDetail: progress(1, 2) } as PullEvent), s);
    assert.equal(reducePullEvent(s, 'garbage' as unknown as PullEvent), s);
    assert.equal(reducePullEvent(s, { status: 5 } as unknown as PullEvent), s);
  });

  test('any event sequence: fraction in 0..1 and never decreasing, bytes done ≤ total, done means 1', () => {
    const statuses = ['Pulling fs layer', 'Waiting', 'Downloading', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete', 'Already exists', 'Retrying in 1 second'];
    const event = fc.record({
      status: fc.constantFrom(...statuses),
      id: fc.constantFrom('aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc', 'dddddddddddd'),
      progressDetail: fc.option(
        fc.tuple(fc.nat(5_000_000_000), fc.integer({ min: 1, max: 5_000_000_000 })).map(([c, t]) => ({ current: Math.min(c, t), total: t })),
        { nil: undefined },
      ),
    });
    const tail = fc.constantFrom<PullEvent[]>([], [{ status: 'Status: Downloaded newer image for x' }]);
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), tail, (events, end) => {
        let previous = 0;
        let s = initialPullProgress(IMAGE);
        for (const e of [...events, ...end]) {
          s = reducePullEvent(s, e);
          if (s.fraction !== undefined) {
            assert.ok(s.fraction >= 0 && s.fraction <= 1);
            assert.ok(s.fraction >= previous);
            previous = s.fraction;
          }
          assert.ok(s.bytesDone <= s.bytesTotal, `${s.bytesDone} > ${s.bytesTotal}`);
          assert.ok(s.message.length > 0 && s.message.length < 120);
        }
        if (end.length > 0) assert.equal(s.fraction, 1);
      }),
    );
  });
});

describe('formatBytes', () => {
  test('decimal units like the Docker CLI', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(36412), '36 kB');
    assert.equal(formatBytes(3001132), '3.0 MB');
    assert.equal(formatBytes(412e6), '412 MB');
    assert.equal(formatBytes(1.9e9), '1.9 GB');
    assert.equal(formatBytes(21.4e9), '21 GB');
    assert.equal(formatBytes(999.7e6), '1.0 GB');
  });
});

describe('registryOf', () => {
  test('the registry part of an image reference', () => {
    assert.equal(registryOf('nvcr.io/nvidia/isaac-sim:4.2.0'), 'nvcr.io');
    assert.equal(registryOf('127.0.0.1:5055/isaac-sim-standin:pulltest'), '127.0.0.1:5055');
    assert.equal(registryOf('localhost/foo'), 'localhost');
    assert.equal(registryOf('Registry.Example.com/a/b@sha256:abc'), 'registry.example.com');
    assert.equal(registryOf('isaac-sim-standin:latest'), 'docker.io');
    assert.equal(registryOf('library/ubuntu'), 'docker.io');
    assert.equal(registryOf('ubuntu'), 'docker.io');
  });
});

describe('describePullError', () => {
  test('nvcr.io unauthorized: names the image, docker login nvcr.io, $oauthtoken and an NGC API key', () => {
    const e = describePullError(IMAGE, { statusCode: 500, json: { message: 'Head "https://nvcr.io/v2/nvidia/isaac-sim/manifests/4.2.0": unauthorized: authentication required' } });
    assert.ok(e instanceof PullError && e instanceof EngineError);
    assert.equal(e.failure, 'unauthorized');
    assert.equal(e.image, IMAGE);
    assert.equal(e.statusCode, 500);
    assert.match(e.message, /^Could not pull "nvcr\.io\/nvidia\/isaac-sim:4\.2\.0": nvcr\.io refused access/);
    assert.match(e.message, /docker login nvcr\.io/);
    assert.match(e.message, /\$oauthtoken/);
    assert.match(e.message, /NGC API key/);
  });

  test('no credentials at all, another registry: docker login HOST', () => {
    const e = describePullError('127.0.0.1:5056/x:y', { json: { message: 'Head "http://127.0.0.1:5056/v2/x/manifests/y": no basic auth credentials' } });
    assert.equal(e.failure, 'unauthorized');
    assert.match(e.message, /run "docker login 127\.0\.0\.1:5056"/);
  });

  test('Docker Hub "pull access denied": log in, or the repository may not exist', () => {
    const e = describePullError('someone/private:1', "pull access denied for someone/private, repository does not exist or may require 'docker login': denied: requested access to the resource is denied");
    assert.equal(e.failure, 'unauthorized');
    assert.match(e.message, /run "docker login"/);
    assert.match(e.message, /may also not exist/);
  });

  test('manifest unknown: check the tag', () => {
    const e = describePullError('nvcr.io/nvidia/isaac-sim:4.2.1', {
      statusCode: 404,
      json: { message: 'manifest for nvcr.io/nvidia/isaac-sim:4.2.1 not found: manifest unknown: manifest unknown' },
    });
    assert.equal(e.failure, 'not-found');
    assert.match(e.message, /^Could not pull "nvcr\.io\/nvidia\/isaac-sim:4\.2\.1": nvcr\.io has no such image or tag/);
    assert.match(e.message, /Check the tag in isaacSim\.image/);
  });

  test('registry unreachable: check the registry and the engine host network', () => {
    for (const raw of [
      'Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      'Get "https://nvcr.io/v2/": dial tcp: lookup nvcr.io on 10.0.0.53:53: no such host',
      'Get "https://nvcr.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
    ]) {
      const e = describePullError('nvcr.io/nvidia/isaac-sim:4.2.0', { statusCode: 500, json: { message: raw } });
      assert.equal(e.failure, 'registry-unreachable', raw);
      assert.match(e.message, /could not reach the registry nvcr\.io/);
      assert.match(e.message, /proxy/);
    }
  });

  test('plain-HTTP registry, TLS trouble, bad reference, full disk, rate limit, unknown', () => {
    assert.match(describePullError('reg.lan:5000/x', 'Get "https://reg.lan:5000/v2/": http: server gave HTTP response to HTTPS client').message, /insecure-registries/);
    assert.match(describePullError('reg.lan/x', 'Get "https://reg.lan/v2/": x509: certificate signed by unknown authority').message, /certs\.d\/reg\.lan\/ca\.crt/);
    const bad = describePullError('Bad_Name:1', { statusCode: 400, json: { message: 'invalid reference format: repository name must be lowercase' } });
    assert.equal(bad.failure, 'invalid-reference');
    assert.match(bad.message, /"Bad_Name:1" is not a valid image reference/);
    assert.equal(describePullError(IMAGE, 'failed to register layer: write /x: no space left on device').failure, 'disk-full');
    assert.equal(describePullError('ubuntu', 'toomanyrequests: You have reached your pull rate limit.').failure, 'rate-limited');
    const other = describePullError(IMAGE, 'something odd');
    assert.equal(other.failure, 'other');
    assert.equal(other.message, `Could not pull "${IMAGE}": something odd.`);
  });

  test('dockerode HTTP errors: the "(HTTP code …) … -" prefix is dropped', () => {
    const e = describePullError(IMAGE, Object.assign(new Error('(HTTP code 404) unexpected - manifest unknown '), { statusCode: 404 }));
    assert.equal(e.failure, 'not-found');
    assert.match(e.message, /\(manifest unknown\)/);
  });

  test('engine unreachable: the engine message with the address', () => {
    const e = describePullError(IMAGE, Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }), { engineAddress: 'unix:///var/run/docker.sock' });
    assert.equal(e.failure, 'engine-unreachable');
    assert.equal(e.unreachable, true);
    assert.match(e.message, /Docker engine unreachable at unix:\/\/\/var\/run\/docker\.sock/);
  });
});

// authFor, mayReceiveCredentials and the messages of refused credentials: test/unit/credentials.test.ts.

describe('pullImage against a scripted engine stream', () => {
  // A stand-in engine: `docker.pull` hands back a stream we write engine lines into; the real
  // docker-modem follows it. No socket is ever opened.
  function scriptedEngine(address = 'unix:///nonexistent.sock') {
    const stream = new PassThrough();
    const calls: Array<{ image: string; opts: Record<string, unknown> }> = [];
    const modem = new Docker({ socketPath: '/nonexistent.sock' }).modem;
    const engine = {
      address,
      docker: {
        modem,
        pull: async (image: string, opts: Record<string, unknown>) => {
          calls.push({ image, opts });
          return stream;
        },
      },
    } as unknown as DockerEngine;
    const send = (...events: PullEvent[]) => events.forEach((e) => stream.write(JSON.stringify(e) + '\r\n'));
    return { engine, stream, calls, send };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  test('resolves after "Status:", reporting every state', async () => {
    const { engine, stream, send } = scriptedEngine();
    const seen: PullProgress[] = [];
    const done = pullImage(engine, '127.0.0.1:5055/isaac-sim-standin:exp', (p) => seen.push(p), undefined, { credentials: null });
    await tick();
    send(...RECORDED);
    stream.end();
    await done;
    assert.equal(seen[0].fraction, undefined);
    assert.equal(last(seen).done, true);
    assert.equal(last(seen).fraction, 1);
  });

  test('an error line rejects with a PullError at once', async () => {
    const { engine, send, stream } = scriptedEngine();
    const done = pullImage(engine, IMAGE, () => undefined, undefined, { credentials: null });
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' }, { errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' });
    await assert.rejects(done, (e: unknown) => e instanceof PullError && e.failure === 'unauthorized' && /docker login nvcr\.io/.test(e.message));
    assert.equal(stream.destroyed, true);
  });

  test('a stream that ends before "Status:" is an interrupted pull', async () => {
    const { engine, send, stream } = scriptedEngine();
    const done = pullImage(engine, IMAGE, () => undefined, undefined, { credentials: null });
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    stream.end();
    await assert.rejects(done, (e: unknown) => e instanceof PullError && e.failure === 'interrupted' && e.message.includes(IMAGE));
  });

  test('abort: rejects with the cancelled message and destroys the stream', async () => {
    const { engine, send, stream } = scriptedEngine();
    const controller = new AbortController();
    const done = pullImage(engine, IMAGE, (p) => p.layers.length > 0 && controller.abort(), controller.signal, { credentials: null }).catch((e: unknown) => e);
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    const err = await done;
    assert.ok(err instanceof PullCancelledError);
    assert.equal(err.name, 'AbortError');
    assert.equal(err.message, `Pull of "${IMAGE}" was cancelled; nothing was started.`);
    assert.equal(stream.destroyed, true);
  });

  test('aborted while the engine is asked: cancelled, the stream is closed', async () => {
    const { engine, stream } = scriptedEngine();
    const controller = new AbortController();
    await assert.rejects(pullImage(engine, IMAGE, () => controller.abort(), controller.signal, { credentials: null }), PullCancelledError);
    assert.equal(stream.destroyed, true);
  });

  test('already aborted: the engine is never asked', async () => {
    const { engine, calls } = scriptedEngine();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(pullImage(engine, IMAGE, () => undefined, controller.signal), PullCancelledError);
    assert.equal(calls.length, 0);
  });

  test('credentials from the Docker config go to a local engine, never to a remote one', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'pull-auth-'));
    mkdirSync(path.join(home, '.docker'));
    writeFileSync(path.join(home, '.docker/config.json'), JSON.stringify({ auths: { 'nvcr.io': { auth: Buffer.from('$oauthtoken:k').toString('base64') } } }));
    try {
      for (const [address, expected] of [
        ['unix:///var/run/docker.sock', { username: '$oauthtoken', password: 'k', serveraddress: 'nvcr.io' }],
        ['tcp://192.0.2.1:2375', undefined],
      ] as const) {
        const { engine, calls, send, stream } = scriptedEngine(address);
        const done = pullImage(engine, IMAGE, () => undefined, undefined, { home, env: {} });
        await tick();
        send({ status: 'Status: Image is up to date for nvcr.io/nvidia/isaac-sim:4.2.0' });
        stream.end();
        await done;
        assert.deepEqual(calls[0].opts.authconfig, expected, address);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('pullWithProgress (with a minimal fake of the VS Code API)', () => {
  interface Report {
    message?: string;
    increment?: number;
  }
  const notifications: Array<{ options: { location: number; cancellable?: boolean; title?: string }; reports: Report[]; cancel: () => void }> = [];
  const fakeVscode = {
    // vscode.l10n.t without a bundle: English, formatted as @vscode/l10n does.
    l10n: { t: l10n.t },
    ProgressLocation: { Notification: 15 },
    window: {
      withProgress: (options: { location: number; cancellable?: boolean; title?: string }, task: (p: { report(r: Report): void }, t: unknown) => Promise<unknown>) => {
        const listeners: Array<() => void> = [];
        const token = {
          isCancellationRequested: false,
          onCancellationRequested: (fn: () => void) => {
            listeners.push(fn);
            return { dispose: () => listeners.splice(listeners.indexOf(fn), 1) };
          },
        };
        const entry = { options, reports: [] as Report[], cancel: () => [...listeners].forEach((fn) => fn()) };
        notifications.push(entry);
        return task({ report: (r) => entry.reports.push(r) }, token);
      },
    },
  };
  // Load src/views/pullProgress with `vscode` resolved to the fake, then put the resolver back.
  function loadPullProgress(): typeof import('../../src/views/pullProgress') {
    const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
    const original = loader._resolveFilename;
    const fakeId = path.join(__dirname, '__fake_vscode__.js');
    require.cache[fakeId] = { id: fakeId, filename: fakeId, loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
    loader._resolveFilename = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fakeId : original.call(Module, request, ...rest));
    try {
      return createRequire(__filename)('../../src/views/pullProgress') as typeof import('../../src/views/pullProgress');
    } finally {
      loader._resolveFilename = original;
    }
  }
  const { pullWithProgress } = loadPullProgress();

  function memoryLog() {
    const lines: string[] = [];
    const at = (level: string) => (m: string) => lines.push(`${level} ${m}`);
    return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), trace: at('trace') } as unknown as import('vscode').LogOutputChannel };
  }
  function scripted() {
    const stream = new PassThrough();
    const modem = new Docker({ socketPath: '/nonexistent.sock' }).modem;
    // A tcp engine elsewhere: pullImage does not even look for credentials.
    const engine = { address: 'tcp://192.0.2.1:2375', docker: { modem, pull: async () => stream } } as unknown as DockerEngine;
    return { engine, stream, send: (...events: PullEvent[]) => events.forEach((e) => stream.write(JSON.stringify(e) + '\n')) };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  test('a cancellable notification titled "Pulling IMAGE": the bar fills to 100 %, messages from PullProgress, steps logged', async () => {
    notifications.length = 0;
    const { engine, stream, send } = scripted();
    const { lines, log } = memoryLog();
    const image = '127.0.0.1:5055/isaac-sim-standin:exp';
    const done = pullWithProgress(engine, image, log);
    await tick();
    send(...RECORDED);
    stream.end();
    await done;
    assert.equal(notifications.length, 1);
    const [n] = notifications;
    assert.deepEqual(n.options, { location: 15, cancellable: true, title: `Pulling ${image}` });
    const total = n.reports.reduce((sum, r) => sum + (r.increment ?? 0), 0);
    assert.ok(Math.abs(total - 100) < 1e-9, `increments add up to ${total}`);
    assert.ok(n.reports.every((r) => r.increment === undefined || r.increment > 0));
    const messages = n.reports.flatMap((r) => (r.message ? [r.message] : []));
    assert.equal(messages[0], 'Contacting 127.0.0.1:5055…');
    assert.equal(messages[messages.length - 1], `Pulled ${image} — 3.0 MB`);
    assert.ok(lines.includes(`info Image ${image} is not on the engine at tcp://192.0.2.1:2375; pulling it.`), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('debug Pull of') && l.includes('9c00bc880036 Pull complete (3.0 MB)')), lines.join('\n'));
    assert.ok(lines.some((l) => new RegExp(`^info Pulled ${image.replace(/[.]/g, '\\.')} in \\d+\\.\\d s, 3\\.0 MB downloaded \\(sha256:05d8`).test(l)), lines.join('\n'));
  });

  test('cancelling the notification cancels the pull; a second start of the same image shares it', async () => {
    notifications.length = 0;
    const { engine, send, stream } = scripted();
    const { lines, log } = memoryLog();
    const first = pullWithProgress(engine, IMAGE, log).catch((e: unknown) => e);
    const second = pullWithProgress(engine, IMAGE, log).catch((e: unknown) => e);
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    await tick();
    assert.equal(notifications.length, 1, 'one notification for one image');
    notifications[0].cancel();
    const [a, b] = await Promise.all([first, second]);
    assert.ok(a instanceof PullCancelledError);
    assert.equal(b, a);
    assert.equal(stream.destroyed, true);
    assert.ok(lines.includes(`info Pull of ${IMAGE}: cancelled by the user.`));
    assert.ok(lines.includes(`info Pull of "${IMAGE}" was cancelled; nothing was started.`));
    // Once settled, a new start pulls again.
    const again = scripted();
    const third = pullWithProgress(again.engine, IMAGE, log);
    await tick();
    again.send({ status: 'Status: Image is up to date for x' });
    again.stream.end();
    await third;
    assert.equal(notifications.length, 2);
  });

  test('the caller\'s AbortSignal cancels too', async () => {
    const { engine, send, stream } = scripted();
    const { lines, log } = memoryLog();
    const controller = new AbortController();
    const done = pullWithProgress(engine, IMAGE, log, controller.signal);
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    controller.abort();
    await assert.rejects(done, PullCancelledError);
    assert.equal(stream.destroyed, true);
    assert.ok(lines.includes(`info Pull of ${IMAGE}: cancelled.`));
  });

  test('a failed pull is logged as an error and rejects with the PullError', async () => {
    const { engine, send } = scripted();
    const { lines, log } = memoryLog();
    const done = pullWithProgress(engine, IMAGE, log);
    await tick();
    send({ errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' });
    await assert.rejects(done, (e: unknown) => e instanceof PullError && e.failure === 'not-found');
    assert.ok(lines.some((l) => l.startsWith(`error Could not pull "${IMAGE}"`)));
  });
});
