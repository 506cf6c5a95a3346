/**
 * Who holds a port, on first use: a start, a viewer or the doctor that finds one of its ports
 * taken. See src/docker/mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { loadWithMainModules } from '../docker/mainModules';
import { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, instanceLabel } from './model';

type PortOwnerPart = typeof import('./portOwnerChunk');
let part: PortOwnerPart | undefined;

export function portOwnerModule(): PortOwnerPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
      'src/instances/model.ts': { INDEX_LABEL, OWNER_LABEL, OWNER_VALUE, instanceLabel },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./portOwnerChunk') as PortOwnerPart,
  );
  return part;
}
