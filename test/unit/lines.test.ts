import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDemuxer, Utf8Lines } from '../../src/docker/lines';

/** Line splitting as the engine code uses it: text in, through Utf8Lines (UTF-8 bytes). */
function collect(): { lines: string[]; splitter: { push: (text: string) => void; flush: () => void } } {
  const lines: string[] = [];
  const decoder = new Utf8Lines((l) => lines.push(l));
  return { lines, splitter: { push: (text) => decoder.push(Buffer.from(text, 'utf8')), flush: () => decoder.flush() } };
}

function collectUtf8(): { lines: string[]; decoder: Utf8Lines } {
  const lines: string[] = [];
  return { lines, decoder: new Utf8Lines((l) => lines.push(l)) };
}

/** Splits `length` into pieces at the given cut points (deduplicated, sorted, in range). */
function pieces(length: number, cuts: number[]): Array<[number, number]> {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), length)))].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  let from = 0;
  for (const p of [...points, length]) {
    if (p > from) out.push([from, p]);
    from = Math.max(from, p);
  }
  return out;
}

/**
 * A text made of lines (without CR/LF), each ended by LF or CRLF, the last possibly unterminated.
 * U+FEFF is left out: TextDecoder drops a leading byte-order mark, which is fine for logs.
 */
const linesArb = fc.record({
  lines: fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n\uFEFF]/g, '')), { maxLength: 12 }),
  endings: fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 12, maxLength: 12 }),
  terminated: fc.boolean(),
});

function textAndExpected(v: { lines: string[]; endings: string[]; terminated: boolean }): { text: string; expected: string[] } {
  let text = '';
  const expected: string[] = [];
  v.lines.forEach((line, i) => {
    const isLast = i === v.lines.length - 1;
    if (isLast && !v.terminated) {
      text += line;
      if (line !== '') expected.push(line);
    } else {
      text += line + v.endings[i];
      expected.push(line);
    }
  });
  return { text, expected };
}

describe('line splitting', () => {
  test('emits complete lines and keeps the partial one', () => {
    const { lines, splitter } = collect();
    splitter.push('first\nsec');
    assert.deepEqual(lines, ['first']);
    splitter.push('ond\nthird');
    assert.deepEqual(lines, ['first', 'second']);
    splitter.push('\n');
    assert.deepEqual(lines, ['first', 'second', 'third']);
  });

  test('strips CR of CRLF, also when CR and LF arrive in different chunks', () => {
    const { lines, splitter } = collect();
    splitter.push('a\r\nb\r');
    splitter.push('\nc\r\n');
    assert.deepEqual(lines, ['a', 'b', 'c']);
  });

  test('keeps a CR that is not before LF', () => {
    const { lines, splitter } = collect();
    splitter.push('progress 10%\rprogress 20%\n');
    assert.deepEqual(lines, ['progress 10%\rprogress 20%']);
  });

  test('keeps empty lines', () => {
    const { lines, splitter } = collect();
    splitter.push('\n\na\n\r\n');
    assert.deepEqual(lines, ['', '', 'a', '']);
  });

  test('several lines in one chunk, and an empty push', () => {
    const { lines, splitter } = collect();
    splitter.push('');
    splitter.push('1\n2\n3\n');
    splitter.push('');
    assert.deepEqual(lines, ['1', '2', '3']);
  });

  test('flush emits the unterminated last line once', () => {
    const { lines, splitter } = collect();
    splitter.push('done\ntail');
    splitter.flush();
    assert.deepEqual(lines, ['done', 'tail']);
    splitter.flush();
    assert.deepEqual(lines, ['done', 'tail']);
  });

  test('flush with nothing pending emits nothing', () => {
    const { lines, splitter } = collect();
    splitter.flush();
    splitter.push('x\n');
    splitter.flush();
    assert.deepEqual(lines, ['x']);
  });

  test('the splitter can be reused after a flush', () => {
    const { lines, splitter } = collect();
    splitter.push('a');
    splitter.flush();
    splitter.push('b\n');
    assert.deepEqual(lines, ['a', 'b']);
  });

  test('property: any chunking of a text yields exactly its lines', () => {
    fc.assert(
      fc.property(linesArb, fc.array(fc.nat({ max: 200 }), { maxLength: 20 }), (v, cuts) => {
        const { text, expected } = textAndExpected(v);
        const { lines, decoder } = collectUtf8();
        const bytes = Buffer.from(text, 'utf8');
        for (const [from, to] of pieces(bytes.length, cuts)) decoder.push(bytes.subarray(from, to));
        decoder.flush();
        assert.deepEqual(lines, expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Utf8Lines', () => {
  test('decodes ASCII lines from bytes', () => {
    const { lines, decoder } = collectUtf8();
    decoder.push(Buffer.from('hello\r\nworld\n'));
    assert.deepEqual(lines, ['hello', 'world']);
  });

  test('a 3-byte character split at every possible byte boundary', () => {
    const bytes = Buffer.from('price: 5€\n', 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { lines, decoder } = collectUtf8();
      decoder.push(bytes.subarray(0, cut));
      decoder.push(bytes.subarray(cut));
      decoder.flush();
      assert.deepEqual(lines, ['price: 5€'], `cut at ${cut}`);
    }
  });

  test('a 4-byte emoji fed one byte at a time', () => {
    const bytes = new TextEncoder().encode('ok 🤖 ready\nnext 日本');
    const { lines, decoder } = collectUtf8();
    for (const b of bytes) decoder.push(Uint8Array.of(b));
    assert.deepEqual(lines, ['ok 🤖 ready']);
    decoder.flush();
    assert.deepEqual(lines, ['ok 🤖 ready', 'next 日本']);
  });

  test('an incomplete sequence at the end becomes U+FFFD on flush', () => {
    const { lines, decoder } = collectUtf8();
    const euro = Buffer.from('€', 'utf8');
    decoder.push(Buffer.concat([Buffer.from('cut '), euro.subarray(0, 2)]));
    assert.deepEqual(lines, []);
    decoder.flush();
    assert.deepEqual(lines, ['cut \uFFFD']);
  });

  test('invalid bytes in the middle become U+FFFD without losing the rest', () => {
    const { lines, decoder } = collectUtf8();
    decoder.push(Uint8Array.of(0x61, 0xff, 0x62, 0x0a));
    assert.deepEqual(lines, ['a\uFFFDb']);
  });

  test('flush emits the last unterminated line', () => {
    const { lines, decoder } = collectUtf8();
    decoder.push(Buffer.from('a\nb'));
    decoder.flush();
    assert.deepEqual(lines, ['a', 'b']);
  });

  test('property: multi-byte text split at any byte boundaries decodes to exactly its lines', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(linesArb, fc.array(fc.nat({ max: 400 }), { maxLength: 30 }), (v, cuts) => {
        const { text, expected } = textAndExpected(v);
        const bytes = encoder.encode(text);
        const { lines, decoder } = collectUtf8();
        for (const [from, to] of pieces(bytes.length, cuts)) decoder.push(bytes.subarray(from, to));
        decoder.flush();
        assert.deepEqual(lines, expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('line splitting: an unterminated CRLF line', () => {
  test('flush drops the trailing carriage return too', () => {
    const { lines, splitter } = collect();
    splitter.push('abc\r');
    splitter.flush();
    assert.deepEqual(lines, ['abc']);
  });
});

describe('FrameDemuxer', () => {
  const frame = (type: number, payload: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head[0] = type;
    head.writeUInt32BE(payload.length, 4);
    return Buffer.concat([head, payload]);
  };
  const run = (chunks: Buffer[]) => {
    const out: Array<{ stream: string; payload: string }> = [];
    const d = new FrameDemuxer((stream, payload) => out.push({ stream, payload: payload.toString('latin1') }));
    for (const c of chunks) d.push(c);
    return out;
  };

  test('property: frames cut anywhere across chunks come out whole, in order, with their stream', () => {
    const frameArb = fc.record({ type: fc.constantFrom(1, 2), payload: fc.uint8Array({ maxLength: 40 }) });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
        const bytes = Buffer.concat(frames.map((f) => frame(f.type, Buffer.from(f.payload))));
        const chunks = pieces(bytes.length, cuts.map((c) => c % (bytes.length + 1))).map(([a, b]) => bytes.subarray(a, b));
        const expected = frames.map((f) => ({ stream: f.type === 1 ? 'stdout' : 'stderr', payload: Buffer.from(f.payload).toString('latin1') }));
        assert.deepEqual(run(chunks), expected);
      }),
      { numRuns: 500 },
    );
  });

  test('frames of one chunk are views into it, not copies (no work per frame that grows with the chunk)', () => {
    const chunk = Buffer.concat(Array.from({ length: 10_000 }, (_, i) => frame(1 + (i % 2), Buffer.from(`2026-12-01T00:00:00.${i}Z line ${i}\n`))));
    const seen: Buffer[] = [];
    new FrameDemuxer((_s, p) => seen.push(p)).push(chunk);
    assert.equal(seen.length, 10_000);
    for (const p of seen) assert.equal(p.buffer, chunk.buffer);
    assert.equal(seen[9_999].toString(), '2026-12-01T00:00:00.9999Z line 9999\n');
  });

  test('a frame spread over many chunks is joined once, when complete', () => {
    const payload = Buffer.alloc(100_000, 0x61);
    const bytes = frame(2, payload);
    const out = run(Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, (i + 1) * 1000)));
    assert.deepEqual(out, [{ stream: 'stderr', payload: payload.toString('latin1') }]);
  });

  test('a stream that is not multiplexed passes through as stdout, as docker-modem does', () => {
    const out = run([Buffer.from('plain text, no header\n'), Buffer.from('more\n')]);
    assert.deepEqual(out, [
      { stream: 'stdout', payload: 'plain text, no header\n' },
      { stream: 'stdout', payload: 'more\n' },
    ]);
    // Also after valid frames, and when the bad header arrives in pieces.
    const good = frame(1, Buffer.from('ok\n'));
    assert.deepEqual(run([Buffer.concat([good, Buffer.from('xyz')]), Buffer.from('zzzzzz tail')]), [
      { stream: 'stdout', payload: 'ok\n' },
      { stream: 'stdout', payload: 'xyzzzzzzz tail' },
    ]);
  });

  test('stream type 0 (stdin) goes to stderr, as docker-modem does', () => {
    assert.deepEqual(run([frame(0, Buffer.from('x'))]), [{ stream: 'stderr', payload: 'x' }]);
  });
});
