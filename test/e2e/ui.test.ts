/**
 * UI end-to-end suite: the packaged extension (.vsix) in a real VS Code (code-server) driven by a
 * headless Chromium, managing two instances of the stand-in simulator on the real Docker engine.
 *
 *   npx tsc -p . && node --test --test-concurrency=1 out/test/e2e/ui.test.js
 *
 * Steps: 1 build and start, 2 the view, 3 Start Instance → ready (3a: meanwhile the start progress
 * notification named its phase and the status bar spun; both settled once ready; 3b: Cancel on the
 * start progress of instance-1 stops it; 3c: the row shows instance-0's live figures, and a start they say
 * will not fit asks first, with them), 4 logs, 5–6 sim views (6a: each 4.2 page's player reached its
 * own instance's signalling port), 7 no reload on tab switches (7b Run in Sim, 7c the walkthrough, 7d
 * the README tour's frames, which steps 3 and 7b take into test-artifacts/ui/tour/), 8 Stop All, 9 the user settings switch
 * the stand-in to STANDIN_MODE=gpu-fail (edited and saved in VS Code's own settings.json editor: see
 * replaceUserSettings) and instance-0's next start fails, 10 the failure notification and its "Show Fix"
 * modal, 11 the error icon in the tree and the status bar's error colour, 12 the user settings switch to
 * the 6.x image: both instances become ready on their own signalling ports, instance-1 from the shader
 * cache instance-0's first start filled (the shared GLCache volume), 13 isaacSim.webViewerBuildContext
 * set: each 6.x instance gets its own web viewer and each sim view frames it (13a: a tab switch reloads
 * neither, Open in Browser asks first, a restart gives a fresh viewer page; 13b: a viewer build's
 * cancellable progress, and a failing build's error with its last lines).
 *
 * The browser only ever talks to loopback addresses: every request elsewhere is aborted and recorded
 * (the 4.2 stand-in's /streaming/webrtc-client/ redirects off loopback, like NVIDIA's), and steps 6a
 * and 12 fail if there was one.
 *
 * The steps run in order and share one code-server and one browser; each is its own test so a
 * failure names the step. When a step fails before it has set up what later steps need, the steps
 * after it fail at once, naming it (see `step` in uiSuite.ts). Everything is written under .run/ui/
 * (fresh each run); screenshots go to test-artifacts/ui/ (failed-*.png when a step fails). `after`
 * stops the browser, code-server and the two instance containers even when a step failed.
 *
 * The instance containers are named isaac-sim-instance-0/1 on the shared engine: do not run this
 * suite while another suite or the demo uses the same names. UI_TEST_IMAGE overrides the image
 * (default: stand-in/IMAGE), for diagnostic runs against a modified stand-in.
 *
 * Needs: a Docker engine on DOCKER_HOST, else the default socket (bash scripts/dockerd.sh start), code-server
 * (installed on demand by ensureCodeServerInstalled) and /usr/bin/chromium.
 *
 * Where things are: this file holds the `before` and `after` hooks of the run; the steps are in
 * uiStepsInstall.ts (1), uiStepsStart.ts (2–4), uiStepsSimView.ts (5–8), uiStepsFailure.ts (9–11)
 * and uiSteps6x.ts (12–13b), imported below in that order, which is the order node:test runs them
 * in; what they share (constants, the state one step leaves for the next, `step`, helpers) is in
 * uiSuite.ts. The hooks are registered after the steps, which makes no difference to node:test:
 * it starts the first test only once this file has loaded, and runs `before` first.
 */
import { after, before } from 'node:test';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ensureCodeServerInstalled } from './host';
import { probeTcp } from '../../src/instances/probe';
import { delay, errorText, poll } from './ui-helpers';
import { dockerBinds, dockerRemove } from './uiDocker';
import { ARTIFACTS, CONTAINERS, DATA_ROOT, execFileP, INSTANCES, PORTS, PROFILE, REPO, removeV6Volumes, RUN, suite, tour, V6_IMAGE, V6_VOLUME_PREFIX } from './uiSuite';
// The steps, in order: each module's top level registers its steps with node:test.
import './uiStepsInstall';
import './uiStepsStart';
import './uiStepsSimView';
import './uiStepsFailure';
import './uiSteps6x';

/** The 6.x web viewers the extension runs in step 13. */
const VIEWERS = INSTANCES.map((i) => `isaac-sim-web-viewer-${i.index}`);
/** True when the instance containers existed before the run and are not ours: then nothing removes them. */
let foreignContainers = false;
const suiteStarted = Date.now();

before(async () => {
  await fs.mkdir(ARTIFACTS, { recursive: true });
  // Old screenshots would pass for this run's.
  for (const name of existsSync(ARTIFACTS) ? readdirSync(ARTIFACTS) : []) {
    if (/^(\d\d[a-z]?-|failed-).*\.png$/.test(name)) await fs.rm(path.join(ARTIFACTS, name), { force: true });
  }
  await tour.clear();
  await execFileP('docker', ['info', '--format', '{{.ServerVersion}}']).catch((err) => {
    throw new Error(`no Docker engine answers (start one: bash scripts/dockerd.sh start): ${errorText(err)}`);
  });
  // Containers left by an earlier, interrupted run of this suite mount our data folder: remove them.
  // Anyone else's (another suite or the demo on the same engine) are left alone, and the suite stops.
  for (const name of CONTAINERS) {
    const binds = await dockerBinds(name);
    if (binds === undefined) continue;
    if (binds.some((b) => b.startsWith(DATA_ROOT + path.sep) || b.startsWith(DATA_ROOT + ':')) || (await isOurV6Container(name))) {
      await dockerRemove([name]);
    } else {
      foreignContainers = true;
      throw new Error(`container ${name} already exists and is not this suite's (binds: ${binds.join(', ') || 'none'}); another suite or the demo is using the engine — stop it first`);
    }
  }
  // A web viewer an interrupted run left (labelled as the extension's viewer of that instance) holds its port.
  for (const name of VIEWERS) {
    const labels = await execFileP('docker', ['inspect', '-f', '{{json .Config.Labels}}', name]).then((r) => JSON.parse(r.stdout) as Record<string, string>, () => undefined);
    if (labels?.['dev.isaac-sim-orchestrator.web-viewer-of'] !== undefined && labels['dev.isaac-sim-orchestrator.owner'] === 'isaac-sim-orchestrator') await dockerRemove([name]);
  }
  for (const port of INSTANCES.flatMap((i) => [i.http, i.signal, PORTS.stream + i.index, PORTS.webViewer + i.index, PORTS.python + i.index])) {
    if (await probeTcp('127.0.0.1', port)) throw new Error(`port ${port} on 127.0.0.1 is already in use; the suite needs it for the stand-in`);
  }
  await fs.rm(RUN, { recursive: true, force: true });
  await fs.mkdir(DATA_ROOT, { recursive: true });
  await ensureCodeServerInstalled();
  // Builds the stand-in only when it is missing or stale.
  await execFileP('bash', [path.join(REPO, 'scripts/build-standin.sh')], { cwd: REPO, timeout: 120_000 });
});

after(async () => {
  const problems: string[] = [];
  if (suite.context) {
    const ctx = suite.context;
    suite.context = undefined;
    suite.page = undefined;
    await Promise.race([ctx.close(), delay(10_000)]).catch((err) => problems.push(`browser: ${errorText(err)}`));
    // close() can return before Chromium's helpers are reaped; wait until none is left.
    await poll(() => chromiumPids(PROFILE).length === 0, 10_000, 'Chromium to exit').catch(() => {
      for (const pid of chromiumPids(PROFILE)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    });
  }
  if (suite.server) {
    const s = suite.server;
    suite.server = undefined;
    await s.stop().catch((err) => problems.push(`code-server: ${errorText(err)}`));
  }
  if (!foreignContainers) {
    await dockerRemove([...CONTAINERS, ...VIEWERS]).catch((err) => problems.push(`containers: ${errorText(err)}`));
    await removeV6Volumes().catch((err) => problems.push(`6.x volumes: ${errorText(err)}`));
  }
  process.stderr.write(`ui suite: total ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s\n`);
  if (problems.length) throw new Error(`cleanup: ${problems.join('; ')}`);
});

/** A container of an interrupted step 12: the 6.x image, the extension's owner label, our 6.x volumes. */
async function isOurV6Container(name: string): Promise<boolean> {
  try {
    const { stdout } = await execFileP('docker', ['inspect', '-f', '{{.Config.Image}} {{index .Config.Labels "dev.isaac-sim-orchestrator.owner"}} {{range .Mounts}}{{.Name}},{{end}}', name]);
    const [image, owner, mounts = ''] = stdout.trim().split(' ');
    return image === V6_IMAGE && owner === 'isaac-sim-orchestrator' && mounts.split(',').some((m) => m.startsWith(V6_VOLUME_PREFIX));
  } catch {
    return false;
  }
}

/** Pids of the Chromium processes that use this profile. */
function chromiumPids(profileDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state !== 'Z' && cmdline.includes(`--user-data-dir=${profileDir}`)) pids.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}
