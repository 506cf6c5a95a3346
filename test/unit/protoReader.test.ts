/**
 * protoReader.ts against protobufjs (a devDependency here, only as the oracle): messages written by
 * protobufjs's Writer with random fields of every wire type read back the same, field by field, and
 * truncated input is refused rather than misread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader, Writer } from 'protobufjs/minimal';
import { ProtoReader } from '../../src/docker/protoReader';

type Field = { no: number; kind: 'uint32'; value: number } | { no: number; kind: 'bool'; value: boolean } | { no: number; kind: 'string'; value: string } | { no: number; kind: 'bytes'; value: Uint8Array } | { no: number; kind: 'fixed64' | 'fixed32' | 'int64'; value: number };

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ no: fc.integer({ min: 1, max: 2000 }), kind: fc.constant('uint32' as const), value: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ no: fc.integer({ min: 1, max: 2000 }), kind: fc.constant('bool' as const), value: fc.boolean() }),
  fc.record({ no: fc.integer({ min: 1, max: 2000 }), kind: fc.constant('string' as const), value: fc.string({ unit: 'grapheme', maxLength: 40 }) }),
  fc.record({ no: fc.integer({ min: 1, max: 2000 }), kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ no: fc.integer({ min: 1, max: 2000 }), kind: fc.constantFrom('fixed64' as const, 'fixed32' as const, 'int64' as const), value: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }),
);

function write(fields: Field[]): Uint8Array {
  const w = Writer.create();
  for (const f of fields) {
    const wire = f.kind === 'string' || f.kind === 'bytes' ? 2 : f.kind === 'fixed64' ? 1 : f.kind === 'fixed32' ? 5 : 0;
    w.uint32(((f.no << 3) | wire) >>> 0);
    if (f.kind === 'uint32') w.uint32(f.value);
    else if (f.kind === 'bool') w.bool(f.value);
    else if (f.kind === 'string') w.string(f.value);
    else if (f.kind === 'bytes') w.bytes(f.value);
    else if (f.kind === 'fixed64') w.fixed64(f.value);
    else if (f.kind === 'fixed32') w.fixed32(f.value);
    else w.int64(-f.value - 1); // negative: a 10-byte varint
  }
  return w.finish();
}

test('reads what protobufjs writes, as protobufjs reads it; skips what it is not asked to read', () => {
  fc.assert(
    fc.property(fc.array(field, { maxLength: 12 }), (fields) => {
      const bytes = write(fields);
      const ours = new ProtoReader(bytes);
      const oracle = Reader.create(bytes);
      for (const f of fields) {
        const tag = ours.uint32();
        assert.equal(tag, oracle.uint32());
        assert.equal(tag >>> 3, f.no);
        if (f.kind === 'uint32') assert.equal(ours.uint32(), oracle.uint32());
        else if (f.kind === 'bool') assert.equal(ours.bool(), oracle.bool());
        else if (f.kind === 'string') assert.equal(ours.string(), oracle.string());
        else if (f.kind === 'bytes') assert.deepEqual(Buffer.from(ours.bytes()), Buffer.from(oracle.bytes()));
        else {
          ours.skipType(tag & 7);
          oracle.skipType(tag & 7);
        }
        assert.equal(ours.pos, oracle.pos);
      }
      assert.equal(ours.pos, ours.len);
    }),
    { numRuns: 2000 },
  );
});

test('a group is skipped to its end key, as protobufjs skips it', () => {
  const w = Writer.create();
  w.uint32((7 << 3) | 3).uint32((1 << 3) | 0).uint32(42).uint32((2 << 3) | 2).string('inside').uint32((7 << 3) | 4);
  w.uint32((8 << 3) | 0).uint32(5);
  const bytes = w.finish();
  const ours = new ProtoReader(bytes);
  const oracle = Reader.create(bytes);
  ours.skipType(ours.uint32() & 7);
  oracle.skipType(oracle.uint32() & 7);
  assert.equal(ours.pos, oracle.pos);
  assert.equal(ours.uint32() >>> 3, 8);
  assert.equal(ours.uint32(), 5);
});

test('truncated or malformed input throws instead of being misread', () => {
  fc.assert(
    fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), fc.nat(), (fields, cut) => {
      const bytes = write(fields.map((f) => (f.kind === 'string' ? { ...f, value: `${f.value}x` } : f)));
      const short = bytes.subarray(0, cut % bytes.length);
      const r = new ProtoReader(short);
      // Reading every field of a message cut short runs out before the last one is whole: the reader itself must throw.
      assert.throws(() => {
        for (const f of fields) {
          const tag = r.uint32();
          if (f.kind === 'uint32' || f.kind === 'bool') r.uint32();
          else r.skipType(tag & 7);
        }
      }, RangeError);
    }),
    { numRuns: 1000 },
  );
  assert.throws(() => new ProtoReader(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f])).bytes(), RangeError);
  assert.throws(() => new ProtoReader(Uint8Array.from([0x0e])).skipType(6), RangeError, 'wire type 6 does not exist');
  assert.throws(() => new ProtoReader(Uint8Array.from(Array(11).fill(0x80))).uint32(), RangeError, 'a varint longer than 10 bytes');
});
