import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Utf8Lines } from '../../src/docker/lines';
import { StampedLines } from '../../src/docker/logLines';
import { parseTimestampNanos } from '../../src/docker/parse';

type Out = Array<[bigint | undefined, string]>;

function ours(chunks: Buffer[]): Out {
  const out: Out = [];
  const lines = new StampedLines((ts, text) => out.push([ts, text]));
  for (const c of chunks) lines.push(c);
  lines.flush();
  return out;
}

/** What the follower did before: decode the stream, split the text into lines, cut each line's stamp off. */
function reference(chunks: Buffer[]): Out {
  const out: Out = [];
  const lines = new Utf8Lines((raw) => {
    const space = raw.indexOf(' ');
    const ts = space > 0 ? parseTimestampNanos(raw.slice(0, space)) : undefined;
    out.push(ts === undefined ? [undefined, raw] : [ts, raw.slice(space + 1)]);
  });
  for (const c of chunks) lines.push(c);
  lines.flush();
  return out;
}

function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return out;
}

const stamp = fc.oneof(
  // the engine's form, a few seconds apart, so the cached second is both hit and missed
  fc.tuple(fc.integer({ min: 40, max: 43 }), fc.integer({ min: 0, max: 999_999_999 })).map(([s, ns]) => `2026-12-01T15:01:${s}.${String(ns).padStart(9, '0')}Z`),
  fc.constantFrom('2026-12-01T15:01:40.5Z', '2026-12-01T15:01:40Z', '2026-12-01T16:01:40.123456789+01:00', '2026-13-45T99:99:99.123456789Z', '2026-12-01T15:01:40.12345678xZ', 'x', ''),
);
const text = fc.array(fc.constantFrom('[standin] filler 7', ' ', 'a', '€', '🤖', '\r', 'x'.repeat(45), '\uFFFD'), { maxLength: 5 }).map((p) => p.join(''));
/** A log's bytes: stamped lines, some with a raw byte that is not UTF-8, some CRLF, the last perhaps unterminated. */
const log = fc
  .record({
    lines: fc.array(fc.tuple(stamp, fc.constantFrom(' ', '  ', ''), text, fc.constantFrom('', '\xff', '\xc3', '\xe2\x82')), { maxLength: 12 }),
    terminated: fc.boolean(),
  })
  .map(({ lines, terminated }) => {
    const parts = lines.map(([s, sep, t, raw]) => Buffer.concat([Buffer.from(`${s}${sep}${t}`, 'utf8'), Buffer.from(raw, 'latin1')]));
    const joined = Buffer.concat(parts.flatMap((p, i) => (i < parts.length - 1 || terminated ? [p, Buffer.from('\n')] : [p])));
    return joined;
  });

describe('StampedLines', () => {
  test('a stamped line: its stamp in ns and its text; CRLF and an unterminated last line', () => {
    const out = ours([Buffer.from('2026-12-01T15:01:40.000000001Z hello world\r\n2026-12-01T15:01:40.000000002Z  two spaces\nno stamp here\n2026-12-01T15:01:41.5Z last')]);
    assert.deepEqual(out, [
      [parseTimestampNanos('2026-12-01T15:01:40.000000001Z'), 'hello world'],
      [parseTimestampNanos('2026-12-01T15:01:40.000000002Z'), ' two spaces'],
      [undefined, 'no stamp here'],
      [parseTimestampNanos('2026-12-01T15:01:41.5Z'), 'last'],
    ]);
  });

  test('the same second twice, then another: each stamp exact (the cached second is not reused wrongly)', () => {
    const stamps = ['2026-12-01T15:01:40.999999999Z', '2026-12-01T15:01:40.000000000Z', '2026-12-01T15:01:41.000000007Z', '2027-12-01T15:01:41.000000007Z'];
    const out = ours([Buffer.from(stamps.map((s) => `${s} t\n`).join(''))]);
    assert.deepEqual(out.map(([ts]) => ts), stamps.map((s) => parseTimestampNanos(s)));
  });

  test('a character cut across chunks is decoded whole', () => {
    const bytes = Buffer.from('2026-12-01T15:01:40.000000001Z price: 5€\n', 'utf8');
    for (let at = 0; at <= bytes.length; at++) assert.deepEqual(ours([bytes.subarray(0, at), bytes.subarray(at)]), ours([bytes]), `cut at ${at}`);
    assert.equal(ours([bytes])[0][1], 'price: 5€');
  });

  test('property: the same stamps and texts as decoding the stream and splitting its text, for any bytes and cuts', () => {
    fc.assert(
      fc.property(log, fc.array(fc.nat({ max: 700 }), { maxLength: 20 }), (bytes, cuts) => {
        const chunks = cut(bytes, cuts);
        assert.deepEqual(ours(chunks), reference(chunks));
      }),
      { numRuns: 3000 },
    );
  });
});
