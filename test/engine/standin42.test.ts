// Behaviour test of the Isaac Sim stand-in images against the real Docker Engine, part 2: the 4.2.0
// image (startup log, web client redirect, demo page and player, page-load counter, kit-player.js
// rewritten per instance, the EULA refusal).
//
// Tests never follow the 4.2 web client's redirect: its Location may name a private address of
// the host and no traffic may leave loopback. Only the header is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { dockerOk, run } from './exec';
import { get, HTTP_ARG, IMG, lines, READY_42, READY_RE, remove, runToEnd, standinHooks, start, tcpConnect, tempDirs, waitReady } from './standinSetup';

const PLAYER_PATH = '/isaac-sim/extscache/omni.services.streamclient.webrtc-1.3.8/web/js/kit-player.js';

/**
 * Runs the demo page's player (kit-player.js as served) the way a browser would: with the
 * page's ?server= and a #signal-status element. Returns the status text it shows.
 */
async function runPlayer(httpPort: number, server = '127.0.0.1'): Promise<string> {
  const js = (await get(httpPort, '/streaming/webrtc-demo/js/kit-player.js')).body;
  const el = { textContent: '' };
  const window: Record<string, unknown> = { location: { search: `?server=${server}`, hostname: '127.0.0.1' } };
  const ctx = vm.createContext({ window, document: { getElementById: (id: string) => (id === 'signal-status' ? el : null) }, fetch, URLSearchParams });
  vm.runInContext(js, ctx);
  await (window.SetupWebRTCPlayer as () => Promise<unknown>)();
  return el.textContent;
}

standinHooks();

// ---- 4.2 -------------------------------------------------------------------------------------

test('4.2: startup log, web client redirect (not followed), demo page, player on 49100, signalling port', { timeout: 60_000 }, async () => {
  const http = 18411;
  const name = await start(IMG.v42, { env: { ISAACSIM_INSTANCE_LABEL: 'instance-7' }, args: [`${HTTP_ARG}${http}`, '--/app/livestream/port=49100', '--/app/some/other=1'] });
  try {
    const stdout = await waitReady(name, READY_42);
    const out = lines(stdout);
    assert.match(out.find((l) => l.startsWith('[Info] [carb] Logging to file: ')) ?? '', /^\[Info\] \[carb\] Logging to file: \/root\/\.nvidia-omniverse\/logs\/Kit\/Isaac-Sim\/4\.2\/kit_\d{8}_\d{6}\.log$/);
    assert.ok(out.some((l) => /^\[\d+\.\d{3}s\] \[ext: omni\.kit\.livestream\.core-4\.3\.6\] startup$/.test(l)), stdout);
    assert.ok(out.includes('Streaming server started.'), stdout);
    assert.match(out[out.length - 1], READY_RE(READY_42));
    for (const invented of ['Shader cache hit', 'Compiling shaders', 'shader cache:', 'Streaming server listening', '[standin]', 'stand-in virtual device']) {
      assert.ok(!stdout.includes(invented), `no invented line "${invented}"`);
    }
    // Web client: /streaming/webrtc-client/ answers 307 to the demo page on a non-loopback address.
    for (const p of ['/streaming/webrtc-client/?server=127.0.0.1', '/streaming/webrtc-client/']) {
      const r = await get(http, p);
      assert.equal(r.status, 307, p);
      const loc = r.headers.get('location') ?? '';
      const m = /^http:\/\/([\d.]+):(\d+)\/streaming\/webrtc-demo\/\?server=([\d.]+)$/.exec(loc);
      assert.ok(m, `Location ${loc}`);
      assert.equal(m[1], m[3]);
      assert.equal(Number(m[2]), http);
    }
    // The bare path: busybox httpd first adds the slash (302); never followed here.
    const bare = await get(http, '/streaming/webrtc-client?server=127.0.0.1');
    assert.ok([302, 307].includes(bare.status));
    // The demo page.
    const page = await get(http, '/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Isaac Sim stand-in — instance-7<\/title>/);
    assert.match(page.body, /id="instance-label">instance-7</);
    assert.match(page.body, /id="load-count"/);
    assert.match(page.body, /id="signal-status"/);
    assert.match(page.body, /src="js\/kit-player\.js"/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'no external URLs in the page');
    assert.equal(page.headers.get('x-frame-options'), null);
    const js = await get(http, '/streaming/webrtc-demo/js/kit-player.js');
    assert.equal(js.status, 200);
    assert.match(js.body, /\b49100\b/);
    assert.equal(await runPlayer(http), 'signalling: connected to port 49100 (instance-7)');
    // The signalling server answers with CORS.
    const sig = await get(49100, '/cgi-bin/signal');
    assert.equal(sig.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(JSON.parse(sig.body), { label: 'instance-7', port: 49100 });
    // 4.5+ endpoints are not here; nothing else on the web client.
    assert.equal((await get(http, '/nothing/')).status, 404);
  } finally {
    await remove(name);
  }
});

test('4.2: page-load counter: /cgi-bin/hit increments, /cgi-bin/loads only reads', { timeout: 60_000 }, async () => {
  const http = 18412;
  const name = await start(IMG.v42, { args: [`${HTTP_ARG}${http}`, '--/app/livestream/port=49412'] });
  try {
    await waitReady(name, READY_42);
    assert.equal((await get(http, '/cgi-bin/loads')).body.trim(), '0');
    assert.equal((await get(http, '/cgi-bin/hit')).body.trim(), '1');
    assert.equal((await get(http, '/cgi-bin/hit')).body.trim(), '2');
    assert.equal((await get(http, '/cgi-bin/loads')).body.trim(), '2');
    const hits = await Promise.all(Array.from({ length: 10 }, () => get(http, '/cgi-bin/hit')));
    assert.deepEqual(hits.map((h) => Number(h.body.trim())).sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  } finally {
    await remove(name);
  }
});

test('4.2: kit-player.js rewritten with docker cp before start makes the player use that port; two instances each reach their own', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'standin-test-'));
  tempDirs.push(dir);
  const names: string[] = [];
  try {
    for (const i of [1, 2]) {
      const http = 18420 + i;
      const signal = 49420 + i;
      const name = await start(IMG.v42, { create: true, env: { ISAACSIM_INSTANCE_LABEL: `instance-${i}` }, args: [`${HTTP_ARG}${http}`, `--/app/livestream/port=${signal}`] });
      names.push(name);
      // What OmniGibson's Dockerfile does with sed, done from outside before the start.
      const orig = await run('docker', ['cp', `${name}:${PLAYER_PATH}`, path.join(dir, `orig-${i}.js`)]);
      assert.equal(orig.code, 0, orig.stderr);
      const js = readFileSync(path.join(dir, `orig-${i}.js`), 'utf8');
      assert.match(js, /\b49100\b/);
      const file = path.join(dir, 'kit-player.js');
      writeFileSync(file, js.replace(/49100/g, String(signal)));
      await dockerOk('cp', file, `${name}:${PLAYER_PATH}`);
      await dockerOk('start', name);
    }
    for (const name of names) await waitReady(name, READY_42);
    for (const i of [1, 2]) {
      const js = (await get(18420 + i, '/streaming/webrtc-demo/js/kit-player.js')).body;
      assert.ok(js.includes(String(49420 + i)) && !js.includes('49100'), 'the served file is the rewritten one');
      assert.equal(await runPlayer(18420 + i), `signalling: connected to port ${49420 + i} (instance-${i})`);
    }
  } finally {
    for (const n of names) await remove(n);
  }
});

test('4.2: an unrewritten player on a non-default signalling port finds no answer on 49100', { timeout: 60_000 }, async () => {
  const http = 18431;
  const name = await start(IMG.v42, { args: [`${HTTP_ARG}${http}`, '--/app/livestream/port=49431'] });
  try {
    await waitReady(name, READY_42);
    await assert.rejects(tcpConnect(49100)); // nothing of ours on 49100
    assert.equal(await runPlayer(http), 'signalling: no answer on port 49100');
  } finally {
    await remove(name);
  }
});

test('4.2: ACCEPT_EULA unset: refusal text, exit 1', { timeout: 60_000 }, async () => {
  const r = await runToEnd(IMG.v42, { eula: false, args: [`${HTTP_ARG}18441`] });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /must be accepted before\nIsaac Sim can start\./);
  assert.ok(r.stdout.includes('e.g.: -e "ACCEPT_EULA=Y"'));
});
