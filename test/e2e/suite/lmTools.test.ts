/**
 * The Language Model tools (issue 13, point 5) in the real extension host, called as any extension
 * can: vscode.lm.invokeTool with no chat request. Start, stop and run ask for the user's confirmation
 * (a modal dialog outside chat, which VS Code answers by itself while extension tests run); each test
 * reads back what the user was asked (api.lmTools.asked). Runs after extension.test.js, which leaves
 * instance-0 removed. The instance is the 4.2 stand-in, whose code server runs print("…"),
 * raise Name("…"), imports and comments.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { IsaacSimApi } from '../../../src/extension';
import { describeState } from '../../../src/instances/describe';
import { EXTENSION_ID, countingProxy, dockerInspect, run, upstreamSocket, waitFor, type CountingProxy } from './helpers';
import { invokeTool, toolError, withConfirmations } from './lmToolHelpers';

const CONTAINER = 'isaac-sim-instance-0';
const READY = 'Isaac Sim Headless WebRTC App is loaded.';
const LIST = 'isaacSim_listInstances';
const START = 'isaacSim_startInstance';
const STOP = 'isaacSim_stopInstance';
const LOG = 'isaacSim_readLog';
const RUN = 'isaacSim_runPython';
/** An env value named like an NGC key: masked wherever it shows. The stand-in echoes it into its log when asked (STANDIN_ECHO_ENV). */
const SECRET = 'nvapi-lmtool-4f1c9e2b7a';

interface ContributedTool {
  name: string;
  inputSchema: object;
  tags: string[];
}

describe('Language Model tools in a real VS Code', function () {
  this.timeout(90_000);
  let api: IsaacSimApi;
  let proxy: CountingProxy | undefined;
  let env: Record<string, string> = {};
  const config = () => vscode.workspace.getConfiguration('isaacSim');

  before(async () => {
    const ext = vscode.extensions.getExtension<IsaacSimApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    // isaacSim.dockerHost is the counting proxy socket an earlier file served and closed: serve it again.
    const dockerHost = config().get<string>('dockerHost') ?? '';
    assert.match(dockerHost, /^unix:\/\//);
    proxy = await countingProxy(dockerHost.slice('unix://'.length), upstreamSocket());
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
    if (api.manager.engineStatus.kind !== 'connected') await vscode.commands.executeCommand('isaacSim.retry');
    await waitFor('the engine connection', () => api.manager.engineStatus.kind === 'connected', 10_000);
    await waitFor('instance-0 not created', () => api.manager.get(0)?.exists === false, 10_000);
    // extension.test.js's GPU test ends by clearing isaacSim.gpus: the runner's value is "none" (no GPU here).
    if (config().get('gpus') !== 'none') await config().update('gpus', 'none', vscode.ConfigurationTarget.Global);
    env = config().get<Record<string, string>>('env') ?? {};
    await config().update('env', { ...env, NGC_API_KEY: SECRET, STANDIN_ECHO_ENV: 'NGC_API_KEY' }, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('env', env, vscode.ConfigurationTarget.Global);
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
    proxy?.close();
  });

  it('the five tools are registered with the schemas and tags package.json contributes', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = ext.packageJSON.contributes.languageModelTools as ContributedTool[];
    const ours = vscode.lm.tools.filter((t) => t.name.startsWith('isaacSim_'));
    assert.deepEqual(ours.map((t) => t.name).sort(), [LIST, START, STOP, LOG, RUN].sort());
    for (const c of contributed) {
      const tool = ours.find((t) => t.name === c.name);
      assert.ok(tool, `${c.name} is in vscode.lm.tools`);
      assert.deepEqual(tool.inputSchema, c.inputSchema, `${c.name}'s schema`);
      assert.deepEqual([...tool.tags], c.tags);
      assert.ok(tool.description.length > 80, `${c.name} has its model description`);
    }
  });

  it('list shows the engine and each instance with its state', async () => {
    const text = await invokeTool(LIST, {});
    assert.match(text, /^Docker engine: reachable · Docker \S+ · 0\/1 ready$/m, text);
    // extension.test.js leaves instance-0 removed after a failed start: not created, or failed with its reason.
    assert.ok(text.includes(`\n- instance-0 (index 0): ${describeState(api.manager.get(0)!)}\n`), text);
    assert.match(text, /^ {4}container: isaac-sim-instance-0 \(not created\)$/m, text);
    assert.match(text, /^ {4}code server: port \d+ \(omni\.isaac\.vscode\)$/m, text);
  });

  it('bad input is refused with what to send instead, without asking the user', async () => {
    const { asked } = await withConfirmations(api, async () => {
      assert.match((await toolError(LOG, { instance: 'instance-7' })).message, /There is no instance-7: the instances are instance-0\. .*isaacSim\.instanceCount/);
      assert.match((await toolError(LOG, { instance: 0, lines: 501 })).message, /"lines" must be a whole number from 1 to 500, not 501/);
      assert.match((await toolError(LOG, {})).message, /no instance was given\. Send "instance"/);
      assert.match((await toolError(RUN, { instance: 'instance-0' })).message, /No code was given\. Send the Python source to run in "code"/);
      assert.match((await toolError(START, { instance: 'the first one' })).message, /"the first one" is not an instance/);
      assert.match((await toolError(LIST, { host: 'gpu-z' })).message, /only one host here .*leave "host" out/);
    });
    assert.deepEqual(asked, [], 'no confirmation was asked for input that cannot run');
  });

  it("an instance without a container: the log tool and the run tool say so and how to fix it", async () => {
    assert.match((await toolError(LOG, { instance: 0 })).message, /instance-0 has no container, so it has no log: start it first/);
    const { value: err, asked } = await withConfirmations(api, () => toolError(RUN, { instance: 0, code: 'print("early")' }));
    assert.equal(asked.length, 1, 'the run asked first');
    assert.match(err.message, /instance-0 is \w+, not ready.*Start it and wait until it is ready/);
  });

  it('start asks first, starts instance-0, and list follows it to ready', async () => {
    const { value: text, asked } = await withConfirmations(api, () => invokeTool(START, { instance: 'instance-0' }));
    assert.equal(asked.length, 1, 'one confirmation');
    assert.equal(asked[0].title, 'Start Isaac Sim instance-0?');
    assert.match(asked[0].message, /asks to start the Isaac Sim instance \*\*instance-0\*\*\. It runs the image `isaac-sim-standin:[^`]+` \(Isaac Sim 4\.2/);
    assert.match(text, /^instance-0 started: its container runs/);
    assert.equal((await dockerInspect(CONTAINER))?.State.Running, true, 'the container runs');
    const listed = await waitFor('list to show instance-0 ready', async () => {
      const t = await invokeTool(LIST, {});
      return /^- instance-0 \(index 0\): ready$/m.test(t) ? t : undefined;
    }, 60_000);
    assert.match(listed, /^Docker engine: reachable · Docker \S+ · 1\/1 ready$/m);
    assert.match(listed, /^ {4}container: isaac-sim-instance-0 \([0-9a-f]{12}\)$/m);
  });

  it('the log tool returns the last lines, with the secret env value masked', async () => {
    const whole = await invokeTool(LOG, { instance: 'instance-0', lines: 500 });
    assert.ok(whole.includes(READY), 'the readiness line is in the log');
    assert.match(whole, /env NGC_API_KEY=\*\*\*/, 'the echoed secret is in the log, masked');
    assert.ok(!whole.includes(SECRET), 'the secret itself is not');
    const three = await invokeTool(LOG, { instance: 0, lines: 3 });
    const [head, ...lines] = three.split('\n');
    assert.equal(head, "The last 3 lines of instance-0's log:");
    assert.equal(lines.length, 3);
    const fifty = await invokeTool(LOG, { instance: 0 });
    assert.match(fifty.split('\n')[0], /^The last 50 lines|^The whole log of instance-0 \(\d+ lines; 50 were asked for\)/, 'no lines: the last 50');
  });

  it('run asks first, showing the code, and returns what the code printed', async () => {
    const { value: text, asked } = await withConfirmations(api, () => invokeTool(RUN, { instance: 'instance-0', code: 'print("hello")\n' }));
    assert.equal(asked.length, 1);
    assert.equal(asked[0].title, 'Run Python in Isaac Sim instance-0?');
    assert.ok(asked[0].message.includes('print("hello")'), `the code is shown: ${asked[0].message}`);
    assert.match(text, /^The code ran in instance-0/);
    assert.match(text, /^Output:\nhello$/m);
  });

  it('a secret in the code is masked in the confirmation and in the output', async () => {
    const { value: text, asked } = await withConfirmations(api, () => invokeTool(RUN, { instance: 0, code: `print("${SECRET}")` }));
    assert.equal(asked.length, 1);
    assert.ok(asked[0].message.includes('print("***")'), `the code is shown masked: ${asked[0].message}`);
    assert.ok(!asked[0].message.includes(SECRET));
    assert.match(text, /^Output:\n\*\*\*$/m);
    assert.ok(!text.includes(SECRET));
  });

  it('a raise returns the error, its line in the code and the traceback', async () => {
    const code = 'import time\n# the next line raises\nraise RuntimeError("boom")\n';
    const text = await invokeTool(RUN, { instance: 0, code });
    assert.match(text, /^The code raised RuntimeError: boom, at line 3 of the code, in instance-0/);
    assert.match(text, /^Traceback:\n/m);
    assert.match(text, /File "<string>", line 3, in <module>/);
  });

  it('stop asks first and stops instance-0', async () => {
    const { value: text, asked } = await withConfirmations(api, () => invokeTool(STOP, { instance: 'instance-0' }));
    assert.equal(asked.length, 1);
    assert.equal(asked[0].title, 'Stop Isaac Sim instance-0?');
    assert.match(text, /^instance-0 stopped\. Its container stays/);
    assert.equal((await dockerInspect(CONTAINER))?.State.Running, false);
    await waitFor('list to show instance-0 stopped', async () => /^- instance-0 \(index 0\): stopped/m.test(await invokeTool(LIST, {})), 10_000);
  });
});
