/** describeEngineError (src/docker/errors.ts): each engine or socket failure becomes a message naming what to fix. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, describeEngineError } from '../../src/docker/errors';

/** A dockerode-like HTTP error. */
function httpError(statusCode: number, reason: string, message: string): Error & { statusCode: number; json: { message: string }; reason: string } {
  const err = new Error(`(HTTP code ${statusCode}) ${reason} - ${message} `) as Error & { statusCode: number; json: { message: string }; reason: string };
  err.statusCode = statusCode;
  err.json = { message };
  err.reason = reason;
  return err;
}

function sysError(code: string, message: string): Error & { code: string } {
  const err = new Error(message) as Error & { code: string };
  err.code = code;
  return err;
}

const SOCKET = 'unix:///var/run/docker.sock';

describe('describeEngineError', () => {
  for (const code of ['ECONNREFUSED', 'ENOENT']) {
    test(`${code} → unreachable, names the address and a fix`, () => {
      const raw = sysError(code, `connect ${code} /var/run/docker.sock`);
      const e = describeEngineError(raw, 'list containers', SOCKET);
      assert.ok(e instanceof EngineError);
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'EngineError');
      assert.equal(e.unreachable, true);
      assert.equal(e.cause, raw);
      assert.ok(e.message.includes(SOCKET), e.message);
      assert.ok(e.message.includes(code), e.message);
      assert.ok(e.message.includes('list containers'), e.message);
      assert.match(e.message, /start Docker/);
      assert.match(e.message, /isaacSim\.dockerHost/);
    });
  }

  test('ETIMEDOUT at a tcp address is unreachable too', () => {
    const e = describeEngineError(sysError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.5:2375'), 'ask the engine for its version', 'tcp://10.0.0.5:2375');
    assert.equal(e.unreachable, true);
    assert.ok(e.message.includes('tcp://10.0.0.5:2375'));
  });

  test('EACCES → unreachable, suggests the docker group', () => {
    const e = describeEngineError(sysError('EACCES', 'connect EACCES /var/run/docker.sock'), 'list containers', SOCKET);
    assert.equal(e.unreachable, true);
    assert.match(e.message, /"docker" group/);
    assert.match(e.message, /isaacSim\.dockerHost/);
  });

  test('unknown runtime "nvidia" → NVIDIA Container Toolkit and isaacSim.runtime', () => {
    const raw = httpError(400, 'bad parameter', 'unknown or invalid runtime name: nvidia');
    const e = describeEngineError(raw, 'create container isaac-sim-instance-0', SOCKET);
    assert.equal(e.unreachable, false);
    assert.equal(e.statusCode, 400);
    assert.equal(e.cause, raw);
    assert.match(e.message, /^Could not create container isaac-sim-instance-0: /);
    assert.match(e.message, /no "nvidia" runtime/);
    assert.match(e.message, /NVIDIA Container Toolkit/);
    assert.match(e.message, /nvidia-ctk runtime configure --runtime=docker/);
    assert.match(e.message, /isaacSim\.runtime/);
  });

  test('unknown runtime with another name names that runtime', () => {
    const e = describeEngineError(new Error('Error response from daemon: unknown or invalid runtime name: kata'), 'start container x', SOCKET);
    assert.match(e.message, /no "kata" runtime/);
    assert.match(e.message, /isaacSim\.runtime/);
  });

  test('"could not select device driver" → isaacSim.gpus, keeps the engine text', () => {
    const raw = httpError(500, 'server error', 'could not select device driver "" with capabilities: [[gpu]]');
    const e = describeEngineError(raw, 'start container isaac-sim-instance-0', SOCKET);
    assert.equal(e.unreachable, false);
    assert.equal(e.statusCode, 500);
    assert.ok(e.message.includes('could not select device driver "" with capabilities: [[gpu]]'), e.message);
    assert.match(e.message, /isaacSim\.gpus/);
    assert.match(e.message, /"none"/);
    assert.match(e.message, /NVIDIA Container Toolkit/);
  });

  test('404 no such image → isaacSim.image and how to pull', () => {
    const raw = httpError(404, 'no such container', 'No such image: nvcr.io/nvidia/isaac-sim:4.2.0');
    const e = describeEngineError(raw, 'create container isaac-sim-instance-0', SOCKET);
    assert.equal(e.statusCode, 404);
    assert.equal(e.unreachable, false);
    assert.match(e.message, /^Could not create container isaac-sim-instance-0: No such image: nvcr\.io\/nvidia\/isaac-sim:4\.2\.0\./);
    assert.match(e.message, /docker pull/);
    assert.match(e.message, /docker login nvcr\.io/);
    assert.match(e.message, /isaacSim\.image/);
  });

  test('a 404 that is not about an image is generic', () => {
    const e = describeEngineError(httpError(404, 'no such container', 'No such container: abc'), 'stop container abc', SOCKET);
    assert.equal(e.message, 'Could not stop container abc: No such container: abc');
    assert.doesNotMatch(e.message, /isaacSim\.image/);
  });

  test('address already in use → the port settings', () => {
    const e = describeEngineError(httpError(500, 'server error', 'listen tcp 0.0.0.0:8211: bind: address already in use'), 'start container x', SOCKET);
    assert.match(e.message, /a port is already in use/);
    assert.match(e.message, /isaacSim\.\*PortBase/);
  });

  test('generic errors → "Could not <what>: <raw>"', () => {
    const conflict = httpError(409, 'unexpected', 'Conflict. The container name "/isaac-sim-instance-0" is already in use by container "abc".');
    assert.equal(
      describeEngineError(conflict, 'create container isaac-sim-instance-0', SOCKET).message,
      'Could not create container isaac-sim-instance-0: Conflict. The container name "/isaac-sim-instance-0" is already in use by container "abc".',
    );
    assert.equal(describeEngineError(new Error('socket hang up'), 'follow engine events', SOCKET).message, 'Could not follow engine events: socket hang up');
    assert.equal(describeEngineError('plain string', 'do it', SOCKET).message, 'Could not do it: plain string');
    assert.equal(describeEngineError(null, 'do it', SOCKET).message, 'Could not do it: null');
    assert.equal(describeEngineError(undefined, 'do it', SOCKET).unreachable, false);
  });

  test('dockerode "(HTTP code N) reason - " prefixes are removed when there is no JSON body', () => {
    const err = new Error('(HTTP code 500) server error - something broke') as Error & { statusCode: number };
    err.statusCode = 500;
    const e = describeEngineError(err, 'restart container x', SOCKET);
    assert.equal(e.message, 'Could not restart container x: something broke');
    assert.equal(e.statusCode, 500);
  });

  test('an error with only a reason uses the reason', () => {
    const e = describeEngineError({ reason: 'server error', statusCode: 500 }, 'x', SOCKET);
    assert.equal(e.message, 'Could not x: server error');
  });

  test('an EngineError passes through unchanged', () => {
    const original = new EngineError('already described', 'unreachable', 503);
    assert.equal(describeEngineError(original, 'x', SOCKET), original);
  });

  test('a non-numeric statusCode is dropped', () => {
    const e = describeEngineError({ message: 'x', statusCode: '500' }, 'y', SOCKET);
    assert.equal(e.statusCode, undefined);
  });
});

describe('describeEngineError: name resolution and routing failures', () => {
  for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH']) {
    test(`${code} counts as unreachable and names the fix`, () => {
      const e = describeEngineError(Object.assign(new Error(`getaddrinfo ${code} badhost`), { code }), 'ask the engine for its version', 'tcp://badhost:2375');
      assert.equal(e.unreachable, true);
      assert.match(e.message, /tcp:\/\/badhost:2375/);
      assert.match(e.message, /isaacSim\.dockerHost/);
    });
  }
});
