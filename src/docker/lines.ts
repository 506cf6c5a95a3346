/** Splits a text stream into lines; keeps a partial line until its end arrives. */
class LineSplitter {
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.onLine(part.endsWith('\r') ? part.slice(0, -1) : part);
  }

  /** Emits what is left of an unterminated last line. */
  flush(): void {
    if (this.partial) {
      const rest = this.partial;
      this.partial = '';
      this.onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    }
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
