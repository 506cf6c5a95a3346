/**
 * 4.2's web client and the instance's own signalling port.
 *
 * Design note
 * - 4.2's kit-player.js hard-codes signalling port 49100; an instance on another port needs a copy
 *   with its own port, as OmniGibson's Dockerfile makes with sed (sources in versions.ts, [og]).
 * - On a local engine the copy is a host file, `<hostDataRoot>/player/instance-N/kit-player.js`,
 *   bind-mounted read-only over the image's file: writing it is a local file write, where copying it
 *   into each new container through the archive API cost two of the slowest engine calls a start
 *   makes (they queue behind each other when several instances start at once).
 * - The image's own file is read once per image: from memory, else from a host copy keyed by image
 *   ID (`<hostDataRoot>/cache/player/<id>.js`), else out of a container made from the image for the
 *   read and never started (removed again at once). An image ID names content, so the copy can
 *   never be stale.
 * - A remote engine's host is not ours to write: there the copy still goes into the created
 *   container (`givePlayerItsPort` below), and the spec has no bind.
 */
import * as l10n from '@vscode/l10n';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageConfig, InstanceEngine } from './engineApi';
import { OrchestratorError } from './errors';
import { OWNER_LABEL, OWNER_VALUE, instanceLabel } from './model';
import type { Settings } from './settings';
import { expandHome, layoutOf } from './spec';
import type { StartReads } from './startReads';
import { VERSIONS, type VersionId } from './versions';

export interface PlayerPlan {
  /** Host file to bind over the image's player script (set: the spec binds it). */
  playerFile?: string;
  /** Copy the script into the created container instead (remote engine, or a layout without host folders). */
  afterCreate?: boolean;
  /** Why the page cannot be given its port (shown to the user), when it cannot. */
  note?: string;
}

/**
 * The image's player script with the instance's signalling port in place of NVIDIA's, or the note for
 * the user when the image has no such file or the file has no such port.
 */
function withSignalPort(original: Buffer | undefined, player: { path: string; port: number }, signalPort: number, label: string, signalSetting: string): { content: Buffer } | { note: string } {
  const needle = String(player.port);
  if (!original || !original.includes(needle)) {
    return {
      note: l10n.t('{0}\'s web client could not be given its signalling port {1}: {2} {3}. Its page connects to {4}, so on this host only the instance on signalling port {5} ({6}) can stream.', label, signalPort, player.path, original ? l10n.t('does not contain {0}', needle) : l10n.t('is not in the image'), needle, needle, signalSetting),
    };
  }
  return { content: Buffer.from(original.toString('utf8').split(needle).join(String(signalPort)), 'utf8') };
}

export function playerFileFor(settings: Settings, index: number, home: string): string {
  return path.posix.join(expandHome(settings.hostDataRoot, home), 'player', instanceLabel(index), 'kit-player.js');
}

interface PlayerContext {
  settings: Settings;
  version: VersionId;
  image: ImageConfig | undefined;
  index: number;
  signalPort: number | undefined;
  home: string;
  reads: StartReads;
  /** The setting the signal port's base is read from (an endpoint's own, or the top-level one; default), named in the note. */
  signalSetting?: string;
}

const TOP_SIGNAL_SETTING = 'isaacSim.signalPortBase';

/** What the start does about the player script: nothing, a host file to bind, or a copy after create. */
export async function preparePlayer(engine: InstanceEngine, ctx: PlayerContext): Promise<PlayerPlan> {
  const player = VERSIONS[ctx.version].playerScript;
  if (!player || ctx.signalPort === undefined || ctx.signalPort === player.port) return {};
  if (!engine.isLocal || layoutOf({ version: ctx.version, image: ctx.image }) !== 'root') return { afterCreate: true };
  const root = expandHome(ctx.settings.hostDataRoot, ctx.home);
  const original = await ctx.reads.imageFile(ctx.image?.id, player.path, () => readFromImage(engine, ctx.settings.image, ctx.image?.id, player.path, root, ctx.index));
  const rewritten = withSignalPort(original, player, ctx.signalPort, instanceLabel(ctx.index), ctx.signalSetting ?? TOP_SIGNAL_SETTING);
  if ('note' in rewritten) return { note: rewritten.note };
  const { content } = rewritten;
  const file = playerFileFor(ctx.settings, ctx.index, ctx.home);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    // A running instance of an earlier start may be serving the file: replace it whole, never
    // half-written; the temporary name is this start's own (a second window may write it at once).
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, content, { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new OrchestratorError(
      l10n.t('Could not write {0}\'s web client "{1}" ({2}): set isaacSim.hostDataRoot to a folder you can write. Nothing was created.', instanceLabel(ctx.index), file, code),
      'settings',
      'isaacSim.hostDataRoot',
      { cause: err },
    );
  }
  return { playerFile: file };
}

/** The image's own file: the host copy of an earlier read, else read out of a container made for it. */
async function readFromImage(engine: InstanceEngine, image: string, imageId: string | undefined, filePath: string, root: string, index: number): Promise<Buffer | undefined> {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(imageId ?? '')?.[1];
  const copy = hex ? path.posix.join(root, 'cache', 'player', `${hex}${path.posix.extname(filePath)}`) : undefined;
  if (copy) {
    const known = await readFile(copy).catch(() => undefined);
    if (known) return known;
  }
  // A name of its own: a second window starting the same instance at the same moment makes its own.
  const name = `isaac-sim-orchestrator-read-${index}-${randomUUID().slice(0, 8)}`;
  const id = await engine.create({ name, Image: image, Entrypoint: ['/bin/true'], Cmd: [], Labels: { [OWNER_LABEL]: OWNER_VALUE }, HostConfig: { NetworkMode: 'host', RestartPolicy: { Name: 'no' } } });
  let content: Buffer | undefined;
  try {
    content = await engine.readFile(id, filePath);
  } finally {
    await engine.remove(id, true).catch(() => undefined);
  }
  if (content && copy) {
    // Best effort: without the copy the next session reads the image again.
    const tmp = `${copy}.${randomUUID()}.tmp`;
    await mkdir(path.dirname(copy), { recursive: true })
      .then(() => writeFile(tmp, content))
      .then(() => rename(tmp, copy))
      .catch(() => undefined);
  }
  return content;
}

/**
 * The remote engine's way (see the design note): the copy with the instance's own port is written
 * into the created container before it starts. `readOriginal` reads the image's own file (the caller
 * answers from what it read of the same image before). Returns the note for the user when the page
 * cannot be given its port, naming `signalSetting` (where the signal port's base is set).
 */
export async function givePlayerItsPort(
  engine: InstanceEngine,
  containerId: string,
  version: VersionId,
  signalPort: number | undefined,
  label: string,
  readOriginal: (filePath: string) => Promise<Buffer | undefined>,
  signalSetting = TOP_SIGNAL_SETTING,
): Promise<string | undefined> {
  const player = VERSIONS[version].playerScript;
  if (!player || signalPort === undefined || signalPort === player.port) return undefined;
  const rewritten = withSignalPort(await readOriginal(player.path), player, signalPort, label, signalSetting);
  if ('note' in rewritten) return rewritten.note;
  await engine.writeFile(containerId, player.path, rewritten.content);
  return undefined;
}
