/**
 * The warning before a start when the figures last seen leave too little free VRAM or host memory
 * (src/instances/headroom.ts decides): it gives the figures and asks. True: go ahead.
 */
import * as vscode from 'vscode';
import { describeShortfall, headroomShortfalls } from '../instances/headroom';
import type { InstanceFigures } from '../instances/figures';
import type { Manager } from '../instances/manager';
import { containerRuns } from '../instances/model';
import { gpuFor } from '../instances/spec';


export interface FiguresLookup {
  of(host: string, index: number): InstanceFigures | undefined;
}

/** Asks before `indexes` of `host` start when the headroom last seen is short; true to go ahead. */
export async function confirmHeadroom(figures: FiguresLookup, host: string, manager: Manager, indexes: readonly number[]): Promise<boolean> {
  const result = manager.settings;
  if (!result.ok) return true; // the start itself reports the settings' problem
  const { headroomGiB, gpus, memoryLimitGiB } = result.settings;
  const list = manager.list();
  const starting = list.filter((s) => indexes.includes(s.index) && !containerRuns(s.state.kind)).map((s) => ({ label: s.label, gpu: gpuFor(gpus, s.index) }));
  const running = list.filter((s) => containerRuns(s.state.kind)).flatMap((s) => figures.of(host, s.index) ?? []);
  const short = headroomShortfalls({ headroomGiB, limitIsHostMemory: memoryLimitGiB === 0, starting, running });
  if (short.length === 0) return true;
  const startAnyway = vscode.l10n.t('Start anyway');
  const detail = [
    ...short.map(describeShortfall),
    '',
    vscode.l10n.t('Figures last seen in the Isaac Sim view. Several instances on one GPU each run slower, and one that runs out of memory fails. isaacSim.headroomGiB sets what one instance needs (0 turns this check off).'),
  ].join('\n');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Too little free memory to start {0}', starting.map((s) => s.label).join(', ')), { modal: true, detail }, startAnyway);
  return choice === startAnyway;
}
