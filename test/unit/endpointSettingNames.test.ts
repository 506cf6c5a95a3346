/**
 * With several engines (isaacSim.endpoints) an endpoint may set its own host and signal port base.
 * What the extension says about them must then name the setting in force for that engine:
 * isaacSim.endpoints[i].<key> where the endpoint sets it, the top-level isaacSim.<key> where it does
 * not (endpointPortNames.test.ts has the same for the port bases of a taken port).
 *  - a host name where Isaac Sim 6.x needs an IP address (ISAACSIM_HOST): the start's error;
 *  - a 4.5–5.x signal port the desktop client cannot reach (it connects to 49100 only, IsaacSim #606):
 *    the note in the tooltip and the sim view;
 *  - the engine's own error when it cannot hand out GPUs: it names the endpoint's gpus (the engine
 *    does not know whether the endpoint sets its own, so it names the top-level one too).
 * The engines are fakes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeEngineError } from '../../src/docker/errors';
import { errorInfo } from '../../src/instances/errors';
import type { Fleet } from '../../src/instances/fleet';
import { planEndpoints } from '../../src/instances/fleetSettings';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';
import { viewerNote } from '../../src/views/streamNotes';
import type { FakeEngine } from './fakeEngine';
import { withFakeFleet } from './endpointFleetFixture';

let home: string;

before(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'endpoint-settings-'));
});

after(() => rmSync(home, { recursive: true, force: true }));

function withFleet(image: string, fn: (fleet: Fleet<FakeEngine>, created: string[]) => Promise<void>): Promise<void> {
  return withFakeFleet(image, home, fn);
}

describe('Isaac Sim 6.x with a host name, where ISAACSIM_HOST needs an IP address', () => {
  const IMAGE = 'nvcr.io/nvidia/isaac-sim:6.0.1';
  /** "own" (position 0) sets host itself; "other" (position 1) takes the top-level one. Both are host names. */
  const settings = () =>
    parseSettings({
      ...DEFAULT_SETTINGS,
      image: IMAGE,
      version: '6.x',
      instanceCount: 1,
      hostDataRoot: path.join(home, 'data'),
      host: 'top-box.local',
      endpoints: [
        { name: 'own', dockerHost: 'unix:///own.sock', host: 'gpu-box.local' },
        { name: 'other', dockerHost: 'unix:///other.sock' },
      ],
    });
  const cases = [
    { endpoint: 'own', setting: 'isaacSim.endpoints[0].host', value: 'gpu-box.local' },
    { endpoint: 'other', setting: 'isaacSim.host', value: 'top-box.local' },
  ];
  for (const c of cases) {
    test(`the start on "${c.endpoint}" is refused naming ${c.setting}, and creates nothing`, async () => {
      await withFleet(IMAGE, async (fleet, created) => {
        const parsed = settings();
        assert.ok(parsed.ok, JSON.stringify(parsed));
        fleet.update(parsed);
        const err = await fleet.require(c.endpoint).start(0).then(
          () => assert.fail('the start was expected to be refused'),
          (e: unknown) => e,
        );
        const message = err instanceof Error ? err.message : String(err);
        assert.equal(errorInfo(err).setting, c.setting, message);
        assert.ok(message.startsWith(`Setting ${c.setting} is "${c.value}", but Isaac Sim 6.x binds its media socket to ISAACSIM_HOST`), message);
        assert.ok(message.endsWith('Nothing was created.'), message);
        assert.deepEqual(created, []);
      });
    });
  }
});

describe('Isaac Sim 4.5–5.x on a signal port the desktop client cannot reach', () => {
  const IMAGE = 'nvcr.io/nvidia/isaac-sim:5.1.0';
  /** "own" sets its own signalPortBase (49110); "other" takes the top-level one (49120). */
  const settings = (ownSignal: number | undefined) =>
    parseSettings({
      ...DEFAULT_SETTINGS,
      image: IMAGE,
      version: '4.5-5.x',
      instanceCount: 1,
      hostDataRoot: path.join(home, 'data'),
      signalPortBase: 49120,
      endpoints: [
        { name: 'own', dockerHost: 'unix:///own.sock', ...(ownSignal === undefined ? {} : { signalPortBase: ownSignal }) },
        { name: 'other', dockerHost: 'unix:///other.sock' },
      ],
    });
  const note = (fleet: Fleet<FakeEngine>, endpoint: string) => {
    const snapshot = fleet.require(endpoint).get(0);
    assert.ok(snapshot, `${endpoint} has instance-0`);
    return viewerNote(snapshot) ?? '';
  };

  test("the note names the endpoint's own signalPortBase where it sets it, the top-level one where it does not, and follows a change", async () => {
    await withFleet(IMAGE, async (fleet) => {
      const parsed = settings(49110);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      fleet.update(parsed);
      const own = note(fleet, 'own');
      assert.match(own, /streams on signal port 49110, .* give this one port 49100 \(isaacSim\.endpoints\[0\]\.signalPortBase\)/, own);
      const other = note(fleet, 'other');
      assert.match(other, /streams on signal port 49120, .* give this one port 49100 \(isaacSim\.signalPortBase\)/, other);
      // The endpoint drops its own base: the top-level one holds it now.
      fleet.update(settings(undefined));
      const after = note(fleet, 'own');
      assert.match(after, /streams on signal port 49120, .* \(isaacSim\.signalPortBase\)/, after);
    });
  });
});

describe("the engine's error when it cannot hand out GPUs", () => {
  // What Docker answers a GPU request without the NVIDIA Container Toolkit.
  const noGpu = () => new Error('(HTTP code 500) server error - could not select device driver "" with capabilities: [[gpu]]');

  test("an endpoint's engine names the endpoint's gpus, and the top-level one for an endpoint without its own", () => {
    const parsed = parseSettings({ ...DEFAULT_SETTINGS, endpoints: [{ name: 'a', dockerHost: 'unix:///a.sock' }, { name: 'b', dockerHost: 'unix:///b.sock', gpus: '1' }] });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const [, b] = planEndpoints(parsed).endpoints;
    const e = describeEngineError(noGpu(), 'create the container', 'unix:///b.sock', b.settingIds);
    assert.equal(e.kind, 'no-gpu');
    assert.equal(e.setting, 'isaacSim.endpoints[1].gpus');
    assert.ok(e.message.includes('or set isaacSim.endpoints[1].gpus to "none" to run without a GPU request (isaacSim.gpus if this endpoint does not set its own).'), e.message);
  });

  test('one engine: isaacSim.gpus, as before', () => {
    const e = describeEngineError(noGpu(), 'create the container', 'unix:///x.sock');
    assert.equal(e.setting, 'isaacSim.gpus');
    assert.ok(e.message.endsWith('or set isaacSim.gpus to "none" to run without a GPU request.'), e.message);
  });
});
