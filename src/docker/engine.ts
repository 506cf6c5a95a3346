/**
 * The only code that talks to the Docker Engine API (through dockerode). No `vscode` here.
 * Raw engine JSON is parsed with zod into small domain types at this edge; errors are turned into
 * EngineErrors whose message names the problem and the fix.
 */
import * as l10n from '@vscode/l10n';
import Docker from 'dockerode';
import os from 'node:os';
import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import type { BuildOptions } from './build';
import type { BuildContext } from './buildContext';
import { imagesModule } from './imagesModule';
import { clientFor } from './client';
import { followExec, followStats, type ExecEnd } from './containerFigures';
import { resolveEndpoint, type Endpoint } from './endpoint';
import { describeEngineError, EngineError, TOP_LEVEL_ENGINE_SETTINGS, type EngineSettingIds } from './errors';
import { FrameDemuxer, Utf8Lines } from './lines';
import { followStream } from './followStream';
import { StampedLines } from './logLines';
import { EventSchema, SummarySchema, type ParsedEvent, parseTimestampNanos, sinceParam, toImageConfig, toInfo, type Closeable, type ContainerInfo, type EngineEvent, type ImageConfig, type LogLine } from './parse';

// The engine layer's types live in parse.ts beside their schemas; callers of the client import them from here too.
export type { Closeable, ContainerInfo, EngineEvent, ExecEnd, ImageConfig, LogLine };

async function firstFileOf(archive: Readable): Promise<Buffer | undefined> {
  const extract = tar.extract();
  return new Promise<Buffer | undefined>((resolve, reject) => {
    let found: Buffer | undefined;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (!found && header.type === 'file') found = Buffer.concat(chunks);
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => resolve(found));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}

function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export interface EngineOptions {
  /**
   * isaacSim.dockerHost: "" finds the engine as the docker CLI does (DOCKER_HOST, DOCKER_CONTEXT, the
   * current context, the default or rootless socket: endpoint.ts); else unix://, tcp://, ssh:// or npipe://.
   */
  dockerHost: string;
  /** isaacSim.dockerContext: a docker context by name (as the CLI's --context), or "" / left out. */
  dockerContext?: string;
  /** The settings the two came from, for messages (default: the top-level ones; an endpoint's own in a fleet). */
  settingIds?: EngineSettingIds;
  /** The environment the endpoint is resolved from (default process.env); tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** The home folder holding .docker (default os.homedir()); tests pass their own. ssh:// engines use the system ssh, which finds ~/.ssh itself. */
  home?: string;
  /**
   * Tests only: options for the system ssh of an ssh:// engine, put before its own (e.g. ["-F",
   * "<test>/ssh_config"]). OpenSSH reads ~/.ssh from the passwd entry's home, not $HOME, so a test
   * cannot move it with `home`: its config file names the test's known_hosts and identity.
   */
  sshArgs?: readonly string[];
}

/** How long the connect check waits for an answer. */
const VERSION_TIMEOUT_MS = 10_000;

export class DockerEngine {
  /** Where the engine is, resolved as the docker CLI does; undefined when it could not be (see `docker`). */
  readonly endpoint: Endpoint | undefined;
  /** Where the engine is and where that came from, for messages: 'tcp://127.0.0.1:2376 (from context "ci")'. */
  readonly address: string;
  /** The settings the address came from: what messages and EngineError's `setting` name. */
  readonly settingIds: EngineSettingIds;
  private readonly client: Docker | undefined;
  private readonly endpointError: EngineError | undefined;

  /** Never throws: an endpoint that cannot be resolved fails every call with its EngineError (kind 'settings'). */
  constructor(options: EngineOptions) {
    const env = options.env ?? process.env;
    const home = options.home ?? os.homedir();
    this.settingIds = options.settingIds ?? TOP_LEVEL_ENGINE_SETTINGS;
    const resolved = resolveEndpoint({ setting: options.dockerHost, context: options.dockerContext, settingIds: this.settingIds, env, home });
    if (resolved.ok) {
      this.endpoint = resolved.endpoint;
      this.address = resolved.endpoint.address;
      this.client = clientFor(resolved.endpoint, { env, ...(options.sshArgs ? { sshArgs: options.sshArgs } : {}) });
    } else {
      this.address = resolved.address;
      this.endpointError = resolved.error;
    }
  }

  /** dockerode's client; throws the endpoint's EngineError when there is none. */
  get docker(): Docker {
    if (!this.client) throw this.endpointError!;
    return this.client;
  }

  /**
   * True when the engine is on this machine, so host folders can be created by us before a bind mount.
   * Only sockets count: a tcp:// engine on 127.0.0.1 may be a tunnel or a VM's forwarded port.
   */
  get isLocal(): boolean {
    return this.endpoint?.kind === 'unix' || this.endpoint?.kind === 'npipe';
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw describeEngineError(err, what, this.address, this.settingIds);
    }
  }

  /**
   * The engine's version: the connect check. Bounded, because a daemon that accepts connections
   * but never answers (wedged, or a socket held by something else) must not leave the caller waiting forever.
   */
  async version(timeoutMs = VERSION_TIMEOUT_MS): Promise<{ version: string; apiVersion: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new EngineError(l10n.t('Docker engine at {0} accepted the connection but did not answer within {1}: check that the daemon is healthy ("docker info"), or restart it.', this.address, timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : l10n.t('{0} ms', timeoutMs)), 'unreachable', undefined, { setting: this.settingIds.host })),
        timeoutMs,
      );
    });
    try {
      const v = await Promise.race([this.call(l10n.t('ask the engine for its version'), () => this.docker.version()), timeout]);
      return { version: v.Version, apiVersion: v.ApiVersion };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Which daemon this is, from `docker info`: its ID, host name and data root. The ID alone is not
   * enough: here it is derived from the daemon's key in /etc/docker, which two daemons of one machine
   * share (one data root is one daemon: dockerd locks it), and so do machines cloned from one image
   * (their host names differ). Undefined if the engine names none of them.
   */
  async engineId(): Promise<string | undefined> {
    const info = (await this.call(l10n.t('ask the engine for its ID (docker info)'), () => this.docker.info())) as { ID?: unknown; Name?: unknown; DockerRootDir?: unknown };
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : '?');
    return [info?.ID, info?.Name, info?.DockerRootDir].some((v) => typeof v === 'string' && v !== '') ? l10n.t('{0} on {1}, data root {2}', text(info.ID), text(info.Name), text(info.DockerRootDir)) : undefined;
  }

  async inspect(idOrName: string): Promise<ContainerInfo | undefined> {
    try {
      return toInfo(await this.docker.getContainer(idOrName).inspect());
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw describeEngineError(err, l10n.t('inspect container {0}', idOrName), this.address, this.settingIds);
    }
  }

  /** Containers (any state) carrying the given label, inspected. */
  async listByLabel(label: string): Promise<ContainerInfo[]> {
    const list = SummarySchema().parse(await this.call(l10n.t('list containers'), () => this.docker.listContainers({ all: true, filters: { label: [label] } })));
    const infos = await Promise.all(list.map((c) => this.inspect(c.Id)));
    return infos.filter((i): i is ContainerInfo => i !== undefined);
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw describeEngineError(err, l10n.t('inspect image {0}', image), this.address, this.settingIds);
    }
  }

  /** The image's config, or undefined when the image is not on this engine. */
  async imageConfig(image: string): Promise<ImageConfig | undefined> {
    try {
      return toImageConfig(await this.docker.getImage(image).inspect());
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw describeEngineError(err, l10n.t('inspect image {0}', image), this.address, this.settingIds);
    }
  }

  async volumeExists(name: string): Promise<boolean> {
    try {
      await this.docker.getVolume(name).inspect();
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw describeEngineError(err, l10n.t('inspect volume {0}', name), this.address, this.settingIds);
    }
  }

  /**
   * Runs a one-shot container to its end and removes it: its exit code and output (both streams,
   * not demultiplexed: it only serves error messages). Bounded by `timeoutMs`, after which it is killed.
   */
  async runToCompletion(body: Docker.ContainerCreateOptions, timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const id = await this.create(body);
    const container = this.docker.getContainer(id);
    try {
      await this.start(id);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const result = await Promise.race([this.call(l10n.t('wait for container {0}', id), () => container.wait() as Promise<{ StatusCode: number }>), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        await container.kill().catch(() => undefined);
        throw new EngineError(l10n.t('{0} did not finish within {1} s and was removed.', body.name ?? l10n.t('A helper container'), Math.round(timeoutMs / 1000)), 'other');
      }
      const logs = (await this.call(l10n.t('read logs of {0}', id), () => container.logs({ stdout: true, stderr: true, follow: false }))) as unknown as Buffer;
      // Not demultiplexed: drop the 8-byte frame headers' control bytes, keep the text.
      const text = Buffer.isBuffer(logs) ? logs.toString('utf8') : String(logs);
      return { exitCode: result.StatusCode, output: Array.from(text).filter((ch) => ch >= ' ' || ch === '\n' || ch === '\t').join('') };
    } finally {
      await this.remove(id, true).catch(() => undefined);
    }
  }

  /** One file of a container (created or running), or undefined when the path does not exist there. */
  async readFile(id: string, filePath: string): Promise<Buffer | undefined> {
    let archive: Readable;
    try {
      archive = (await this.docker.getContainer(id).getArchive({ path: filePath })) as unknown as Readable;
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw describeEngineError(err, l10n.t('read {0} in container {1}', filePath, id), this.address, this.settingIds);
    }
    return this.call(l10n.t('read {0} in container {1}', filePath, id), () => firstFileOf(archive));
  }

  /** Writes one file into a container (created or running), keeping the given mode and owner. */
  async writeFile(id: string, filePath: string, content: Buffer, mode = 0o644, uid = 0, gid = 0): Promise<void> {
    const pack = tar.pack();
    const slash = filePath.lastIndexOf('/');
    pack.entry({ name: filePath.slice(slash + 1), mode, uid, gid, size: content.length }, content);
    pack.finalize();
    const body = new PassThrough();
    pack.pipe(body);
    await this.call(l10n.t('write {0} in container {1}', filePath, id), () => this.docker.getContainer(id).putArchive(body, { path: filePath.slice(0, slash) || '/' }));
  }

  /** Follows a running container's stats stream (one JSON sample a second): containerFigures.ts. */
  followStats(id: string, onSample: (sample: unknown) => void, onEnd: (err?: Error) => void): Promise<Closeable> {
    return followStats(this.docker, this, id, onSample, onEnd);
  }

  /** Runs a command that keeps printing in a running container, its stdout line by line: containerFigures.ts. */
  followExec(id: string, argv: readonly string[], onLine: (line: string) => void, onEnd: (end: ExecEnd) => void): Promise<Closeable> {
    return followExec(this.docker, this, id, argv, onLine, onEnd);
  }

  /** Builds `context` into an image tagged `options.tag`; resolves with its ID. Throws BuildError. */
  async buildImage(context: BuildContext, options: BuildOptions): Promise<string | undefined> {
    const { buildImage, packBuildContext } = imagesModule();
    return buildImage(this.docker, this, packBuildContext(context), options);
  }

  async create(body: Docker.ContainerCreateOptions): Promise<string> {
    const c = await this.call(l10n.t('create container {0}', String(body.name)), () => this.docker.createContainer(body));
    return c.id;
  }

  async start(id: string): Promise<void> {
    await this.tolerate304(l10n.t('start container {0}', id), () => this.docker.getContainer(id).start());
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    await this.tolerate304(l10n.t('stop container {0}', id), () => this.docker.getContainer(id).stop({ t: timeoutSeconds }));
  }

  async restart(id: string, timeoutSeconds: number): Promise<void> {
    await this.call(l10n.t('restart container {0}', id), () => this.docker.getContainer(id).restart({ t: timeoutSeconds }));
  }

  async remove(id: string, force = false): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force, v: true });
    } catch (err) {
      if (statusCode(err) === 404) return;
      throw describeEngineError(err, l10n.t('remove container {0}', id), this.address, this.settingIds);
    }
  }

  private async tolerate304(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (statusCode(err) === 304) return; // already in the requested state
      throw describeEngineError(err, what, this.address, this.settingIds);
    }
  }

  /**
   * Follows container events carrying `label`, from `since` (ns) if given, so a reconnect misses nothing.
   * `onEnd` is called once when the stream ends or fails.
   */
  async streamEvents(label: string, since: bigint | undefined, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void): Promise<Closeable> {
    const stream = (await this.call(l10n.t('follow engine events'), () =>
      this.docker.getEvents({
        ...(since !== undefined ? { since: sinceParam(since) as unknown as number } : {}),
        filters: { type: ['container'], label: [label] },
      }),
    )) as Readable;
    const lines = new Utf8Lines((line) => {
      let parsed: ParsedEvent;
      try {
        parsed = EventSchema().parse(JSON.parse(line));
      } catch {
        return; // not a container event we understand
      }
      const attrs = parsed.Actor.Attributes ?? {};
      const int = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined);
      // timeNano exceeds double precision; read its digits from the text to resume exactly.
      const nanoDigits = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
      const timeNano = nanoDigits ? BigInt(nanoDigits) : BigInt(parsed.time) * 1_000_000_000n;
      onEvent({
        id: parsed.Actor.ID,
        action: parsed.Action.split(':')[0],
        ...(parsed.Action.includes(':') ? { detail: parsed.Action.slice(parsed.Action.indexOf(':') + 1).trim() } : {}),
        exitCode: int(attrs.exitCode),
        signal: int(attrs.signal),
        time: Number(timeNano / 1_000_000n),
        timeNano,
        labels: attrs,
      });
    });
    return followStream(stream, (chunk) => lines.push(chunk), onEnd);
  }

  /**
   * Follows a container's logs with engine timestamps, stdout and stderr demultiplexed, one call per
   * complete line. `since` (ns, inclusive) resumes after a restart; `tail` limits the first attach.
   */
  async followLogs(id: string, opts: { since?: bigint; tail?: number; follow?: boolean }, onLine: (line: LogLine) => void, onEnd: (err?: Error) => void): Promise<Closeable> {
    const stream = (await this.call(l10n.t('follow logs of {0}', id), () =>
      this.docker.getContainer(id).logs({
        follow: (opts.follow ?? true) as true,
        stdout: true,
        stderr: true,
        timestamps: true,
        ...(opts.since !== undefined ? { since: sinceParam(opts.since) as unknown as number } : {}),
        ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      }),
    )) as unknown as Readable;
    const outLines = new StampedLines((ts, text) => onLine({ stream: 'stdout', ts: ts ?? 0n, text }));
    const errLines = new StampedLines((ts, text) => onLine({ stream: 'stderr', ts: ts ?? 0n, text }));
    // Frames are handed on synchronously, which keeps stdout and stderr lines in the engine's order.
    const sink = (lines: StampedLines) => {
      let midLine = false;
      return (b: Buffer) => {
        // A line longer than 16 KiB comes in several frames, and the engine puts a timestamp in
        // front of every frame: drop it from the continuation frames, keep the line's first.
        lines.push(midLine ? stripFrameTimestamp(b) : b);
        if (b.length > 0) midLine = b[b.length - 1] !== 0x0a;
      };
    };
    const out = sink(outLines);
    const err = sink(errLines);
    const frames = new FrameDemuxer((which, payload) => (which === 'stdout' ? out : err)(payload));
    if (Buffer.isBuffer(stream)) {
      // follow: false: docker-modem hands over the whole log at once.
      frames.push(stream);
      outLines.flush();
      errLines.flush();
      onEnd();
      return { close() {} };
    }
    return followStream(stream, (chunk) => frames.push(chunk), (e) => {
      // At the log's real end an unterminated last line is complete. When the stream was cut off
      // (engine gone), a partial line is dropped: the caller resumes from its last whole line.
      if (!e) {
        outLines.flush();
        errLines.flush();
      }
      onEnd(e);
    });
  }
}

/** A continuation frame of a long line without its leading "RFC3339-timestamp " (unchanged if it has none). */
export function stripFrameTimestamp(frame: Buffer): Buffer {
  const space = frame.subarray(0, 40).indexOf(0x20);
  if (space <= 0) return frame;
  return parseTimestampNanos(frame.subarray(0, space).toString('latin1')) === undefined ? frame : frame.subarray(space + 1);
}

export { EngineError };
