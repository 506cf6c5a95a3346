import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { probeHttp, probeTcp } from '../../src/instances/probe';

const HOST = '127.0.0.1';

/** Starts `server` on 127.0.0.1 (or `host`) on a free port; returns the port. */
function listen(server: net.Server, host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes `server` and destroys every connection it still holds. */
function close(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function tracked(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs`, naming what it waited for. */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const t0 = Date.now();
  const v = await p;
  return [v, Date.now() - t0];
}

describe('probeHttp', () => {
  let server: http.Server;
  let sockets: Set<net.Socket>;
  let port: number;
  const userAgents: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      userAgents.push(String(req.headers['user-agent']));
      const status = Number(/^\/status\/(\d{3})/.exec(req.url ?? '')?.[1] ?? 200);
      if (status === 301) res.setHeader('location', '/status/200');
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`status ${status}\n`);
    });
    sockets = tracked(server);
    port = await listen(server);
  });
  after(() => close(server, sockets));

  test('200 → true', async () => {
    assert.equal(await probeHttp(`http://${HOST}:${port}/streaming/webrtc-client/?server=${HOST}`), true);
  });

  test('404 and other statuses below 500 → true (something answers)', async () => {
    for (const status of [204, 301, 401, 403, 404, 499]) assert.equal(await probeHttp(`http://${HOST}:${port}/status/${status}`), true, String(status));
  });

  test('500 and 503 → false (the endpoint is not serving yet)', async () => {
    for (const status of [500, 502, 503, 599]) assert.equal(await probeHttp(`http://${HOST}:${port}/status/${status}`), false, String(status));
  });

  test('identifies itself with its own user agent', async () => {
    userAgents.length = 0;
    await probeHttp(`http://${HOST}:${port}/`);
    assert.deepEqual(userAgents, ['isaac-sim-orchestrator-probe']);
  });

  test('a closed port → false', async () => {
    assert.equal(await probeHttp(`http://${HOST}:${await closedPort()}/`), false);
  });

  test('https against a plain HTTP server → false, not a throw', async () => {
    assert.equal(await probeHttp(`https://${HOST}:${port}/`, 1000), false);
  });

  test('invalid URLs → false, not a throw', async () => {
    for (const url of ['', 'not a url', 'http://', 'http://[::1', '://x']) assert.equal(await probeHttp(url), false, JSON.stringify(url));
  });
});

describe('probeHttp against a server that never answers', () => {
  let server: net.Server;
  let sockets: Set<net.Socket>;
  let port: number;

  before(async () => {
    // Accepts the connection, reads the request, never writes a byte.
    server = net.createServer((socket) => socket.resume());
    sockets = tracked(server);
    port = await listen(server);
  });
  after(() => close(server, sockets));

  test('→ false, once its timeout has passed', async () => {
    const [ok, ms] = await timed(probeHttp(`http://${HOST}:${port}/`, 300));
    assert.equal(ok, false);
    // A lower bound only (it did not give up before its timeout); how soon after it is the benchmark's business.
    assert.ok(ms >= 250, `gave up after ${ms} ms, before the timeout`);
  });

  test('the connection is closed after giving up', async () => {
    await probeHttp(`http://${HOST}:${port}/`, 200);
    // The server sees the close a moment later: wait for it (the test fails if it never comes).
    await until('the server to see the probe close its socket', () => sockets.size === 0);
  });

  test('a server that answers after a short delay (within the timeout) → true', async () => {
    const slow = http.createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200);
        res.end('ok');
      }, 100);
    });
    const s = tracked(slow);
    const p = await listen(slow);
    try {
      assert.equal(await probeHttp(`http://${HOST}:${p}/`, 1000), true);
    } finally {
      await close(slow, s);
    }
  });
});

describe('probeTcp', () => {
  let server: net.Server;
  let sockets: Set<net.Socket>;
  let port: number;
  let accepted = 0;

  before(async () => {
    server = net.createServer((socket) => {
      accepted++;
      socket.resume();
    });
    sockets = tracked(server);
    port = await listen(server);
  });
  after(() => close(server, sockets));

  test('a listener → true', async () => {
    const before = accepted;
    assert.equal(await probeTcp(HOST, port), true);
    await until('the server to accept the probe', () => accepted > before);
    assert.equal(accepted, before + 1, 'one connection per probe');
  });

  test('closes its connection right away', async () => {
    const before = accepted;
    await probeTcp(HOST, port);
    await until('the server to accept the probe', () => accepted > before);
    await until('the server to see the probe close its socket', () => sockets.size === 0);
  });

  test('a closed port → false', async () => {
    assert.equal(await probeTcp(HOST, await closedPort()), false);
  });

  test('a host name that does not resolve → false, not a throw', async () => {
    assert.equal(await probeTcp('no-such-host.invalid', port, 2000), false);
  });

  test('port 0 → false, not a throw', async () => {
    assert.equal(await probeTcp(HOST, 0, 500), false);
  });

  test('an IPv6 host in brackets is accepted (the brackets are stripped)', async () => {
    const v6 = net.createServer((socket) => socket.resume());
    const s = tracked(v6);
    let p: number;
    try {
      p = await listen(v6, '::1');
    } catch {
      // No IPv6 loopback here: the bracketed form must still resolve to false without throwing.
      assert.equal(await probeTcp('[::1]', await closedPort(), 500), false);
      return;
    }
    try {
      assert.equal(await probeTcp('[::1]', p), true);
      assert.equal(await probeTcp('::1', p), true);
    } finally {
      await close(v6, s);
    }
  });
});
