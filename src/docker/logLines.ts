/**
 * One stream's lines of a container log followed with `timestamps: true`, split in bytes: each
 * line "<RFC 3339 stamp> <text>\n" becomes its stamp (ns) and its text, decoded from its own bytes.
 *
 * Why bytes and not a text decoder in front of a string splitter (Utf8Lines, which the engine's
 * event stream still uses): a line's text is then a flat string of the text alone. Sliced out of
 * the decoded frame, it kept the whole frame's string alive behind it (stamp included) for as long
 * as the resume window holds the line, and each line cost a decode, two slices and a stamp string.
 * Splitting at 0x0A is safe in UTF-8 (no byte of a multi-byte character is below 0x80), and a line
 * cut across frames is joined in bytes before it is decoded, so a character cut in two is decoded
 * whole. The result is the same as decoding the stream and splitting the text (the unit tests
 * compare the two on random bytes and cuts).
 */
import { parseTimestampNanos } from './parse';

/** Longest a line's leading stamp can be ("2026-12-01T12:54:48.123456789+01:00" is 35 bytes). */
const MAX_STAMP_BYTES = 40;

export class StampedLines {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** "YYYY-MM-DDTHH:MM:SS" of the last canonical stamp, and that second in ns. */
  private readonly second = Buffer.alloc(19);
  private secondNs: bigint | undefined;

  /** @param onLine a line's stamp (undefined when it has none), and its text without "\r\n". */
  constructor(private readonly onLine: (ts: bigint | undefined, text: string) => void) {}

  push(bytes: Buffer): void {
    let start = 0;
    let nl = bytes.indexOf(0x0a);
    while (nl !== -1) {
      if (this.partialBytes > 0) {
        this.partial.push(bytes.subarray(start, nl));
        const line = Buffer.concat(this.partial, this.partialBytes + nl - start);
        this.partial = [];
        this.partialBytes = 0;
        this.emit(line, 0, line.length);
      } else {
        this.emit(bytes, start, nl);
      }
      start = nl + 1;
      nl = bytes.indexOf(0x0a, start);
    }
    if (start < bytes.length) {
      this.partial.push(bytes.subarray(start));
      this.partialBytes += bytes.length - start;
    }
  }

  /** Emits what is left of an unterminated last line. */
  flush(): void {
    if (this.partialBytes === 0) return;
    const line = Buffer.concat(this.partial, this.partialBytes);
    this.partial = [];
    this.partialBytes = 0;
    this.emit(line, 0, line.length);
  }

  private emit(b: Buffer, from: number, to: number): void {
    if (to > from && b[to - 1] === 0x0d) to--;
    const limit = Math.min(to, from + MAX_STAMP_BYTES);
    let space = from;
    while (space < limit && b[space] !== 0x20) space++;
    const ts = space > from && space < limit ? this.stampOf(b, from, space) : undefined;
    this.onLine(ts, ts === undefined ? b.toString('utf8', from, to) : b.toString('utf8', space + 1, to));
  }

  /** The stamp in b[from, end), or undefined if it is not one. */
  private stampOf(b: Buffer, from: number, end: number): bigint | undefined {
    // The engine's own form, "2026-12-01T12:54:48.109123456Z": within the same second as the last
    // one (most lines), the nanoseconds are read from the bytes and added to that second.
    const canonical = end - from === 30 && b[from + 19] === 0x2e && b[from + 29] === 0x5a && nanosOf(b, from + 20) !== -1;
    if (canonical && this.secondNs !== undefined && this.sameSecond(b, from)) {
      return this.secondNs + BigInt(nanosOf(b, from + 20));
    }
    const ts = parseTimestampNanos(b.toString('latin1', from, end));
    if (ts !== undefined && canonical) {
      b.copy(this.second, 0, from, from + 19);
      this.secondNs = ts - BigInt(nanosOf(b, from + 20));
    }
    return ts;
  }

  /** b[from, from + 19) is the cached second (compared from its end: the seconds change first). */
  private sameSecond(b: Buffer, from: number): boolean {
    for (let i = 18; i >= 0; i--) if (b[from + i] !== this.second[i]) return false;
    return true;
  }
}

/** The nine decimal digits at b[at, at + 9) as a number, or -1 if one is not a digit. */
function nanosOf(b: Buffer, at: number): number {
  let n = 0;
  for (let i = at; i < at + 9; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
