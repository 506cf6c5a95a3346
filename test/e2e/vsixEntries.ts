/**
 * The entries of a .vsix (a zip) as its central directory lists them: name, CRC-32 and size. The
 * UI suite compares them with the files code-server installed, so it is sure to test the package
 * that `npm run package` built, byte for byte. Reads only the central directory (no inflating), as
 * PKWARE's APPNOTE lays it out: the end record (0x06054b50) gives the directory's offset and entry
 * count; each entry (0x02014b50) gives its method at +10, CRC-32 at +16, sizes at +20/+24, its
 * local header's offset at +42 and the name at +46. vsixEntryData inflates one entry.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface VsixEntry {
  name: string;
  crc32: number;
  size: number;
  /** Deflate (8) or stored (0). */
  method: number;
  compressedSize: number;
  /** Offset of the entry's local header. */
  offset: number;
}

export function vsixEntries(file: string): VsixEntry[] {
  const zip = readFileSync(file);
  // The end record is at least 22 bytes and may be followed by a comment of up to 65,535 bytes.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${file} is not a zip: no end of central directory record`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: VsixEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: central directory entry ${n} at ${at} has a bad signature`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      crc32: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      offset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** One entry's bytes: its local header (0x04034b50) gives where its data starts (+30, after its own name and extra field). */
export function vsixEntryData(file: string, entry: VsixEntry): Buffer {
  const zip = readFileSync(file);
  if (zip.readUInt32LE(entry.offset) !== 0x04034b50) throw new Error(`${file}: ${entry.name} has no local header at ${entry.offset}`);
  const start = entry.offset + 30 + zip.readUInt16LE(entry.offset + 26) + zip.readUInt16LE(entry.offset + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`${file}: ${entry.name} uses compression method ${entry.method}`);
}
