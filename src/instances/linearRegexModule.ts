/**
 * The linear-time matcher on first use: a readiness pattern in the settings that is not plain text,
 * checked or compiled (linearPattern.ts). See src/docker/mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { loadWithMainModules } from '../docker/mainModules';

type LinearRegexPart = typeof import('./linearRegexChunk');
let part: LinearRegexPart | undefined;

export function linearRegexModule(): LinearRegexPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./linearRegexChunk') as LinearRegexPart,
  );
  return part;
}
