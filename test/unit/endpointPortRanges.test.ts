/**
 * With isaacSim.version "auto" the port ranges are checked at each start, for the version read from
 * the image (prepare.ts resolveVersion). With several engines (isaacSim.endpoints) the refusal must
 * name the setting in force for that engine: isaacSim.endpoints[i].<base> where the endpoint sets it,
 * the top-level isaacSim.<base> where it does not, as the check when the settings are read does
 * (fleet.test.ts). The same holds for what an instance's snapshot says: the sim view URL's error
 * about a port past 65535, and the count an instance is beyond. The engines are fakes that serve a
 * 5.1.0 image (its tag names 4.5–5.x).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorInfo } from '../../src/instances/errors';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';
import { buildSnapshot } from '../../src/instances/snapshot';
import { initialTracked } from '../../src/instances/state';
import { withFakeFleet } from './endpointFleetFixture';

const IMAGE = 'nvcr.io/nvidia/isaac-sim:5.1.0';
let home: string;

before(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'endpoint-ranges-'));
});

after(() => rmSync(home, { recursive: true, force: true }));

/** Starts instance-0 on `endpoint`, which must be refused before anything is created; returns the error. */
async function refusedStart(overrides: Record<string, unknown>, endpoint: string): Promise<{ setting: string | undefined; message: string }> {
  const parsed = parseSettings({ ...DEFAULT_SETTINGS, image: IMAGE, version: 'auto', hostDataRoot: path.join(home, 'data'), ...overrides });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  let outcome: { setting: string | undefined; message: string } | undefined;
  await withFakeFleet(IMAGE, home, async (fleet, created) => {
    fleet.update(parsed);
    const err = await fleet.require(endpoint).start(0).then(
      () => assert.fail('the start was expected to be refused'),
      (e: unknown) => e,
    );
    outcome = { setting: errorInfo(err).setting, message: err instanceof Error ? err.message : String(err) };
    assert.deepEqual(created, [], outcome.message);
  });
  assert.ok(outcome);
  return outcome;
}

/** Both endpoints run 2 instances from HTTP port 65535: "own" sets both itself, "other" inherits them. */
const PAST_65535 = {
  httpPortBase: 65535,
  instanceCount: 2,
  endpoints: [
    { name: 'own', dockerHost: 'unix:///own.sock', httpPortBase: 65535, instanceCount: 2 },
    { name: 'other', dockerHost: 'unix:///other.sock' },
  ],
};

describe('a port range past 65535, found at the start', () => {
  const overrides = PAST_65535;
  const cases = [
    { endpoint: 'own', setting: 'isaacSim.endpoints[0].httpPortBase' },
    { endpoint: 'other', setting: 'isaacSim.httpPortBase' },
  ];
  for (const c of cases) {
    test(`on "${c.endpoint}" it names ${c.setting}`, async () => {
      const { setting, message } = await refusedStart(overrides, c.endpoint);
      assert.equal(setting, c.setting, message);
      assert.ok(message.startsWith(`Setting ${c.setting} is 65535, but 2 instances need ports up to 65536, past 65535: use a base of at most 65534.`), message);
      assert.ok(message.endsWith('Nothing was started.'), message);
    });
  }
});

test("overlapping ranges name the endpoint's own base and the top-level one it collides with", async () => {
  // 4.5–5.x checks signal, then HTTP: the endpoint's HTTP base lands on the top-level signal base.
  const overrides = { endpoints: [{ name: 'own', dockerHost: 'unix:///own.sock', httpPortBase: DEFAULT_SETTINGS.signalPortBase }] };
  const { setting, message } = await refusedStart(overrides, 'own');
  assert.equal(setting, 'isaacSim.endpoints[0].httpPortBase', message);
  assert.ok(message.startsWith('Settings isaacSim.signalPortBase (49100-49100) and isaacSim.endpoints[0].httpPortBase (49100-49100) give overlapping ports for 1 instances of Isaac Sim 4.5-5.x'), message);
});

describe("what an endpoint's snapshots say", () => {
  const overrides = PAST_65535;
  for (const c of [
    { endpoint: 'own', setting: 'isaacSim.endpoints[0].httpPortBase' },
    { endpoint: 'other', setting: 'isaacSim.httpPortBase' },
  ]) {
    test(`instance-1 on "${c.endpoint}", whose HTTP port would be 65536, has no sim view URL, naming ${c.setting}`, async () => {
      const parsed = parseSettings({ ...DEFAULT_SETTINGS, image: IMAGE, version: 'auto', hostDataRoot: path.join(home, 'data'), ...overrides });
      assert.ok(parsed.ok, JSON.stringify(parsed));
      await withFakeFleet(IMAGE, home, async (fleet) => {
        fleet.update(parsed);
        const result = fleet.require(c.endpoint).get(1)?.clientUrlResult;
        assert.ok(result && !result.ok, JSON.stringify(result));
        assert.equal(result.setting, c.setting, result.message);
        assert.ok(result.message.endsWith(`Fix ${c.setting} (the port of instance-0; instance N uses it + N).`), result.message);
      });
    });
  }

  test('an instance beyond the count names the setting that holds the count, and one within it names none', () => {
    const parsed = parseSettings({ ...DEFAULT_SETTINGS, image: IMAGE });
    assert.ok(parsed.ok);
    const input = { count: 1, settings: parsed.settings, tracked: initialTracked(0), codeTokenKnown: false, estimate: () => undefined };
    const own = (key: string) => `isaacSim.endpoints[3].${key}`;
    assert.equal(buildSnapshot({ ...input, index: 2, settingId: own }).countSetting, 'isaacSim.endpoints[3].instanceCount');
    assert.equal(buildSnapshot({ ...input, index: 2 }).countSetting, 'isaacSim.instanceCount');
    assert.equal(buildSnapshot({ ...input, index: 0, settingId: own }).countSetting, undefined);
  });
});
