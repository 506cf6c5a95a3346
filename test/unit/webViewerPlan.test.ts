import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, type Settings } from '../../src/instances/settings';
import { OWNER_LABEL, OWNER_VALUE } from '../../src/instances/model';
import { clipboardNote } from '../../src/views/streamNotes';
import { viewerBuildArgs, viewerContainerSpec, viewerImageKey, viewerImageTag, viewerIndexOf, viewerPlan, VIEWER_OF_LABEL } from '../../src/instances/webViewerPlan';

const settings = (o: Partial<Settings> = {}): Settings => ({ ...DEFAULT_SETTINGS, ...o });

test('no viewer without a setting, and none for versions that have no web viewer', () => {
  assert.equal(viewerPlan(settings(), '6.x', 0, '/home/u'), undefined);
  assert.equal(viewerPlan(settings({ webViewerBuildContext: '/src/web-viewer' }), '4.2', 0, '/home/u'), undefined);
  assert.equal(viewerPlan(settings({ webViewerBuildContext: '/src/web-viewer' }), '4.5-5.x', 0, '/home/u'), undefined);
});

test("each instance's viewer: its own signal, stream and viewer port, NVIDIA's build args, the context under ~ expanded", () => {
  const plan = viewerPlan(settings({ webViewerBuildContext: '~/IsaacSim/tools/docker/web-viewer' }), '6.x', 2, '/home/u');
  assert.deepEqual(plan, { index: 2, host: '127.0.0.1', signalPort: 49102, streamPort: 48000, port: 8212, source: { kind: 'build', context: '/home/u/IsaacSim/tools/docker/web-viewer' } });
  assert.deepEqual(plan && viewerBuildArgs(plan), { ISAACSIM_HOST: '127.0.0.1', ISAACSIM_SIGNAL_PORT: '49102', ISAACSIM_STREAM_PORT: '48000' });
});

test('a ready image gets its placeholders filled per instance', () => {
  const plan = viewerPlan(settings({ webViewerImage: 'reg.local:5000/viewer-{index}:{signalPort}-{streamPort}' }), '6.x', 1, '/h');
  assert.deepEqual(plan?.source, { kind: 'image', image: 'reg.local:5000/viewer-1:49101-47999' });
});

test('the image key changes with the context and with every baked value, and names the tag', () => {
  const plan = viewerPlan(settings({ webViewerBuildContext: '/ctx' }), '6.x', 0, '/h');
  assert.ok(plan);
  const key = viewerImageKey(plan, 'c1');
  assert.equal(viewerImageKey(plan, 'c1'), key);
  for (const other of [viewerImageKey(plan, 'c2'), viewerImageKey({ ...plan, signalPort: 1 }, 'c1'), viewerImageKey({ ...plan, streamPort: 1 }, 'c1'), viewerImageKey({ ...plan, host: 'gpu-box' }, 'c1')]) {
    assert.notEqual(other, key);
  }
  assert.match(viewerImageTag(key), /^isaac-sim-orchestrator-web-viewer:[0-9a-f]{16}$/);
});

test("the container: compose's command, healthcheck and host network; loopback is bound, other hosts get all addresses as NVIDIA has it", () => {
  const plan = viewerPlan(settings({ webViewerBuildContext: '/ctx' }), '6.x', 0, '/h');
  assert.ok(plan);
  const spec = viewerContainerSpec(plan, 'img:1');
  assert.equal(spec.name, 'isaac-sim-web-viewer-0');
  assert.deepEqual(spec.Cmd, ['npx', 'vite', 'preview', '--host', '127.0.0.1', '--port', '8210']);
  assert.deepEqual(spec.Healthcheck, { Test: ['CMD', 'curl', '-f', 'http://localhost:8210/'], Interval: 30e9, Timeout: 5e9, StartPeriod: 10e9, Retries: 3 });
  assert.equal(spec.HostConfig.NetworkMode, 'host');
  assert.equal(viewerIndexOf(spec.Labels), 0);
  assert.deepEqual(viewerContainerSpec({ ...plan, host: 'gpu-box.lan' }, 'img:1').Cmd, ['npx', 'vite', 'preview', '--host', '--port', '8210']);
  assert.deepEqual(viewerContainerSpec({ ...plan, host: '::1' }, 'img:1').Cmd, ['npx', 'vite', 'preview', '--host', '::1', '--port', '8210']);
  assert.notEqual(viewerContainerSpec(plan, 'img:2').Labels['dev.isaac-sim-orchestrator.spec-hash'], spec.Labels['dev.isaac-sim-orchestrator.spec-hash'], 'a new image is a new spec');
});

test('only containers labelled as ours count as a viewer', () => {
  assert.equal(viewerIndexOf({ [VIEWER_OF_LABEL]: '3' }), undefined);
  assert.equal(viewerIndexOf({ [OWNER_LABEL]: OWNER_VALUE, [VIEWER_OF_LABEL]: '3' }), 3);
  assert.equal(viewerIndexOf({ [OWNER_LABEL]: OWNER_VALUE, [VIEWER_OF_LABEL]: 'x' }), undefined);
});

test('the clipboard note: only for http to another machine, with the tunnel that fixes it', () => {
  for (const url of ['http://127.0.0.1:8210/', 'http://localhost:8210/', 'http://[::1]:8210/', 'https://gpu-box:8210/', 'not a url']) assert.equal(clipboardNote(url), undefined, url);
  const note = clipboardNote('http://gpu-box.lan:8211/');
  assert.match(note ?? '', /need a secure context, which http:\/\/gpu-box\.lan:8211 is not .*ssh -L 8211:localhost:8211 gpu-box\.lan/);
});

test("the viewer bakes the instance's own ports (its container's), not what the settings say since", () => {
  const plan = viewerPlan(settings({ webViewerBuildContext: '/ctx', signalPortBase: 50000 }), '6.x', 1, '/h', { signal: 49101, stream: 47999, webViewer: 8211, http: 8012 });
  assert.deepEqual([plan?.signalPort, plan?.streamPort, plan?.port], [49101, 47999, 8211]);
});
