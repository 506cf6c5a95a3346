import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EngineError } from '../../src/docker/errors';
import { describePullError } from '../../src/docker/pull';
import { PullError } from '../../src/docker/pullErrors';
import { formatBytes, initialPullProgress, reducePullEvent, type PullEvent, type PullProgress } from '../../src/docker/pullProgress';
import { registryOf } from '../../src/docker/registryAuth';
import { IMAGE, last, progress, RECORDED } from './pullFixture';

function fold(events: PullEvent[], image = IMAGE): PullProgress[] {
  const states: PullProgress[] = [];
  let s = initialPullProgress(image);
  for (const e of events) {
    s = reducePullEvent(s, e);
    states.push(s);
  }
  return states;
}

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
