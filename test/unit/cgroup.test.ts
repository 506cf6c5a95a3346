/**
 * /proc/<pid>/cgroup texts (test/fixtures/gpu/proc-cgroup-*.txt, sources in its SOURCES.md) to the
 * Docker container id, and the forms that are not Docker's own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { containerIdOfCgroup } from '../../src/instances/cgroup';

const DIR = path.resolve(__dirname, '../../../test/fixtures/gpu');
const fixture = (name: string) => readFileSync(path.join(DIR, name), 'utf8');

describe('containerIdOfCgroup on real samples', () => {
  test('cgroup v1, cgroupfs driver (/docker/<id>), a host pid', () => {
    assert.equal(containerIdOfCgroup(fixture('proc-cgroup-v1-cgroupfs.txt')), '5dace3de0735f73d2b5048f12d41a71741a02e49668de921fdae62f7e65dc498');
  });

  test('cgroup v1, systemd driver (/system.slice/docker-<id>.scope)', () => {
    assert.equal(containerIdOfCgroup(fixture('proc-cgroup-v1-systemd.txt')), '0bd31f558c426d46f30778cefbc727282e4f257537b42b361ea5d03a44f4febe');
  });

  test('a hybrid host, cgroupfs driver: v1 lines and the v2 line 0::/docker/<id> (this engine)', () => {
    assert.equal(containerIdOfCgroup(fixture('proc-cgroup-local-cgroupfs-hybrid.txt')), '1779d5d0b938bfaa389ff3106d47934679497af8d46ca24d390fe94c195eee9a');
  });

  test('v1 lines of a container beside a v2 line of containerd.service: the v1 id', () => {
    assert.equal(containerIdOfCgroup(fixture('proc-cgroup-v1-with-v2-containerd-line.txt')), '2403ccfe427f1dc7b6120dccb9ac58c2f8456950380d587a9f33ea7f00dd303d');
  });

  test('Kubernetes / containerd (cri-containerd:<id>) and a host process: undefined', () => {
    assert.equal(containerIdOfCgroup(fixture('proc-cgroup-kubepods-containerd.txt')), undefined);
    assert.equal(containerIdOfCgroup(fixture('proc-cgroup-local-host-process.txt')), undefined);
  });
});

describe('containerIdOfCgroup, the forms Docker documents but no sample here shows', () => {
  const id = '0bd31f558c426d46f30778cefbc727282e4f257537b42b361ea5d03a44f4febe';

  test('cgroup v2, systemd driver: 0::/system.slice/docker-<id>.scope; rootless: under user.slice', () => {
    assert.equal(containerIdOfCgroup(`0::/system.slice/docker-${id}.scope\n`), id);
    assert.equal(containerIdOfCgroup(`0::/user.slice/user-1001.slice/user@1001.service/user.slice/docker-${id}.scope\n`), id);
  });

  test('a process below the container’s cgroup (systemd inside), Docker in Docker: the innermost container', () => {
    assert.equal(containerIdOfCgroup(`0::/docker/${id}/system.slice/opendkim.service`), id);
    const inner = 'c'.repeat(64);
    assert.equal(containerIdOfCgroup(`4:cpuacct:/docker/${id}/docker/${inner}\n`), inner);
  });

  test('the v2 line wins on a hybrid host where the lines differ', () => {
    const other = 'd'.repeat(64);
    assert.equal(containerIdOfCgroup(`4:memory:/docker/${other}\n0::/docker/${id}\n`), id);
  });

  test('not an id: short, upper case, a prefix of a longer name, a kubepods docker scope, empty text', () => {
    assert.equal(containerIdOfCgroup('0::/docker/5dace3de0735'), undefined);
    assert.equal(containerIdOfCgroup(`0::/docker/${id.toUpperCase()}`), undefined);
    assert.equal(containerIdOfCgroup(`0::/docker/${id}0`), undefined);
    assert.equal(containerIdOfCgroup(`0::/mydocker-${id}.scope`), undefined);
    assert.equal(containerIdOfCgroup(`0::/kubepods.slice/kubepods-burstable.slice/docker-${id}.scope`), undefined);
    assert.equal(containerIdOfCgroup(''), undefined);
  });

  test('CRLF line ends', () => {
    assert.equal(containerIdOfCgroup(`1:cpu:/\r\n0::/docker/${id}\r\n`), id);
  });
});
