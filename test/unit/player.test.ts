/**
 * 4.2's player script on a local engine (src/instances/player.ts): a host copy with the instance's
 * own signalling port, bound over the image's; the image's file read once per image. The engine is a
 * fake (pure ordering and file logic); test/engine/manager.test.ts serves the bound file from the
 * stand-in on a real engine.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { ContainerCreateOptions } from 'dockerode';
import type { ImageConfig } from '../../src/instances/engineApi';
import { OrchestratorError } from '../../src/instances/errors';
import { playerFileFor, preparePlayer } from '../../src/instances/player';
import { DEFAULT_SETTINGS, type Settings } from '../../src/instances/settings';
import { buildContainerSpec } from '../../src/instances/spec';
import { StartReads } from '../../src/instances/startReads';
import { VERSIONS } from '../../src/instances/versions';
import { FakeEngine } from './fakeEngine';

const PLAYER = VERSIONS['4.2'].playerScript!;
const ORIGINAL = 'const signalingPort = 49100; connect(host, 49100);\n';
const ID = `sha256:${'a'.repeat(64)}`;
const IMAGE: ImageConfig = { id: ID, user: '', entrypoint: [], env: [], tags: ['isaac-sim:4.2.0'] };
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function settingsIn(): Settings {
  const root = mkdtempSync(path.join(os.tmpdir(), 'player-test-'));
  dirs.push(root);
  return { ...DEFAULT_SETTINGS, hostDataRoot: root };
}

/** A local fake engine whose image holds `content` at the player path; it records its calls. */
function engineWith(content: string | undefined, opts: { isLocal?: boolean } = {}) {
  const calls: string[] = [];
  const created: ContainerCreateOptions[] = [];
  const engine = new FakeEngine(
    {
      create: async (body) => (calls.push(`create ${body.name}`), created.push(body), 'reader-id'),
      readFile: async (id, file) => (calls.push(`readFile ${id} ${file}`), content === undefined ? undefined : Buffer.from(content)),
      remove: async (id) => void calls.push(`remove ${id}`),
    },
    { isLocal: opts.isLocal ?? true },
  );
  return { engine, calls, created };
}

const ctx = (settings: Settings, reads: StartReads, index: number, signalPort: number | undefined, image: ImageConfig | undefined = IMAGE) => ({
  settings,
  version: '4.2' as const,
  image,
  index,
  signalPort,
  home: os.homedir(),
  reads,
});

describe('preparePlayer (4.2, local engine)', () => {
  test('writes the instance\'s copy with its own port, read out of a container made for it and removed again', async () => {
    const settings = settingsIn();
    const { engine, calls, created } = engineWith(ORIGINAL);
    const plan = await preparePlayer(engine, ctx(settings, new StartReads(), 2, 36253));
    assert.equal(plan.playerFile, playerFileFor(settings, 2, os.homedir()));
    assert.equal(readFileSync(plan.playerFile!, 'utf8'), 'const signalingPort = 36253; connect(host, 36253);\n');
    assert.equal(calls.length, 3, calls.join('\n'));
    assert.match(calls[0], /^create isaac-sim-orchestrator-read-2-[0-9a-f]{8}$/, 'a name of its own: a second window reads at the same time');
    assert.deepEqual(calls.slice(1), [`readFile reader-id ${PLAYER.path}`, 'remove reader-id']);
    assert.equal(created[0].Labels?.['dev.isaac-sim-orchestrator.owner'], 'isaac-sim-orchestrator', 'the reader is labelled ours');
    assert.equal(created[0].Labels?.['dev.isaac-sim-orchestrator.instance'], undefined, 'and is no instance');
    assert.ok(existsSync(path.join(settings.hostDataRoot, 'cache/player', `${'a'.repeat(64)}.js`)), 'the image\'s file is kept by image ID');
  });

  test('the image is read once: at once by the same session, from the host copy by the next', async () => {
    const settings = settingsIn();
    const { engine, calls } = engineWith(ORIGINAL);
    const reads = new StartReads();
    const plans = await Promise.all([1, 2, 3].map((i) => preparePlayer(engine, ctx(settings, reads, i, 36250 + i))));
    assert.equal(calls.filter((c) => c.startsWith('readFile')).length, 1, calls.join('\n'));
    plans.forEach((p, k) => assert.match(readFileSync(p.playerFile!, 'utf8'), new RegExp(`= ${36251 + k};`)));
    const next = engineWith('never read');
    const plan = await preparePlayer(next.engine, ctx(settings, new StartReads(), 4, 36254));
    assert.deepEqual(next.calls, [], 'a new session reads the host copy, not the image');
    assert.match(readFileSync(plan.playerFile!, 'utf8'), /= 36254;/);
  });

  test('two windows starting the same instance at once: each reads with a reader of its own, both write the copy', async () => {
    const settings = settingsIn();
    const a = engineWith(ORIGINAL);
    const b = engineWith(ORIGINAL);
    const plans = await Promise.all([preparePlayer(a.engine, ctx(settings, new StartReads(), 1, 36251)), preparePlayer(b.engine, ctx(settings, new StartReads(), 1, 36251))]);
    assert.deepEqual(plans.map((p) => p.playerFile), [playerFileFor(settings, 1, os.homedir()), playerFileFor(settings, 1, os.homedir())]);
    const readers = [...a.created, ...b.created].map((c) => c.name);
    assert.equal(new Set(readers).size, readers.length, `reader names differ: ${readers.join(', ')}`);
    assert.match(readFileSync(plans[0].playerFile!, 'utf8'), /= 36251;/);
  });

  test('an image without an ID is read each session, and nothing is kept on disk', async () => {
    const settings = settingsIn();
    const { engine, calls } = engineWith(ORIGINAL);
    await preparePlayer(engine, ctx(settings, new StartReads(), 1, 36251, { ...IMAGE, id: undefined }));
    await preparePlayer(engine, ctx(settings, new StartReads(), 1, 36251, { ...IMAGE, id: undefined }));
    assert.equal(calls.filter((c) => c.startsWith('readFile')).length, 2);
    assert.equal(existsSync(path.join(settings.hostDataRoot, 'cache/player')), false);
  });

  test('the default port needs no copy; a remote engine copies after create; no bind then', async () => {
    const settings = settingsIn();
    const { engine, calls } = engineWith(ORIGINAL);
    assert.deepEqual(await preparePlayer(engine, ctx(settings, new StartReads(), 0, PLAYER.port)), {});
    const remote = engineWith(ORIGINAL, { isLocal: false });
    assert.deepEqual(await preparePlayer(remote.engine, ctx(settings, new StartReads(), 1, 36251)), { afterCreate: true });
    assert.deepEqual([...calls, ...remote.calls], [], 'nothing read');
  });

  test('an image without the file, or a file without 49100: a note and no bind; a host copy of such a file is not made', async () => {
    const settings = settingsIn();
    const missing = await preparePlayer(engineWith(undefined).engine, ctx(settings, new StartReads(), 1, 36251));
    assert.equal(missing.playerFile, undefined);
    assert.match(missing.note ?? '', /instance-1's web client could not be given its signalling port 36251: .*kit-player\.js is not in the image\. Its page connects to 49100/);
    const other = await preparePlayer(engineWith('port = 1234').engine, ctx(settings, new StartReads(), 1, 36251));
    assert.match(other.note ?? '', /does not contain 49100/);
    assert.equal(existsSync(playerFileFor(settings, 1, os.homedir())), false);
  });

  test('a host data root that is a file: a settings error naming isaacSim.hostDataRoot, and no container made', async () => {
    const parent = settingsIn().hostDataRoot;
    const file = path.join(parent, 'not-a-folder');
    writeFileSync(file, 'x');
    // The image's file comes from memory, so only the write can fail.
    const reads = new StartReads();
    await reads.imageFile(ID, PLAYER.path, async () => Buffer.from(ORIGINAL));
    const { engine, calls } = engineWith(ORIGINAL);
    const err = await preparePlayer(engine, ctx({ ...DEFAULT_SETTINGS, hostDataRoot: file }, reads, 1, 36251)).catch((e: unknown) => e);
    assert.ok(err instanceof OrchestratorError, String(err));
    assert.equal(err.kind, 'settings');
    assert.equal(err.setting, 'isaacSim.hostDataRoot');
    assert.match(err.message, /Could not write instance-1's web client ".*not-a-folder\/player\/instance-1\/kit-player\.js" \((ENOTDIR|EEXIST)\)/);
    assert.deepEqual(calls, []);
  });
});

describe('the spec binds the copy read-only over the image\'s player', () => {
  test('with a player file: one more bind, and another spec hash (an older container is recreated)', () => {
    const settings = settingsIn();
    const file = playerFileFor(settings, 1, os.homedir());
    const plain = buildContainerSpec(settings, 1, { version: '4.2', home: os.homedir() });
    const bound = buildContainerSpec(settings, 1, { version: '4.2', home: os.homedir(), playerFile: file });
    assert.deepEqual(bound.HostConfig.Binds, [...plain.HostConfig.Binds, `${file}:${PLAYER.path}:ro`]);
    assert.notEqual(bound.Labels['dev.isaac-sim-orchestrator.spec-hash'], plain.Labels['dev.isaac-sim-orchestrator.spec-hash']);
    // Versions without a player script never bind one.
    const five = buildContainerSpec(settings, 1, { version: '4.5-5.x', home: os.homedir(), playerFile: file });
    assert.ok(!five.HostConfig.Binds.some((b) => b.includes('kit-player')));
  });
});
