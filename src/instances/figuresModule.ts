/**
 * The live figures' collector on first use: the instances view shown for the first time
 * (views/figuresView.ts). See src/docker/mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { loadWithMainModules } from '../docker/mainModules';
import { containerStatsFigures } from '../docker/stats';
import { Emitter } from './events';
import { containerRuns } from './model';

type FiguresPart = typeof import('./figuresChunk');
let part: FiguresPart | undefined;

export function figuresModule(): FiguresPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
      // Its zod schema stays with the others in dist/extension.js (a part may not hold a copy of zod).
      'src/docker/stats.ts': { containerStatsFigures },
      'src/instances/events.ts': { Emitter },
      'src/instances/model.ts': { containerRuns },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./figuresChunk') as FiguresPart,
  );
  return part;
}
