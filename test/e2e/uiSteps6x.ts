/**
 * The UI suite's steps 12–13b (ui.test.ts imports the step modules in step order), on the stand-in
 * of Isaac Sim 6.x: both instances ready on their own signalling ports, instance-1 from the shader
 * cache instance-0's first start filled; with isaacSim.webViewerBuildContext, a web viewer per
 * instance framed in its sim view; tab switches, Open in Browser and a restart with the viewers; a
 * viewer build cancelled and one failing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { probeTcp } from '../../src/instances/probe';
import { errorText, normalize, poll, screenshot } from './ui-helpers';
import { focusSideBar, pickQuickItem, runCommand } from './uiPalette';
import { clearNotifications, notificationTexts, readDialog, readToasts, toast } from './uiNotifications';
import { treeRow, waitForTreeRow } from './uiTree';
import { activateTab, outputChannelName, replaceUserSettings, waitForOutputText } from './uiEditors';
import { frameDepth } from './uiFrames';
import { dockerState } from './uiDocker';
import { ARTIFACTS, execFileP, INSTANCES, offLoopback, PORTS, REPO, removeV6Volumes, restMouse, step, userSettings, V6_GLCACHE, V6_IMAGE } from './uiSuite';

/** What a first start prints while the GPU driver compiles the shaders (stand-in/kit.sh, from NVIDIA's logs). */
const SHADER_LINE = 'Waiting for compilation of ray tracing shaders';
const V6_TITLE_MARK = '(ui suite: 6.x)';
/** The frames of the 6.x web viewers step 13 found, by instance index. */
const viewerFrames = new Map<number, Frame>();

step('12. with the 6.x image in the user settings, both instances become ready on their own signalling ports; instance-1 starts from the shared shader cache', 150_000, async (t, page) => {
  // A fresh shader cache: instance-0's start must be a first one.
  await removeV6Volumes();
  assert.equal(await dockerVolumeExists(V6_GLCACHE), false, `the volume ${V6_GLCACHE} should not exist before the 6.x starts`);
  await clearNotifications(page);
  const { file, settings } = await userSettings();
  await focusSideBar(page);
  await replaceUserSettings(page, file, { ...settings, 'isaacSim.image': V6_IMAGE, 'isaacSim.env': { STANDIN_STEP_SECONDS: '0.05' }, 'window.title': `\${rootName} ${V6_TITLE_MARK}` });
  await poll(async () => (await page.title()).includes(V6_TITLE_MARK), 10_000, `the window title to show "${V6_TITLE_MARK}" (the settings change applied)`).catch(async (err) => {
    throw new Error(`${errorText(err)}; title: "${await page.title()}"`);
  });
  const logs: string[] = [];
  for (const inst of INSTANCES) {
    // instance-0 still shows step 9's failure: a "failed" row counts only once it is not that one.
    const before = (await treeRow(page, inst.label))?.description;
    await focusSideBar(page);
    await runCommand(page, 'Isaac Sim: Start Instance');
    await pickQuickItem(page, new RegExp(`^${inst.label}\\b`), inst.label);
    const row = await waitForTreeRow(page, inst.label, (r) => /^ready\b/.test(r.description) || (/^failed\b/.test(r.description) && r.description !== before), 60_000, '"ready"');
    t.diagnostic(`${inst.label} row: ${JSON.stringify(row)}`);
    assert.match(row.description, /^ready\b/, `${inst.label} with ${V6_IMAGE}`);
    const state = await dockerState(inst.container);
    assert.ok(state?.running, `docker inspect: ${inst.container} should be running`);
    assert.equal(await dockerImage(inst.container), V6_IMAGE, `${inst.container} runs the 6.x image`);
    assert.ok(state.env.includes(`ISAACSIM_SIGNAL_PORT=${inst.signal}`), `${inst.container} is handed its own signalling port: ${JSON.stringify(state.env)}`);
    assert.equal(await probeTcp('127.0.0.1', inst.signal), true, `a TCP connection to the signalling port ${inst.signal} of ${inst.label}`);
    logs.push(await dockerLogs(inst.container));
    await clearNotifications(page);
  }
  // Both still answer, each on its own port, once both run.
  for (const inst of INSTANCES) assert.equal(await probeTcp('127.0.0.1', inst.signal), true, `the signalling port ${inst.signal} of ${inst.label} with both running`);
  assert.equal(await dockerVolumeExists(V6_GLCACHE), true, `the shared shader cache volume ${V6_GLCACHE}`);
  const shaderLines = logs.map((log) => log.split('\n').filter((line) => line.includes(SHADER_LINE)).length);
  t.diagnostic(`"${SHADER_LINE}" lines: instance-0 ${shaderLines[0]}, instance-1 ${shaderLines[1]}`);
  assert.ok(shaderLines[0] > 0, `instance-0's first start should have compiled the shaders ("${SHADER_LINE}" in docker logs ${INSTANCES[0].container})`);
  assert.equal(shaderLines[1], 0, `instance-1 should have started from the shader cache in ${V6_GLCACHE}: docker logs ${INSTANCES[1].container} has "${SHADER_LINE}"`);
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '10-6x-both-ready');
  assert.deepEqual(offLoopback, [], 'the browser tried to leave loopback');
});

step("13. with isaacSim.webViewerBuildContext set, each 6.x instance gets its own web viewer, and each sim view shows it with the instance's own signal port", 240_000, async (t, page) => {
  await clearNotifications(page);
  const { file, settings } = await userSettings();
  await focusSideBar(page);
  // The stand-in of NVIDIA's tools/docker/web-viewer folder: the extension builds it per port set.
  await replaceUserSettings(page, file, { ...settings, 'isaacSim.webViewerBuildContext': path.join(REPO, 'stand-in', 'web-viewer') });
  const viewerRows = page.locator('.part.sidebar [role="treeitem"]').filter({ hasText: /^web viewer/ });
  const descriptions = await poll(
    async () => {
      const texts = await viewerRows.evaluateAll((rows) => rows.map((r) => (r.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ')));
      return texts.length === INSTANCES.length && texts.every((d) => /^serving on :\d+$/.test(d)) ? texts : undefined;
    },
    180_000,
    'a "web viewer" row under each instance, serving',
  ).catch(async (err) => {
    throw new Error(`${errorText(err)}; rows: ${JSON.stringify(await page.locator('.part.sidebar [role="treeitem"]').allInnerTexts())}; notifications: ${JSON.stringify(await notificationTexts(page))}`);
  });
  t.diagnostic(`web viewer rows: ${JSON.stringify(descriptions)}`);
  assert.deepEqual([...descriptions].sort(), INSTANCES.map((i) => `serving on :${PORTS.webViewer + i.index}`), 'each on its own port');
  const shown: string[] = [];
  for (const inst of INSTANCES) {
    const port = PORTS.webViewer + inst.index;
    const viewer = await dockerState(`isaac-sim-web-viewer-${inst.index}`);
    assert.ok(viewer?.running, `docker inspect: isaac-sim-web-viewer-${inst.index} runs`);
    await focusSideBar(page);
    await runCommand(page, 'Isaac Sim: Open Sim View');
    await pickQuickItem(page, new RegExp(`^${inst.label}\\b`), inst.label);
    const frame = await poll(
      () =>
        page.frames().find((f) => {
          try {
            const u = new URL(f.url());
            return u.port === String(port) || u.pathname.startsWith(`/proxy/${port}/`);
          } catch {
            return false;
          }
        }),
      30_000,
      `the sim view of ${inst.label} to frame its web viewer on :${port}`,
    ).catch((err) => {
      throw new Error(`${errorText(err)}; frames: ${JSON.stringify(page.frames().map((f) => f.url()))}`);
    });
    assert.ok(frameDepth(frame) >= 2, `the viewer frame of ${inst.label} (${frame.url()}) is inside the webview`);
    const signal = normalize(await frame.locator('#signal-port').innerText({ timeout: 10_000 }));
    shown.push(`${inst.label}: ${frame.url()} signal port ${signal}`);
    viewerFrames.set(inst.index, frame);
    assert.equal(signal, String(inst.signal), `the viewer framed for ${inst.label} has its own signal port ${inst.signal} baked in`);
    // code-server forwards the page (/proxy/PORT/ or another origin): the sim view says the stream is not, with its ports.
    const note = normalize(await (frame.parentFrame() ?? assert.fail('the viewer frame has no parent')).locator('#media-note').innerText({ timeout: 10_000 }));
    assert.match(note, new RegExp(`^The page comes through a forwarded port, the stream does not: this browser must reach 127\\.0\\.0\\.1 on TCP ${inst.signal} \\(signalling\\) and UDP ${PORTS.stream + inst.index} \\(video, ISAACSIM_STREAM_PORT\\)`), note);
  }
  t.diagnostic(shown.join('; '));
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '11-6x-web-viewers-side-by-side');
  assert.deepEqual(offLoopback, [], 'the browser tried to leave loopback');
});

step('13a. the 6.x viewers: a tab switch reloads neither; Open in Browser asks first while the sim view holds the connection; a restart gives instance-0 a fresh viewer page', 120_000, async (t, page) => {
  const read = async (frame: Frame) => ({
    loads: await poll(async () => {
      const text = normalize(await frame.locator('#load-count').innerText({ timeout: 2_000 }));
      return text.endsWith('…') ? undefined : text;
    }, 10_000, '#load-count of a viewer page'),
    alive: Number(normalize(await frame.locator('#alive').innerText({ timeout: 2_000 }))),
  });
  const before = new Map<number, { loads: string; alive: number }>();
  for (const inst of INSTANCES) before.set(inst.index, await read(viewerFrames.get(inst.index) ?? assert.fail(`step 13 found no viewer frame of ${inst.label}`)));
  // Step 7 opened README.md over one sim view and spawn_robot.py over the other: bring each to the front and back.
  await activateTab(page, 'README.md');
  await activateTab(page, 'spawn_robot.py');
  await activateTab(page, 'Sim: instance-1');
  await activateTab(page, 'Sim: instance-0');
  const detached = await page.waitForEvent('framedetached', { predicate: (f) => [...viewerFrames.values()].includes(f), timeout: 1_500 }).then((f) => f.url(), () => undefined);
  assert.equal(detached, undefined, `switching tabs detached the viewer frame ${detached}`);
  for (const inst of INSTANCES) {
    const frame = viewerFrames.get(inst.index) ?? assert.fail('no frame');
    const now = await read(frame);
    const was = before.get(inst.index) ?? assert.fail('no reading');
    assert.equal(now.loads, was.loads, `${inst.label}'s viewer page was loaded again by a tab switch`);
    assert.ok(now.alive >= was.alive, `${inst.label}'s viewer page clock went back: it was reloaded`);
  }

  // The stream takes one browser connection, and the sim view holds it: Open in Browser asks first.
  const pagesBefore = page.context().pages().length;
  await focusSideBar(page);
  await runCommand(page, 'Isaac Sim: Open in Browser');
  await pickQuickItem(page, /^instance-0\b/, 'instance-0');
  const dialog = await poll(() => readDialog(page), 10_000, 'the warning before a second browser connection');
  t.diagnostic(`dialog: ${JSON.stringify(dialog)}`);
  // VS Code shows a long modal message as the dialog's detail line.
  assert.match(`${dialog.message} ${dialog.detail}`, /instance-0's stream is open in its sim view, and Isaac Sim takes one browser connection at a time/);
  assert.ok(dialog.buttons.includes('Close Sim View and Open') && dialog.buttons.includes('Open Anyway'), JSON.stringify(dialog.buttons));
  await page.keyboard.press('Escape');
  await poll(async () => (await readDialog(page)) === undefined, 5_000, 'the dialog to close');
  assert.equal(page.context().pages().length, pagesBefore, 'nothing was opened in the browser');

  // A restart: the viewer goes down with the instance and comes back with a page of its own.
  const old = viewerFrames.get(0) ?? assert.fail('no frame');
  await focusSideBar(page);
  await runCommand(page, 'Isaac Sim: Restart Instance');
  await pickQuickItem(page, /^instance-0\b/, 'instance-0');
  await poll(() => old.isDetached(), 60_000, "instance-0's old viewer page to be replaced");
  const port = PORTS.webViewer;
  const fresh = await poll(
    () => page.frames().find((f) => !f.isDetached() && (f.url().includes(`:${port}/`) || f.url().includes(`/proxy/${port}/`))),
    90_000,
    `a new viewer page of instance-0 on :${port}`,
  );
  const after = await read(fresh);
  t.diagnostic(`instance-0 viewer before restart ${JSON.stringify(before.get(0))}, after ${JSON.stringify(after)}`);
  assert.equal(normalize(await fresh.locator('#signal-port').innerText({ timeout: 10_000 })), String(INSTANCES[0].signal), 'the fresh page still has its own signal port');
  await restMouse(page);
  await screenshot(page, ARTIFACTS, '11a-6x-viewer-after-restart');
  assert.deepEqual(offLoopback, [], 'the browser tried to leave loopback');
});

step("13b. a viewer build shows a cancellable progress notification, and Cancel stops only that instance's build; a failing build shows an error with its last lines, and Show Logs shows them in the instance's channel", 240_000, async (t, page) => {
  await clearNotifications(page);
  const { file, settings } = await userSettings();
  // Test fixtures, copies of the stand-in's viewer context: one with a build step long enough to
  // cancel, one whose builder-stage seds point at a file that is not there (as webViewer.test.ts).
  const fixture = async (name: string, edit: (dockerfile: string) => string) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `ui-web-viewer-${name}-`));
    await fs.cp(path.join(REPO, 'stand-in', 'web-viewer'), dir, { recursive: true });
    const dockerfile = path.join(dir, 'Dockerfile');
    const before = await fs.readFile(dockerfile, 'utf8');
    const after = edit(before);
    assert.notEqual(after, before, `the ${name} fixture changed nothing in ${dockerfile}`);
    await fs.writeFile(dockerfile, after);
    return dir;
  };
  const slow = await fixture('slow', (d) => d.replace('WORKDIR /app/web-viewer\n', 'WORKDIR /app/web-viewer\n\nRUN sleep 600\n'));
  const broken = await fixture('broken', (d) => d.replace(/ src\/main\.ts/g, ' src/missing.ts'));
  /** The description of instance `index`'s web viewer row (the row after the instance's own). */
  const viewerRow = async (index: number) =>
    page.locator('.part.sidebar [role="treeitem"]').evaluateAll((rows, label) => {
      const texts = rows.map((r) => ({
        name: (r.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (r.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      }));
      const at = texts.findIndex((r) => r.name === label);
      return at >= 0 && texts[at + 1]?.name === 'web viewer' ? texts[at + 1].description : undefined;
    }, `instance-${index}`);
  const building = (label: string) => toast(page, new RegExp(`^Isaac Sim ${label}: building its web viewer`));
  try {
    await focusSideBar(page);
    await replaceUserSettings(page, file, { ...settings, 'isaacSim.webViewerBuildContext': slow });
    for (const inst of INSTANCES) {
      await building(inst.label).getByRole('button', { name: 'Cancel', exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 }).catch(async (err) => {
        throw new Error(`no cancellable "building its web viewer" notification of ${inst.label} (${errorText(err)}); notifications: ${JSON.stringify(await notificationTexts(page))}`);
      });
    }
    await poll(async () => (await viewerRow(0)) === 'building its image' || undefined, 10_000, "instance-0's web viewer row to say it is building").catch(async (err) => {
      throw new Error(`${errorText(err)}; the row says ${JSON.stringify(await viewerRow(0))}`);
    });
    await restMouse(page);
    await screenshot(page, ARTIFACTS, '11b-6x-viewer-build-progress');
    await building('instance-0').getByRole('button', { name: 'Cancel', exact: true }).first().click({ timeout: 5_000 });
    const cancelled = await poll(async () => {
      const d = await viewerRow(0);
      return d?.startsWith('failed: ') ? d : undefined;
    }, 30_000, "instance-0's web viewer row to say its build was cancelled");
    assert.match(cancelled, /was cancelled$/, cancelled);
    await poll(async () => (await building('instance-0').count()) === 0, 10_000, "instance-0's build notification to close");
    assert.equal(await viewerRow(1), 'building its image', "instance-1's build goes on");
    assert.ok((await building('instance-1').count()) > 0, "instance-1's build notification stays");

    // The broken context replaces the slow one: instance-1's slow build gives way, both build it and fail.
    await replaceUserSettings(page, file, { ...settings, 'isaacSim.webViewerBuildContext': broken });
    const failed = /^Isaac Sim instance-0: The build of isaac-sim-orchestrator-web-viewer:[0-9a-f]{16} failed at step \[builder \d+\/\d+\] with exit code 1: RUN sed /;
    const shown = await poll(async () => (await readToasts(page)).find((n) => failed.test(n.message)), 120_000, "instance-0's build failure notification").catch(async (err) => {
      throw new Error(`${errorText(err)}; notifications: ${JSON.stringify(await notificationTexts(page))}; viewer row: ${await viewerRow(0)}`);
    });
    t.diagnostic(`notification: ${JSON.stringify(shown)}`);
    assert.equal(shown.icon, 'error');
    assert.match(shown.message, /Its last lines: .*src\/missing\.ts/, 'the notification ends with the last lines of the build, which name the missing file');
    assert.ok(shown.buttons.includes('Show Logs'), JSON.stringify(shown.buttons));
    const all = await readToasts(page);
    assert.deepEqual(all.filter((n) => /cancelled/.test(n.message)), [], 'the cancelled build was not reported as a failure');
    const failedRow = /^failed: The build of isaac-sim-orchestrator-web-viewer:[0-9a-f]{16} failed at step \[builder \d+\/\d+\] with exit code 1$/;
    await poll(async () => failedRow.test((await viewerRow(0)) ?? '') || undefined, 10_000, "instance-0's web viewer row to show the failed build").catch(async (err) => {
      throw new Error(`${errorText(err)}; the row says ${JSON.stringify(await viewerRow(0))}`);
    });
    // Each sim view says so too, with the failed step (its note page, in the webview's inner frame).
    // Every note page of the instance's sim view: while VS Code swaps a webview's page, the old frame can linger beside the new one.
    const notesOf = async (label: string) => {
      const texts: string[] = [];
      for (const f of page.frames()) {
        if (f.isDetached()) continue;
        const text = normalize(await f.locator('body').innerText({ timeout: 1_000 }).catch(() => ''));
        if (text.startsWith(`Sim: ${label}`) && text.includes(`${label} is `)) texts.push(text);
      }
      return texts;
    };
    for (const inst of INSTANCES) {
      await poll(async () => (await notesOf(inst.label)).some((t) => t.includes('Its web viewer failed: The build of isaac-sim-orchestrator-web-viewer:')) || undefined, 20_000, `the sim view of ${inst.label} to say its viewer's build failed`).catch(async (err) => {
        throw new Error(`${errorText(err)}; its pages say ${JSON.stringify(await notesOf(inst.label))}; viewer row: ${JSON.stringify(await viewerRow(inst.index))}`);
      });
    }
    await restMouse(page);
    await screenshot(page, ARTIFACTS, '11c-6x-viewer-build-failed');

    await toast(page, failed).getByRole('button', { name: 'Show Logs', exact: true }).click();
    await poll(async () => (await outputChannelName(page)) === 'Isaac Sim: instance-0' || undefined, 10_000, 'the Output panel to show "Isaac Sim: instance-0"');
    await waitForOutputText(page, (text) => text.includes('[Isaac Sim Orchestrator] The build of') && text.includes('src/missing.ts'), 20_000, "the build's lines and its failure in instance-0's channel");
    await restMouse(page);
    await screenshot(page, ARTIFACTS, '11d-6x-viewer-build-log');
  } finally {
    await replaceUserSettings(page, file, settings).catch(() => undefined);
    await clearNotifications(page).catch(() => undefined);
    await fs.rm(slow, { recursive: true, force: true });
    await fs.rm(broken, { recursive: true, force: true });
  }
});

/** `docker logs NAME`: its stdout and stderr. */
async function dockerLogs(name: string): Promise<string> {
  const { stdout, stderr } = await execFileP('docker', ['logs', name], { maxBuffer: 64 * 1024 * 1024 });
  return `${stdout}\n${stderr}`;
}

async function dockerImage(name: string): Promise<string | undefined> {
  return execFileP('docker', ['inspect', '-f', '{{.Config.Image}}', name]).then(
    (r) => r.stdout.trim(),
    () => undefined,
  );
}

async function dockerVolumeExists(name: string): Promise<boolean> {
  return execFileP('docker', ['volume', 'inspect', name]).then(
    () => true,
    () => false,
  );
}
