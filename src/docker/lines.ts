/** Splits a text stream into lines; keeps a partial line until its end arrives. */
class LineSplitter {
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    let nl = text.indexOf('\n');
    if (nl === -1) {
      this.partial += text;
      return;
    }
    // indexOf + slice rather than split: no array per push, and the common one-line push costs one slice.
    const first = this.partial === '' ? text.slice(0, nl) : this.partial + text.slice(0, nl);
    this.partial = '';
    this.emit(first);
    let start = nl + 1;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      this.emit(text.slice(start, nl));
      start = nl + 1;
    }
    if (start < text.length) this.partial = text.slice(start);
  }

  /** Emits what is left of an unterminated last line. */
  flush(): void {
    if (this.partial) {
      const rest = this.partial;
      this.partial = '';
      this.emit(rest);
    }
  }

  private emit(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}

/** A LineSplitter fed with bytes: UTF-8 characters split across chunks are decoded whole. */
export class Utf8Lines {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly lines: LineSplitter;

  constructor(onLine: (line: string) => void) {
    this.lines = new LineSplitter(onLine);
  }

  push(bytes: Uint8Array): void {
    this.lines.push(this.decoder.decode(bytes, { stream: true }));
  }

  flush(): void {
    this.lines.push(this.decoder.decode());
    this.lines.flush();
  }
}

/**
 * Splits the engine's multiplexed stream of a container without a TTY into frames: an 8-byte header
 * (stream type; three zero bytes; payload length, big-endian), then the payload. Each frame is
 * handed on as a view into the chunk it came in, not a copy; only a frame cut across chunks is
 * joined, once, when its last byte has come. (docker-modem's demuxStream copies the rest of its
 * buffer for every frame, which is quadratic in the frames of a chunk: with timestamps, every
 * log line is a frame of its own.) A stream that is not multiplexed (a bad stream type) is passed
 * through as stdout from there on, as docker-modem does.
 */
export class FrameDemuxer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private raw = false;

  constructor(private readonly onFrame: (stream: 'stdout' | 'stderr', payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.raw) {
      this.onFrame('stdout', chunk);
      return;
    }
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const need = this.needed();
      if (this.pendingBytes < need) return;
      chunk = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let at = 0;
    while (chunk.length - at >= 8) {
      const type = chunk[at];
      if (type > 2) {
        this.raw = true;
        this.onFrame('stdout', chunk.subarray(at));
        return;
      }
      const length = chunk.readUInt32BE(at + 4);
      if (chunk.length - at - 8 < length) break;
      this.onFrame(type === 1 ? 'stdout' : 'stderr', chunk.subarray(at + 8, at + 8 + length));
      at += 8 + length;
    }
    if (at < chunk.length) {
      this.pending = [chunk.subarray(at)];
      this.pendingBytes = chunk.length - at;
    }
  }

  /** Bytes the pending frame needs in all, once its header is known. */
  private needed(): number {
    if (this.pendingBytes < 8) return 8;
    if (this.pending[0].length < 8) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
    const head = this.pending[0];
    if (head[0] > 2) return 0; // not multiplexed: handled (passed through) by push
    return 8 + head.readUInt32BE(4);
  }
}
