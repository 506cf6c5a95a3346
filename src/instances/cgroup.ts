/**
 * Which Docker container a process runs in, from the text of its /proc/<pid>/cgroup. Pure; no `vscode`.
 *
 * Each line is `hierarchy-ID:controller-list:cgroup-path` (cgroups(7)); cgroup v1 has a line per
 * hierarchy, v2 the one line `0::<path>`, a hybrid host both. Docker names a container's cgroup
 * after its 64-hex id: `/docker/<id>` with the cgroupfs driver (v1 and v2), `…/docker-<id>.scope`
 * with the systemd driver (`/system.slice/…`, rootless `/user.slice/…/user.slice/…`). A process
 * inside a container that runs its own cgroups (systemd) sits below that: `/docker/<id>/system.slice/…`;
 * Docker in Docker nests `/docker/<outer>/docker/<inner>`, and the innermost id is the container.
 * Kubernetes (`kubepods`) and containerd/CRI paths are not Docker's own and give undefined.
 * Real samples: test/fixtures/gpu/SOURCES.md.
 */

const DOCKER_ID = /(?:^|\/)(?:docker\/([0-9a-f]{64})(?=\/|$)|docker-([0-9a-f]{64})\.scope(?=\/|$))/g;

/** The container id in one cgroup path, or undefined. */
function idOfPath(cgroupPath: string): string | undefined {
  if (/kubepods|containerd/.test(cgroupPath)) return undefined;
  let id: string | undefined;
  for (const m of cgroupPath.matchAll(DOCKER_ID)) id = m[1] ?? m[2];
  return id;
}

/**
 * The 64-hex id of the Docker container a /proc/<pid>/cgroup text places the process in, or
 * undefined (a host process, another runtime, an unreadable text). The v2 line wins on a hybrid host.
 */
export function containerIdOfCgroup(procCgroupText: string): string | undefined {
  let v1: string | undefined;
  for (const line of procCgroupText.split(/\r?\n/)) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const id = idOfPath(m[3]);
    if (id === undefined) continue;
    if (m[1] === '0' && m[2] === '') return id;
    v1 ??= id;
  }
  return v1;
}
