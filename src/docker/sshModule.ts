/**
 * The ssh:// transport on first use: the client of an engine reached over SSH (client.ts). See
 * mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { loadWithMainModules } from './mainModules';

type SshPart = typeof import('./sshChunk');
let part: SshPart | undefined;

export function sshModule(): SshPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./sshChunk') as SshPart,
  );
  return part;
}
