/**
 * Who holds a port, where the system lets us see it (Linux only, best effort). No `vscode` here.
 *
 * /proc/net/{tcp,tcp6,udp,udp6} list the sockets of our network namespace with their local address,
 * state and inode; /proc/<pid>/fd/* link to `socket:[inode]`, which gives the process; and
 * /proc/<pid>/cgroup names the Docker container the process runs in, if any. Everything is read
 * through a small file-system interface rooted at `root` (default `/proc`), so the parsing is tested
 * on a fake tree. Whatever cannot be read (not Linux, another user's process) is skipped: the result
 * is then empty or shorter, never an error.
 */
import * as l10n from '@vscode/l10n';
import { readFile, readdir, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, instanceLabel } from './model';

export type PortProtocol = 'tcp' | 'udp';

export interface SocketEntry {
  /** Local address: dotted IPv4, or IPv6 as `::`, `::ffff:a.b.c.d` or eight hex groups. */
  address: string;
  port: number;
  /** Kernel socket state (hex in the table): 0x0A is TCP LISTEN, 0x07 an unconnected UDP socket. */
  state: number;
  inode: string;
}

export interface PortHolder {
  pid: number;
  /** /proc/<pid>/comm, e.g. `nginx`. */
  comm: string;
  /** /proc/<pid>/cmdline split at NULs. */
  cmdline: string[];
  /** The 64-hex id of the container the process runs in (from its cgroup), unless that is our own. */
  containerId?: string;
}

/** The few file-system calls this module makes; the default reads the real file system. */
export interface ProcFs {
  readFile(file: string): Promise<string>;
  readdir(dir: string): Promise<string[]>;
  readlink(link: string): Promise<string>;
}

export const NODE_FS: ProcFs = {
  readFile: (f) => readFile(f, 'utf8'),
  readdir: (d) => readdir(d),
  readlink: (l) => readlink(l),
};

export interface FindOptions {
  /** Where procfs is mounted (a fake tree in tests). */
  root?: string;
  fs?: ProcFs;
  /** The IPv4 address the port is wanted on; wildcard binds (0.0.0.0, ::) count as holding it too. */
  address?: string;
  /** Byte order of the words in /proc/net (the host's). */
  littleEndian?: boolean;
}

const TCP_LISTEN = 0x0a;

function wordBytes(hex8: string, littleEndian: boolean): number[] {
  const n = parseInt(hex8, 16);
  const bytes = [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return littleEndian ? bytes.reverse() : bytes;
}

/** Decodes a /proc/net address: 8 hex digits (IPv4) or 32 (IPv6, four 32-bit words in host order). */
export function decodeAddress(hex: string, littleEndian = os.endianness() === 'LE'): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  if (hex.length === 8) return wordBytes(hex, littleEndian).join('.');
  if (hex.length !== 32) return undefined;
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8), littleEndian));
  if (bytes.every((b) => b === 0)) return '::';
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`; // l10n-ignore: an address
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

/** Parses one /proc/net/{tcp,tcp6,udp,udp6} table (the header line and malformed lines are skipped). */
export function parseSocketTable(text: string, littleEndian = os.endianness() === 'LE'): SocketEntry[] {
  const entries: SocketEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    if (f.length < 10 || !/^\d+:$/.test(f[0])) continue;
    const m = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(f[1]);
    if (!m || !/^[0-9A-Fa-f]{2}$/.test(f[3]) || !/^\d+$/.test(f[9])) continue;
    const address = decodeAddress(m[1], littleEndian);
    if (address === undefined) continue;
    entries.push({ address, port: parseInt(m[2], 16), state: parseInt(f[3], 16), inode: f[9] });
  }
  return entries;
}

/** True when a socket bound to `bound` keeps others from binding `wanted` (an IPv4 address). */
export function addressCovers(bound: string, wanted: string): boolean {
  return bound === wanted || bound === '0.0.0.0' || bound === '::' || bound === `::ffff:${wanted}` || bound === '::ffff:0.0.0.0';
}

/** Inodes of the sockets holding `port` for `protocol` on `address`: TCP in LISTEN, UDP bound in any state. */
export function holdingInodes(entries: SocketEntry[], port: number, protocol: PortProtocol, address = '127.0.0.1'): string[] {
  const hits = entries.filter((e) => e.port === port && e.inode !== '0' && (protocol === 'udp' || e.state === TCP_LISTEN) && addressCovers(e.address, address));
  return [...new Set(hits.map((e) => e.inode))];
}

/**
 * The container id in a /proc/<pid>/cgroup file: the last 64-hex path component of a line, as
 * Docker names its cgroups (`/docker/<id>`, `/system.slice/docker-<id>.scope`, nested ones too).
 */
export function containerIdFromCgroup(text: string): string | undefined {
  let found: string | undefined;
  for (const line of text.split('\n')) {
    const cgroupPath = line.split(':').slice(2).join(':');
    const ids = [...cgroupPath.matchAll(/(?:^|[/-])([0-9a-f]{64})(?=\.scope\b|\/|$)/g)];
    if (ids.length > 0) found = ids[ids.length - 1][1];
  }
  return found;
}

/** Parses /proc/<pid>/cmdline. */
export function parseCmdline(raw: string): string[] {
  const parts = raw.split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * The processes holding `port` (TCP listening, or UDP bound) on `address` (default 127.0.0.1),
 * lowest pid first. Empty when nothing is visible.
 */
export async function findPortHolders(port: number, protocol: PortProtocol, options: FindOptions = {}): Promise<PortHolder[]> {
  const root = options.root ?? '/proc';
  const fs = options.fs ?? NODE_FS;
  const littleEndian = options.littleEndian ?? os.endianness() === 'LE';
  const address = options.address ?? '127.0.0.1';
  const tables = protocol === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6'];
  const entries: SocketEntry[] = [];
  for (const table of tables) {
    const text = await fs.readFile(path.posix.join(root, 'net', table)).catch(() => '');
    entries.push(...parseSocketTable(text, littleEndian));
  }
  const inodes = new Set(holdingInodes(entries, port, protocol, address).map((i) => `socket:[${i}]`));
  if (inodes.size === 0) return [];

  const pids = (await fs.readdir(root).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const holding: number[] = [];
  for (const pid of pids) {
    const fdDir = path.posix.join(root, String(pid), 'fd');
    const fds = await fs.readdir(fdDir).catch(() => [] as string[]);
    const links = await Promise.all(fds.map((fd) => fs.readlink(path.posix.join(fdDir, fd)).catch(() => '')));
    if (links.some((l) => inodes.has(l))) holding.push(pid);
  }
  if (holding.length === 0) return [];

  const ownContainer = containerIdFromCgroup(await fs.readFile(path.posix.join(root, 'self', 'cgroup')).catch(() => ''));
  return Promise.all(
    holding.map(async (pid): Promise<PortHolder> => {
      const dir = path.posix.join(root, String(pid));
      const comm = (await fs.readFile(path.posix.join(dir, 'comm')).catch(() => '')).trim();
      const cmdline = parseCmdline(await fs.readFile(path.posix.join(dir, 'cmdline')).catch(() => ''));
      const containerId = containerIdFromCgroup(await fs.readFile(path.posix.join(dir, 'cgroup')).catch(() => ''));
      const holder: PortHolder = { pid, comm: comm || path.posix.basename(cmdline[0] ?? '') || 'unknown', cmdline };
      // In a dev container every process shows the container we run in ourselves: that is no news.
      if (containerId && containerId !== ownContainer) holder.containerId = containerId;
      return holder;
    }),
  );
}

/** What holds a port, for an error message, and what to do about it. */
export interface PortHolderDescription {
  who: string;
  fix: string;
}

/** The labels of a container, as far as describing its holder needs them. */
export interface HolderContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
}

/**
 * Who holds a port on 127.0.0.1, as far as /proc shows it (Linux; other users' processes only as
 * root): one of our containers, a foreign container (named, never touched), or a process by name and
 * pid; else "another process". `inspect` asks the engine about a container id found in a cgroup.
 */
export async function describePortHolder(port: number, protocol: PortProtocol, inspect: (id: string) => Promise<HolderContainer | undefined>, options: FindOptions = {}): Promise<PortHolderDescription> {
  const holder = (await findPortHolders(port, protocol, { address: '127.0.0.1', ...options }).catch(() => []))[0];
  if (!holder) return { who: l10n.t('another process'), fix: l10n.t('stop that process') };
  const container = holder.containerId ? await inspect(holder.containerId).catch(() => undefined) : undefined;
  if (container && container.labels[OWNER_LABEL] === OWNER_VALUE) {
    const raw = container.labels[INDEX_LABEL];
    const label = raw !== undefined && /^\d{1,4}$/.test(raw) ? instanceLabel(Number(raw)) : container.name;
    return { who: l10n.t('container "{0}" ({1} of Isaac Sim Orchestrator, from another session or settings)', container.name, label), fix: l10n.t('stop {0}', label) };
  }
  if (container) {
    return {
      who: l10n.t('container "{0}" (id {1}, image {2}; not created by Isaac Sim Orchestrator; left untouched)', container.name, container.id.slice(0, 12), container.image),
      fix: l10n.t('stop that container yourself (docker stop {0})', container.name),
    };
  }
  const who = holder.containerId
    ? l10n.t('another process: {0} (pid {1}, in container {2})', holder.comm, holder.pid, holder.containerId.slice(0, 12))
    : l10n.t('another process: {0} (pid {1})', holder.comm, holder.pid);
  return { who, fix: l10n.t('stop {0} (pid {1})', holder.comm, holder.pid) };
}
