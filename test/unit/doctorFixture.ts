/** One doctor run with nothing to check on this machine: no instances, no engine, every port free, 500 GiB of disk, 64 GiB of memory. */
import type { DoctorDeps } from '../../src/instances/doctorTypes';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';

export function emptyDoctorInput(home: string): DoctorDeps {
  return {
    settings: { ...DEFAULT_SETTINGS, instanceCount: 0 },
    engine: undefined,
    instances: [],
    checkPort: async () => ({ free: true }),
    diskSpace: async (folder) => ({ checkedPath: folder, freeBytes: 500 * 1024 ** 3 }),
    totalMemoryBytes: 64 * 1024 ** 3,
    home,
  };
}
