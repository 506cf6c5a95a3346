/**
 * A build context as the engine's `/build` endpoint takes it: a tar of a folder. No `vscode` here.
 *
 * Design note
 * - The folder is read once into a list of entries (path, mode, content or link target). The same
 *   list gives the tar that is sent and the content hash that names the result, so an image is
 *   reused exactly until a byte, a mode or a file of its context changes.
 * - `.dockerignore` is honoured as the Docker CLI does, with @balena/dockerignore (the matcher
 *   dockerode itself uses); the Dockerfile and .dockerignore are always sent.
 * - The context is bounded (files and bytes): a setting that points at a whole checkout instead
 *   of the web viewer's folder gets an error that says so, instead of gigabytes sent to the engine.
 */
import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BuildContextError } from './buildErrors';

/** Bounds of a context: NVIDIA's web viewer folder is one Dockerfile. */
const CONTEXT_LIMITS = { files: 2000, bytes: 50 * 1024 * 1024 };

export interface ContextEntry {
  /** Path inside the context, with `/` separators. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  content?: Buffer;
  linkname?: string;
}

export interface BuildContext {
  dir: string;
  entries: ContextEntry[];
  /** sha256 over every entry's name, type, mode and content. */
  hash: string;
}

type IgnoreFilter = (name: string) => boolean;

async function ignoreFilter(dir: string): Promise<IgnoreFilter | undefined> {
  const text = await readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dockerignore = require('@balena/dockerignore') as (o?: { ignorecase?: boolean }) => { add(p: string): { createFilter(): IgnoreFilter } };
  return dockerignore({ ignorecase: false }).add(text).createFilter();
}

/** Reads `dir` (the folder with the Dockerfile) into a context. Throws BuildContextError. */
export async function readBuildContext(dir: string, dockerfile = 'Dockerfile'): Promise<BuildContext> {
  const top = await lstat(dir).catch(() => undefined);
  if (!top?.isDirectory()) throw new BuildContextError(l10n.t('"{0}" is not a folder: set it to the web viewer\'s folder in your IsaacSim checkout (tools/docker/web-viewer), which holds its Dockerfile.', dir));
  const keep = await ignoreFilter(dir);
  const entries: ContextEntry[] = [];
  let bytes = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(dir, rel))).sort();
    for (const base of names) {
      const name = rel ? `${rel}/${base}` : base;
      const always = name === dockerfile || name === '.dockerignore';
      if (keep && !always && !keep(name)) continue;
      const full = path.join(dir, name);
      const st = await lstat(full);
      if (entries.length >= CONTEXT_LIMITS.files) {
        throw new BuildContextError(l10n.t('"{0}" holds more than {1} files, too many for a web viewer\'s build context: point the setting at the web viewer\'s own folder (tools/docker/web-viewer in your IsaacSim checkout), not at a whole checkout.', dir, CONTEXT_LIMITS.files));
      }
      if (st.isDirectory()) {
        entries.push({ name, type: 'directory', mode: st.mode & 0o7777 });
        await walk(name);
      } else if (st.isSymbolicLink()) {
        entries.push({ name, type: 'symlink', mode: st.mode & 0o7777, linkname: await readlink(full) });
      } else if (st.isFile()) {
        bytes += st.size;
        if (bytes > CONTEXT_LIMITS.bytes) {
          throw new BuildContextError(l10n.t('"{0}" holds more than {1} MB, too much for a web viewer\'s build context: point the setting at the web viewer\'s own folder (tools/docker/web-viewer in your IsaacSim checkout).', dir, CONTEXT_LIMITS.bytes / 1024 / 1024));
        }
        entries.push({ name, type: 'file', mode: st.mode & 0o7777, content: await readFile(full) });
      }
    }
  };
  await walk('');
  if (!entries.some((e) => e.name === dockerfile && e.type === 'file')) {
    throw new BuildContextError(l10n.t('"{0}" has no {1}: set it to the web viewer\'s folder in your IsaacSim checkout (tools/docker/web-viewer), which holds its Dockerfile.', dir, dockerfile));
  }
  const hash = createHash('sha256');
  for (const e of entries) {
    hash.update(`${e.type} ${e.name} ${e.mode.toString(8)} ${e.content?.length ?? 0} ${e.linkname ?? ''}\n`);
    if (e.content) hash.update(e.content);
  }
  return { dir, entries, hash: hash.digest('hex') };
}

/** The context as a tar stream, for `POST /build`. Owner and times are fixed, so the tar depends on the content only. */
export function packBuildContext(context: BuildContext): Readable {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tar = require('tar-stream') as typeof import('tar-stream');
  const pack = tar.pack();
  const mtime = new Date(0);
  for (const e of context.entries) {
    const header = { name: e.name, mode: e.mode, mtime, uid: 0, gid: 0 };
    if (e.type === 'file') pack.entry({ ...header, type: 'file', size: e.content?.length ?? 0 }, e.content ?? Buffer.alloc(0));
    else if (e.type === 'directory') pack.entry({ ...header, type: 'directory' });
    else pack.entry({ ...header, type: 'symlink', linkname: e.linkname ?? '' });
  }
  pack.finalize();
  return pack;
}
