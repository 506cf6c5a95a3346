/**
 * For the endpoint setting-name tests (endpointPortNames, endpointSettingNames): a Fleet whose engines
 * are fakes that serve `image` and record what they would create, made and disposed around `fn`.
 */
import { Fleet } from '../../src/instances/fleet';
import { FakeEngine } from './fakeEngine';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export function withFakeFleet(image: string, home: string, fn: (fleet: Fleet<FakeEngine>, created: string[]) => Promise<void>): Promise<void> {
  const created: string[] = [];
  const fleet = new Fleet<FakeEngine>({
    engineFor: (dockerHost) =>
      new FakeEngine(
        {
          imageConfig: async () => ({ user: '', entrypoint: [], env: [], tags: [image] }),
          create: async (body) => (created.push(`${dockerHost} ${String(body.name)}`), 'id'),
        },
        { address: dockerHost },
      ),
    log: quiet,
    home,
  });
  return fn(fleet, created).finally(() => fleet.dispose());
}
