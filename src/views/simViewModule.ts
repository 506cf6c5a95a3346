/**
 * The sim view's panel on first use: an Open Sim View, or a panel restored after a window reload.
 * See src/docker/mainModules.ts for how the part loads.
 */
import * as l10n from '@vscode/l10n';
import { loadWithMainModules } from '../docker/mainModules';
import { describeState } from '../instances/describe';
import { Emitter } from '../instances/events';
import { instanceLabel } from '../instances/model';
import { parseViewMessage } from '../webview/messages';
import { DisposableBase } from './dispose';
import { confirmBrowserConnection } from './oneConnection';
import { viewerNote } from './streamNotes';

type SimViewPart = typeof import('./simViewChunk');
let part: SimViewPart | undefined;

export function simViewModule(): SimViewPart {
  part ??= loadWithMainModules(
    {
      // dist/extension.js's copy, which l10n.config configured at activation (scripts/parts.mjs SHARED_PACKAGES).
      '@vscode/l10n': l10n,
      'src/instances/describe.ts': { describeState },
      'src/instances/events.ts': { Emitter },
      'src/instances/model.ts': { instanceLabel },
      'src/views/dispose.ts': { DisposableBase },
      'src/views/oneConnection.ts': { confirmBrowserConnection },
      'src/views/streamNotes.ts': { viewerNote },
      'src/webview/messages.ts': { parseViewMessage },
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point of this module
    () => require('./simViewChunk') as SimViewPart,
  );
  return part;
}
