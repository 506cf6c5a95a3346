/**
 * BuildKit's build output, as the engine streams it for `POST /build?version=2`: each message
 * `{"id": "moby.buildkit.trace", "aux": "<base64>"}` is a protobuf `moby.buildkit.v1.StatusResponse`
 * (moby/buildkit api/services/control/control.proto: vertexes = 1, statuses = 2, logs = 3; Vertex:
 * digest = 1, name = 3, cached = 4, started = 5, completed = 6, error = 7; VertexLog: vertex = 1,
 * msg = 4). It is decoded with protoReader.ts and turned into the lines `docker build
 * --progress=plain` prints: `#N <step>`, `#N <output line>`, `#N DONE`, `#N CACHED`, `#N ERROR: ...`.
 * No `vscode` here.
 */
import { ProtoReader } from './protoReader';

interface Vertex {
  digest: string;
  name?: string;
  cached?: boolean;
  started?: boolean;
  completed?: boolean;
  error?: string;
}

interface VertexLog {
  vertex: string;
  msg: Uint8Array;
}

function decodeVertex(bytes: Uint8Array): Vertex {
  const r = new ProtoReader(bytes);
  const v: Vertex = { digest: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        v.digest = r.string();
        break;
      case 3:
        v.name = r.string();
        break;
      case 4:
        v.cached = r.bool();
        break;
      case 5:
        v.started = true;
        r.skipType(tag & 7);
        break;
      case 6:
        v.completed = true;
        r.skipType(tag & 7);
        break;
      case 7:
        v.error = r.string();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return v;
}

function decodeLog(bytes: Uint8Array): VertexLog {
  const r = new ProtoReader(bytes);
  const log: VertexLog = { vertex: '', msg: new Uint8Array() };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) log.vertex = r.string();
    else if (tag >>> 3 === 4) log.msg = r.bytes();
    else r.skipType(tag & 7);
  }
  return log;
}

/** Decodes one StatusResponse (the base64 `aux` of a `moby.buildkit.trace` message). */
export function decodeStatus(base64: string): { vertexes: Vertex[]; logs: VertexLog[] } {
  const r = new ProtoReader(Buffer.from(base64, 'base64'));
  const vertexes: Vertex[] = [];
  const logs: VertexLog[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) vertexes.push(decodeVertex(r.bytes()));
    else if (tag >>> 3 === 3) logs.push(decodeLog(r.bytes()));
    else r.skipType(tag & 7);
  }
  return { vertexes, logs };
}

/**
 * Follows one build's trace messages and gives its lines as `--progress=plain` does. Steps are
 * numbered in the order they first appear; each step's state change is told once.
 */
export class BuildkitProgress {
  private readonly numbers = new Map<string, number>();
  private readonly told = new Map<string, { started?: boolean; done?: boolean; error?: boolean }>();
  private readonly partial = new Map<string, string>();
  private readonly decoder = new TextDecoder();

  constructor(private readonly onLine: (line: string) => void) {}

  push(base64: string): void {
    const status = decodeStatus(base64);
    for (const v of status.vertexes) {
      const n = this.number(v.digest);
      const told = this.told.get(v.digest) ?? {};
      this.told.set(v.digest, told);
      if (!told.started && v.name && (v.started || v.cached || v.completed)) {
        told.started = true;
        this.onLine(`#${n} ${v.name}`);
      }
      if (v.error && !told.error) {
        told.error = true;
        this.onLine(`#${n} ERROR: ${v.error}`); // l10n-ignore: BuildKit's own progress line, as docker build prints it
      } else if (v.completed && !told.done) {
        told.done = true;
        this.flush(v.digest);
        this.onLine(`#${n} ${v.cached ? 'CACHED' : 'DONE'}`);
      }
    }
    for (const log of status.logs) {
      const text = (this.partial.get(log.vertex) ?? '') + this.decoder.decode(log.msg);
      const lines = text.split(/\r?\n/);
      this.partial.set(log.vertex, lines.pop() ?? '');
      for (const line of lines) this.onLine(`#${this.number(log.vertex)} ${line}`);
    }
  }

  private flush(digest: string): void {
    const rest = this.partial.get(digest);
    if (rest) this.onLine(`#${this.number(digest)} ${rest}`);
    this.partial.delete(digest);
  }

  private number(digest: string): number {
    let n = this.numbers.get(digest);
    if (n === undefined) this.numbers.set(digest, (n = this.numbers.size + 1));
    return n;
  }
}
