/** pullImage against a scripted engine stream, and pullWithProgress with a minimal fake of the VS Code API. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as l10n from '@vscode/l10n';
import Docker from 'dockerode';
import type { DockerEngine } from '../../src/docker/engine';
import { pullImage } from '../../src/docker/pull';
import { PullCancelledError, PullError } from '../../src/docker/pullErrors';
import type { PullEvent, PullProgress } from '../../src/docker/pullProgress';
import { IMAGE, last, RECORDED } from './pullFixture';

describe('pullImage against a scripted engine stream', () => {
  // A stand-in engine: `docker.pull` hands back a stream we write engine lines into; the real
  // docker-modem follows it. No socket is ever opened.
  function scriptedEngine(address = 'unix:///nonexistent.sock') {
    const stream = new PassThrough();
    const calls: Array<{ image: string; opts: Record<string, unknown> }> = [];
    const modem = new Docker({ socketPath: '/nonexistent.sock' }).modem;
    const engine = {
      address,
      docker: {
        modem,
        pull: async (image: string, opts: Record<string, unknown>) => {
          calls.push({ image, opts });
          return stream;
        },
      },
    } as unknown as DockerEngine;
    const send = (...events: PullEvent[]) => events.forEach((e) => stream.write(JSON.stringify(e) + '\r\n'));
    return { engine, stream, calls, send };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  test('resolves after "Status:", reporting every state', async () => {
    const { engine, stream, send } = scriptedEngine();
    const seen: PullProgress[] = [];
    const done = pullImage(engine, '127.0.0.1:5055/isaac-sim-standin:exp', (p) => seen.push(p), undefined, { credentials: null });
    await tick();
    send(...RECORDED);
    stream.end();
    await done;
    assert.equal(seen[0].fraction, undefined);
    assert.equal(last(seen).done, true);
    assert.equal(last(seen).fraction, 1);
  });

  test('an error line rejects with a PullError at once', async () => {
    const { engine, send, stream } = scriptedEngine();
    const done = pullImage(engine, IMAGE, () => undefined, undefined, { credentials: null });
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' }, { errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' });
    await assert.rejects(done, (e: unknown) => e instanceof PullError && e.failure === 'unauthorized' && /docker login nvcr\.io/.test(e.message));
    assert.equal(stream.destroyed, true);
  });

  test('a stream that ends before "Status:" is an interrupted pull', async () => {
    const { engine, send, stream } = scriptedEngine();
    const done = pullImage(engine, IMAGE, () => undefined, undefined, { credentials: null });
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    stream.end();
    await assert.rejects(done, (e: unknown) => e instanceof PullError && e.failure === 'interrupted' && e.message.includes(IMAGE));
  });

  test('abort: rejects with the cancelled message and destroys the stream', async () => {
    const { engine, send, stream } = scriptedEngine();
    const controller = new AbortController();
    const done = pullImage(engine, IMAGE, (p) => p.layers.length > 0 && controller.abort(), controller.signal, { credentials: null }).catch((e: unknown) => e);
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    const err = await done;
    assert.ok(err instanceof PullCancelledError);
    assert.equal(err.name, 'AbortError');
    assert.equal(err.message, `Pull of "${IMAGE}" was cancelled; nothing was started.`);
    assert.equal(stream.destroyed, true);
  });

  test('aborted while the engine is asked: cancelled, the stream is closed', async () => {
    const { engine, stream } = scriptedEngine();
    const controller = new AbortController();
    await assert.rejects(pullImage(engine, IMAGE, () => controller.abort(), controller.signal, { credentials: null }), PullCancelledError);
    assert.equal(stream.destroyed, true);
  });

  test('already aborted: the engine is never asked', async () => {
    const { engine, calls } = scriptedEngine();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(pullImage(engine, IMAGE, () => undefined, controller.signal), PullCancelledError);
    assert.equal(calls.length, 0);
  });

  test('credentials from the Docker config go to a local engine, never to a remote one', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'pull-auth-'));
    mkdirSync(path.join(home, '.docker'));
    writeFileSync(path.join(home, '.docker/config.json'), JSON.stringify({ auths: { 'nvcr.io': { auth: Buffer.from('$oauthtoken:k').toString('base64') } } }));
    try {
      for (const [address, expected] of [
        ['unix:///var/run/docker.sock', { username: '$oauthtoken', password: 'k', serveraddress: 'nvcr.io' }],
        ['tcp://192.0.2.1:2375', undefined],
      ] as const) {
        const { engine, calls, send, stream } = scriptedEngine(address);
        const done = pullImage(engine, IMAGE, () => undefined, undefined, { home, env: {} });
        await tick();
        send({ status: 'Status: Image is up to date for nvcr.io/nvidia/isaac-sim:4.2.0' });
        stream.end();
        await done;
        assert.deepEqual(calls[0].opts.authconfig, expected, address);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('pullWithProgress (with a minimal fake of the VS Code API)', () => {
  interface Report {
    message?: string;
    increment?: number;
  }
  const notifications: Array<{ options: { location: number; cancellable?: boolean; title?: string }; reports: Report[]; cancel: () => void }> = [];
  const fakeVscode = {
    // vscode.l10n.t without a bundle: English, formatted as @vscode/l10n does.
    l10n: { t: l10n.t },
    ProgressLocation: { Notification: 15 },
    window: {
      withProgress: (options: { location: number; cancellable?: boolean; title?: string }, task: (p: { report(r: Report): void }, t: unknown) => Promise<unknown>) => {
        const listeners: Array<() => void> = [];
        const token = {
          isCancellationRequested: false,
          onCancellationRequested: (fn: () => void) => {
            listeners.push(fn);
            return { dispose: () => listeners.splice(listeners.indexOf(fn), 1) };
          },
        };
        const entry = { options, reports: [] as Report[], cancel: () => [...listeners].forEach((fn) => fn()) };
        notifications.push(entry);
        return task({ report: (r) => entry.reports.push(r) }, token);
      },
    },
  };
  // Load src/views/pullProgress with `vscode` resolved to the fake, then put the resolver back.
  function loadPullProgress(): typeof import('../../src/views/pullProgress') {
    const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
    const original = loader._resolveFilename;
    const fakeId = path.join(__dirname, '__fake_vscode__.js');
    require.cache[fakeId] = { id: fakeId, filename: fakeId, loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
    loader._resolveFilename = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fakeId : original.call(Module, request, ...rest));
    try {
      return createRequire(__filename)('../../src/views/pullProgress') as typeof import('../../src/views/pullProgress');
    } finally {
      loader._resolveFilename = original;
    }
  }
  const { pullWithProgress } = loadPullProgress();

  function memoryLog() {
    const lines: string[] = [];
    const at = (level: string) => (m: string) => lines.push(`${level} ${m}`);
    return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), trace: at('trace') } as unknown as import('vscode').LogOutputChannel };
  }
  function scripted() {
    const stream = new PassThrough();
    const modem = new Docker({ socketPath: '/nonexistent.sock' }).modem;
    // A tcp engine elsewhere: pullImage does not even look for credentials.
    const engine = { address: 'tcp://192.0.2.1:2375', docker: { modem, pull: async () => stream } } as unknown as DockerEngine;
    return { engine, stream, send: (...events: PullEvent[]) => events.forEach((e) => stream.write(JSON.stringify(e) + '\n')) };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  test('a cancellable notification titled "Pulling IMAGE": the bar fills to 100 %, messages from PullProgress, steps logged', async () => {
    notifications.length = 0;
    const { engine, stream, send } = scripted();
    const { lines, log } = memoryLog();
    const image = '127.0.0.1:5055/isaac-sim-standin:exp';
    const done = pullWithProgress(engine, image, log);
    await tick();
    send(...RECORDED);
    stream.end();
    await done;
    assert.equal(notifications.length, 1);
    const [n] = notifications;
    assert.deepEqual(n.options, { location: 15, cancellable: true, title: `Pulling ${image}` });
    const total = n.reports.reduce((sum, r) => sum + (r.increment ?? 0), 0);
    assert.ok(Math.abs(total - 100) < 1e-9, `increments add up to ${total}`);
    assert.ok(n.reports.every((r) => r.increment === undefined || r.increment > 0));
    const messages = n.reports.flatMap((r) => (r.message ? [r.message] : []));
    assert.equal(messages[0], 'Contacting 127.0.0.1:5055…');
    assert.equal(messages[messages.length - 1], `Pulled ${image} — 3.0 MB`);
    assert.ok(lines.includes(`info Image ${image} is not on the engine at tcp://192.0.2.1:2375; pulling it.`), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('debug Pull of') && l.includes('9c00bc880036 Pull complete (3.0 MB)')), lines.join('\n'));
    assert.ok(lines.some((l) => new RegExp(`^info Pulled ${image.replace(/[.]/g, '\\.')} in \\d+\\.\\d s, 3\\.0 MB downloaded \\(sha256:05d8`).test(l)), lines.join('\n'));
  });

  test('cancelling the notification cancels the pull; a second start of the same image shares it', async () => {
    notifications.length = 0;
    const { engine, send, stream } = scripted();
    const { lines, log } = memoryLog();
    const first = pullWithProgress(engine, IMAGE, log).catch((e: unknown) => e);
    const second = pullWithProgress(engine, IMAGE, log).catch((e: unknown) => e);
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    await tick();
    assert.equal(notifications.length, 1, 'one notification for one image');
    notifications[0].cancel();
    const [a, b] = await Promise.all([first, second]);
    assert.ok(a instanceof PullCancelledError);
    assert.equal(b, a);
    assert.equal(stream.destroyed, true);
    assert.ok(lines.includes(`info Pull of ${IMAGE}: cancelled by the user.`));
    assert.ok(lines.includes(`info Pull of "${IMAGE}" was cancelled; nothing was started.`));
    // Once settled, a new start pulls again.
    const again = scripted();
    const third = pullWithProgress(again.engine, IMAGE, log);
    await tick();
    again.send({ status: 'Status: Image is up to date for x' });
    again.stream.end();
    await third;
    assert.equal(notifications.length, 2);
  });

  test('the caller\'s AbortSignal cancels too', async () => {
    const { engine, send, stream } = scripted();
    const { lines, log } = memoryLog();
    const controller = new AbortController();
    const done = pullWithProgress(engine, IMAGE, log, controller.signal);
    await tick();
    send({ status: 'Pulling fs layer', progressDetail: {}, id: 'aaaaaaaaaaaa' });
    controller.abort();
    await assert.rejects(done, PullCancelledError);
    assert.equal(stream.destroyed, true);
    assert.ok(lines.includes(`info Pull of ${IMAGE}: cancelled.`));
  });

  test('a failed pull is logged as an error and rejects with the PullError', async () => {
    const { engine, send } = scripted();
    const { lines, log } = memoryLog();
    const done = pullWithProgress(engine, IMAGE, log);
    await tick();
    send({ errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' });
    await assert.rejects(done, (e: unknown) => e instanceof PullError && e.failure === 'not-found');
    assert.ok(lines.some((l) => l.startsWith(`error Could not pull "${IMAGE}"`)));
  });
});
