/**
 * A fake of the domain's engine interface (src/instances/engineApi.ts), for unit tests of pure
 * ordering logic. It implements InstanceEngine, so the compiler keeps it in step with what the
 * domain calls; a call that a test did not script fails loudly.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { BuildOptions } from '../../src/docker/build';
import type { BuildContext } from '../../src/docker/buildContext';
import type { Closeable, ContainerInfo, EngineEvent, ExecEnd, ImageConfig, InstanceEngine, LogLine } from '../../src/instances/engineApi';

export type Script = Partial<Omit<InstanceEngine, 'address' | 'isLocal'>>;

function unscripted(name: string): never {
  throw new Error(`FakeEngine: ${name} was called but the test did not script it`);
}

export class FakeEngine implements InstanceEngine {
  readonly address: string;
  readonly isLocal: boolean;
  constructor(
    private readonly script: Script = {},
    options: { address?: string; isLocal?: boolean } = {},
  ) {
    this.address = options.address ?? 'unix:///fake.sock';
    this.isLocal = options.isLocal ?? true;
  }
  version(): Promise<{ version: string }> {
    return this.script.version ? this.script.version() : Promise.resolve({ version: 'fake' });
  }
  streamEvents(label: string, since: bigint | undefined, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void): Promise<Closeable> {
    return this.script.streamEvents ? this.script.streamEvents(label, since, onEvent, onEnd) : Promise.resolve({ close() {} });
  }
  listByLabel(label: string): Promise<ContainerInfo[]> {
    return this.script.listByLabel ? this.script.listByLabel(label) : Promise.resolve([]);
  }
  inspect(idOrName: string): Promise<ContainerInfo | undefined> {
    return this.script.inspect ? this.script.inspect(idOrName) : Promise.resolve(undefined);
  }
  followLogs(id: string, opts: { since?: bigint; tail?: number }, onLine: (line: LogLine) => void, onEnd: (err?: Error) => void): Promise<Closeable> {
    return this.script.followLogs ? this.script.followLogs(id, opts, onLine, onEnd) : Promise.resolve({ close() {} });
  }
  imagePresent(image: string): Promise<boolean> {
    return this.script.imagePresent ? this.script.imagePresent(image) : unscripted('imagePresent');
  }
  imageConfig(image: string): Promise<ImageConfig | undefined> {
    return this.script.imageConfig ? this.script.imageConfig(image) : unscripted('imageConfig');
  }
  volumeExists(name: string): Promise<boolean> {
    return this.script.volumeExists ? this.script.volumeExists(name) : unscripted('volumeExists');
  }
  runToCompletion(body: ContainerCreateOptions, timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    return this.script.runToCompletion ? this.script.runToCompletion(body, timeoutMs) : unscripted('runToCompletion');
  }
  readFile(id: string, filePath: string): Promise<Buffer | undefined> {
    return this.script.readFile ? this.script.readFile(id, filePath) : unscripted('readFile');
  }
  writeFile(id: string, filePath: string, content: Buffer, mode?: number, uid?: number, gid?: number): Promise<void> {
    return this.script.writeFile ? this.script.writeFile(id, filePath, content, mode, uid, gid) : unscripted('writeFile');
  }
  buildImage(context: BuildContext, options: BuildOptions): Promise<string | undefined> {
    return this.script.buildImage ? this.script.buildImage(context, options) : unscripted('buildImage');
  }
  create(body: ContainerCreateOptions): Promise<string> {
    return this.script.create ? this.script.create(body) : unscripted('create');
  }
  start(id: string): Promise<void> {
    return this.script.start ? this.script.start(id) : unscripted('start');
  }
  stop(id: string, timeoutSeconds: number): Promise<void> {
    return this.script.stop ? this.script.stop(id, timeoutSeconds) : unscripted('stop');
  }
  restart(id: string, timeoutSeconds: number): Promise<void> {
    return this.script.restart ? this.script.restart(id, timeoutSeconds) : unscripted('restart');
  }
  remove(id: string, force?: boolean): Promise<void> {
    return this.script.remove ? this.script.remove(id, force) : unscripted('remove');
  }
  followStats(id: string, onSample: (sample: unknown) => void, onEnd: (err?: Error) => void): Promise<Closeable> {
    return this.script.followStats ? this.script.followStats(id, onSample, onEnd) : unscripted('followStats');
  }
  followExec(id: string, argv: readonly string[], onLine: (line: string) => void, onEnd: (end: ExecEnd) => void): Promise<Closeable> {
    return this.script.followExec ? this.script.followExec(id, argv, onLine, onEnd) : unscripted('followExec');
  }
}
