/**
 * "Run in Sim" in the real extension host, against the stand-in's code server (a protocol stand-in
 * that runs print("…"), raise Name("…"), time.sleep(N) and imports; stand-in/python-handler.sh).
 * Runs after extension.test.js, which leaves instance-0 removed. Instance-0 is started through the
 * extension's own command, the sample workspace's scripts/sim_*.py are run through the commands,
 * and what the user sees is read back: the "Sim Python" channel's text, the Problems entries
 * (vscode.languages.getDiagnostics), the target and its status bar item. Then the 6.x stand-in,
 * whose server requires the token the extension reads from the log.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { IsaacSimApi } from '../../../src/extension';
import { SimPythonError, runInSim } from '../../../src/instances/simPython';
import { EXTENSION_ID, countingProxy, run, upstreamSocket, waitFor, type CountingProxy } from './helpers';

const CONTAINER = 'isaac-sim-instance-0';
const V6_IMAGE = 'isaac-sim-standin:6.0.1';
/** The named volumes the extension gives 6.x instances (removed at the end, as the UI suite expects). */
const V6_VOLUME_PREFIX = 'isaac-sim-orchestrator-6.x-';
const TOKEN_LINE = 'Python server authentication token: ';

function scriptUri(name: string): vscode.Uri {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  assert.ok(root, 'the sample workspace is open');
  return vscode.Uri.joinPath(root, 'scripts', name);
}

async function openScript(name: string): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(scriptUri(name)), { preview: false });
}

/**
 * Puts a sample script back as it was: its text, saved. Reverting the active editor was not enough:
 * in runs with the CPU busy the file was found written with the test's unsaved line (by what, the
 * logs did not show), and every later run of it printed that line too. Saving the original text
 * leaves the file as git has it whatever happened to the edit.
 */
async function restoreScript(document: vscode.TextDocument, original: string): Promise<void> {
  if (document.getText() !== original) {
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    const all = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
    assert.ok(await editor.edit((e) => e.replace(all, original)), 'the original text was put back');
  }
  if (document.isDirty) assert.ok(await document.save(), `${document.uri.fsPath} saved`);
  assert.equal(readFileSync(document.uri.fsPath, 'utf8'), original, `${document.uri.fsPath} on disk is as it was`);
}

function simDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Isaac Sim');
}

/** The processes of the instance's container (docker top), to see what the stand-in's server runs. */
async function containerProcesses(): Promise<string> {
  return (await run('docker', ['top', CONTAINER, '-o', 'pid,args'])).stdout;
}

/** Waits until instance-0 is ready, or fails naming why it is not. */
async function waitReady(api: IsaacSimApi, what: string): Promise<void> {
  const settled = await waitFor(what, () => {
    const s = api.manager.get(0);
    return s?.state.kind === 'ready' || s?.state.kind === 'failed' ? s : undefined;
  }, 60_000);
  assert.equal(settled.state.kind, 'ready', `${what}: ${settled.state.reason ?? ''} ${settled.state.fix ?? ''}`);
}

async function removeV6Volumes(): Promise<void> {
  const { stdout } = await run('docker', ['volume', 'ls', '-q', '--filter', `name=${V6_VOLUME_PREFIX}`]);
  const names = stdout.split('\n').filter((n) => n.startsWith(V6_VOLUME_PREFIX));
  if (names.length) await run('docker', ['volume', 'rm', ...names]);
}

describe('Run in Sim in a real VS Code', function () {
  this.timeout(90_000);
  let api: IsaacSimApi;
  let proxy: CountingProxy | undefined;
  const config = () => vscode.workspace.getConfiguration('isaacSim');
  /** The user settings this suite changes, as the runner set them: put back at the end for the suites after it. */
  const saved = new Map<string, unknown>();

  before(async () => {
    const ext = vscode.extensions.getExtension<IsaacSimApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    for (const key of ['image', 'pythonServerToken', 'instanceCount']) saved.set(key, config().inspect(key)?.globalValue);
    // isaacSim.dockerHost is the socket extension.test.js served and closed: serve it again.
    const dockerHost = config().get<string>('dockerHost') ?? '';
    assert.match(dockerHost, /^unix:\/\//);
    proxy = await countingProxy(dockerHost.slice('unix://'.length), upstreamSocket());
    // extension.test.js's GPU test ends by clearing isaacSim.gpus: the runner's value is "none" (no GPU here).
    if (config().get('gpus') !== 'none') await config().update('gpus', 'none', vscode.ConfigurationTarget.Global);
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
    if (api.manager.engineStatus.kind !== 'connected') await vscode.commands.executeCommand('isaacSim.retry');
    await waitFor('the engine connection', () => api.manager.engineStatus.kind === 'connected', 10_000);
    await waitFor('instance-0 not created', () => api.manager.get(0)?.exists === false, 10_000);
  });

  after(async () => {
    proxy?.close();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const [key, value] of saved) await config().update(key, value, vscode.ConfigurationTarget.Global);
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
    await removeV6Volumes().catch(() => undefined);
  });

  it('Start Instance (4.2) enables the code server, and the tooltip shows its port and extension', async () => {
    await vscode.commands.executeCommand('isaacSim.startInstance', 0);
    await waitReady(api, 'instance-0 ready');
    const s = api.manager.get(0)!;
    assert.equal(s.codeServer.kind, 'enabled', JSON.stringify(s.codeServer));
    const port = s.codeServer.kind === 'enabled' ? s.codeServer.port : 0;
    const tooltip = api.tree.rows()[0].tooltip;
    const text = tooltip instanceof vscode.MarkdownString ? tooltip.value : String(tooltip);
    assert.ok(text.includes(`Code server: \`:${port} (omni.isaac.vscode)\``), `the tooltip has the code server row: ${text}`);
  });

  it('Run File in Sim sends the unsaved text; the Sim Python channel gets the header and the output', async () => {
    const editor = await openScript('sim_hello.py');
    const original = readFileSync(editor.document.uri.fsPath, 'utf8');
    // An unsaved edit: what is sent is the document's text, not the file on disk.
    await editor.edit((e) => e.insert(new vscode.Position(editor.document.lineCount, 0), 'print("an unsaved line")\n'));
    assert.ok(editor.document.isDirty);
    try {
      await vscode.commands.executeCommand('isaacSim.runFileInSim', { index: 0 });
      const last = api.simRun.last;
      assert.equal(last?.outcome, 'ok', `the run: ${JSON.stringify({ outcome: last?.outcome, message: last?.message })}`);
      assert.equal(last?.result?.output, 'hello from the sim\na second line\nan unsaved line');
      const text = api.simRun.channelText;
      assert.match(text, /\[\d\d:\d\d:\d\d\] instance-0 ← scripts\/sim_hello\.py — ok in \d+\.\d\d s\nhello from the sim\na second line\nan unsaved line\n/);
      assert.deepEqual(api.simRun.target, { host: api.fleet.hosts[0].name, index: 0 }, 'the run made instance-0 the target');
    } finally {
      await restoreScript(editor.document, original);
    }
  });

  it('the status bar shows the target while a Python editor is active, and not over another file', async () => {
    await openScript('sim_hello.py');
    await waitFor('the status bar item', () => api.simRun.status.visible, 5_000);
    assert.equal(api.simRun.status.text, '$(play) Sim: instance-0');
    const root = vscode.workspace.workspaceFolders![0].uri;
    await vscode.window.showTextDocument(vscode.Uri.joinPath(root, 'README.md'));
    await waitFor('the status bar item to hide', () => !api.simRun.status.visible, 5_000);
    assert.equal(api.simRun.status.visible, false);
  });

  it("a raising script: its line in the Problems panel, the traceback in the channel; the file's next good run clears it", async () => {
    const editor = await openScript('sim_raise.py');
    const uri = editor.document.uri;
    const original = readFileSync(uri.fsPath, 'utf8');
    await vscode.commands.executeCommand('isaacSim.runFileInSim', uri);
    assert.equal(api.simRun.last?.outcome, 'raised', JSON.stringify(api.simRun.last?.message));
    const diags = await waitFor('the diagnostic', () => (simDiagnostics(uri).length > 0 ? simDiagnostics(uri) : undefined), 5_000);
    assert.equal(diags.length, 1);
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diags[0].range.start.line, 4, 'line 5 of the file (0-based 4): the raise');
    assert.equal(diags[0].message, 'ValueError: the robot is not on the ground (raised in instance-0)');
    const text = api.simRun.channelText;
    assert.ok(text.includes(`instance-0 ← scripts/sim_raise.py — ValueError after`), text);
    assert.ok(text.includes(`before the raise\nTraceback (most recent call last):\n  File "${uri.fsPath}", line 5, in <module>\nValueError: the robot is not on the ground\n  at ${uri.fsPath}:5`), text);
    // The raise taken out (unsaved): the next run of the file succeeds and clears the entry.
    await editor.edit((e) => e.delete(editor.document.lineAt(4).rangeIncludingLineBreak));
    try {
      await vscode.commands.executeCommand('isaacSim.runFileInSim', uri);
      assert.equal(api.simRun.last?.outcome, 'ok');
      await waitFor('the diagnostic to be cleared', () => simDiagnostics(uri).length === 0, 5_000);
    } finally {
      await restoreScript(editor.document, original);
    }
  });

  it("Run Selection of lines 3-4 sends only those lines, and maps a raise on the selection's 2nd line to line 4 of the file", async () => {
    const editor = await openScript('sim_selection.py');
    editor.selection = new vscode.Selection(2, 0, 3, editor.document.lineAt(3).text.length);
    await vscode.commands.executeCommand('isaacSim.runSelectionInSim', { index: 0 });
    const last = api.simRun.last;
    assert.equal(last?.outcome, 'raised');
    assert.deepEqual(last?.lines, { first: 3, last: 4 });
    assert.equal(last?.result?.output, 'line 3 is', 'line 2 was not sent');
    const diags = simDiagnostics(editor.document.uri);
    assert.equal(diags.length, 1);
    assert.equal(diags[0].range.start.line, 3, 'file line 4 (0-based 3)');
    assert.match(api.simRun.channelText, /instance-0 ← scripts\/sim_selection\.py, lines 3-4 — RuntimeError after/);
  });

  it('Run Selection with nothing selected runs the line under the cursor', async () => {
    const editor = await openScript('sim_selection.py');
    editor.selection = new vscode.Selection(1, 3, 1, 3);
    await vscode.commands.executeCommand('isaacSim.runSelectionInSim', { index: 0 });
    assert.equal(api.simRun.last?.outcome, 'ok');
    assert.equal(api.simRun.last?.result?.output, 'line 2 is not in the selection');
    assert.equal(simDiagnostics(editor.document.uri).length, 0, "the file's good run cleared its entry");
  });

  it('a sim view that becomes active becomes the target', async () => {
    await config().update('instanceCount', 2, vscode.ConfigurationTarget.Global);
    try {
      await waitFor('instance-1 listed', () => api.manager.get(1), 5_000);
      await vscode.commands.executeCommand('isaacSim.openSimView', 1);
      assert.deepEqual(api.simRun.target, { host: api.fleet.hosts[0].name, index: 1 });
      await openScript('sim_hello.py');
      await waitFor('the status bar to name instance-1', () => api.simRun.status.text === '$(play) Sim: instance-1', 5_000);
      api.simViews.panelFor(1)?.dispose();
      await vscode.commands.executeCommand('isaacSim.openSimView', 0);
      assert.deepEqual(api.simRun.target, { host: api.fleet.hosts[0].name, index: 0 });
    } finally {
      await config().update('instanceCount', saved.get('instanceCount'), vscode.ConfigurationTarget.Global);
    }
  });

  it('cancelling a time.sleep(30) run ends it at once as cancelled, while the simulator goes on running the script', async () => {
    await openScript('sim_slow.py');
    const cts = new vscode.CancellationTokenSource();
    try {
      const running = vscode.commands.executeCommand('isaacSim.runFileInSim', { index: 0, token: cts.token });
      // The request has reached the server once the stand-in runs its sleep.
      await waitFor('the sleep in the container', async () => /\bsleep 30\b/.test(await containerProcesses()), 10_000);
      cts.cancel();
      await running;
      assert.equal(api.simRun.last?.outcome, 'cancelled', JSON.stringify(api.simRun.last?.message));
      assert.match(api.simRun.last?.message ?? '', /cancelled.*not interrupted/);
      assert.match(api.simRun.channelText, /instance-0 ← scripts\/sim_slow\.py — cancelled after/);
      // The command came back before the script's end: its sleep still runs in the container.
      assert.match(await containerProcesses(), /\bsleep 30\b/, 'the run ended before the 30 s sleep did');
    } finally {
      cts.dispose();
    }
  });

  it('a stopped instance is refused with a message that names the fix; without an instance given, none is ready', async () => {
    await vscode.commands.executeCommand('isaacSim.stopInstance', 0);
    await waitFor('instance-0 stopped', () => api.manager.get(0)?.state.kind === 'stopped', 30_000);
    const uri = scriptUri('sim_hello.py');
    await vscode.commands.executeCommand('isaacSim.runFileInSim', { index: 0, uri: uri.fsPath });
    const last = api.simRun.last;
    assert.equal(last?.outcome, 'failed');
    assert.equal((last?.error as SimPythonError | undefined)?.reason, 'not-ready');
    assert.match(last?.message ?? '', /^instance-0 is stopped, not ready.*Start it/);
    assert.ok(api.simRun.channelText.includes(`instance-0 ← scripts/sim_hello.py — not run`));
    // No instance given: the target (instance-0) is not ready and no other is: nothing is sent.
    await vscode.commands.executeCommand('isaacSim.runFileInSim', uri);
    assert.equal(api.simRun.last?.outcome, 'no-target');
    assert.match(api.simRun.last?.message ?? '', /^instance-0 is stopped, not ready, and no other Isaac Sim instance is ready .*Start one/);
  });

  it("6.x: the token is read from the log and masked; a run works with it, and a wrong token is refused naming the setting", async () => {
    await vscode.commands.executeCommand('isaacSim.removeInstance', 0);
    await waitFor('instance-0 removed', () => api.manager.get(0)?.exists === false, 20_000);
    // Other settings changed before (the extension suite's env and entrypoint): the walkthrough's image step waited for this one.
    assert.equal(api.walkthrough.image, false, 'the image step is not done by other settings');
    await config().update('image', V6_IMAGE, vscode.ConfigurationTarget.Global);
    await waitFor('the 6.x image in the model', () => api.manager.get(0)?.version === '6.x', 5_000);
    assert.equal(api.walkthrough.image, true, "changing isaacSim.image completes the walkthrough's image step");
    await vscode.commands.executeCommand('isaacSim.startInstance', 0);
    await waitReady(api, 'instance-0 (6.x) ready');
    const s = await waitFor('the token from the log', () => {
      const snap = api.manager.get(0);
      return snap?.codeServer.kind === 'enabled' && snap.codeServer.token === 'known' ? snap : undefined;
    }, 10_000);
    assert.equal(s.codeServer.kind === 'enabled' && s.codeServer.extension, 'isaacsim.code_editor.python_server');
    const logs = await run('docker', ['logs', CONTAINER]);
    const token = `${logs.stdout}\n${logs.stderr}`.split('\n').find((l) => l.startsWith(TOKEN_LINE))?.slice(TOKEN_LINE.length).trim();
    assert.ok(token, 'the stand-in printed its token');

    await openScript('sim_hello.py');
    await vscode.commands.executeCommand('isaacSim.runFileInSim', { index: 0 });
    assert.equal(api.simRun.last?.outcome, 'ok', JSON.stringify(api.simRun.last?.message));
    assert.equal(api.simRun.last?.result?.output, 'hello from the sim\na second line');

    const tooltip = api.tree.rows()[0].tooltip;
    const tip = tooltip instanceof vscode.MarkdownString ? tooltip.value : String(tooltip);
    assert.ok(tip.includes('(isaacsim.code_editor.python_server), token from log'), tip);
    for (const [where, text] of [['the Sim Python channel', api.simRun.channelText], ['the tooltip', tip], ["the instance's log channel", api.logs.linesOf(0).join('\n')]]) {
      assert.ok(!text.includes(token), `the token leaked into ${where}`);
    }
    assert.ok(api.logs.linesOf(0).some((l) => l.includes(`${TOKEN_LINE}***`)), 'the log channel shows the token line masked');

    // A wrong token (what a stale isaacSim.pythonServerToken sends): the real server refuses it, and
    // the error names the setting, so the registry's error path offers "Open Settings".
    const port = s.codeServer.kind === 'enabled' ? s.codeServer.port : 0;
    const err = await runInSim({ version: '6.x', host: '127.0.0.1', port, label: 'instance-0', state: 'ready', token: 'wrong-token-0123456789' }, 'print("x")').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SimPythonError, `refused: ${String(err)}`);
    assert.equal(err.reason, 'auth');
    assert.equal(err.setting, 'isaacSim.pythonServerToken');
    assert.match(err.message, /refused the token.*isaacSim\.pythonServerToken/);
  });

  it('6.x: isaacSim.pythonServerToken is what the next start uses, and runs use it', async () => {
    const chosen = 'suite-token-0123456789abcdef';
    await config().update('pythonServerToken', chosen, vscode.ConfigurationTarget.Global);
    // A new container: a restart keeps the old one, with the token it was created with.
    await vscode.commands.executeCommand('isaacSim.removeInstance', 0);
    await waitFor('instance-0 removed', () => api.manager.get(0)?.exists === false, 20_000);
    await vscode.commands.executeCommand('isaacSim.startInstance', 0);
    await waitReady(api, 'instance-0 ready again');
    const args = JSON.parse((await run('docker', ['inspect', '-f', '{{json .Args}}', CONTAINER])).stdout) as string[];
    assert.ok(args.includes(`--/exts/isaacsim.code_editor.python_server/auth_token=${chosen}`), `the container was started with the token: ${JSON.stringify(args.filter((a) => a.includes('python_server')))}`);
    await vscode.commands.executeCommand('isaacSim.runFileInSim', { index: 0, uri: scriptUri('sim_hello.py') });
    assert.equal(api.simRun.last?.outcome, 'ok', JSON.stringify(api.simRun.last?.message));
    assert.ok(!api.simRun.channelText.includes(chosen), 'the token is masked in the channel');
  });
});
