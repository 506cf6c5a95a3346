// "Run in Sim": the protocol pieces (simPythonProtocol.ts), the client's errors against a local
// loopback server (simPython.ts), the spec's opt-in and the token's masking.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { parseSettings } from '../../src/instances/settings';
import { buildContainerSpec, specHash } from '../../src/instances/spec';
import { errorInfo } from '../../src/instances/errors';
import { SimPythonError, runInSim, type SimTarget } from '../../src/instances/simPython';
import {
  AUTH_HEADER_PREFIX,
  MAX_UNFRAMED_BYTES,
  PYTHON_SERVERS,
  encodeRequest,
  errorLocation,
  isAuthFailure,
  mapFrames,
  parseReply,
  pythonServerArgs,
  tokenFromLogLine,
  tracebackFrames,
} from '../../src/instances/simPythonProtocol';

// The shape of format_exc() for code run by the 6.x executor (executor.py compiles with "<string>"):
// the executor's own frame first, then the sent code's frames (no source lines for "<string>").
const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/isaac-sim/exts/isaacsim.code_editor.python_server/isaacsim/code_editor/python_server/executor.py", line 163, in execute',
  '    result = eval(code, self._globals, self._locals)  # noqa: S307',
  '  File "<string>", line 7, in <module>',
  '  File "<string>", line 3, in helper',
  'ZeroDivisionError: division by zero',
  '',
].join('\n');

describe('per-version server and Kit arguments', () => {
  test('each NVIDIA version names its extension; custom has none', () => {
    assert.equal(PYTHON_SERVERS['4.2']?.extension, 'omni.isaac.vscode');
    assert.equal(PYTHON_SERVERS['4.5-5.x']?.extension, 'isaacsim.code_editor.vscode');
    assert.equal(PYTHON_SERVERS['6.x']?.extension, 'isaacsim.code_editor.python_server');
    assert.equal(PYTHON_SERVERS.custom, undefined);
  });
  test('6.x enables the server with auth; a given token is passed; 5.x has no auth settings', () => {
    assert.deepEqual(pythonServerArgs('6.x', { port: 8227 }), [
      '--enable', 'isaacsim.code_editor.python_server',
      '--/exts/isaacsim.code_editor.python_server/host=127.0.0.1',
      '--/exts/isaacsim.code_editor.python_server/port=8227',
      '--/exts/isaacsim.code_editor.python_server/require_auth=true',
    ]);
    assert.ok(pythonServerArgs('6.x', { port: 8227, token: 'tok-1234' })?.includes('--/exts/isaacsim.code_editor.python_server/auth_token=tok-1234'));
    assert.ok(!pythonServerArgs('6.x', { port: 8227, requireAuth: false })?.some((a) => a.includes('require_auth')));
    assert.deepEqual(pythonServerArgs('4.5-5.x', { port: 8228, token: 'ignored' }), ['--enable', 'isaacsim.code_editor.vscode', '--/exts/isaacsim.code_editor.vscode/host=127.0.0.1', '--/exts/isaacsim.code_editor.vscode/port=8228']);
  });
  test('every version with a known server gets it on base + N, bound to loopback; 6.x requires a token; custom gets none', () => {
    const parsed = parseSettings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1', pythonServerPortBase: 9100 });
    assert.ok(parsed.ok);
    const settings = parsed.settings;
    const six = buildContainerSpec(settings, 1, { version: '6.x', home: '/home/u' });
    const at = six.Cmd.indexOf('--enable');
    assert.deepEqual(six.Cmd.slice(at, at + 5), [
      '--enable',
      'isaacsim.code_editor.python_server',
      '--/exts/isaacsim.code_editor.python_server/host=127.0.0.1',
      '--/exts/isaacsim.code_editor.python_server/port=9101',
      '--/exts/isaacsim.code_editor.python_server/require_auth=true',
    ]);
    assert.ok(!six.Cmd.some((a) => a.includes('auth_token=')), 'no token setting: the server generates one');
    assert.equal(JSON.parse(six.Labels['dev.isaac-sim-orchestrator.ports']).python, 9101);
    const five = buildContainerSpec(settings, 2, { version: '4.5-5.x', home: '/home/u' });
    assert.ok(five.Cmd.includes('--/exts/isaacsim.code_editor.vscode/port=9102') && five.Cmd.includes('isaacsim.code_editor.vscode'));
    assert.ok(!five.Cmd.some((a) => a.includes('require_auth')), '5.x has no token');
    const four = buildContainerSpec(settings, 0, { version: '4.2', home: '/home/u' });
    assert.ok(four.Cmd.includes('--enable') && four.Cmd.includes('omni.isaac.vscode') && four.Cmd.includes('--/exts/omni.isaac.vscode/port=9100'));
    const custom = buildContainerSpec(settings, 1, { version: 'custom', home: '/h' });
    assert.ok(!custom.Cmd.some((a) => a.includes('code_editor') || a.includes('omni.isaac.vscode')));
    const withToken = parseSettings({ image: 'nvcr.io/nvidia/isaac-sim:6.0.1', pythonServerToken: 'A'.repeat(20) });
    assert.ok(withToken.ok);
    const tokened = buildContainerSpec(withToken.settings, 1, { version: '6.x', home: '/home/u' });
    assert.ok(tokened.Cmd.includes(`--/exts/isaacsim.code_editor.python_server/auth_token=${'A'.repeat(20)}`));
    assert.notEqual(specHash(tokened), specHash(six), 'a new token recreates the container at its next start');
  });
});

describe('request and reply', () => {
  test('6.x puts the token header first; 5.x sends the code alone', () => {
    assert.equal(encodeRequest(PYTHON_SERVERS['6.x']!, 'print(1)', 'T0K3N').toString(), `${AUTH_HEADER_PREFIX} T0K3N\nprint(1)`);
    assert.equal(encodeRequest(PYTHON_SERVERS['6.x']!, 'print(1)').toString(), 'print(1)');
    assert.equal(encodeRequest(PYTHON_SERVERS['4.5-5.x']!, 'print(1)', 'T0K3N').toString(), 'print(1)');
  });
  test('replies parse; bad ones name the problem', () => {
    const ok = parseReply('{"status":"ok","output":"hi","result":null}');
    assert.ok(typeof ok !== 'string' && ok.status === 'ok' && ok.output === 'hi' && 'result' in ok);
    assert.match(String(parseReply('')), /without a reply/);
    assert.match(String(parseReply('HTTP/1.1 400')), /not JSON/);
    assert.match(String(parseReply('{"status":"maybe"}')), /not the code server's JSON/);
  });
  test('the auth failure is recognised by all its fields, not by a script raising the same name', () => {
    const auth = parseReply('{"status":"error","output":"","ename":"AuthenticationError","evalue":"Missing or invalid authentication token","traceback":["AuthenticationError: Missing or invalid authentication token"]}');
    assert.ok(typeof auth !== 'string' && isAuthFailure(auth));
    const user = parseReply('{"status":"error","output":"","traceback":["Traceback ...\\nAuthenticationError: x\\n"],"ename":"AuthenticationError","evalue":"x"}');
    assert.ok(typeof user !== 'string' && !isAuthFailure(user));
  });
});

describe('traceback frames', () => {
  test('frames in the sent code map to the file and line of a selection', () => {
    assert.equal(tracebackFrames(TRACEBACK).length, 3);
    const frames = mapFrames(TRACEBACK, { file: '/w/robot.py', firstLine: 41 });
    assert.equal(frames[0].source, undefined, "the executor's frame is not the user's");
    assert.deepEqual(frames[1].source, { file: '/w/robot.py', line: 47 });
    assert.deepEqual(errorLocation(frames), { file: '<string>', line: 3, function: 'helper', source: { file: '/w/robot.py', line: 43 } });
  });
  test('no frame in the sent code (a SyntaxError has none): no location', () => {
    assert.equal(errorLocation(mapFrames('  File "/x.py", line 1, in f\nSyntaxError: bad\n', { file: 'a.py', firstLine: 1 })), undefined);
  });
});

describe('the token', () => {
  test('read from the print() line and the carb line, not from other text', () => {
    assert.equal(tokenFromLogLine('Python server authentication token: abc_DEF-123'), 'abc_DEF-123');
    assert.equal(tokenFromLogLine('2026-01-01T00:00:00Z [12ms] [Info] [isaacsim.code_editor.python_server.extension] Python server authentication token: abc_DEF-123'), 'abc_DEF-123');
    assert.equal(tokenFromLogLine('[standin] echo Python server authentication token: abc'), undefined);
    assert.equal(tokenFromLogLine('Python server authentication token: '), undefined);
    assert.equal(tokenFromLogLine('[0.3s] app ready'), undefined);
  });
});

describe('client errors (loopback)', () => {
  const servers: net.Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });
  /** A one-shot TCP server on 127.0.0.1 that answers each connection with `answer(requestText)`. */
  async function server(answer: (req: string, sock: net.Socket) => void, waitEof: boolean): Promise<number> {
    const s = net.createServer({ allowHalfOpen: true }, (sock) => {
      let req = '';
      sock.on('data', (d) => {
        req += d.toString();
        if (!waitEof) answer(req, sock);
      });
      sock.on('end', () => {
        if (waitEof) answer(req, sock);
      });
      sock.on('error', () => {});
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as net.AddressInfo).port;
  }
  const t = (version: SimTarget['version'], port: number, extra: Partial<SimTarget> = {}): SimTarget => ({ version, host: '127.0.0.1', port, label: 'instance-1', ...extra });
  async function failure(p: Promise<unknown>): Promise<SimPythonError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SimPythonError, `expected a SimPythonError, got ${String(err)}`);
    return err;
  }

  test('6.x half-closes and sends the header; the reply is read to the close', async () => {
    let seen = '';
    const port = await server((req, sock) => {
      seen = req;
      sock.end('{"status":"ok","output":"done"}');
    }, true);
    const r = await runInSim(t('6.x', port, { token: 'tok-abcdef' }), 'print("done")');
    assert.equal(r.output, 'done');
    assert.equal(seen, `${AUTH_HEADER_PREFIX} tok-abcdef\nprint("done")`);
  });
  test('5.x does not half-close: the server answers the first chunk', async () => {
    const port = await server((_req, sock) => sock.end('{"status":"ok","output":"five"}'), false);
    assert.equal((await runInSim(t('4.5-5.x', port), 'print("five")')).output, 'five');
  });
  test('not ready, too large, not JSON, a reply timeout: each a typed error', async () => {
    assert.equal((await failure(runInSim(t('6.x', 1, { state: 'starting' }), 'x'))).reason, 'not-ready');
    assert.equal((await failure(runInSim(t('4.5-5.x', 1), 'x'.repeat(MAX_UNFRAMED_BYTES + 1)))).reason, 'too-large');
    const junk = await server((_r, sock) => sock.end('<html>'), true);
    const bad = await failure(runInSim(t('6.x', junk), 'x'));
    assert.equal(bad.reason, 'protocol');
    assert.match(bad.message, /not JSON.*another program using port/);
    const silent = await server(() => {}, true);
    const slow = await failure(runInSim(t('6.x', silent), 'x', { replyTimeoutMs: 200 }));
    assert.equal(slow.reason, 'timeout');
    assert.deepEqual(errorInfo(slow), { kind: 'unreachable' });
  });
  test('cancel before and during a run', async () => {
    const ac = new AbortController();
    ac.abort();
    assert.equal(errorInfo(await runInSim(t('6.x', 1), 'x', { signal: ac.signal }).catch((e: unknown) => e)).kind, 'cancelled');
    let connected!: () => void;
    const got = new Promise<void>((r) => (connected = r));
    const silent = await server(() => connected(), true);
    const ac2 = new AbortController();
    const run = runInSim(t('6.x', silent), 'x', { signal: ac2.signal });
    await got;
    ac2.abort();
    assert.equal(errorInfo(await run.catch((e: unknown) => e)).kind, 'cancelled');
  });
});
