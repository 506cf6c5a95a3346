// The stand-in web viewer build context (stand-in/web-viewer) against the real Docker Engine: built
// twice with different ISAACSIM_* build args, as NVIDIA's docker-compose.yml builds
// tools/docker/web-viewer per port set, and run as compose runs it (`npx vite preview --host HOST
// --port N`, host network). What it must print is vite v8.0.16's preview output (see
// stand-in/README.md "Web viewer"), so the log assertions are exact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dockerOk, dockerRun } from './exec';
import { buildStandinViewer, buildViewer, httpGet, VIEWER_CONTEXT, viewerCommand, viewerLocalLine, waitFor } from './helpers';

const TEST_LABEL = 'dev.isaac-sim-orchestrator.test=standin-viewer';
const A = { host: '127.0.0.1', signalPort: 19401, streamPort: 17401 };
const B = { host: '127.0.0.2', signalPort: 19402, streamPort: 17402 };
// A runs on the image's own port (so its own HEALTHCHECK applies), B elsewhere with compose's check.
const PORT_A = 8210;
const PORT_B = 18422;

const containers = new Set<string>();
const images = new Set<string>();
let seq = 0;
let imageA = '';
let imageB = '';

async function runViewer(image: string, command: string[], runArgs: string[] = []): Promise<string> {
  const name = `standin-viewer-test-${process.pid}-${++seq}`;
  containers.add(name);
  await dockerOk('run', '-d', '--name', name, '--network', 'host', '-l', TEST_LABEL, ...runArgs, image, ...command);
  return name;
}
async function logs(name: string): Promise<{ stdout: string; stderr: string }> {
  const r = await dockerRun('logs', name);
  return { stdout: r.stdout, stderr: r.stderr };
}
const waitLogged = (name: string, line: string) =>
  waitFor(`${name} to print ${JSON.stringify(line)}`, async () => (await logs(name)).stdout.split('\n').includes(line));

/** Resolves at the container's `health_status: STATUS` event (docker events from `since`), rejects after `timeoutMs`. */
function healthEvent(name: string, since: string, status: 'healthy' | 'unhealthy', timeoutMs = 60_000): Promise<void> {
  const child = spawn('docker', ['events', '--since', since, '--filter', `container=${name}`, '--filter', 'event=health_status', '--format', '{{.Action}}']);
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no health_status: ${status} event for ${name} within ${timeoutMs} ms (events: ${JSON.stringify(seen)})`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').includes(`health_status: ${status}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker events ended (exit ${code}) before health_status: ${status} for ${name}`));
    });
  }).finally(() => child.kill());
}
const nowSince = () => (Date.now() / 1000 - 1).toFixed(3);

/** The text of the element with this id in a page (the stand-in's spans hold plain text). */
function byId(page: string, id: string): string | undefined {
  return new RegExp(`id="${id}">([^<]*)<`).exec(page)?.[1];
}

before(async () => {
  [imageA, imageB] = await Promise.all([buildStandinViewer(A), buildStandinViewer(B)]);
  images.add(imageA).add(imageB);
});

after(async () => {
  for (const name of containers) await dockerRun('rm', '-f', name);
  for (const image of images) await dockerRun('image', 'rm', '-f', image);
});

test('image config mirrors NVIDIA\'s web viewer: user appuser, WORKDIR /app, EXPOSE 8210, HEALTHCHECK, CMD', async () => {
  const [config] = JSON.parse(await dockerOk('image', 'inspect', imageA)).map((i: { Config: unknown }) => i.Config);
  assert.equal(config.User, 'appuser');
  assert.equal(config.WorkingDir, '/app');
  assert.deepEqual(Object.keys(config.ExposedPorts), ['8210/tcp']);
  assert.deepEqual(config.Cmd, ['npx', 'vite', 'preview', '--host', '--port', '8210']);
  assert.deepEqual(config.Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://localhost:8210/ || exit 1'], Interval: 30e9, Timeout: 5e9, StartPeriod: 10e9, Retries: 3 });
});

test('each build serves its own baked host and ports; runs as 1234; vite\'s line exactly; both go healthy', async () => {
  // A: the image's own HEALTHCHECK (port 8210), only the interval shortened as compose may override it.
  const sinceA = nowSince();
  const a = await runViewer(imageA, viewerCommand(PORT_A), ['--health-interval', '1s']);
  const healthyA = healthEvent(a, sinceA, 'healthy');
  // B: on another port, with the check compose writes for WEB_VIEWER_PORT (curl -f http://localhost:N/).
  const sinceB = nowSince();
  const b = await runViewer(imageB, viewerCommand(PORT_B), ['--health-cmd', `curl -f http://localhost:${PORT_B}/`, '--health-interval', '1s']);
  const healthyB = healthEvent(b, sinceB, 'healthy');

  await waitLogged(a, viewerLocalLine(PORT_A));
  await waitLogged(b, viewerLocalLine(PORT_B));
  assert.deepEqual(await logs(a), { stdout: `${viewerLocalLine(PORT_A)}\n`, stderr: '' });
  assert.deepEqual(await logs(b), { stdout: `${viewerLocalLine(PORT_B)}\n`, stderr: '' });

  for (const [port, baked] of [[PORT_A, A], [PORT_B, B]] as const) {
    const page = await httpGet(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Isaac Sim web viewer \(stand-in\)<\/title>/);
    assert.deepEqual(
      { server: byId(page.body, 'signaling-server'), signal: byId(page.body, 'signal-port'), media: byId(page.body, 'media-server'), stream: byId(page.body, 'stream-port') },
      { server: baked.host, signal: String(baked.signalPort), media: baked.host, stream: String(baked.streamPort) },
      `the page on :${port}`,
    );
  }
  // The page-load counter (stand-in instrumentation) counts per container.
  assert.equal((await httpGet(`http://127.0.0.1:${PORT_A}/cgi-bin/hit`)).body.trim(), '1');
  assert.equal((await httpGet(`http://127.0.0.1:${PORT_B}/cgi-bin/loads`)).body.trim(), '0');

  for (const name of [a, b]) {
    assert.equal((await dockerOk('exec', name, 'id', '-u')).trim(), '1234');
    assert.equal((await dockerOk('exec', name, 'id', '-g')).trim(), '1234');
    assert.ok((await dockerOk('exec', name, 'cat', '/etc/passwd')).split('\n').includes('appuser:x:1234:1234::/app:/usr/sbin/nologin'));
  }
  await Promise.all([healthyA, healthyB]);

  // docker stop: SIGTERM, which vite answers by closing and exiting 128 + 15 (no kill after the grace period).
  await dockerOk('stop', a);
  assert.equal((await dockerOk('inspect', '-f', '{{.State.ExitCode}}', a)).trim(), '143');
});

test('a taken port: vite moves to the next one; with --strictPort it fails with "Port N is already in use"', async () => {
  const holder = await runViewer(imageA, viewerCommand(PORT_A));
  await waitLogged(holder, viewerLocalLine(PORT_A));

  const next = await runViewer(imageB, viewerCommand(PORT_A));
  await waitLogged(next, viewerLocalLine(PORT_A + 1));
  assert.deepEqual(await logs(next), { stdout: `Port ${PORT_A} is in use, trying another one...\n${viewerLocalLine(PORT_A + 1)}\n`, stderr: '' });
  assert.equal(byId((await httpGet(`http://127.0.0.1:${PORT_A + 1}/`)).body, 'signal-port'), String(B.signalPort));
  assert.equal(byId((await httpGet(`http://127.0.0.1:${PORT_A}/`)).body, 'signal-port'), String(A.signalPort), 'the holder still serves its own page');

  const strict = await runViewer(imageB, viewerCommand(PORT_A, '--strictPort'));
  assert.equal((await dockerOk('wait', strict)).trim(), '1');
  assert.deepEqual(await logs(strict), { stdout: '', stderr: `error when starting preview server:\nError: Port ${PORT_A} is already in use\n` });
});

test('a build arg that is not a port is baked as it is, as NVIDIA\'s sed bakes it', async () => {
  const tag = `isaac-sim-standin-web-viewer:test-${process.pid}-abc`;
  images.add(tag);
  const r = await buildViewer(tag, { signalPort: 'abc', streamPort: 17404 });
  assert.equal(r.code, 0, r.output);
  const page = await dockerOk('run', '--rm', '--network', 'host', '-l', TEST_LABEL, '--entrypoint', 'cat', tag, '/app/dist/index.html');
  assert.equal(byId(page, 'signal-port'), 'abc');
});

test('failed builds: the RUN step\'s own error line is in the build output, and no image is tagged', async () => {
  // A host with a slash breaks NVIDIA's `sed "s/signalingServer: [^,]*/signalingServer: '${ISAACSIM_HOST}'/"`.
  const badHost = `isaac-sim-standin-web-viewer:test-${process.pid}-bad-host`;
  images.add(badHost);
  const r = await buildViewer(badHost, { signalPort: 19405, streamPort: 17405, host: 'bad/host' });
  assert.notEqual(r.code, 0);
  assert.ok(r.output.includes('sed: bad option in substitution expression'), r.output);
  assert.match(r.output, /executor failed running \[\/bin\/sh -c sed -i .*\]: exit code: 1/);
  assert.notEqual((await dockerRun('image', 'inspect', badHost)).code, 0, 'no image for a failed build');

  // NVIDIA's `COPY --from=builder --chmod=755`, which the stand-in has as NVIDIA has it, needs BuildKit: the classic builder refuses it.
  const dockerfile = readFileSync(path.join(VIEWER_CONTEXT, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^COPY --from=builder --chmod=755 \/app\/web-viewer\/dist \.\/dist$/m, "the stand-in copies as NVIDIA's Dockerfile does");
  const chmodTag = `isaac-sim-standin-web-viewer:test-${process.pid}-chmod`;
  images.add(chmodTag);
  const c = await buildViewer(chmodTag, { signalPort: 19406, streamPort: 17406 }, VIEWER_CONTEXT, true);
  assert.notEqual(c.code, 0);
  assert.ok(c.output.includes('the --chmod option requires BuildKit'), c.output);
});
