/**
 * Extension-host integration tests: the real extension inside a real VS Code, against a real Docker
 * engine running the stand-in. The runner sets user settings that point the extension at the stand-in
 * and at `isaacSim.dockerHost` = a socket that this suite serves: a counting proxy in front of the
 * real engine, so "no Docker call before the view is shown" is measured on the wire.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { IsaacSimApi } from '../../../src/extension';
import { GPU_QUERY_ARGS, parseGpus } from '../../../src/instances/nvidiaSmi';
import { EXTENSION_ID, countingProxy, dockerInspect, run, upstreamSocket, waitFor, type CountingProxy } from './helpers';

/** The 4.2 stand-in's readiness line (Kit prints it after its clock: "[12.3s] Isaac Sim Headless WebRTC App is loaded."). */
const READY = 'Isaac Sim Headless WebRTC App is loaded.';
const CONTAINER = 'isaac-sim-instance-0';

describe('Isaac Sim Orchestrator in a real VS Code', function () {
  this.timeout(90_000);
  let api: IsaacSimApi;
  let proxy: CountingProxy;

  before(async () => {
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
    const dockerHost = vscode.workspace.getConfiguration('isaacSim').get<string>('dockerHost') ?? '';
    assert.match(dockerHost, /^unix:\/\//, 'the runner points isaacSim.dockerHost at the counting proxy socket');
    proxy = await countingProxy(dockerHost.slice('unix://'.length), upstreamSocket());
  });

  after(async () => {
    proxy?.close();
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
  });

  it('activates, registers every contributed command, and makes no Docker call yet', async () => {
    const ext = vscode.extensions.getExtension<IsaacSimApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await ext.activate();
    assert.ok(api.manager && api.logs && api.simViews && api.tree, 'the extension exports its API');
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = (ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
    assert.ok(contributed.length >= 11);
    for (const id of contributed) assert.ok(registered.has(id), `${id} is registered`);
    assert.equal(proxy.requests(), 0, 'no request reached the engine during activation');
    // A request that activation set off for later would show within moments: wait for one (ends at once
    // if it comes). The next test checks the rest of the time up to the view being shown.
    const late = await proxy.nextRequest(500);
    assert.equal(late, undefined, `no request reached the engine before the view was shown (got ${late?.line})`);
    assert.equal(api.manager.engineStatus.kind, 'idle');
  });

  it("reads the manifest in English: VS Code put package.nls.json's text in place of every %key%", () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const left: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (typeof v === 'string') {
        if (/^%.+%$/s.test(v)) left.push(`${at}: ${v}`);
      } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
    };
    walk(ext.packageJSON, '$');
    assert.deepEqual(left, [], 'no %key% is left unresolved');
    const nls = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
    assert.equal(ext.packageJSON.displayName, nls['extension.displayName']);
    const start = (ext.packageJSON.contributes.commands as Array<{ command: string; title: string; category: string }>).find((c) => c.command === 'isaacSim.startInstance');
    assert.deepEqual([start?.category, start?.title], ['Isaac Sim', 'Start Instance']);
  });

  it('connects when the Isaac Sim view is shown', async () => {
    const shownAt = Date.now();
    await vscode.commands.executeCommand('isaacSim.instances.focus');
    await waitFor('the engine connection', () => api.manager.engineStatus.kind === 'connected');
    assert.ok(proxy.requests() > 0, 'the view made the first engine calls');
    const early = proxy.lines().filter((l) => l.at < shownAt);
    assert.deepEqual(early.map((l) => l.line), [], 'no request reached the engine between activation and showing the view');
    const items = api.tree.rows();
    assert.deepEqual(
      items.map((i) => i.label),
      ['instance-0'],
    );
    assert.match(String(items[0].description), /^not created · :\d+$/);
  });

  it('Start Instance creates the container and the tree goes from starting to ready', async () => {
    const seen: string[] = [];
    const sub = api.tree.onDidChangeTreeData(() => {
      const d = String(api.tree.rows()[0]?.description ?? '');
      const state = d.split(/ · | \d/)[0].trim();
      if (seen[seen.length - 1] !== state) seen.push(state);
    });
    try {
      await vscode.commands.executeCommand('isaacSim.startInstance', 0);
      const c = await dockerInspect(CONTAINER);
      assert.ok(c, 'the container exists');
      assert.equal(c.Config.Labels['dev.isaac-sim-orchestrator.owner'], 'isaac-sim-orchestrator');
      await waitFor('instance-0 ready', () => api.manager.get(0)?.state.kind === 'ready');
      // The tree renders the manager's change on its own event: wait for the row to follow.
      await waitFor('the tree row to show ready', () => seen[seen.length - 1] === 'ready');
    } finally {
      sub.dispose();
    }
    assert.ok(seen.includes('starting'), `the tree showed starting (saw ${seen.join(' → ')})`);
    assert.equal(seen[seen.length - 1], 'ready', `the tree ends at ready (saw ${seen.join(' → ')})`);
    assert.ok(seen.indexOf('starting') < seen.indexOf('ready'));
    const item = api.tree.rows()[0];
    assert.equal(item.contextValue, 'isaacSimInstance.ready.exists');
    // The live figures follow once their first sample is in (see the figures test).
    assert.match(String(item.description), /^ready · :\d+( · .*)?$/);
  });

  it('the status bar counts ready instances', async () => {
    await waitFor('the status bar', () => api.statusBar.text === '$(vm) Isaac Sim: 1/1 ready', 5_000).catch(() => undefined);
    assert.equal(api.statusBar.text, '$(vm) Isaac Sim: 1/1 ready');
  });

  it('the tree shows live CPU and memory of the running instance, and stops asking the engine for them while the view is hidden', async () => {
    const figures = () => api.figures.of('', 0);
    await waitFor('the first figures of instance-0', () => figures()?.cpuPercent !== undefined && figures()?.memoryUsedBytes !== undefined, 15_000);
    const f = figures()!;
    // The limit the runner's isaacSim.memoryLimitGiB set on the container, as the engine's stats report it.
    const limitGiB = vscode.workspace.getConfiguration('isaacSim').get<number>('memoryLimitGiB') ?? 0;
    assert.ok(limitGiB > 0, 'the runner sets a memory limit');
    assert.equal(f.memoryLimitBytes, limitGiB * 1024 ** 3);
    assert.equal((await dockerInspect(CONTAINER))?.HostConfig.Memory, f.memoryLimitBytes);
    assert.ok(f.memoryUsedBytes! > 0 && f.memoryUsedBytes! < f.memoryLimitBytes!, `memory used ${f.memoryUsedBytes}`);
    await waitFor('the figures in the row', () => / · CPU \d+(\.\d)?% · \d+(\.\d)? (MiB|GiB)/.test(String(api.tree.rows()[0]?.description ?? '')), 5_000);
    const tooltip = api.tree.rows()[0].tooltip;
    const text = tooltip instanceof vscode.MarkdownString ? tooltip.value : String(tooltip);
    assert.match(text, /Memory/, `the tooltip shows the memory row: ${text}`);
    assert.ok(proxy.lines().some((l) => /^GET \/containers\/[0-9a-f]{64}\/stats$/.test(l.line)), 'the figures came from the stats stream');
    // No nvidia-smi on this machine: the GPU figures come from the look-alike in the container, by a followed exec.
    await waitFor('the GPU figures', () => figures()?.gpus !== undefined, 15_000).catch((err: Error) => assert.fail(`${err.message}; GPU note: ${figures()?.gpuNote}`));
    const { stdout } = await run('docker', ['exec', CONTAINER, 'nvidia-smi', ...GPU_QUERY_ARGS]);
    assert.deepEqual(figures()!.gpus, parseGpus(stdout), 'the GPUs as nvidia-smi in the container lists them');
    assert.ok(proxy.lines().some((l) => /^POST \/containers\/[0-9a-f]{64}\/exec$/.test(l.line)), 'asked by exec in the container');
    assert.match(text, /GPU 0/, `the tooltip shows the GPU: ${text}`);

    // The GPU figures come from one nvidia-smi --loop, followed: it runs in the container while the view is shown.
    const loopRuns = async () => (await run('docker', ['exec', CONTAINER, 'ps', '-o', 'args'])).stdout.split('\n').some((l) => l.includes('nvidia-smi --query-gpu'));
    assert.equal(await loopRuns(), true, 'nvidia-smi --loop runs in the container');

    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('the figures to stop with the view hidden', () => !api.figures.collecting, 5_000);
    // The engine would keep the loop running: hiding the view kills it in the container.
    await waitFor('the nvidia-smi loop to end with the view hidden', async () => !(await loopRuns()), 10_000);
    // A new request for figures (a stats stream, or a new exec in the container) would come within a
    // loop restart (5 s) or a stats reopen (2 s): wait longer. The kill's own exec came before.
    const late = await proxy.nextRequest(7_000, /\/stats$|^POST \/containers\/[0-9a-f]{64}\/exec$/);
    assert.equal(late, undefined, `no figures request while the view is hidden (got ${late?.line})`);

    const reopened = proxy.nextRequest(15_000, /\/stats$/);
    await vscode.commands.executeCommand('isaacSim.instances.focus');
    assert.ok(await reopened, 'showing the view opened the stats stream again');
    await waitFor('collecting again', () => api.figures.collecting, 5_000);
  });

  it('the preflight doctor reports on this machine', async () => {
    await vscode.commands.executeCommand('isaacSim.doctor');
    const report = api.doctor.lastReport;
    assert.ok(report, 'a report was made');
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    assert.ok(byId.size >= 6, `checks: ${[...byId.keys()].join(', ')}`);
    assert.ok(report.checks.some((c) => c.ok === true && /engine|docker/i.test(`${c.id} ${c.title}`)), 'the engine check passed');
    assert.match(report.markdown, /✔/);
    // The Markdown preview of the read-only report document is open.
    const tab = await waitFor('the report preview tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && /preview/i.test(t.input.viewType) && /doctor/i.test(t.label)),
    5_000);
    assert.ok(tab);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse('isaac-sim-doctor:/Isaac%20Sim%20Preflight%20Doctor.md'));
    // A report shown before (an earlier run) reaches the document's text through the workbench: wait for this one.
    await waitFor("the document's text to be this report", () => doc.getText() === report.markdown, 10_000).catch(() => undefined);
    assert.equal(doc.getText(), report.markdown);
  });

  it("the instance's log channel has received the readiness line", async () => {
    const at = () => api.logs.linesOf(0).findIndex((line) => line.endsWith(READY));
    await waitFor('the readiness line in the channel', () => at() >= 0, 10_000);
    await vscode.commands.executeCommand('isaacSim.showLogs', 0);
    assert.ok(at() > 5, 'startup lines came before the readiness line');
  });

  it('Open Sim View opens a panel with a nonce CSP, frame-src limited to the instance origin, and the right URL', async () => {
    await vscode.commands.executeCommand('isaacSim.openSimView', 0);
    const panel = (await waitFor('the sim view panel', () => api.simViews.panelFor(0)))!;
    assert.equal(panel.title, 'Sim: instance-0');
    const html = panel.webview.html;
    const snapshot = api.manager.get(0)!;
    const external = (await vscode.env.asExternalUri(vscode.Uri.parse(snapshot.clientUrl))).toString(true);
    const origin = new URL(external).origin;
    const unescape = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const cspAttr = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    const csp = cspAttr && unescape(cspAttr);
    assert.ok(csp, 'the page has a CSP meta tag');
    const nonce = /script-src 'nonce-([0-9a-f-]{36})'/.exec(csp)?.[1];
    assert.ok(nonce, `script-src carries a UUID nonce (CSP: ${csp})`);
    assert.ok(html.includes(`nonce="${nonce}"`), 'the script tag carries the same nonce');
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    assert.deepEqual(directives.get('frame-src'), [origin], 'frame-src is the instance origin and nothing else');
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`], 'scripts only by nonce');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const state = /data-state="([^"]+)"/.exec(html)?.[1];
    assert.ok(state);
    const decoded = JSON.parse(unescape(state));
    assert.equal(decoded.url, external);
  });

  it('Stop and Remove clean up; the stop refreshes only its row', async () => {
    // What each refresh named, as it was then: rows (their labels and descriptions), or the whole tree.
    // The view is shown (VS Code fetched its rows): so a change of one row names that row alone.
    const events: ({ label: string; description: string }[] | 'whole tree')[] = [];
    const sub = api.tree.onDidChangeTreeData((e) => {
      events.push(e === undefined ? 'whole tree' : (Array.isArray(e) ? e : [e]).map((r) => ({ label: String(r.label), description: String(r.description) })));
    });
    try {
      await vscode.commands.executeCommand('isaacSim.stopInstance', 0);
      assert.equal((await dockerInspect(CONTAINER))?.State.Running, false);
      await waitFor('instance-0 stopped', () => api.manager.get(0)?.state.kind === 'stopped');
      await waitFor('a refresh that shows instance-0 stopped', () => events.some((e) => e !== 'whole tree' && e.some((r) => /^stopped/.test(r.description))), 10_000);
    } finally {
      sub.dispose();
    }
    assert.ok(
      events.every((e) => e !== 'whole tree' && e.length === 1 && e[0].label === 'instance-0'),
      `each refresh of the stop named instance-0's row and nothing else: ${JSON.stringify(events)}`,
    );
    await vscode.commands.executeCommand('isaacSim.removeInstance', 0);
    assert.equal(await dockerInspect(CONTAINER), undefined);
    await waitFor('instance-0 not created', () => api.manager.get(0)?.exists === false);
    assert.match(String(api.tree.rows()[0].description), /^not created/);
  });

  it('secret env values and URL tokens never reach the tree tooltip, even in a failure reason', async () => {
    const secret = 'tok-0f8e2d4c6b1a3957';
    const config = vscode.workspace.getConfiguration('isaacSim');
    const env = config.get<Record<string, string>>('env') ?? {};
    await config.update('env', { ...env, ROS_BRIDGE_TOKEN: secret }, vscode.ConfigurationTarget.Global);
    // A launcher path holding the token: the engine's start error quotes it back.
    await config.update('entrypoint', [`/isaac-sim/missing-${secret}.sh`], vscode.ConfigurationTarget.Global);
    await config.update('clientUrlTemplate', 'http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}&token=url-s3cr3t-99', vscode.ConfigurationTarget.Global);
    try {
      await waitFor('the new client URL', () => api.manager.get(0)?.clientUrl.includes('url-s3cr3t-99') === true, 5_000);
      await vscode.commands.executeCommand('isaacSim.startInstance', 0);
      await waitFor('instance-0 failed', () => api.manager.get(0)?.state.kind === 'failed', 30_000);
      assert.ok(!(api.manager.get(0)?.state.reason ?? '').includes(secret), `the reason leaked the secret: ${api.manager.get(0)?.state.reason}`);
      const tooltip = api.tree.rows()[0].tooltip;
      const text = tooltip instanceof vscode.MarkdownString ? tooltip.value : String(tooltip);
      assert.match(text, /Could not start container/, `the tooltip shows the failure: ${text}`);
      assert.match(text, /token=\*\*\*/, `the tooltip's client URL is shown with its token masked: ${text}`);
      assert.ok(!text.includes(secret), `the env secret leaked into the tooltip: ${text}`);
      assert.ok(!text.includes('url-s3cr3t-99'), `the URL token leaked into the tooltip: ${text}`);
      assert.equal(await dockerInspect(CONTAINER), undefined, 'the container that could not start was removed');
    } finally {
      await config.update('clientUrlTemplate', undefined, vscode.ConfigurationTarget.Global);
      await config.update('entrypoint', undefined, vscode.ConfigurationTarget.Global);
      await config.update('env', env, vscode.ConfigurationTarget.Global);
    }
  });

  it('a GPU list is handed out round-robin and shown in the tree', async () => {
    const config = vscode.workspace.getConfiguration('isaacSim');
    // The runner's own values, put back afterwards (clearing them would leave the defaults: all GPUs).
    const before = { gpus: config.inspect('gpus')?.globalValue, instanceCount: config.inspect('instanceCount')?.globalValue };
    let whole = 0;
    const sub = api.tree.onDidChangeTreeData((e) => (whole += e === undefined ? 1 : 0));
    await config.update('instanceCount', 2, vscode.ConfigurationTarget.Global);
    await config.update('gpus', '0,1', vscode.ConfigurationTarget.Global);
    try {
      await waitFor('the GPU in the tree', () => /GPU 1$/.test(String(api.tree.rows()[1]?.description ?? '')), 5_000);
      await waitFor('a refresh of the whole tree: a row came', () => whole > 0, 5_000);
      assert.deepEqual(
        api.tree.rows().map((i) => String(i.description).replace(/^.* · /, '')),
        ['GPU 0', 'GPU 1'],
      );
    } finally {
      sub.dispose();
      await config.update('gpus', before.gpus, vscode.ConfigurationTarget.Global);
      await config.update('instanceCount', before.instanceCount, vscode.ConfigurationTarget.Global);
    }
  });
});
