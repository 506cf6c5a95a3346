/**
 * NVIDIA's documented 4.x `docker run -v` layout under a data root, written out by hand (not derived from
 * src/instances/spec.ts, so a test comparing the two can fail): shared caches, logs, data and documents
 * per instance.
 */
export function documentedRootBinds(root: string, index: number): string[] {
  return [
    `${root}/cache/kit:/isaac-sim/kit/cache:rw`,
    `${root}/cache/ov:/root/.cache/ov:rw`,
    `${root}/cache/pip:/root/.cache/pip:rw`,
    `${root}/cache/glcache:/root/.cache/nvidia/GLCache:rw`,
    `${root}/cache/computecache:/root/.nv/ComputeCache:rw`,
    `${root}/logs/instance-${index}:/root/.nvidia-omniverse/logs:rw`,
    `${root}/data/instance-${index}:/root/.local/share/ov/data:rw`,
    `${root}/documents/instance-${index}:/root/Documents:rw`,
  ];
}
