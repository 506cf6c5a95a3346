/**
 * Messages from the sim view webview are untrusted: they are parsed strictly, and none can name an instance
 * (src/webview/messages.ts). The panel acts only on the instance it was opened for.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSimViewState, parseViewMessage, type ViewMessage } from '../../src/webview/messages';

const TYPES = ['ready', 'reload', 'openExternal', 'copyUrl'] as const;

// Compile-time guard: a message from the webview carries its type and nothing else, so it can never name an
// instance or a container. Adding a field to ViewMessage makes this line a type error.
type ViewMessageKeys = ViewMessage extends infer M ? (M extends unknown ? keyof M : never) : never;
const onlyType: [ViewMessageKeys] extends ['type'] ? ['type'] extends [ViewMessageKeys] ? true : false : false = true;
void onlyType;

/** Independent oracle: a plain own-data object with exactly one key, `type`, holding one of the four types. */
function isExactlyAViewMessage(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const proto = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Reflect.ownKeys(raw);
  if (keys.length !== 1 || keys[0] !== 'type') return false;
  const d = Object.getOwnPropertyDescriptor(raw, 'type')!;
  return d.enumerable === true && 'value' in d && (TYPES as readonly unknown[]).includes(d.value);
}

/** A short label for an assertion message; never throws. */
function shown(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? typeof raw;
  } catch {
    text = typeof raw;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function refused(raw: unknown, what = shown(raw)): void {
  const r = parseViewMessage(raw);
  assert.equal(r.ok, false, `refused: ${what}`);
  if (!r.ok) assert.ok(r.reason.length > 0 && r.reason.length <= 200, `a short reason for the debug log: ${r.reason}`);
}

describe('parseViewMessage: what the webview may send', () => {
  test('the four messages, exactly', () => {
    for (const type of TYPES) {
      const r = parseViewMessage({ type });
      assert.deepEqual(r, { ok: true, value: { type } });
    }
    // Structured clone of an object from another realm or JSON.parse look like this, too.
    assert.deepEqual(parseViewMessage(JSON.parse('{"type":"copyUrl"}')), { ok: true, value: { type: 'copyUrl' } });
    assert.equal(parseViewMessage(Object.assign(Object.create(null), { type: 'ready' })).ok, true);
  });

  test('a message naming an instance, a container or a URL is refused', () => {
    for (const extra of [
      { index: 1 },
      { index: 0 },
      { instance: 'instance-1' },
      { label: 'instance-1' },
      { containerId: 'abc123' },
      { containerName: 'isaac-sim-instance-1' },
      { url: 'http://evil.example/' },
      { target: 'https://evil.example/' },
      { command: 'isaacSim.removeInstance' },
    ]) {
      for (const type of TYPES) refused({ type, ...extra });
    }
  });

  test('unknown types, wrong types and near misses are refused', () => {
    for (const raw of [
      undefined,
      null,
      0,
      1,
      true,
      'ready',
      ['ready'],
      [{ type: 'ready' }],
      {},
      { type: undefined },
      { type: null },
      { type: 'READY' },
      { type: ' ready' },
      { type: 'ready ' },
      { type: 'ready\u0000' },
      { type: 'openexternal' },
      { type: 'state' },
      { type: 'removeInstance' },
      { type: 'stop' },
      { type: ['ready'] },
      { type: 1 },
      { type: { toString: () => 'ready' } },
      { type: new String('ready') },
      { Type: 'ready' },
      { kind: 'ready' },
      { type: 'x'.repeat(5_000_000) },
      () => ({ type: 'ready' }),
      new Date(),
      new Map([['type', 'ready']]),
      Symbol('ready'),
      10n,
    ]) {
      refused(raw, shown(raw));
    }
  });

  test('prototype-pollution keys are refused and pollute nothing', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const json of [
      '{"type":"ready","__proto__":{"polluted":true}}',
      '{"__proto__":{"type":"ready"}}',
      '{"type":"ready","constructor":{"prototype":{"polluted":true}}}',
      '{"type":"ready","prototype":{"polluted":true}}',
      '{"type":"ready","toString":"x"}',
      '{"type":"ready","hasOwnProperty":"x"}',
      '{"type":"ready","valueOf":1}',
      '{"type":"__proto__"}',
      '{"type":"constructor"}',
      '{"type":"toString"}',
    ]) {
      refused(JSON.parse(json), json);
    }
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('inherited, accessor, hidden and symbol-keyed properties are refused', () => {
    refused(Object.create({ type: 'ready' }), 'inherited type');
    refused(new (class { type = 'ready'; })(), 'class instance');
    let reads = 0;
    const getter = Object.defineProperty({}, 'type', { enumerable: true, get: () => (reads++, 'ready') });
    refused(getter, 'getter');
    assert.equal(reads, 0, 'a getter is never run');
    refused(Object.defineProperty({ type: 'ready' }, 'index', { value: 1, enumerable: false }), 'hidden extra key');
    refused({ type: 'ready', [Symbol('index')]: 1 }, 'symbol key');
    refused(Object.defineProperty({}, 'type', { value: 'ready', enumerable: false }), 'hidden type');
  });

  test('an exotic object whose traps throw is refused without an exception', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const proxy = new Proxy({ type: 'ready' }, { getPrototypeOf: trap, ownKeys: trap, get: trap, getOwnPropertyDescriptor: trap });
    refused(proxy, 'throwing proxy');
  });

  test('many extra keys and deep nesting are refused', () => {
    const many: Record<string, unknown> = { type: 'ready' };
    for (let i = 0; i < 50_000; i++) many[`k${i}`] = i;
    refused(many, '50,000 keys');
    let deep: unknown = { type: 'ready' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'ready', nested: deep };
    refused(deep, 'deep nesting');
    refused({ ['x'.repeat(1_000_000)]: 1, type: 'ready' }, 'a huge key');
  });

  test('property: arbitrary JSON is accepted exactly when it is one of the four messages', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        assert.equal(parseViewMessage(json).ok, isExactlyAViewMessage(json));
      }),
      { numRuns: 3000 },
    );
  });

  test('property: anything at all (objects with odd prototypes, symbols, functions) never throws and obeys the oracle', () => {
    fc.assert(
      fc.property(fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withObjectString: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true }), (raw) => {
        const r = parseViewMessage(raw);
        assert.equal(r.ok, isExactlyAViewMessage(raw));
        if (r.ok) assert.deepEqual(Object.keys(r.value), ['type']);
      }),
      { numRuns: 3000 },
    );
  });

  test('property: a valid type plus any other key is refused, including pollution keys', () => {
    const key = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'index', 'containerId', 'url', '', ' type', 'TYPE'),
      fc.string({ unit: 'binary', maxLength: 20 }).filter((k) => k !== 'type'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...TYPES), key, fc.jsonValue(), (type, k, v) => {
        // JSON.parse makes "__proto__" an own key, as a structured clone from the webview would.
        const raw: unknown = JSON.parse(`{"type":${JSON.stringify(type)},${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}}`);
        refused(raw, `${type} + ${JSON.stringify(k)}`);
      }),
      { numRuns: 1000 },
    );
  });

  test('property: a string type is accepted only when it is exactly one of the four', () => {
    // Huge strings are built by padding (generating them character by character is slow).
    const huge = fc
      .tuple(fc.constantFrom(...TYPES, ''), fc.integer({ min: 10, max: 1_000_000 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }))
      .map(([t, n, pad]) => t.padEnd(n, pad));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(...TYPES), huge), (type) => {
        assert.equal(parseViewMessage({ type }).ok, (TYPES as readonly string[]).includes(type));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseSimViewState: the state a restored panel gets back', () => {
  test('a whole, non-negative index, and the endpoint name the panel belongs to (left out by panels saved before several engines)', () => {
    assert.deepEqual(parseSimViewState({ index: 0 }), { ok: true, value: { index: 0 } });
    assert.deepEqual(parseSimViewState(JSON.parse('{"index":15}')), { ok: true, value: { index: 15 } });
    assert.deepEqual(parseSimViewState({ index: 2, host: 'gpu-box.1' }), { ok: true, value: { index: 2, host: 'gpu-box.1' } });
    assert.deepEqual(parseSimViewState({ index: 2, host: '' }), { ok: true, value: { index: 2, host: '' } });
  });

  test('anything else restores nothing', () => {
    for (const raw of [
      undefined,
      null,
      {},
      { index: -1 },
      { index: 1.5 },
      { index: '0' },
      { index: Number.NaN },
      { index: Number.POSITIVE_INFINITY },
      { index: 2 ** 53 },
      { index: [0] },
      { index: 0, containerId: 'x' },
      { index: 0, type: 'ready' },
      { index: 0, host: 5 },
      { index: 0, host: 'a/b' },
      { index: 0, host: 'x'.repeat(101) },
      { host: 'gpu-box' },
      JSON.parse('{"index":0,"__proto__":{"index":1}}'),
      JSON.parse('{"__proto__":{"index":0}}'),
      Object.create({ index: 0 }),
      [0],
      0,
      'index',
    ]) {
      assert.equal(parseSimViewState(raw).ok, false, shown(raw));
    }
  });

  test('property: arbitrary JSON is accepted only as {index: n} or {index: n, host: name}', () => {
    const samples = fc.oneof(fc.jsonValue(), fc.record({ index: fc.jsonValue(), host: fc.oneof(fc.jsonValue(), fc.stringMatching(/^[A-Za-z0-9._/ -]{0,8}$/)) }, { requiredKeys: [] }));
    fc.assert(
      fc.property(samples, (json) => {
        const o = json as Record<string, unknown>;
        const ok =
          typeof json === 'object' &&
          json !== null &&
          !Array.isArray(json) &&
          Object.keys(o).every((k) => k === 'index' || k === 'host') &&
          Number.isSafeInteger(o.index) &&
          (o.index as number) >= 0 &&
          (!('host' in o) || (typeof o.host === 'string' && /^[A-Za-z0-9._-]{0,100}$/.test(o.host)));
        assert.equal(parseSimViewState(json).ok, ok, JSON.stringify(json));
      }),
      { numRuns: 2000 },
    );
  });
});
