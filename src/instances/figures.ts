/**
 * Live figures of a running instance (CPU, memory, GPUs), as the tree and the start's headroom check
 * read them, and how they read as text. FiguresCollector (figuresCollector.ts) owns them.
 */
import * as l10n from '@vscode/l10n';
import type { GpuFigure } from './nvidiaSmi';

export type { GpuFigure };

export interface InstanceFigures {
  /** Epoch ms of the newest sample. */
  at: number;
  cpuPercent?: number;
  memoryUsedBytes?: number;
  /** The container's memory limit: the host's memory when none is set (the default). */
  memoryLimitBytes?: number;
  /** The GPUs the instance uses (host nvidia-smi) or sees (nvidia-smi in the container); undefined until known. */
  gpus?: GpuFigure[];
  /** VRAM of this container's own processes (host nvidia-smi with a local engine only). */
  vramUsedMiB?: number;
  /** Why there are no GPU figures (nvidia-smi missing or failing), once that is known. */
  gpuNote?: string;
  /** The labels of the other instances on one of the same GPUs. */
  sharesGpuWith?: string[];
}

const GIB = 1024 ** 3;

/** "3.1 GiB" (bytes). */
export function formatBytes(bytes: number): string {
  return bytes >= GIB ? l10n.t('{0} GiB', (bytes / GIB).toFixed(1)) : l10n.t('{0} MiB', Math.round(bytes / 1024 ** 2));
}

/** "7.2 GiB" (MiB, as nvidia-smi counts). */
export function formatMiB(mib: number): string {
  return formatBytes(mib * 1024 ** 2);
}

/** "12%". */
const pct = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)}%`;

/** The row's short form: "CPU 12% · 3.1 GiB · GPU 45% 7.2/24.0 GiB". Empty when nothing is known yet. */
export function figuresSummary(f: InstanceFigures | undefined): string {
  if (!f) return '';
  const parts: string[] = [];
  if (f.cpuPercent !== undefined) parts.push(l10n.t('CPU {0}', pct(f.cpuPercent)));
  if (f.memoryUsedBytes !== undefined) parts.push(formatBytes(f.memoryUsedBytes));
  for (const g of f.gpus ?? []) {
    const vram = g.memoryUsedMiB !== undefined && g.memoryTotalMiB !== undefined ? ` ${(g.memoryUsedMiB / 1024).toFixed(1)}/${formatMiB(g.memoryTotalMiB)}` : '';
    parts.push(l10n.t('GPU {0} {1}{2}', String(g.index), g.utilizationPercent !== undefined ? pct(g.utilizationPercent) : '?', vram));
  }
  return parts.join(' · ');
}

/** The tooltip's rows: [label, value]. */
export function figuresRows(f: InstanceFigures | undefined): [string, string][] {
  if (!f) return [];
  const rows: [string, string][] = [];
  if (f.cpuPercent !== undefined) rows.push([l10n.t('CPU'), pct(f.cpuPercent)]);
  if (f.memoryUsedBytes !== undefined) {
    rows.push([l10n.t('Memory'), f.memoryLimitBytes !== undefined ? l10n.t('{0} of {1}', formatBytes(f.memoryUsedBytes), formatBytes(f.memoryLimitBytes)) : formatBytes(f.memoryUsedBytes)]);
  }
  for (const g of f.gpus ?? []) {
    const util = g.utilizationPercent !== undefined ? l10n.t('{0} busy', pct(g.utilizationPercent)) : l10n.t('utilisation not reported');
    const vram = g.memoryUsedMiB !== undefined && g.memoryTotalMiB !== undefined ? l10n.t('VRAM {0} of {1}', formatMiB(g.memoryUsedMiB), formatMiB(g.memoryTotalMiB)) : l10n.t('VRAM not reported');
    rows.push([l10n.t('GPU {0}', String(g.index)), `${g.name}${g.mig ? ' (MIG)' : ''}, ${util}, ${vram}`]);
  }
  if (f.vramUsedMiB !== undefined) rows.push([l10n.t('VRAM of this instance'), formatMiB(f.vramUsedMiB)]);
  if (f.gpuNote) rows.push([l10n.t('GPU figures'), f.gpuNote]);
  return rows;
}

/** "Shares GPU 0 with instance-1": the tree's warning when two instances are on one GPU. */
export function sharedGpuNote(f: InstanceFigures | undefined): string | undefined {
  if (!f?.sharesGpuWith?.length) return undefined;
  const ids = (f.gpus ?? []).map((g) => String(g.index)).join(', ');
  return l10n.t('Shares GPU {0} with {1}: several Isaac Sim instances on one GPU each run slower (IsaacLab #1911).', ids || '?', f.sharesGpuWith.join(', '));
}
