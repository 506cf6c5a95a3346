/**
 * ssh:// through the system ssh client (src/docker/sshAgent.ts): the arguments it is given, the
 * connection over a child's pipes (with stand-in programs run by /bin/sh, not ssh: the real ssh and
 * sshd are in test/engine/reach.test.ts), and what errors.ts makes of ssh's stderr.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { describeEngineError } from '../../src/docker/errors';
import { SshAgent, SshConnection, SshError, sshArgs } from '../../src/docker/sshAgent';

const ADDRESS = 'ssh://root@h:2222 (from setting isaacSim.dockerHost)';

describe('ssh arguments (docker/cli connhelper: ssh [-l user] [-p port] -- host docker system dial-stdio)', () => {
  test('user, port, BatchMode, ConnectTimeout, no tty, "--" before the host, the remote command last', () => {
    assert.deepEqual(sshArgs({ username: 'root', host: 'h', port: 2222 }), ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=8', '-T', '-l', 'root', '-p', '2222', '--', 'h', 'docker', 'system', 'dial-stdio']);
  });

  test('no user and port 22: neither -l nor -p, so ~/.ssh/config decides them', () => {
    assert.deepEqual(sshArgs({ host: 'build-box', port: 22 }), ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=8', '-T', '--', 'build-box', 'docker', 'system', 'dial-stdio']);
  });

  test('extra options come first (ssh takes the first value of an option); a ConnectTimeout among them is kept', () => {
    const args = sshArgs({ host: '::1', port: 22 }, ['-F', '/t/config', '-o', 'ConnectTimeout=3']);
    assert.deepEqual(args.slice(0, 4), ['-F', '/t/config', '-o', 'ConnectTimeout=3']);
    assert.equal(args.filter((a) => a.startsWith('ConnectTimeout')).length, 1);
    assert.deepEqual(args.slice(args.indexOf('--')), ['--', '::1', 'docker', 'system', 'dial-stdio']);
  });

  test("the agent's command line, and it does not keep connections (one ssh per request)", () => {
    const agent = new SshAgent({ username: 'me', host: 'h', port: 22 }, { env: {}, command: '/usr/bin/ssh' });
    assert.equal(agent.commandLine, '/usr/bin/ssh -o BatchMode=yes -o ConnectTimeout=8 -T -l me -- h docker system dial-stdio');
    assert.equal((agent as unknown as { keepAlive: boolean }).keepAlive, false);
  });
});

describe("a connection over a child's stdin and stdout", () => {
  const env = { PATH: process.env.PATH };

  test('bytes written reach the child, its output is read back, and it ends when the child exits 0', async () => {
    const conn = new SshConnection('sh', ['-c', 'cat'], env);
    const chunks: Buffer[] = [];
    conn.on('data', (c: Buffer) => chunks.push(c));
    conn.end('GET / HTTP/1.1\r\n\r\n');
    await once(conn, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'GET / HTTP/1.1\r\n\r\n');
  });

  test('a child that fails: the stream is destroyed with an SshError carrying its stderr and exit code', async () => {
    const conn = new SshConnection('sh', ['-c', 'echo "Permission denied (publickey)." >&2; exit 255'], env);
    conn.resume();
    const [err] = (await once(conn, 'error')) as [SshError];
    assert.ok(err instanceof SshError, String(err));
    assert.equal(err.failure, 'exited');
    assert.equal(err.exitCode, 255);
    assert.match(err.stderr, /Permission denied \(publickey\)/);
    assert.equal(err.commandLine, 'sh -c echo "Permission denied (publickey)." >&2; exit 255');
  });

  test('a program that is not on PATH: an SshError of failure "missing"', async () => {
    const conn = new SshConnection('ssh', ['h'], { PATH: '/nonexistent' });
    const [err] = (await once(conn, 'error')) as [SshError];
    assert.ok(err instanceof SshError, String(err));
    assert.equal(err.failure, 'missing');
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
  });

  test('destroying the stream stops the child', async () => {
    const conn = new SshConnection('sh', ['-c', 'echo ready; exec sleep 600'], env);
    await once(conn, 'data');
    const child = (conn as unknown as { child: import('node:child_process').ChildProcess }).child;
    const exited = once(child, 'exit');
    conn.destroy();
    const [code, signal] = await exited;
    assert.deepEqual([code, signal], [null, 'SIGTERM']);
  });
});

describe("ssh's stderr becomes a message with the fix", () => {
  const fail = (stderr: string, exitCode = 255) => describeEngineError(new SshError('exited', 'ssh', 'ssh -o BatchMode=yes -T -l root -p 2222 -- h docker system dial-stdio', stderr, exitCode, null), 'ask the engine for its version', ADDRESS);

  test('an unknown host key (BatchMode cannot ask)', () => {
    const e = fail('No ED25519 host key is known for [h]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n');
    assert.equal(e.kind, 'unreachable');
    assert.equal(e.setting, 'isaacSim.dockerHost');
    assert.match(e.message, /SSH to the Docker engine at ssh:\/\/root@h:2222 \(from setting isaacSim\.dockerHost\) was stopped/);
    assert.match(e.message, /host key is not in known_hosts/);
    assert.match(e.message, /ssh said "Host key verification failed\."/);
  });

  test('a changed host key is not described as an unknown one', () => {
    const e = fail('@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n@@@@@@@@\r\nHost key verification failed.\r\n');
    assert.match(e.message, /differs from the one recorded/);
    assert.match(e.message, /ssh-keygen -R/);
  });

  test('no key accepted', () => {
    const e = fail("Warning: Permanently added '[h]:2222' (ED25519) to the list of known hosts.\r\nroot@h: Permission denied (publickey).\r\n");
    assert.match(e.message, /SSH login .* no key was accepted/);
    assert.match(e.message, /authorized_keys/);
    assert.match(e.message, /ssh-agent/);
    assert.match(e.message, /ssh said "root@h: Permission denied \(publickey\)\."/, 'the last line, not the warning before it');
  });

  test('name, refused, timed out', () => {
    assert.match(fail('ssh: Could not resolve hostname nosuch: Name or service not known\r\n').message, /host name is not known.*~\/\.ssh\/config/);
    assert.match(fail('ssh: connect to host 127.0.0.1 port 2222: Connection refused\r\n').message, /nothing accepts SSH on that port/);
    assert.match(fail('ssh: connect to host 10.0.0.9 port 22: Connection timed out\r\n').message, /host does not answer/);
  });

  test('docker missing on the remote host, too old, or unable to reach its daemon', () => {
    assert.match(fail('bash: line 1: docker: command not found\n', 127).message, /"docker" is not found there.*install Docker/);
    assert.match(fail('sh: 1: docker: not found\n', 127).message, /"docker" is not found there/);
    assert.match(fail("docker: 'dial-stdio' is not a docker command.\n", 1).message, /update Docker there/);
    const daemon = fail('failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: no such file or directory\n', 1).message;
    assert.match(daemon, /could not reach the engine there.*start it/);
    const denied = fail('failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: permission denied\n', 1).message;
    assert.match(denied, /"docker" group on that host/);
  });

  test('anything else: ssh\'s last line and the command to try in a terminal', () => {
    const e = fail('kex_exchange_identification: Connection closed by remote host\r\n');
    assert.match(e.message, /ssh said "kex_exchange_identification: Connection closed by remote host"/);
    assert.match(e.message, /ssh -o BatchMode=yes -T -l root -p 2222 -- h docker version$/);
  });

  test('ssh not on PATH names the program and the fix, not "start Docker"', () => {
    const e = describeEngineError(new SshError('missing', 'ssh', 'ssh -- h docker system dial-stdio', '', null, null), 'ask the engine for its version', ADDRESS);
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /the ssh client \("ssh"\) is not on PATH/);
    assert.match(e.message, /install the OpenSSH client/);
    assert.doesNotMatch(e.message, /systemctl start docker/);
  });
});
