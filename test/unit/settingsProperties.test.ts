/**
 * Property tests over the WHOLE settings object (issue 5, point 6): start from a valid
 * configuration, break any subset of its fields with hostile values, and check that
 * - parsing never throws and every problem names a field that was actually broken;
 * - a configuration that parses builds a container spec for every instance of every version it can run as,
 *   or (6.x with a host name) refuses with a SpecError naming isaacSim.host;
 * - the manager refuses to start from a broken configuration before it touches any engine
 *   (never a partial start), naming each broken field;
 * - secret env values never show up in a problem message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InstanceManager, SettingsError } from '../../src/instances/manager';
import { SpecError, buildContainerSpec, clientUrlFor, isIpAddress, portsFor, volumeOwnerFix } from '../../src/instances/spec';
import { DEFAULT_SETTINGS, PORT_BASE_SETTING, SETTING_KEYS, SETTINGS_SECTION, parseSettings, portRangeProblems, type SettingKey } from '../../src/instances/settings';
import { VERSIONS, VERSION_IDS } from '../../src/instances/versions';

const PORT_KEYS = new Set<string>(Object.values(PORT_BASE_SETTING));
/** Fields whose change can make a cross-field port problem appear on a port base setting. */
const PORT_RULE_INPUTS = new Set<string>([...PORT_KEYS, 'instanceCount', 'version']);

const hostile = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(null, Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 0.5, 65536, 1e12, '', ' ', '\u0000', '~', '../..', 'javascript:alert(1)', [], {}, [''], [1], { a: 1 }, true),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ maxLength: 20 }).map((s) => s.repeat(400)),
  fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 12 }), fc.integer()), { maxKeys: 4 }),
);

/** A valid configuration with 1..6 fields replaced by hostile values. */
const broken = fc
  .tuple(fc.uniqueArray(fc.constantFrom(...SETTING_KEYS), { minLength: 1, maxLength: 6 }), fc.array(hostile, { minLength: 6, maxLength: 6 }))
  .map(([keys, values]) => {
    const raw: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    keys.forEach((k, i) => (raw[k] = values[i]));
    return { raw, keys: new Set<string>(keys) };
  });

describe('settings: properties over the whole object', () => {
  test('parsing never throws; every problem names a field that was broken, says what is allowed, and names it once', () => {
    fc.assert(
      fc.property(broken, ({ raw, keys }) => {
        const r = parseSettings(raw);
        if (r.ok) return;
        assert.ok(r.problems.length > 0);
        const perField = new Map<string, number>();
        for (const p of r.problems) {
          assert.ok(p.setting.startsWith(`${SETTINGS_SECTION}.`), p.setting);
          const key = p.setting.slice(SETTINGS_SECTION.length + 1);
          const crossField = PORT_KEYS.has(key) && [...keys].some((k) => PORT_RULE_INPUTS.has(k));
          assert.ok(keys.has(key) || crossField, `problem on ${key}, which was not broken (broken: ${[...keys].join(', ')}): ${p.message}`);
          assert.ok(p.message.includes(p.setting), p.message);
          assert.match(p.message, /use |move /, `the message must say how to fix it: ${p.message}`);
          assert.ok(p.message.length < 1200, 'messages stay readable even for huge values');
          perField.set(key, (perField.get(key) ?? 0) + 1);
        }
        for (const [key, n] of perField) if (!PORT_KEYS.has(key)) assert.equal(n, 1, `${key} reported ${n} times`);
      }),
      { numRuns: 1000 },
    );
  });

  test('a configuration that parses builds a container spec and client URL for every instance of every version it can run as', () => {
    let built = 0;
    fc.assert(
      fc.property(broken, fc.integer({ min: 1, max: 8 }), fc.constantFrom('', 'isaac-sim', '1234'), ({ raw }, count, user) => {
        const r = parseSettings({ ...raw, instanceCount: count });
        if (!r.ok) return;
        const s = r.settings;
        // A named version was checked when the settings were read; "auto" is checked at start for the image's version.
        if (s.version !== 'auto') assert.deepEqual(portRangeProblems(s, s.version), []);
        const versions = s.version !== 'auto' ? [s.version] : VERSION_IDS.filter((v) => portRangeProblems(s, v).length === 0);
        for (const version of versions) {
          for (let i = 0; i < s.instanceCount; i++) {
            const ctx = { version, image: { user }, home: '/home/robot' };
            if (Object.keys(VERSIONS[version].portEnv).includes('ISAACSIM_HOST') && !isIpAddress(s.host)) {
              assert.throws(() => buildContainerSpec(s, i, ctx), (e: unknown) => e instanceof SpecError && e.setting === 'isaacSim.host' && e.message.includes('isaacSim.host'));
              continue;
            }
            const spec = buildContainerSpec(s, i, ctx);
            built++;
            assert.equal(spec.Image, s.image);
            assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec, 'plain JSON');
            for (const port of Object.values(portsFor(s, version, i))) assert.ok(Number.isInteger(port) && port >= 1 && port <= 65535, `port ${port}`);
            assert.doesNotThrow(() => clientUrlFor(s, version, i, portsFor(s, version, i)));
            if (spec.HostConfig.Mounts) assert.doesNotThrow(() => volumeOwnerFix(spec, i, '0123abcd'));
          }
        }
      }),
      { numRuns: 300 },
    );
    assert.ok(built > 0, 'some configurations build');
  });

  test('the manager refuses a broken configuration before touching any engine, naming each broken field', async () => {
    await fc.assert(
      fc.asyncProperty(broken, fc.constantFrom('start', 'startAll', 'restart') as fc.Arbitrary<'start' | 'startAll' | 'restart'>, async ({ raw }, op) => {
        const r = parseSettings(raw);
        fc.pre(!r.ok);
        let engines = 0;
        const manager = new InstanceManager({
          engineFor: () => {
            engines++;
            throw new Error('no engine may be made for a broken configuration');
          },
          log: { debug() {}, info() {}, warn() {}, error() {} },
        });
        try {
          manager.updateSettings(r);
          const err = await (op === 'startAll' ? manager.startAll() : op === 'start' ? manager.start(0) : manager.restart(0)).then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(err instanceof SettingsError, `expected a SettingsError, got ${String(err)}`);
          if (!r.ok) for (const p of r.problems) assert.ok(err.message.includes(p.setting), `${p.setting} not named in: ${err.message}`);
          assert.match(err.message, /Nothing was started\./);
          assert.equal(engines, 0, 'no engine client was created');
          assert.equal(manager.list().some((s) => s.busy || s.exists), false, 'no instance is left busy or created');
        } finally {
          manager.dispose();
        }
      }),
      { numRuns: 300 },
    );
  });

  test('secret env values never appear in any problem message', () => {
    const secretName = fc.constantFrom('NGC_API_KEY', 'HF_TOKEN', 'ROS_SECRET', 'DB_PASSWORD', 'MY_PASSWD', 'AWS_SECRET_ACCESS_KEY', 'CREDENTIALS');
    const secret = fc.string({ unit: fc.constantFrom(...'ABCDEFGHJKMNPQRSTUVWXYZ23456789'.split('')), minLength: 12, maxLength: 40 });
    fc.assert(
      fc.property(broken, secretName, secret, fc.boolean(), ({ raw }, name, value, badEnv) => {
        // Either the env itself is invalid (a bad name beside the secret) or another field is.
        const env: Record<string, unknown> = { [name]: value, ...(badEnv ? { 'bad name': 1 } : {}) };
        const r = parseSettings({ ...raw, env });
        if (r.ok) return;
        for (const p of r.problems) assert.ok(!p.message.includes(value), `secret leaked: ${p.message}`);
      }),
      { numRuns: 500 },
    );
  });

  test('every field can be broken on its own and is then named (no field is silently accepted whatever its value)', () => {
    for (const key of SETTING_KEYS as SettingKey[]) {
      const r = parseSettings({ ...DEFAULT_SETTINGS, [key]: Symbol('not a setting value') });
      assert.equal(r.ok, false, key);
      if (!r.ok) assert.deepEqual(r.problems.map((p) => p.setting), [`${SETTINGS_SECTION}.${key}`]);
    }
  });
});
