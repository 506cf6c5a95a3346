// scripts/gpu-check.sh's report on each version's container (5.1 ready and hung, 4.2, 6.x, a version read from the image config).
// Where a verdict depends on what the stand-in happens to serve (the 4.2 demo page, the 6.x UDP
// media port), the test measures it itself and checks that the report says the same. Instances
// 91-94 (gpuCheckSelection uses 95-98).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dockerOk, standinHangs } from './exec';
import { buildStandinViewer, viewerCommand, viewerLocalLine } from './helpers';
import {
  IMAGE, SHADERS_DONE, SIGNAL_6X, STREAM_6X, assertListening, container, containers, dirs, docker, gpuCheck, gpuCheckHooks, http, httpStatus, images, instance,
  logText, media, portLine, problemsIn, section, signal, summary, tcpListening, udpBound, waitFor, waitReady, webViewer,
} from './gpuCheckSetup';

gpuCheckHooks();

test('5.1, ready: version from the tag, signal port listening, secrets masked, no problem, exit 0', { timeout: 90_000 }, async () => {
  const n = 91;
  const name = await instance(n, IMAGE.v51, {
    env: { ISAACSIM_API_KEY: 'do-not-print-1', PRIVACY_CONSENT: 'Y' },
    args: [`--/exts/omni.services.transport.server.http/port=${http(n)}`, `--/app/livestream/port=${signal(n)}`, '--/exts/isaacsim.code_editor.python_server/auth_token=do-not-print-2'],
  });
  await waitReady(name);
  const r = await gpuCheck(name);
  const sec = section(r.stdout, name);
  assert.match(r.stdout, /^gpu-check \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'starts with the date');
  assert.match(r.stdout, /^gpu: /m);
  assert.match(r.stdout, /^docker: client \S+, server \S+/m);
  assert.match(r.stdout, /^runtimes: .*\(default \S+\)$/m);
  assert.match(r.stdout, /^memory: [\d.]+ GiB total/m);
  assert.match(sec, /^image: isaac-sim-standin:5\.1\.0 \(\w+\) -> Isaac Sim 4\.5-5\.x \(from tag\)$/m);
  assert.match(sec, /^user: config '[^']*'.*, id -u in container: \d+$/m);
  assert.match(sec, /^entrypoint: \/isaac-sim\/\S+/m);
  assert.match(sec, new RegExp(`^args: .*--/app/livestream/port=${signal(n)}`, 'm'));
  assert.match(sec, /^env: .*ACCEPT_EULA=Y/m);
  assert.match(sec, /^env: .*PRIVACY_CONSENT=Y/m);
  assert.match(sec, /ISAACSIM_API_KEY=\*\*\*/);
  assert.match(sec, /auth_token=\*\*\*/);
  assert.doesNotMatch(r.stdout, /do-not-print/);
  assert.match(sec, /^runtime: .*; device requests: none; memory limit: none; network: host$/m);
  assertListening(sec, 'signal', signal(n), true);
  assert.match(portLine(sec, 'signal'), /\(arg\) listening: .*\(this container\)/);
  assert.match(portLine(sec, 'kit-http'), new RegExp(`tcp ${http(n)} `), 'the Kit HTTP port is listed');
  assert.match(sec, /^readiness: found \(1 x\): .*Isaac Sim Full Streaming App is loaded\.$/m);
  assert.match(sec, /^errors: no \[Error\]\/\[Fatal\] line$/m);
  assert.match(sec, new RegExp(`^viewer: desktop Isaac Sim WebRTC Streaming Client -> 127\\.0\\.0\\.1:${signal(n)} \\(NVIDIA's client reaches 49100 only\\)$`, 'm'));
  assert.deepEqual(problemsIn(r.stdout), []);
  assert.deepEqual(summary(r.stdout), { checked: 1, problems: 0 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('negative: a hung start (STANDIN_MODE=hang) → signal port NOT listening, no readiness, exit 1', { timeout: 90_000 }, async () => {
  const n = 92;
  const name = await instance(n, IMAGE.v51, {
    env: { STANDIN_MODE: 'hang' },
    args: [`--/exts/omni.services.transport.server.http/port=${http(n)}`, `--/app/livestream/port=${signal(n)}`],
  });
  // hang: startup stops for good right after the shader phase.
  await waitFor(`${name} shader phase`, async () => SHADERS_DONE.test(await logText(name)));
  await waitFor(`${name} to sit in its hang`, () => standinHangs(name));
  assert.equal(await tcpListening(signal(n)), false, 'precondition: nothing listens on the signal port');
  const r = await gpuCheck(name);
  const sec = section(r.stdout, name);
  assertListening(sec, 'signal', signal(n), false);
  assert.match(sec, new RegExp(`PROBLEM: signal port tcp ${signal(n)} expected \\(arg\\) but not listening`));
  assert.match(sec, /^readiness: no readiness line in \d+ log lines$/m);
  assert.match(sec, /PROBLEM: running but no readiness line/);
  // The shader phase as the log has it: how many "Waiting" lines, the last one, the "finished" line.
  const log = (await logText(name)).split('\n');
  const waiting = log.filter((l) => l.includes('Waiting for compilation of ray tracing shaders'));
  const finished = log.filter((l) => l.includes('Ray tracing shader compilation finished after'));
  assert.ok(finished.length > 0);
  if (waiting.length) assert.ok(sec.includes(`shaders: ${waiting.length} x 'Waiting for compilation', last: ${waiting[waiting.length - 1]}`), sec);
  assert.ok(sec.includes(`shaders: ${finished[finished.length - 1]}`), sec);
  assert.equal(problemsIn(r.stdout).length, 2, r.stdout);
  assert.deepEqual(summary(r.stdout), { checked: 1, problems: 2 });
  assert.equal(r.code, 1);
});

test('4.2 web client: ports, demo page, webrtc-client redirect not followed, kit-player.js — as measured', { timeout: 90_000 }, async () => {
  const n = 93;
  const name = await instance(n, IMAGE.v42, {
    env: { STANDIN_MODE: 'physx-no-cuda' }, // an [Error] line that is not fatal: reported, not a problem
    args: [`--/exts/omni.services.transport.server.http/port=${http(n)}`, `--/app/livestream/port=${signal(n)}`],
  });
  await waitReady(name);
  const r = await gpuCheck(name);
  const sec = section(r.stdout, name);
  assert.match(sec, /^image: isaac-sim-standin:4\.2\.0 \(\w+\) -> Isaac Sim 4\.2 \(from tag\)$/m);

  const httpUp = await tcpListening(http(n));
  const signalUp = await tcpListening(signal(n));
  assert.equal(httpUp, true, 'the stand-in serves its 4.2 web client on the HTTP port');
  assertListening(sec, 'kit-http', http(n), httpUp);
  assertListening(sec, 'signal', signal(n), signalUp);

  const demoPath = `/streaming/webrtc-demo/?server=127.0.0.1`;
  const demo = await httpStatus(http(n), demoPath);
  const demoOk = /^[23]/.test(demo.status);
  assert.ok(sec.includes(`viewer: http://127.0.0.1:${http(n)}${demoPath} -> HTTP ${demo.status}`), sec);
  const client = await httpStatus(http(n), '/streaming/webrtc-client/');
  assert.ok(sec.includes(`  /streaming/webrtc-client/ -> HTTP ${client.status}${client.location ? `, Location: ${client.location}` : ''} (not followed)`), sec);

  const kp = await docker('exec', name, 'sh', '-c', "grep -o '49[0-9][0-9][0-9]' /isaac-sim/extscache/omni.services.streamclient.webrtc-*/web/js/kit-player.js 2>/dev/null | head -n1");
  const kitPlayer = kp.stdout.trim();
  if (kitPlayer) assert.ok(sec.includes(`  kit-player.js signalling port: ${kitPlayer}`), sec);
  else assert.match(sec, /kit-player\.js: not found/);
  const kitPlayerMismatch = kitPlayer !== '' && kitPlayer !== String(signal(n));
  if (kitPlayerMismatch) assert.match(sec, new RegExp(`PROBLEM: kit-player\\.js signals to ${kitPlayer} but this instance's signalling port is ${signal(n)}`));

  assert.match(sec, /^readiness: found \(1 x\): .*Isaac Sim Headless WebRTC App is loaded\.$/m);
  assert.match(sec, /^errors \(last 1 of 1 \[Error\]\/\[Fatal\] lines\):\n {2}.*\[Error\] \[omni\.physx\.plugin\] CUDA libs are present, but no suitable CUDA GPU was found!$/m);
  const expected = Number(!httpUp) + Number(!signalUp) + Number(!demoOk) + Number(kitPlayerMismatch);
  assert.equal(problemsIn(sec).length, expected, sec);
  assert.deepEqual(summary(r.stdout), { checked: 1, problems: expected });
  assert.equal(r.code, expected ? 1 : 0);
});

test('6.x: the user it runs as, /isaac-sim mounts writable by 1234 or not, media UDP, web viewer on 8210+N', { timeout: 90_000 }, async () => {
  const n = 94;
  const writable = mkdtempSync(path.join(os.tmpdir(), 'gpu-check-rw-'));
  const readOnly = mkdtempSync(path.join(os.tmpdir(), 'gpu-check-ro-'));
  dirs.push(writable, readOnly);
  chmodSync(writable, 0o777);
  chmodSync(readOnly, 0o755); // owned by us, and we are not uid 1234
  assert.notEqual(process.getuid?.(), 1234, 'this case needs a test user other than 1234');
  const name = await instance(n, IMAGE.v6, {
    env: { ISAACSIM_HOST: '127.0.0.1', ISAACSIM_SIGNAL_PORT: String(signal(n)), ISAACSIM_STREAM_PORT: String(media(n)) },
    args: [`${SIGNAL_6X}${signal(n)}`, `${STREAM_6X}${media(n)}`, `--/exts/omni.services.transport.server.http/port=${http(n)}`],
    runArgs: ['-v', `${writable}:/isaac-sim/.cache`, '-v', `${readOnly}:/isaac-sim/.local/share/ov/pkg`],
  });
  // The stand-in of NVIDIA's web viewer, built for this instance's ports, on 8210+N as compose runs it.
  const viewerImage = await buildStandinViewer({ signalPort: signal(n), streamPort: media(n) });
  const viewer = await container(`gpu-check-test-viewer-${n}`, viewerImage, { args: viewerCommand(webViewer(n)) });
  await waitReady(name);
  await waitFor(`${viewer} page`, async () => (await logText(viewer)).includes(viewerLocalLine(webViewer(n))));

  const r = await gpuCheck(name);
  const sec = section(r.stdout, name);
  const imageUser = (await dockerOk('image', 'inspect', '-f', '{{.Config.User}}', IMAGE.v6)).trim();
  const imageHealth = (await dockerOk('image', 'inspect', '-f', '{{if .Config.Healthcheck}}yes{{end}}', IMAGE.v6)).trim();
  const uid = (await dockerOk('exec', name, 'id', '-u')).trim();
  assert.match(sec, /^image: isaac-sim-standin:6\.0\.1 \(\w+\) -> Isaac Sim 6\.x \(from tag\)$/m);
  assert.ok(sec.includes(`user: config '${imageUser}'${imageUser ? '' : ' (root)'}, id -u in container: ${uid}`), sec);
  // The env line keeps the container's order, which the engine does not promise: one match each.
  assert.match(sec, new RegExp(`^env: .*\\bISAACSIM_SIGNAL_PORT=${signal(n)}\\b`, 'm'));
  assert.match(sec, new RegExp(`^env: .*\\bISAACSIM_STREAM_PORT=${media(n)}\\b`, 'm'));
  if (imageHealth) assert.match(sec, /^health: (starting|healthy|unhealthy)/m);
  else assert.doesNotMatch(sec, /^health:/m);

  assert.match(sec, new RegExp(`^  ${writable} -> /isaac-sim/\\.cache \\(bind, host owner \\d+:\\d+ 777\\); uid 1234 can write: yes$`, 'm'));
  assert.match(sec, new RegExp(`^  ${readOnly} -> /isaac-sim/\\.local/share/ov/pkg \\(bind, host owner \\d+:\\d+ 755\\); uid 1234 can write: NO$`, 'm'));
  assert.match(sec, /PROBLEM: mount \/isaac-sim\/\.local\/share\/ov\/pkg is not writable by uid 1234/);

  assertListening(sec, 'signal', signal(n), true);
  assert.match(portLine(sec, 'signal'), /\(arg\)/, 'the Kit arg wins over ISAACSIM_SIGNAL_PORT');
  const mediaUp = await udpBound(media(n));
  assertListening(sec, 'media', media(n), mediaUp);
  assert.match(portLine(sec, 'media'), /^ {2}media +udp /);
  if (!mediaUp) assert.match(sec, new RegExp(`PROBLEM: media port udp ${media(n)} expected \\(arg\\) but not listening`));

  const page = await httpStatus(webViewer(n), '/');
  assert.equal(page.status, '200', 'precondition: the web viewer answers');
  assert.match(sec, new RegExp(`^viewer: desktop Isaac Sim WebRTC Streaming Client -> 127\\.0\\.0\\.1:${signal(n)}; web viewer http://127\\.0\\.0\\.1:${webViewer(n)}/ -> HTTP 200$`, 'm'));

  const expected = 1 + Number(!mediaUp);
  assert.equal(problemsIn(sec).length, expected, sec);
  assert.deepEqual(summary(r.stdout), { checked: 1, problems: expected });
  assert.equal(r.code, 1);

  // Without its web viewer the report says so, and that alone is no problem.
  await docker('rm', '-f', viewer);
  containers.delete(viewer);
  const again = await gpuCheck(name);
  assert.match(section(again.stdout, name), new RegExp(`; no web viewer answers on 127\\.0\\.0\\.1:${webViewer(n)} \\(HTTP 000; optional\\)$`, 'm'));
  assert.equal(summary(again.stdout).problems, expected);
});

test('version from the image config when the tag says nothing; a stopped container is reported, not probed', { timeout: 90_000 }, async () => {
  // Images with no version in the tag: 6.x's user and AppReady healthcheck, and the user alone.
  const base = await container(`gpu-check-test-base-${process.pid}`, IMAGE.v51, { start: false });
  const six = `gpu-check-test-config:${process.pid}-six`;
  const five = `gpu-check-test-config:${process.pid}-five`;
  images.add(six);
  images.add(five);
  await dockerOk('commit', '--change', 'USER isaac-sim', '--change', 'HEALTHCHECK --start-period=180s CMD ["sh", "-c", "grep -q AppReady /isaac-sim/.nvidia-omniverse/logs/Kit/*/*/kit_*.log"]', base, six);
  await dockerOk('commit', '--change', 'USER 1234', base, five);
  const c6 = await container(`gpu-check-test-six-${process.pid}`, six, { start: false });
  const c5 = await container(`gpu-check-test-five-${process.pid}`, five, { start: false, args: [`${SIGNAL_6X}49999`] });
  const r = await gpuCheck(c6, c5);
  const s6 = section(r.stdout, c6);
  const s5 = section(r.stdout, c5);
  assert.match(s6, /^== \S+ \(\w{12}\) created, exit code 0/m);
  assert.match(s6, /-> Isaac Sim 6\.x \(from image config: user isaac-sim, healthcheck\)$/m);
  assert.match(s6, /^health: none/m, 'an image HEALTHCHECK is reported even before the first probe');
  assert.match(s6, /^user: config 'isaac-sim'$/m, 'no id -u for a container that is not running');
  assert.match(s6, /^ports: not checked \(not running\); expected kit-http 8011, signal 49100, media udp 47998$/m);
  assert.match(s6, /^viewer: not checked \(not running\)$/m);
  assert.match(s5, /-> Isaac Sim 5\.x \(from image config: user 1234\)$/m);
  assert.match(s5, /^ports: not checked \(not running\); expected kit-http 8011, signal 49100$/m, 'a 5.x signal port comes from --/app/livestream/port');
  assert.match(s5, /^readiness: no readiness line/m);
  assert.deepEqual(problemsIn(r.stdout), [], 'a container that is not running is not expected to be ready');
  assert.deepEqual(summary(r.stdout), { checked: 2, problems: 0 });
  assert.equal(r.code, 0);
});

