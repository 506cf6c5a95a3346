/** specHash: which settings change a container's spec hash, and which do not. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Settings } from '../../src/instances/settings';
import { SPEC_HASH_LABEL, buildContainerSpec, specHash } from '../../src/instances/spec';
import { VERSIONS, VERSION_IDS } from '../../src/instances/versions';
import { HOME, ctx, settings } from './specFixture';

describe('specHash', () => {
  test('stable for identical settings built separately', () => {
    const a = buildContainerSpec(settings({ env: { A: '1' } }), 1, ctx());
    const b = buildContainerSpec(settings({ env: { A: '1' } }), 1, ctx());
    assert.equal(a.Labels[SPEC_HASH_LABEL], b.Labels[SPEC_HASH_LABEL]);
    assert.equal(specHash(a), a.Labels[SPEC_HASH_LABEL]);
  });

  test('ignores the spec-hash label itself and label order', () => {
    const body = buildContainerSpec(settings(), 0, ctx());
    const h = body.Labels[SPEC_HASH_LABEL];
    const reordered = { ...body, Labels: Object.fromEntries(Object.entries(body.Labels).reverse()) };
    reordered.Labels[SPEC_HASH_LABEL] = 'something-else';
    assert.equal(specHash(reordered), h);
  });

  const changes: Array<[string, Partial<Settings>]> = [
    ['image', { image: 'nvcr.io/nvidia/isaac-sim:4.5.0' }],
    ['entrypoint', { entrypoint: ['/isaac-sim/runheadless.sh'] }],
    ['privacyConsent', { privacyConsent: true }],
    ['gpus (round-robin list whose first id differs)', { gpus: '1,0' }],
    ['portArgs', { portArgs: ['--p={httpPort}'] }],
    ['extraArgs', { extraArgs: ['--x'] }],
    ['env', { env: { A: '1' } }],
    ['runtime', { runtime: '' }],
    ['gpus', { gpus: '0' }],
    ['memoryLimitGiB', { memoryLimitGiB: 16 }],
    ['hostDataRoot', { hostDataRoot: '/srv/isaac' }],
    ['httpPortBase', { httpPortBase: 9211 }],
    ['signalPortBase', { signalPortBase: 50000 }],
    ['host (via a {host} port arg)', { portArgs: ['--h={host}'], host: 'other' }],
  ];
  // httpPortBase null means the version's own 8211 for 4.2: setting it explicitly changes nothing.
  test('does not change when httpPortBase is set to the version\'s own port', () => {
    assert.equal(buildContainerSpec(settings({ httpPortBase: 8211 }), 0, ctx()).Labels[SPEC_HASH_LABEL], buildContainerSpec(settings(), 0, ctx()).Labels[SPEC_HASH_LABEL]);
  });

  test('changes with the version and, for 4.5-5.x, with the image user (the mounts change)', () => {
    const hashes = [
      ...VERSION_IDS.map((v) => buildContainerSpec(settings(), 0, ctx(HOME, v)).Labels[SPEC_HASH_LABEL]),
      buildContainerSpec(settings(), 0, ctx(HOME, '4.5-5.x', 'isaac-sim')).Labels[SPEC_HASH_LABEL],
    ];
    assert.equal(new Set(hashes).size, hashes.length);
  });

  test('6.x: changes with the host (ISAACSIM_HOST), even without a {host} argument', () => {
    assert.notEqual(
      buildContainerSpec(settings(), 0, ctx(HOME, '6.x')).Labels[SPEC_HASH_LABEL],
      buildContainerSpec(settings({ host: '10.0.0.2' }), 0, ctx(HOME, '6.x')).Labels[SPEC_HASH_LABEL],
    );
  });
  for (const [what, change] of changes) {
    test(`changes when ${what} changes`, () => {
      const base = buildContainerSpec(settings(what.startsWith('host') ? { portArgs: ['--h={host}'] } : {}), 0, ctx());
      const changed = buildContainerSpec(settings(change), 0, ctx());
      assert.notEqual(changed.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
    });
  }

  test('does not change for settings that are not part of the container (client URL, readiness, log tail, stop timeout)', () => {
    const base = buildContainerSpec(settings(), 0, ctx());
    const other = buildContainerSpec(
      settings({
        clientUrlTemplate: 'https://{host}:{httpPort}/other',
        webViewerUrlTemplate: 'https://{host}:{webViewerPort}/other',
        readinessPatterns: ['x'],
        logTailLines: 5,
        stopTimeoutSeconds: 1,
        instanceCount: 4,
        // Bases of port kinds 4.2 does not use.
        streamPortBase: 50100,
        webViewerPortBase: 50200,
      }),
      0,
      ctx(),
    );
    assert.equal(other.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
  });

  test('does not change when entrypoint/portArgs are set explicitly to what the version supplies anyway', () => {
    const base = buildContainerSpec(settings(), 0, ctx());
    const explicit = buildContainerSpec(settings({ entrypoint: ['/isaac-sim/runheadless.webrtc.sh'], portArgs: [...VERSIONS['4.2'].portArgs] }), 0, ctx());
    assert.equal(explicit.Labels[SPEC_HASH_LABEL], base.Labels[SPEC_HASH_LABEL]);
  });

  test('gpus "0,1": instance 0 keeps its hash when the list grows to "0,1,2"; "all" differs', () => {
    const a = buildContainerSpec(settings({ gpus: '0,1' }), 0, ctx());
    const b = buildContainerSpec(settings({ gpus: '0,1,2' }), 0, ctx());
    assert.equal(a.Labels[SPEC_HASH_LABEL], b.Labels[SPEC_HASH_LABEL]);
    assert.notEqual(a.Labels[SPEC_HASH_LABEL], buildContainerSpec(settings({ gpus: 'all' }), 0, ctx()).Labels[SPEC_HASH_LABEL]);
  });

  test('changes with the home folder (the binds change)', () => {
    assert.notEqual(buildContainerSpec(settings(), 0, ctx('/home/a')).Labels[SPEC_HASH_LABEL], buildContainerSpec(settings(), 0, ctx('/home/b')).Labels[SPEC_HASH_LABEL]);
  });
});
