/**
 * The few protobuf wire-format reads BuildKit's status messages need (buildkitStatus.ts): varints
 * of up to 32 bits, length-delimited fields (bytes, UTF-8 strings), booleans, and skipping any
 * field it does not read. No `vscode` here.
 *
 * Why not protobufjs: its minimal build drags in its writer and long.js (27 KB of the bundle) for
 * what is five methods here, and the package's size targets count every KB. The wire format is
 * protobuf's encoding spec (protobuf.dev/programming-guides/encoding): a field is a varint key
 * (field number << 3 | wire type); wire types 0 varint, 1 fixed 64-bit, 2 length-delimited,
 * 3/4 group start/end (deprecated, still skippable), 5 fixed 32-bit. Truncated or malformed input
 * throws a RangeError rather than being misread.
 */
import * as l10n from '@vscode/l10n';
const utf8 = new TextDecoder('utf-8');

export class ProtoReader {
  pos = 0;
  readonly len: number;

  constructor(private readonly buf: Uint8Array) {
    this.len = buf.length;
  }

  /** A varint as an unsigned 32-bit number (higher bits, as protobuf's uint32 does, are dropped). */
  uint32(): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.len) throw new RangeError(l10n.t('protobuf: varint runs past the end (at {0} of {1})', this.pos, this.len));
      const byte = this.buf[this.pos++];
      if (shift < 32) value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new RangeError(l10n.t('protobuf: varint longer than 10 bytes'));
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const n = this.uint32();
    const end = this.pos + n;
    if (end > this.len) throw new RangeError(l10n.t('protobuf: a field of {0} bytes runs past the end (at {1} of {2})', n, this.pos, this.len));
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  /** Skips the value of a field of wire type `wire`. */
  skipType(wire: number): void {
    switch (wire) {
      case 0:
        this.uint32();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.bytes();
        return;
      case 3:
        // A group: fields up to its end key (wire type 4).
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skipType(tag & 7);
        }
      case 5:
        this.advance(4);
        return;
      default:
        throw new RangeError(l10n.t('protobuf: wire type {0} at {1} is not one of 0, 1, 2, 3, 5', wire, this.pos));
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.len) throw new RangeError(l10n.t('protobuf: {0} bytes run past the end (at {1} of {2})', n, this.pos, this.len));
    this.pos += n;
  }
}
