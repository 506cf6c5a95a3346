/**
 * The engine as the domain sees it: the calls src/instances makes, and nothing more. DockerEngine
 * (src/docker/engine.ts) implements it; tests implement it with fakes that the compiler checks, so
 * a fake can never drift from what the domain really calls.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { BuildOptions } from '../docker/build';
import type { BuildContext } from '../docker/buildContext';
import type { Closeable, ContainerInfo, EngineEvent, ExecEnd, ImageConfig, LogLine } from '../docker/engine';

export type { Closeable, ContainerInfo, EngineEvent, ExecEnd, ImageConfig, LogLine };

export interface InstanceEngine {
  /** Where the engine is, e.g. unix:///var/run/docker.sock: for messages. */
  readonly address: string;
  /** The engine runs on this machine (its ports and folders are ours to check). */
  readonly isLocal: boolean;
  version(): Promise<{ version: string }>;
  /** Which daemon this is (`docker info` ID and data root): the same engine under two addresses gives one. Fakes may leave it out. */
  engineId?(): Promise<string | undefined>;
  streamEvents(label: string, since: bigint | undefined, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void): Promise<Closeable>;
  listByLabel(label: string): Promise<ContainerInfo[]>;
  inspect(idOrName: string): Promise<ContainerInfo | undefined>;
  /** `follow: false` reads what is there and ends (default: follows until the container stops). */
  followLogs(id: string, opts: { since?: bigint; tail?: number; follow?: boolean }, onLine: (line: LogLine) => void, onEnd: (err?: Error) => void): Promise<Closeable>;
  imagePresent(image: string): Promise<boolean>;
  imageConfig(image: string): Promise<ImageConfig | undefined>;
  volumeExists(name: string): Promise<boolean>;
  runToCompletion(body: ContainerCreateOptions, timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  readFile(id: string, filePath: string): Promise<Buffer | undefined>;
  writeFile(id: string, filePath: string, content: Buffer, mode?: number, uid?: number, gid?: number): Promise<void>;
  /** Builds an image from a build context (POST /build); resolves with its ID. */
  buildImage(context: BuildContext, options: BuildOptions): Promise<string | undefined>;
  create(body: ContainerCreateOptions): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutSeconds: number): Promise<void>;
  restart(id: string, timeoutSeconds: number): Promise<void>;
  remove(id: string, force?: boolean): Promise<void>;
  /** Follows a running container's stats stream (Docker's JSON samples, about one a second). */
  followStats(id: string, onSample: (sample: unknown) => void, onEnd: (err?: Error) => void): Promise<Closeable>;
  /**
   * Runs a command that keeps printing in a running container (no TTY): each stdout line to
   * `onLine`, `onEnd` once if it ends by itself; `close()` ends it without `onEnd`.
   */
  followExec(id: string, argv: readonly string[], onLine: (line: string) => void, onEnd: (end: ExecEnd) => void): Promise<Closeable>;
}
