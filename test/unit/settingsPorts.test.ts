/** The port settings: the cross-field range rules and the base port of each kind. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings, portBase, portRangeProblems } from '../../src/instances/settings';
import { VERSIONS, VERSION_IDS } from '../../src/instances/versions';
import { problemsOf, settingsOf } from './settingsFixture';

describe('parseSettings: cross-field port rules (checked when isaacSim.version names a version)', () => {
  test('a port range that runs past 65535 names the base and the largest allowed base', () => {
    const problems = problemsOf(parseSettings({ version: '4.2', instanceCount: 16, httpPortBase: 65530 }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].setting, 'isaacSim.httpPortBase');
    assert.match(problems[0].message, /isaacSim\.httpPortBase is 65530/);
    assert.match(problems[0].message, /16 instances need ports up to 65545, past 65535/);
    assert.match(problems[0].message, /at most 65520/);
  });

  test('the last port that fits exactly is accepted', () => {
    const s = settingsOf(parseSettings({ version: '4.2', instanceCount: 16, signalPortBase: 65520, pythonServerPortBase: 9000 }));
    assert.equal(s.signalPortBase, 65520);
    problemsOf(parseSettings({ version: '4.2', instanceCount: 16, signalPortBase: 65521, pythonServerPortBase: 9000 }));
  });

  test('with 0 instances a base of 65535 still fits (one port is reserved)', () => {
    settingsOf(parseSettings({ version: '4.2', instanceCount: 0, signalPortBase: 65535 }));
    settingsOf(parseSettings({ version: '4.2', instanceCount: 1, signalPortBase: 65535 }));
    problemsOf(parseSettings({ version: '4.2', instanceCount: 2, signalPortBase: 65535 }));
  });

  test('overlapping port ranges are reported on the later setting with both ranges', () => {
    const problems = problemsOf(parseSettings({ version: '4.2', instanceCount: 4, httpPortBase: 49097 }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].setting, 'isaacSim.signalPortBase');
    assert.ok(problems[0].message.includes('isaacSim.httpPortBase (49097-49100)'), problems[0].message);
    assert.ok(problems[0].message.includes('isaacSim.signalPortBase (49100-49103)'), problems[0].message);
    assert.ok(problems[0].message.includes('Isaac Sim 4.2'), problems[0].message);
    assert.match(problems[0].message, /overlapping/);
  });

  test('adjacent ranges do not overlap', () => {
    settingsOf(parseSettings({ version: '4.2', instanceCount: 4, httpPortBase: 49096 }));
    settingsOf(parseSettings({ version: '6.x', instanceCount: 4, signalPortBase: 8000, streamPortBase: 8004, httpPortBase: 8008, webViewerPortBase: 8012 }));
  });

  test('equal bases overlap pairwise: each later setting is reported once per earlier one, in the version\'s port order', () => {
    const problems = problemsOf(parseSettings({ version: '6.x', httpPortBase: 9000, signalPortBase: 9000, streamPortBase: 9000, webViewerPortBase: 9000 }));
    assert.deepEqual(
      problems.map((p) => p.setting),
      ['isaacSim.streamPortBase', 'isaacSim.httpPortBase', 'isaacSim.webViewerPortBase', 'isaacSim.httpPortBase', 'isaacSim.webViewerPortBase', 'isaacSim.webViewerPortBase'],
    );
  });

  test('only the version\'s port kinds are checked: 4.2, 4.5-5.x and custom ignore the stream and web viewer bases', () => {
    const raw = { instanceCount: 4, streamPortBase: 49100, webViewerPortBase: 49101 };
    for (const version of ['4.2', '4.5-5.x', 'custom'] as const) settingsOf(parseSettings({ ...raw, version }));
    const problems = problemsOf(parseSettings({ ...raw, version: '6.x' }));
    assert.deepEqual(
      problems.map((p) => p.setting),
      ['isaacSim.streamPortBase', 'isaacSim.webViewerPortBase', 'isaacSim.webViewerPortBase'],
    );
    assert.ok(problems[0].message.includes('isaacSim.signalPortBase (49100-49103)'), problems[0].message);
    assert.ok(problems[0].message.includes('isaacSim.streamPortBase (49100-49103)'), problems[0].message);
  });

  test('httpPortBase null is checked as the version\'s own Kit HTTP port (8211 for 4.2 and custom, 8011 after)', () => {
    const signalAt8210 = { instanceCount: 4, signalPortBase: 8210 };
    for (const version of ['4.2', 'custom'] as const) {
      const problems = problemsOf(parseSettings({ ...signalAt8210, version }));
      assert.equal(problems.length, 1, version);
      assert.equal(problems[0].setting, 'isaacSim.signalPortBase');
      assert.ok(problems[0].message.includes('isaacSim.httpPortBase (8211-8214)'), problems[0].message);
      assert.ok(problems[0].message.includes('isaacSim.signalPortBase (8210-8213)'), problems[0].message);
    }
    settingsOf(parseSettings({ ...signalAt8210, version: '4.5-5.x' }));

    const viewerAt8009 = { instanceCount: 4, webViewerPortBase: 8009 };
    const problems = problemsOf(parseSettings({ ...viewerAt8009, version: '6.x' }));
    assert.deepEqual(problems.map((p) => p.setting), ['isaacSim.webViewerPortBase']);
    assert.ok(problems[0].message.includes('isaacSim.httpPortBase (8011-8014)'), problems[0].message);
    assert.ok(problems[0].message.includes('isaacSim.webViewerPortBase (8009-8012)'), problems[0].message);
    settingsOf(parseSettings({ ...viewerAt8009, version: '4.2' }));
  });

  test('the 65535 limit applies only to the version\'s bases', () => {
    settingsOf(parseSettings({ instanceCount: 16, streamPortBase: 65530, version: '4.2', pythonServerPortBase: 9000 }));
    settingsOf(parseSettings({ instanceCount: 16, webViewerPortBase: 65530, version: '4.5-5.x' }));
    const problems = problemsOf(parseSettings({ instanceCount: 16, streamPortBase: 65530, version: '6.x' }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].setting, 'isaacSim.streamPortBase');
    assert.match(problems[0].message, /16 instances need ports up to 65545, past 65535/);
    assert.match(problems[0].message, /at most 65520/);
    settingsOf(parseSettings({ instanceCount: 16, webViewerPortBase: 65520, version: '6.x' }));
    problemsOf(parseSettings({ instanceCount: 16, webViewerPortBase: 65521, version: '6.x' }));
  });

  test('"auto": nothing is checked when the settings are read; portRangeProblems checks the version found at start', () => {
    const raw = { instanceCount: 4, httpPortBase: 9000, signalPortBase: 9000 };
    const s = settingsOf(parseSettings(raw));
    assert.equal(s.version, 'auto');
    for (const version of VERSION_IDS) {
      const problems = portRangeProblems(s, version);
      assert.deepEqual(problems, problemsOf(parseSettings({ ...raw, version })), version);
      assert.ok(problems.some((p) => p.setting === 'isaacSim.signalPortBase' || p.setting === 'isaacSim.httpPortBase'), version);
    }
    assert.deepEqual(portRangeProblems(settingsOf(parseSettings({})), '6.x'), []);
  });

  test('cross-field rules are only checked when every field is valid', () => {
    const problems = problemsOf(parseSettings({ version: '4.2', httpPortBase: 9000, signalPortBase: 9000, gpus: '' }));
    assert.deepEqual(
      problems.map((p) => p.setting),
      ['isaacSim.gpus'],
    );
  });
});

describe('portBase', () => {
  test('http: httpPortBase, or the version\'s own Kit HTTP port when it is null', () => {
    const s = settingsOf(parseSettings({}));
    assert.deepEqual(
      VERSION_IDS.map((v) => portBase(s, 'http', v)),
      [8211, 8011, 8011, 8211],
    );
    for (const v of VERSION_IDS) assert.equal(portBase(s, 'http', v), VERSIONS[v].defaultHttpPort);
    const explicit = settingsOf(parseSettings({ httpPortBase: 9000 }));
    for (const v of VERSION_IDS) assert.equal(portBase(explicit, 'http', v), 9000, v);
  });

  test('the other kinds: their base setting, whatever the version', () => {
    const s = settingsOf(parseSettings({ signalPortBase: 1, streamPortBase: 2, webViewerPortBase: 3 }));
    for (const v of VERSION_IDS) {
      assert.equal(portBase(s, 'signal', v), 1);
      assert.equal(portBase(s, 'stream', v), 2);
      assert.equal(portBase(s, 'webViewer', v), 3);
    }
  });
});
