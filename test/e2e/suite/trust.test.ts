/**
 * Workspace trust, inside a real VS Code. The runner opens a workspace whose .vscode/settings.json
 * sets a value for every isaacSim.* setting: hostile ones for the settings that can run or expose
 * something, ordinary ones for the rest, while the user settings hold the good values (see
 * trustCases.ts). It runs this suite twice: in an untrusted workspace, where every restricted setting
 * must come from the user settings and the harmless ones from the workspace, and, as the control that
 * shows the workspace file is really read, in a trusted one, where every workspace value applies.
 * In the untrusted workspace the extension stays useful: it starts, views and stops an instance with
 * the user's settings.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { IsaacSimApi } from '../../../src/extension';
import type { Settings } from '../../../src/instances/settings';
import { EXTENSION_ID, countingProxy, dockerInspect, run, upstreamSocket, waitFor, type CountingProxy, type InspectedContainer } from './helpers';
import { TRUST_FILE, effectiveValue, type TrustExpectations } from './trustCases';
import { invokeTool, toolError, withConfirmations } from './lmToolHelpers';

const CONTAINER = 'isaac-sim-instance-0';
const LEGACY_LAUNCHER = ['/isaac-sim/runheadless.webrtc.sh'];

function loadExpectations(): TrustExpectations {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the trust suite needs the workspace folder the runner prepared');
  return JSON.parse(readFileSync(path.join(folder.uri.fsPath, TRUST_FILE), 'utf8')) as TrustExpectations;
}

const expected = loadExpectations();
const { trusted, cases } = expected;
const user = (key: keyof Settings) => cases[key].user;
const workspace = (key: keyof Settings) => cases[key].workspace;
const fill = (template: string, values: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));

describe(`Isaac Sim Orchestrator in ${trusted ? 'a trusted' : 'an untrusted'} workspace`, function () {
  this.timeout(90_000);
  let api: IsaacSimApi;
  let proxy: CountingProxy;

  before(async () => {
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
    // The user's Docker host is a counting proxy this suite serves in front of the real engine.
    const userHost = String(user('dockerHost'));
    assert.match(userHost, /^unix:\/\//);
    proxy = await countingProxy(userHost.slice('unix://'.length), upstreamSocket());
  });

  after(async () => {
    proxy?.close();
    await run('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
  });

  it(`vscode.workspace.isTrusted is ${trusted}`, () => {
    assert.equal(vscode.workspace.isTrusted, trusted);
  });

  it('the extension activates and registers every contributed command', async () => {
    const ext = vscode.extensions.getExtension<IsaacSimApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await ext.activate();
    assert.ok(ext.isActive);
    assert.equal(typeof api.settings, 'function', 'the API exposes the settings in effect');
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = (ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
    assert.ok(contributed.length >= 11);
    for (const id of contributed) assert.ok(registered.has(id), `${id} is registered`);
  });

  it('the manifest declares limited support, says what it restricts, and restricts exactly the settings that can run or expose something', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const untrusted = ext.packageJSON.capabilities?.untrustedWorkspaces as { supported: unknown; description?: string; restrictedConfigurations?: string[] };
    assert.equal(untrusted?.supported, 'limited', 'restrictedConfigurations only take effect with supported: "limited"');
    assert.ok((untrusted.description ?? '').length > 40, 'the description says what is restricted');
    for (const word of ['image', 'environment', 'volumes', 'runtime', 'Docker host']) assert.ok(untrusted.description!.includes(word), `the description names ${word}`);
    const wanted = Object.entries(cases).filter(([, c]) => c.restricted).map(([key]) => `isaacSim.${key}`).sort();
    assert.deepEqual([...(untrusted.restrictedConfigurations ?? [])].sort(), wanted);
  });

  it('every isaacSim setting has a case, with different user and workspace values, and the settings are valid', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = Object.keys(ext.packageJSON.contributes.configuration.properties as Record<string, unknown>).filter((id) => id.startsWith('isaacSim.'));
    assert.deepEqual(contributed.map((id) => id.slice('isaacSim.'.length)).sort(), Object.keys(cases).sort(), 'a new setting needs a decision in trustCases.ts');
    for (const [key, c] of Object.entries(cases)) assert.notDeepEqual(c.user, c.workspace, `isaacSim.${key}: the user and workspace values must differ`);
    const result = api.settings();
    assert.ok(result.ok, `the settings in effect are valid: ${JSON.stringify(result.ok ? [] : result.problems)}`);
  });

  for (const [key, c] of Object.entries(cases)) {
    const source = c.restricted && !trusted ? 'user' : 'workspace';
    it(`isaacSim.${key} (${c.restricted ? 'restricted' : 'workspace-settable'}) is the ${source} value`, () => {
      const result = api.settings();
      assert.ok(result.ok, 'the settings in effect are valid');
      assert.deepEqual(result.settings[key as keyof Settings], effectiveValue(c, trusted));
    });
  }

  if (!trusted) {
    let container: InspectedContainer | undefined;

    it('showing the view connects through the user Docker host', async () => {
      await vscode.commands.executeCommand('isaacSim.instances.focus');
      await waitFor('the engine connection', () => api.manager.engineStatus.kind === 'connected');
      assert.ok(proxy.requests() > 0, 'the requests went through the user-configured socket');
    });

    it('the tree shows the workspace instance count, each with the user image and version', () => {
      assert.deepEqual(api.tree.rows().map((i) => i.label), ['instance-0', 'instance-1']);
      for (const s of api.manager.list()) {
        assert.equal(s.image, user('image'));
        assert.equal(s.version, user('version'));
        assert.match(s.versionSource, /isaacSim\.version/, 'the version is the user setting');
        assert.equal(s.gpu, user('gpus'));
      }
    });

    it("the client URL is the user's template and host with the workspace's port", () => {
      const want = fill(String(user('clientUrlTemplate')), { host: String(user('host')), httpPort: Number(workspace('httpPortBase')), label: 'instance-0', index: 0 });
      assert.equal(api.manager.get(0)?.clientUrl, want);
    });

    it('Start Instance creates the container on the user engine', async () => {
      // Never start with a leaked workspace image, engine or data folder.
      const result = api.settings();
      assert.ok(result.ok);
      for (const key of ['image', 'dockerHost', 'dockerContext', 'hostDataRoot'] as const) assert.deepEqual(result.settings[key], user(key), `isaacSim.${key} is the user value`);
      const before = proxy.requests();
      await vscode.commands.executeCommand('isaacSim.startInstance', 0);
      container = await dockerInspect(CONTAINER);
      assert.ok(container, 'the container exists on the engine behind the user socket');
      assert.ok(proxy.requests() > before, 'the create went through the user socket');
      assert.equal(container.Config.Labels['dev.isaac-sim-orchestrator.owner'], 'isaac-sim-orchestrator');
    });

    it('the container runs the user image', () => {
      assert.equal(container?.Config.Image, user('image'));
    });

    it("the container's command is the user version's launcher without the workspace's entrypoint, port or extra arguments", () => {
      assert.deepEqual(container?.Config.Entrypoint, LEGACY_LAUNCHER);
      const cmd = container?.Config.Cmd ?? [];
      assert.ok(cmd.length > 0);
      assert.ok(!cmd.some((arg) => /evil|pwned/.test(arg)), `no workspace argument in ${JSON.stringify(cmd)}`);
      assert.ok(cmd.includes(`--/exts/omni.services.transport.server.http/port=${Number(workspace('httpPortBase'))}`), 'the (harmless) workspace port is used');
      assert.ok(cmd.includes(`--/app/livestream/port=${Number(workspace('signalPortBase'))}`), 'the (harmless) workspace signalling port is used');
    });

    it("the container's environment is the user's", () => {
      const env = container?.Config.Env ?? [];
      for (const [name, value] of Object.entries(user('env') as Record<string, string>)) assert.ok(env.includes(`${name}=${value}`), `${name}=${value} in ${JSON.stringify(env)}`);
      for (const name of Object.keys(workspace('env') as Record<string, string>)) assert.ok(!env.some((e) => e.startsWith(`${name}=`)), `no workspace ${name} in ${JSON.stringify(env)}`);
      // The user did not consent (privacyConsent false); the workspace's true must not consent for them.
      assert.ok(!env.some((e) => /^(OMNI_ENV_)?PRIVACY_CONSENT=/.test(e)), `no privacy consent in ${JSON.stringify(env)}`);
    });

    it("the container's runtime, GPU request and memory limit are the user's", () => {
      assert.ok(['', 'runc'].includes(container?.HostConfig.Runtime ?? ''), `the engine's default runtime, got ${container?.HostConfig.Runtime}`);
      assert.ok(!container?.HostConfig.DeviceRequests?.length, 'no GPU request (user gpus: none)');
      assert.equal(container?.HostConfig.Memory, Number(user('memoryLimitGiB')) * 1024 ** 3);
    });

    it("the container's volumes are under the user data folder", () => {
      const binds = container?.HostConfig.Binds ?? [];
      assert.ok(binds.length >= 8);
      for (const bind of binds) assert.ok(bind.startsWith(`${String(user('hostDataRoot'))}/`), `${bind} is under the user data folder`);
    });

    it('the instance becomes ready by the user readiness patterns', async () => {
      await waitFor('instance-0 ready', () => api.manager.get(0)?.state.kind === 'ready', 30_000);
      assert.match(String(api.tree.rows()[0].description), /^ready/);
    });

    it('Open Sim View frames the user client URL', async () => {
      await vscode.commands.executeCommand('isaacSim.openSimView', 0);
      const panel = (await waitFor('the sim view panel', () => api.simViews.panelFor(0)))!;
      const external = (await vscode.env.asExternalUri(vscode.Uri.parse(api.manager.get(0)!.clientUrl))).toString(true);
      const state = /data-state="([^"]+)"/.exec(panel.webview.html)?.[1];
      assert.ok(state, 'the panel carries its state');
      const url = String((JSON.parse(state.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as { url?: unknown }).url);
      assert.equal(url, external);
      assert.doesNotMatch(url, /evil|127\.0\.0\.2/);
      panel.dispose();
    });

    it('Stop and Remove work', async () => {
      await vscode.commands.executeCommand('isaacSim.stopInstance', 0);
      await waitFor('instance-0 stopped', () => api.manager.get(0)?.state.kind === 'stopped');
      await vscode.commands.executeCommand('isaacSim.removeInstance', 0);
      assert.equal(await dockerInspect(CONTAINER), undefined);
    });
  } else {
    it('showing the view connects to the workspace Docker host, not the user one', async () => {
      await vscode.commands.executeCommand('isaacSim.instances.focus');
      const status = await waitFor('the engine status', () => (api.manager.engineStatus.kind === 'unreachable' ? api.manager.engineStatus : undefined), 15_000);
      // The workspace's endpoint (which names the workspace's context) is the engine: a context that does not exist.
      assert.match(status.message, /^Docker context "evil-context" .*does not exist/);
      assert.equal(proxy.requests(), 0, 'nothing reached the user socket');
    });

    it("the instances carry the workspace's image, version and client URL", () => {
      // The tree itself shows the "unreachable" message instead of nodes here.
      assert.equal(api.manager.list().length, Number(workspace('instanceCount')));
      const s = api.manager.get(0);
      assert.equal(s?.version, workspace('version'));
      assert.equal(s?.image, workspace('image'));
      assert.equal(s?.clientUrl, fill(String(workspace('clientUrlTemplate')), { label: 'instance-0' }));
    });
  }

  // The Language Model tools (src/commands/lmTools.ts): start and run refuse in an untrusted workspace,
  // before asking the user anything; list still works there. Trusted, they ask, then meet the workspace's engine.
  it(`the Language Model tools: start and run ${trusted ? 'ask first and are not refused for trust' : 'refuse without asking'}; list works`, async () => {
    const tools = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.languageModelTools as Array<{ name: string; when?: string }>;
    for (const name of ['isaacSim_startInstance', 'isaacSim_runPython']) assert.equal(tools.find((t) => t.name === name)?.when, 'isWorkspaceTrusted', `${name} is offered to a model only when trusted`);
    assert.match(await invokeTool('isaacSim_listInstances', {}), /^- instance-0 \(index 0\): /m);
    const calls: Array<[string, object]> = [
      ['isaacSim_startInstance', { instance: 0 }],
      ['isaacSim_runPython', { instance: 0, code: 'print("from an agent")' }],
    ];
    for (const [name, input] of calls) {
      const { value: err, asked } = await withConfirmations(api, () => toolError(name, input));
      if (trusted) {
        assert.equal(asked.length, 1, `${name} asked first`);
        assert.doesNotMatch(err.message, /not trusted/, `${name} failed for another reason: ${err.message}`);
        // The start reached the workspace's engine (a context that does not exist); the run, the workspace's custom version.
        assert.match(err.message, name === 'isaacSim_startInstance' ? /evil-context/ : /no Python code server/, err.message);
      } else {
        assert.equal(asked.length, 0, `${name} asked nothing`);
        assert.match(err.message, /^This workspace is not trusted, so the Isaac Sim tools do not start instances or run code here: .*Manage Workspace Trust/);
      }
    }
    if (!trusted) assert.equal(await dockerInspect(CONTAINER), undefined, 'nothing was started');
  });
});
