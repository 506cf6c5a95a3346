/**
 * The UI suite's step 1 (ui.test.ts imports the step modules in step order): the .vsix of `npm run
 * package` installed into code-server and compared with it file for file, then Chromium opened on
 * the workbench. The browser refuses every request off loopback and records it in `offLoopback`
 * (steps 6a, 12, 13 and 13a fail on one), and counts the loads of each instance's client URL in
 * `clientNavigations` (step 7 checks that tab switches add none).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { crc32 } from 'node:zlib';
import { listInstalledExtensions, startCodeServer } from './host';
import { launchChromium } from './hostBrowser';
import { errorText, fileSize } from './ui-helpers';
import { isClientFrameUrl } from './uiFrames';
import { vsixEntries, vsixEntryData } from './vsixEntries';
import { clientNavigations, DATA_ROOT, execFileP, INSTANCES, offLoopback, PORTS, PROFILE, REPO, RUN, STEP1, STEP_SECONDS, step, suite, VIEWPORT } from './uiSuite';

const VSIX = path.join(RUN, 'isaac-sim-orchestrator.vsix');
/** Where `npm run package` writes the package. */
const PACKAGED_VSIX = path.join(REPO, '.run/isaac-sim-orchestrator.vsix');
const WORKSPACE = path.join(REPO, 'test/e2e/sample-workspace');
const EXTENSION_ID = 'isaac-sim-orchestrator.isaac-sim-orchestrator';

step(STEP1, 180_000, async (t) => {
  // The package users get, from `npm run package`. In CI the README's install path has just run it
  // in this fresh clone (.ci/run): install that very file. Elsewhere, build it now.
  if (process.env.CI === 'true' && existsSync(PACKAGED_VSIX)) {
    t.diagnostic(`installing the .vsix the README's install path built: ${path.relative(REPO, PACKAGED_VSIX)}`);
  } else {
    await execFileP('npm', ['run', 'package'], { cwd: REPO, timeout: 180_000 }).catch((err) => {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`npm run package failed: ${errorText(err)}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    });
  }
  const size = await fileSize(PACKAGED_VSIX);
  assert.ok(size !== undefined, `npm run package reported success but ${PACKAGED_VSIX} does not exist`);
  await fs.copyFile(PACKAGED_VSIX, VSIX);
  t.diagnostic(`.vsix: ${size} bytes (${(size / 1024).toFixed(0)} KiB)`);
  process.stderr.write(`ui suite: ${path.relative(REPO, PACKAGED_VSIX)} is ${size} bytes\n`);
  assert.ok(size < 1024 * 1024, `the .vsix is ${size} bytes; it must stay under 1 MB`);

  // UI_TEST_IMAGE: another simulator image for a diagnostic run (e.g. a patched stand-in).
  const image = process.env.UI_TEST_IMAGE || readFileSync(path.join(REPO, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim();
  assert.ok(image, 'stand-in/IMAGE is empty');
  if (process.env.UI_TEST_IMAGE) t.diagnostic(`simulator image from UI_TEST_IMAGE: ${image}`);
  const server = (suite.server = await startCodeServer({
    workspace: WORKSPACE,
    runDir: RUN,
    vsix: VSIX,
    settings: {
      'isaacSim.image': image,
      'isaacSim.runtime': '',
      'isaacSim.gpus': 'none',
      'isaacSim.memoryLimitGiB': 2,
      'isaacSim.hostDataRoot': DATA_ROOT,
      'isaacSim.instanceCount': 2,
      'isaacSim.httpPortBase': PORTS.http,
      'isaacSim.signalPortBase': PORTS.signal,
      'isaacSim.streamPortBase': PORTS.stream,
      'isaacSim.webViewerPortBase': PORTS.webViewer,
      'isaacSim.pythonServerPortBase': PORTS.python,
      'isaacSim.env': { STANDIN_STEP_SECONDS: STEP_SECONDS },
      // settings.json opens in a normal editor (replaceUserSettings): in a modal one the palette does not open.
      'workbench.editor.useModal': 'off',
    },
  }));
  const installed = await listInstalledExtensions(server);
  assert.ok(
    installed.some((id) => id.toLowerCase() === EXTENSION_ID),
    `${EXTENSION_ID} is not installed in code-server (installed: ${installed.join(', ') || 'none'})`,
  );
  // What code-server installed is that package, file for file (CRC-32 of each of its extension/
  // entries). Its package.json is the one exception: code-server adds its own "__metadata" (where
  // the extension came from) and writes it out anew, so that one is compared as JSON without it.
  const folder = readdirSync(server.extensionsDir).find((d) => d.toLowerCase().startsWith(`${EXTENSION_ID}-`));
  assert.ok(folder, `no folder of ${EXTENSION_ID} in ${server.extensionsDir}`);
  const entries = vsixEntries(VSIX).filter((e) => e.name.startsWith('extension/') && !e.name.endsWith('/'));
  assert.ok(entries.some((e) => e.name === 'extension/dist/extension.js'), `the .vsix lists: ${entries.map((e) => e.name).join(', ')}`);
  const differ = entries.filter((e) => {
    const file = path.join(server.extensionsDir, folder, e.name.slice('extension/'.length));
    if (!existsSync(file)) return true;
    if (e.name === 'extension/package.json') {
      const installedManifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      delete installedManifest.__metadata;
      return !isDeepStrictEqual(installedManifest, JSON.parse(vsixEntryData(VSIX, e).toString('utf8')));
    }
    return crc32(readFileSync(file)) !== e.crc32;
  });
  assert.deepEqual(differ.map((e) => e.name), [], 'files installed differ from the .vsix');
  t.diagnostic(`installed ${entries.length} files, each as in the .vsix`);

  await fs.rm(PROFILE, { recursive: true, force: true });
  const context = (suite.context = await launchChromium(PROFILE));
  // Only loopback traffic: anything else (e.g. the off-loopback redirect of 4.2's webrtc-client) is aborted.
  await context.route(
    (url) => !isLoopbackUrl(url),
    (route) => {
      offLoopback.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  const page = (suite.page = context.pages()[0] ?? (await context.newPage()));
  await page.setViewportSize(VIEWPORT);
  const consoleLog = path.join(RUN, 'browser-console.log');
  page.on('console', (msg) => void fs.appendFile(consoleLog, `[${msg.type()}] ${msg.text()}\n`).catch(() => undefined));
  page.on('pageerror', (err) => void fs.appendFile(consoleLog, `[pageerror] ${err.message}\n`).catch(() => undefined));
  context.on('request', (req) => {
    if (!req.isNavigationRequest()) return;
    for (const inst of INSTANCES) {
      if (isClientFrameUrl(req.url(), inst.http)) clientNavigations.set(inst.http, (clientNavigations.get(inst.http) ?? 0) + 1);
    }
  });
  await page.goto(server.url, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench .activitybar').first().waitFor({ state: 'visible', timeout: 30_000 });
  // The explorer shows the workspace once the remote side is connected.
  await page.getByRole('treeitem', { name: /README\.md/ }).first().waitFor({ state: 'visible', timeout: 30_000 }).catch(() => {
    throw new Error('the workbench opened but the explorer never showed the sample workspace (README.md)');
  });
});

/** http(s)/ws(s) to a loopback host; other schemes (data:, blob:, …) never leave the machine. */
function isLoopbackUrl(url: URL): boolean {
  if (!/^(https?|wss?):$/.test(url.protocol)) return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
