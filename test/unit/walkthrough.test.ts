/**
 * The first-run walkthrough (package.json `contributes.walkthroughs`): the six steps issue 14 asks
 * for, each completing on the event that matches it, with commands, settings and context keys that
 * exist, and media files that the .vsix carries. The context keys are set in the real VS Code
 * (test/e2e/suite/walkthrough.test.ts); the steps' check marks are read in the UI suite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { EXTENSION_ID, WALKTHROUGH_ID, WALKTHROUGH_STEPS, runtimeReady } from '../../src/views/walkthroughReady';
import type { DoctorCheck, DoctorReport } from '../../src/instances/doctorTypes';
import { resolvedManifest } from './manifestNls';

const ROOT = path.resolve(__dirname, '../../..');
interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents?: string[];
}
// The step texts as VS Code shows them in English (package.nls.json's, test/unit/manifestNls.ts).
const manifest = resolvedManifest<{
  name: string;
  publisher: string;
  contributes: {
    walkthroughs: Array<{ id: string; title: string; description: string; steps: Step[] }>;
    commands: Array<{ command: string }>;
    configuration: { properties: Record<string, unknown> };
  };
}>(ROOT);
const [walkthrough] = manifest.contributes.walkthroughs;
const commands = new Set(manifest.contributes.commands.map((c) => c.command));
const settings = new Set(Object.keys(manifest.contributes.configuration.properties));
const walkthroughSource = fs.readFileSync(path.join(ROOT, 'src/views/walkthroughReady.ts'), 'utf8');

test('one walkthrough, with the id the Get Started command opens', () => {
  assert.equal(manifest.contributes.walkthroughs.length, 1);
  assert.equal(walkthrough.id, 'isaacSim.gettingStarted');
  const registry = fs.readFileSync(path.join(ROOT, 'src/commands/registry.ts'), 'utf8');
  assert.match(registry, /'isaacSim\.getStarted'.*workbench\.action\.openWalkthrough.*#\$\{WALKTHROUGH_ID\}/);
  assert.equal(WALKTHROUGH_ID, walkthrough.id);
  // Steps are completed by id (`<publisher>.<name>#<walkthrough>#<step>`, views/walkthrough.ts).
  assert.equal(EXTENSION_ID, `${manifest.publisher}.${manifest.name}`);
  assert.deepEqual([...WALKTHROUGH_STEPS], walkthrough.steps.map((s) => s.id));
});

test('the six steps of issue 14, in order, each on its own event', () => {
  assert.deepEqual(
    walkthrough.steps.map((s) => [s.id, s.completionEvents]),
    [
      ['doctor', ['onCommand:isaacSim.doctor']],
      ['toolkit', ['onContext:isaacSim.walkthrough.runtimeReady']],
      ['image', ['onSettingChanged:isaacSim.image', 'onSettingChanged:isaacSim.version']],
      ['start', ['onContext:isaacSim.walkthrough.instanceReady']],
      ['simView', ['onCommand:isaacSim.openSimView']],
      ['runInSim', ['onCommand:isaacSim.runFileInSim', 'onCommand:isaacSim.runSelectionInSim']],
    ],
  );
});

test('every completion event names a contributed command, a contributed setting or a context key the extension sets', () => {
  for (const step of walkthrough.steps) {
    for (const event of step.completionEvents ?? []) {
      const [kind, what] = event.split(/:(.*)/s);
      if (kind === 'onCommand') assert.ok(commands.has(what), `${step.id}: ${event} is not a contributed command`);
      else if (kind === 'onSettingChanged') assert.ok(settings.has(what), `${step.id}: ${event} is not a contributed setting`);
      else if (kind === 'onContext') assert.ok(walkthroughSource.includes(`'${what}'`), `${step.id}: ${event} is not set in src/views/walkthroughReady.ts`);
      else assert.fail(`${step.id}: unexpected completion event ${event}`);
    }
  }
});

test('every step has a button: a command link to a contributed command or to the setting it is about', () => {
  for (const step of walkthrough.steps) {
    const links = [...step.description.matchAll(/\]\(command:([\w.]+)(\?[^)]*)?\)/g)];
    assert.ok(links.length >= 1, `${step.id} has no command link`);
    for (const [, command, query] of links) {
      if (command === 'workbench.action.openSettings') {
        const [setting] = JSON.parse(decodeURIComponent((query ?? '?[]').slice(1))) as string[];
        assert.ok(settings.has(setting), `${step.id}: opens the setting ${setting}, which is not contributed`);
      } else {
        assert.ok(commands.has(command), `${step.id}: links to ${command}, which is not contributed`);
      }
    }
  }
  assert.match(walkthrough.steps[1].description, /\(https:\/\/docs\.nvidia\.com\/datacenter\/cloud-native\/container-toolkit\/latest\/install-guide\.html\)/, "the toolkit step links NVIDIA's guide");
});

test("every step's media is a Markdown file that exists and that .vscodeignore lets into the package", () => {
  const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
  assert.ok(ignore.split('\n').includes('!media/walkthrough/*.md'), '.vscodeignore keeps media/walkthrough/*.md');
  for (const step of walkthrough.steps) {
    const file = step.media.markdown;
    assert.ok(file, `${step.id} has Markdown media`);
    assert.match(file, /^media\/walkthrough\/[\w-]+\.md$/);
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    assert.match(text, /^# \S/, `${file} opens with a heading`);
  }
});

test('the toolkit step is done once a report finds the runtime ready: the engine answered, its runtime check passed and the GPU request was not refused', () => {
  const report = (runtime: DoctorCheck['ok'], gpu: DoctorCheck['ok'], engine: DoctorCheck['ok'] = true): DoctorReport => ({
    startedAt: 0,
    durationMs: 1,
    engineAddress: 'unix:///var/run/docker.sock',
    markdown: '',
    checks: [
      { id: 'engine', title: 'Docker engine', ok: engine, detail: '' },
      { id: 'runtime', title: 'NVIDIA runtime', ok: runtime, detail: '' },
      { id: 'gpu', title: 'GPU request', ok: gpu, detail: '' },
    ],
  });
  assert.equal(runtimeReady(report(true, true)), true);
  assert.equal(runtimeReady(report(true, 'skipped')), true, 'isaacSim.gpus none: no GPU request to refuse');
  assert.equal(runtimeReady(report(true, false)), false, 'a refused GPU request');
  assert.equal(runtimeReady(report(false, true)), false);
  assert.equal(runtimeReady(report('skipped', 'skipped')), false, 'an unreachable engine');
  assert.equal(runtimeReady(report(true, 'skipped', false)), false, 'isaacSim.runtime "" passes its check without the engine: an unreachable one does not count');
  assert.equal(runtimeReady({ ...report(true, true), checks: [] }), false, 'a report of invalid settings has no runtime check');
});
