/**
 * Several engines at once in a real VS Code: the runner sets isaacSim.endpoints to two endpoints,
 * "main" (the sandbox's engine, with its own port bases) and "gone" (a socket nothing serves). The
 * tree shows both as host nodes, the unreachable one says why, and the other one starts and stops
 * its instance from its host node.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { IsaacSimApi } from '../../../src/extension';
// Types only: the tree's classes live in the extension's bundle, not in this compiled suite.
import type { HostTreeItem, InstanceTreeItem } from '../../../src/views/treeItems';
import { EXTENSION_ID, dockerInspect, run, waitFor } from './helpers';

const CONTAINER = 'isaac-sim-instance-0';

describe('several engines (isaacSim.endpoints) in a real VS Code', function () {
  this.timeout(90_000);
  let api: IsaacSimApi;

  before(async () => {
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
    const ext = vscode.extensions.getExtension<IsaacSimApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await ext.activate();
  });

  after(async () => {
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
  });

  it('the fleet has the two endpoints of the setting, each with its own settings', () => {
    assert.deepEqual(api.walkthrough, { doctor: false, toolkit: false, image: false, start: false, simView: false, runInSim: false }, 'no walkthrough step is done before its event');
    assert.deepEqual(api.fleet.hosts.map((h) => h.name), ['main', 'gone']);
    assert.ok(api.fleet.multiple);
    assert.equal(api.fleet.host('main')?.manager?.get(0)?.ports.http, 20411, 'main has its own HTTP port base');
    assert.match(api.fleet.host('main')?.manager?.get(0)?.clientUrl ?? '', /^http:\/\/127\.0\.0\.1:20411\//, "the sim view's URL is built from the endpoint's settings");
  });

  it('showing the view makes host nodes: main reachable with its version and count, gone unreachable with the reason', async () => {
    await vscode.commands.executeCommand('isaacSim.instances.focus');
    await waitFor('main connected and gone unreachable', () => api.fleet.status('main')?.engine === 'connected' && api.fleet.status('gone')?.engine === 'unreachable');
    const rows = api.tree.topRows();
    assert.ok(rows.every((r) => String(r.contextValue).startsWith('isaacSimHost.')), 'the top level is hosts');
    assert.deepEqual(rows.map((r) => r.label), ['main', 'gone']);
    const [main, gone] = rows as HostTreeItem[];
    assert.match(String(main.description), /^reachable · Docker \d+\.\d+\S* · 0\/1 ready$/);
    assert.equal(main.contextValue, 'isaacSimHost.connected');
    assert.match(String(gone.description), /^unreachable: /);
    assert.equal(gone.contextValue, 'isaacSimHost.unreachable');
    const children = await api.tree.getChildren(main);
    assert.deepEqual(children.map((c) => [c.label, c.id]), [['instance-0', 'main/instance-0']]);
    assert.deepEqual(await api.tree.getChildren(gone), [], 'an unreachable host has no instance rows: its node says why');
  });

  it('Start All on the main host node starts its instance there; the status bar names each host', async () => {
    const main = api.tree.hostRows().find((r) => r.host === 'main');
    assert.ok(main);
    await vscode.commands.executeCommand('isaacSim.startAll', main);
    const manager = api.fleet.require('main');
    await waitFor('main/instance-0 ready', () => manager.get(0)?.state.kind === 'ready', 60_000);
    await waitFor("the walkthrough's start step done", () => api.walkthrough.start, 5_000);
    assert.equal((await dockerInspect(CONTAINER))?.State.Running, true);
    await waitFor('the status bar with both hosts', () => /Isaac Sim: main 1\/1 · gone unreachable ready$/.test(api.statusBar.text));
    assert.match(String(api.tree.hostRows()[0].description), /· 1\/1 ready$/);
  });

  it("the instance's row carries the host, and its log lines reach main's log channels", async () => {
    const [row] = (await api.tree.getChildren(api.tree.hostRows()[0])) as InstanceTreeItem[];
    assert.equal(row.host, 'main');
    await waitFor('log lines of main/instance-0', () => api.views('main').logs.linesOf(0).length > 0);
  });

  it('Stop All on the main host node stops it; the unreachable host is left alone', async () => {
    const main = api.tree.hostRows().find((r) => r.host === 'main');
    await vscode.commands.executeCommand('isaacSim.stopAll', main);
    const manager = api.fleet.require('main');
    await waitFor('main/instance-0 stopped', () => manager.get(0)?.state.kind === 'stopped', 60_000);
    assert.equal((await dockerInspect(CONTAINER))?.State.Running, false);
    assert.equal(api.fleet.status('gone')?.engine, 'unreachable');
  });

  it("a sim view restored after a window reload goes back to the host its page saved; one whose host is gone says so", async () => {
    const panel = () => vscode.window.createWebviewPanel('isaacSim.simView', 'restored', vscode.ViewColumn.Beside, { enableScripts: true });
    const mine = panel();
    await api.restoreSimView(mine, { index: 0, host: 'main' });
    assert.equal(api.views('main').simViews.panelFor(0), mine, "main's sim views took the panel of main/instance-0");
    assert.match(mine.title, /main/, mine.title);
    mine.dispose();
    const orphan = panel();
    await api.restoreSimView(orphan, { index: 0, host: 'retired' });
    assert.match(orphan.webview.html, /The sim view of retired\/instance-0 cannot be restored: endpoint &quot;retired&quot; is no longer in isaacSim\.endpoints/);
    assert.notEqual(api.views('main').simViews.panelFor(0), orphan);
    orphan.dispose();
  });

  it("Run Preflight Doctor on a host node checks that host's own engine; on each host node, each one", async () => {
    const rows = api.tree.hostRows();
    assert.equal(api.walkthrough.doctor || api.walkthrough.toolkit, false, 'the doctor and toolkit steps wait for a doctor report');
    await vscode.commands.executeCommand('isaacSim.doctor', rows.find((r) => r.host === 'gone'));
    assert.equal(api.walkthrough.doctor, true, 'a report completes the doctor step');
    assert.equal(api.walkthrough.toolkit, false, 'the report of an engine that cannot be reached does not complete the toolkit step');
    const gone = api.doctor.lastReports.get('gone');
    const goneEngine = gone?.checks.find((c) => c.id === 'engine');
    assert.equal(goneEngine?.ok, false, JSON.stringify(goneEngine));
    assert.match(`${gone?.engineAddress}`, /nothing-here\.sock/, 'the report is about gone\'s socket');
    // gone's engine is its own isaacSim.endpoints[1].dockerHost: the report, the fix and the host's status send the user there, not to isaacSim.dockerHost.
    assert.match(`${gone?.engineAddress}`, /nothing-here\.sock \(from setting isaacSim\.endpoints\[1\]\.dockerHost\)$/);
    assert.match(`${goneEngine?.fix}`, /set `isaacSim\.endpoints\[1\]\.dockerHost` to a running engine/);
    const goneStatus = `${api.fleet.status('gone')?.message}`;
    assert.match(goneStatus, /point isaacSim\.endpoints\[1\]\.dockerHost at a running engine/);
    for (const text of [`${gone?.markdown}`, goneStatus]) assert.doesNotMatch(text, /isaacSim\.docker(Host|Context)/, text);
    assert.equal(api.doctor.lastReports.has('main'), false, 'only the host clicked was checked');
    await vscode.commands.executeCommand('isaacSim.doctor', rows.find((r) => r.host === 'main'));
    const mainEngine = api.doctor.lastReports.get('main')?.checks.find((c) => c.id === 'engine');
    assert.equal(mainEngine?.ok, true, JSON.stringify(mainEngine));
    assert.equal(api.walkthrough.toolkit, true, "main's report found the runtime ready (the stand-in's default runtime, no GPU)");
    // The preview names the host the report is about. The document was opened by the first run's
    // preview: the provider's change event reaches its text through the workbench, so wait for it.
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse('isaac-sim-doctor:/Isaac%20Sim%20Preflight%20Doctor.md'));
    const heading = await waitFor("the report's heading naming host main", () => /^> \*\*Host `(\w+)`\*\*/.exec(doc.getText())?.[1] === 'main' || undefined, 10_000).catch(() => false);
    assert.ok(heading, `the report names host main: ${doc.getText().split('\n')[0]}`);
  });

  it('Get Started opens the walkthrough in the editor area', async () => {
    // The runner's settings open no welcome page at start-up (workbench.startupEditor: none), so a
    // Welcome tab is the one this command opened.
    const welcome = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => /^Welcome$/i.test(t.label));
    assert.equal(welcome(), undefined, 'no Welcome tab before the command');
    await vscode.commands.executeCommand('isaacSim.getStarted');
    const tab = await waitFor('the Welcome tab with the walkthrough', welcome, 10_000);
    assert.ok(tab.isActive);
    await vscode.window.tabGroups.close(tab);
  });
});
