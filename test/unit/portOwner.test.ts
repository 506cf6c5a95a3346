/**
 * Port holders from /proc: the socket tables, the fd links and the cgroup file, on a fake /proc tree
 * (and once on the real one, with a listener of our own).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  NODE_FS,
  addressCovers,
  containerIdFromCgroup,
  decodeAddress,
  findPortHolders,
  holdingInodes,
  parseCmdline,
  parseSocketTable,
  type ProcFs,
} from '../../src/instances/portOwner';

const HEADER_TCP = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const HEADER_TCP6 = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const HEADER_UDP = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';

/** One table row as the kernel prints it (little-endian host). */
function row(sl: number, local: string, remote: string, st: string, inode: number): string {
  return `  ${String(sl).padStart(3)}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`;
}
const hexPort = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
const V4_LOOPBACK = '0100007F';
const V4_ANY = '00000000';
const V4_OTHER = '0201A8C0'; // 192.168.1.2
const V6_ANY = '00000000000000000000000000000000';
const V6_LOOPBACK = '00000000000000000000000001000000'; // ::1
const V6_MAPPED_LOOPBACK = '0000000000000000FFFF00000100007F'; // ::ffff:127.0.0.1
const CONTAINER = 'a5752862979622161053528fd0ec398a62cada94ce37bf77b680824790d7d123';
const OWN = 'f'.repeat(64);

describe('parsing /proc/net tables', () => {
  test('addresses decode on a little-endian host (as x86 and arm64 print them)', () => {
    assert.equal(decodeAddress(V4_LOOPBACK, true), '127.0.0.1');
    assert.equal(decodeAddress(V4_ANY, true), '0.0.0.0');
    assert.equal(decodeAddress(V4_OTHER, true), '192.168.1.2');
    assert.equal(decodeAddress(V6_ANY, true), '::');
    assert.equal(decodeAddress(V6_LOOPBACK, true), '0:0:0:0:0:0:0:1');
    assert.equal(decodeAddress(V6_MAPPED_LOOPBACK, true), '::ffff:127.0.0.1');
    assert.equal(decodeAddress('7F000001', false), '127.0.0.1', 'big-endian hosts print the bytes in order');
    assert.equal(decodeAddress('xyz', true), undefined);
    assert.equal(decodeAddress('0100', true), undefined);
  });

  test('rows become entries; the header and junk lines are skipped', () => {
    const text = [HEADER_TCP, row(0, `${V4_LOOPBACK}:${hexPort(25211)}`, '00000000:0000', '0A', 4711), 'garbage line', '', row(1, `${V4_OTHER}:0050`, `${V4_LOOPBACK}:9C40`, '01', 0)].join('\n');
    assert.deepEqual(parseSocketTable(text, true), [
      { address: '127.0.0.1', port: 25211, state: 0x0a, inode: '4711' },
      { address: '192.168.1.2', port: 80, state: 0x01, inode: '0' },
    ]);
  });

  test('which bound addresses keep 127.0.0.1 taken', () => {
    for (const a of ['127.0.0.1', '0.0.0.0', '::', '::ffff:127.0.0.1', '::ffff:0.0.0.0']) assert.equal(addressCovers(a, '127.0.0.1'), true, a);
    for (const a of ['127.0.0.2', '192.168.1.2', '0:0:0:0:0:0:0:1', '::ffff:10.0.0.1']) assert.equal(addressCovers(a, '127.0.0.1'), false, a);
  });

  test('TCP counts only LISTEN sockets; UDP counts any bound socket; inode 0 (TIME_WAIT) never', () => {
    const entries = [
      { address: '127.0.0.1', port: 25211, state: 0x01, inode: '10' }, // an established connection
      { address: '127.0.0.1', port: 25211, state: 0x06, inode: '0' }, // TIME_WAIT
      { address: '0.0.0.0', port: 25211, state: 0x0a, inode: '11' },
      { address: '127.0.0.1', port: 25212, state: 0x0a, inode: '12' },
      { address: '127.0.0.1', port: 25213, state: 0x07, inode: '13' },
      { address: '10.1.2.3', port: 25211, state: 0x0a, inode: '14' },
    ];
    assert.deepEqual(holdingInodes(entries, 25211, 'tcp'), ['11']);
    assert.deepEqual(holdingInodes(entries, 25212, 'tcp'), ['12']);
    assert.deepEqual(holdingInodes(entries, 25213, 'tcp'), []);
    assert.deepEqual(holdingInodes(entries, 25213, 'udp'), ['13']);
    assert.deepEqual(holdingInodes(entries, 25211, 'udp'), ['10', '11']);
  });

  test('the container id in a cgroup file (cgroup v1 cgroupfs, v2 systemd, nested, none)', () => {
    assert.equal(containerIdFromCgroup(`12:memory:/docker/${CONTAINER}\n11:pids:/docker/${CONTAINER}\n0::/\n`), CONTAINER);
    assert.equal(containerIdFromCgroup(`0::/system.slice/docker-${CONTAINER}.scope\n`), CONTAINER);
    assert.equal(containerIdFromCgroup(`0::/docker/${OWN}/docker/${CONTAINER}\n`), CONTAINER, 'the innermost one');
    assert.equal(containerIdFromCgroup(`0::/docker/${CONTAINER}/init.scope\n`), CONTAINER);
    assert.equal(containerIdFromCgroup('0::/user.slice/user-1000.slice/session-2.scope\n'), undefined);
    assert.equal(containerIdFromCgroup('12:memory:/\n'), undefined);
    assert.equal(containerIdFromCgroup(`0::/docker/${CONTAINER.slice(0, 63)}\n`), undefined, 'not 64 hex digits');
  });

  test('cmdline is split at NULs', () => {
    assert.deepEqual(parseCmdline('nginx: master process\0-g\0daemon off;\0'), ['nginx: master process', '-g', 'daemon off;']);
    assert.deepEqual(parseCmdline(''), []);
  });
});

describe('finding the holder on a fake /proc tree', () => {
  const roots: string[] = [];
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  interface FakeProc {
    pid: number;
    comm: string;
    cmdline: string[];
    cgroup?: string;
    sockets?: number[];
    otherFds?: string[];
  }

  function fakeProc(tables: Partial<Record<'tcp' | 'tcp6' | 'udp' | 'udp6', string[]>>, procs: FakeProc[], selfCgroup = '0::/\n'): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fake-proc-'));
    roots.push(root);
    mkdirSync(path.join(root, 'net'));
    for (const [name, rows] of Object.entries(tables)) writeFileSync(path.join(root, 'net', name), [name.startsWith('udp') ? HEADER_UDP : name.endsWith('6') ? HEADER_TCP6 : HEADER_TCP, ...rows, ''].join('\n'));
    mkdirSync(path.join(root, 'self'));
    writeFileSync(path.join(root, 'self', 'cgroup'), selfCgroup);
    mkdirSync(path.join(root, 'sys')); // not a pid: ignored
    for (const p of procs) {
      const dir = path.join(root, String(p.pid));
      mkdirSync(path.join(dir, 'fd'), { recursive: true });
      writeFileSync(path.join(dir, 'comm'), `${p.comm}\n`);
      writeFileSync(path.join(dir, 'cmdline'), p.cmdline.map((a) => `${a}\0`).join(''));
      writeFileSync(path.join(dir, 'cgroup'), p.cgroup ?? '0::/user.slice\n');
      const links = [...(p.otherFds ?? ['/dev/null', 'pipe:[99]']), ...(p.sockets ?? []).map((i) => `socket:[${i}]`)];
      links.forEach((target, fd) => symlinkSync(target, path.join(dir, 'fd', String(fd))));
    }
    return root;
  }

  test('a TCP listener on 127.0.0.1 is found by inode, with its comm and cmdline', async () => {
    const root = fakeProc(
      { tcp: [row(0, `${V4_LOOPBACK}:${hexPort(25211)}`, '00000000:0000', '0A', 5001), row(1, `${V4_LOOPBACK}:${hexPort(25212)}`, '00000000:0000', '0A', 5002)] },
      [
        { pid: 1, comm: 'init', cmdline: ['/sbin/init'] },
        { pid: 1234, comm: 'nginx', cmdline: ['nginx: master process', '-g', 'daemon off;'], sockets: [5001] },
        { pid: 1300, comm: 'other', cmdline: ['other'], sockets: [5002] },
      ],
    );
    assert.deepEqual(await findPortHolders(25211, 'tcp', { root, littleEndian: true }), [{ pid: 1234, comm: 'nginx', cmdline: ['nginx: master process', '-g', 'daemon off;'] }]);
    assert.deepEqual((await findPortHolders(25212, 'tcp', { root, littleEndian: true })).map((h) => h.pid), [1300]);
    assert.deepEqual(await findPortHolders(25213, 'tcp', { root, littleEndian: true }), [], 'nobody holds it');
    assert.deepEqual(await findPortHolders(25211, 'udp', { root, littleEndian: true }), [], 'a TCP socket does not hold the UDP port');
  });

  test('wildcard and IPv6 binds count; ::1 and other addresses do not; every sharer is listed, lowest pid first', async () => {
    const root = fakeProc(
      {
        tcp: [row(0, `${V4_OTHER}:${hexPort(25220)}`, '00000000:0000', '0A', 6000)],
        tcp6: [
          row(0, `${V6_ANY}:${hexPort(25221)}`, `${V6_ANY}:0000`, '0A', 6001),
          row(1, `${V6_MAPPED_LOOPBACK}:${hexPort(25222)}`, `${V6_ANY}:0000`, '0A', 6002),
          row(2, `${V6_LOOPBACK}:${hexPort(25223)}`, `${V6_ANY}:0000`, '0A', 6003),
        ],
      },
      [
        { pid: 700, comm: 'worker', cmdline: ['nginx: worker process'], sockets: [6001] },
        { pid: 42, comm: 'master', cmdline: ['nginx: master process'], sockets: [6001, 6002, 6003, 6000] },
      ],
    );
    assert.deepEqual((await findPortHolders(25221, 'tcp', { root, littleEndian: true })).map((h) => h.pid), [42, 700]);
    assert.deepEqual((await findPortHolders(25222, 'tcp', { root, littleEndian: true })).map((h) => h.pid), [42]);
    assert.deepEqual(await findPortHolders(25223, 'tcp', { root, littleEndian: true }), [], '::1 does not hold 127.0.0.1');
    assert.deepEqual(await findPortHolders(25220, 'tcp', { root, littleEndian: true }), [], '192.168.1.2 does not hold 127.0.0.1');
  });

  test('a UDP socket (state 07) is found in udp and udp6', async () => {
    const root = fakeProc(
      { udp: [row(0, `${V4_LOOPBACK}:${hexPort(25230)}`, '00000000:0000', '07', 7001)], udp6: [row(0, `${V6_ANY}:${hexPort(25231)}`, `${V6_ANY}:0000`, '07', 7002)] },
      [{ pid: 900, comm: 'streamer', cmdline: ['streamer'], sockets: [7001, 7002] }],
    );
    assert.deepEqual((await findPortHolders(25230, 'udp', { root, littleEndian: true })).map((h) => h.comm), ['streamer']);
    assert.deepEqual((await findPortHolders(25231, 'udp', { root, littleEndian: true })).map((h) => h.comm), ['streamer']);
    assert.deepEqual(await findPortHolders(25230, 'tcp', { root, littleEndian: true }), []);
  });

  test('a process in a Docker container carries the container id; our own container does not count', async () => {
    const root = fakeProc(
      { tcp: [row(0, `${V4_LOOPBACK}:${hexPort(25240)}`, '00000000:0000', '0A', 8001), row(1, `${V4_LOOPBACK}:${hexPort(25241)}`, '00000000:0000', '0A', 8002)] },
      [
        { pid: 3000, comm: 'httpd', cmdline: ['busybox', 'httpd', '-f'], cgroup: `12:memory:/docker/${CONTAINER}\n0::/docker/${CONTAINER}\n`, sockets: [8001] },
        { pid: 3100, comm: 'python3', cmdline: ['python3', '-m', 'http.server'], cgroup: `0::/docker/${OWN}\n`, sockets: [8002] },
      ],
      `0::/docker/${OWN}\n`,
    );
    assert.deepEqual(await findPortHolders(25240, 'tcp', { root, littleEndian: true }), [{ pid: 3000, comm: 'httpd', cmdline: ['busybox', 'httpd', '-f'], containerId: CONTAINER }]);
    assert.deepEqual(await findPortHolders(25241, 'tcp', { root, littleEndian: true }), [{ pid: 3100, comm: 'python3', cmdline: ['python3', '-m', 'http.server'] }], 'a process in the dev container we run in is just a process');
  });

  test('nothing visible (no /proc, unreadable fds) gives an empty answer, never an error', async () => {
    assert.deepEqual(await findPortHolders(25211, 'tcp', { root: path.join(os.tmpdir(), 'no-such-proc-root') }), []);
    const root = fakeProc({ tcp: [row(0, `${V4_LOOPBACK}:${hexPort(25250)}`, '00000000:0000', '0A', 9001)] }, [{ pid: 5000, comm: 'secret', cmdline: ['secret'], sockets: [9001] }]);
    const denied: ProcFs = {
      ...NODE_FS,
      readdir: (d) => (d.endsWith('/fd') ? Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })) : NODE_FS.readdir(d)),
    };
    assert.deepEqual(await findPortHolders(25250, 'tcp', { root, fs: denied, littleEndian: true }), []);
    // With access, the same tree does show it: the empty answer above is the permission's doing.
    assert.deepEqual((await findPortHolders(25250, 'tcp', { root, littleEndian: true })).map((h) => h.pid), [5000]);
  });
});

describe('on this machine\'s real /proc', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  test('our own TCP listener and UDP socket on 127.0.0.1 are found as this process', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    try {
      const tcpPort = (server.address() as AddressInfo).port;
      const udpPort = udp.address().port;
      const tcp = await findPortHolders(tcpPort, 'tcp');
      assert.ok(tcp.some((h) => h.pid === process.pid), `pid ${process.pid} holds TCP ${tcpPort} (found ${JSON.stringify(tcp)})`);
      assert.equal(tcp.find((h) => h.pid === process.pid)?.comm, readFileSync('/proc/self/comm', 'utf8').trim());
      const udpHolders = await findPortHolders(udpPort, 'udp');
      assert.ok(udpHolders.some((h) => h.pid === process.pid), `pid ${process.pid} holds UDP ${udpPort}`);
    } finally {
      server.close();
      udp.close();
    }
  });
});
