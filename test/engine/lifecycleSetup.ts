/**
 * What the lifecycle suites (lifecycleStartup, lifecycleDiagnosis) share: the managers a test makes
 * (disposed after it), and the hooks that remove a file's containers after each of its tests and,
 * after the file, its containers and its instances' volumes.
 */
import { after, afterEach } from 'node:test';
import type { Manager } from '../../src/instances/manager';
import { removeContainers, removeInstanceVolumes } from './helpers';

let managers: Manager[] = [];

/** The manager of a `newManager` result, disposed after the test. */
export function track(m: { manager: Manager }): Manager {
  managers.push(m.manager);
  return m.manager;
}

/** The hooks of a lifecycle test file whose containers are `names` and instances `indexes`: call it once at its top level. */
export function lifecycleHooks(names: readonly string[], indexes: readonly number[]): void {
  afterEach(async () => {
    for (const m of managers) m.dispose();
    managers = [];
    await removeContainers(...names);
  });
  after(async () => {
    await removeContainers(...names);
    await removeInstanceVolumes(indexes);
  });
}
