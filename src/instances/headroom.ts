/**
 * Headroom before a start: whether the free VRAM and host memory last seen (the live figures of the
 * instances that run) leave what the instances to start need, `isaacSim.headroomGiB` each (~8 GiB,
 * what a loaded instance takes). Nothing seen, nothing to say: the check never guesses.
 *
 * - Host memory: a container without a memory limit reports the host's memory as its limit (the
 *   default: NVIDIA's runs set none), so free ≈ that limit minus what the running instances use.
 *   With isaacSim.memoryLimitGiB set, the limit is the container's own and says nothing of the
 *   host: then memory is not checked (`limitIsHostMemory` false).
 * - VRAM, per GPU the new instance gets (`isaacSim.gpus`, round-robin): total minus used, as
 *   nvidia-smi last reported it. With "all", the GPU with the most free counts.
 */
import * as l10n from '@vscode/l10n';
import { formatBytes, type GpuFigure, type InstanceFigures } from './figures';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export interface Shortfall {
  what: 'vram' | 'memory';
  /** "GPU 0 (NVIDIA RTX A6000)" or "host memory". */
  where: string;
  freeBytes: number;
  needBytes: number;
  /** Labels of the instances to start that count against it. */
  instances: string[];
}

export interface HeadroomInput {
  headroomGiB: number;
  /** The containers run without a memory limit, so the limit their stats report is the host's memory. */
  limitIsHostMemory: boolean;
  /** The instances about to start, with the GPU each gets ("all", "none", an index or a UUID). */
  starting: readonly { label: string; gpu: string }[];
  /** The figures last seen of the instances that run on the same engine. */
  running: readonly InstanceFigures[];
}

export function headroomShortfalls(input: HeadroomInput): Shortfall[] {
  if (input.headroomGiB <= 0 || input.starting.length === 0) return [];
  const need = input.headroomGiB * GIB;
  const out: Shortfall[] = [];

  const limits = input.running.map((f) => f.memoryLimitBytes).filter((n): n is number => n !== undefined);
  if (input.limitIsHostMemory && limits.length > 0) {
    const used = input.running.reduce((sum, f) => sum + (f.memoryUsedBytes ?? 0), 0);
    const free = Math.max(0, Math.max(...limits) - used);
    const total = need * input.starting.length;
    if (free < total) out.push({ what: 'memory', where: l10n.t('host memory'), freeBytes: free, needBytes: total, instances: input.starting.map((s) => s.label) });
  }

  const gpus = new Map<string, GpuFigure>();
  for (const f of input.running) for (const g of f.gpus ?? []) if (!gpus.has(g.uuid)) gpus.set(g.uuid, g);
  const freeOf = (g: GpuFigure) => (g.memoryTotalMiB !== undefined && g.memoryUsedMiB !== undefined ? (g.memoryTotalMiB - g.memoryUsedMiB) * MIB : undefined);
  const byGpu = new Map<string, { gpu: GpuFigure; labels: string[] }>();
  for (const s of input.starting) {
    if (s.gpu === 'none') continue;
    const candidates = [...gpus.values()].filter((g) => freeOf(g) !== undefined && (s.gpu === 'all' || String(g.index) === s.gpu || g.uuid === s.gpu));
    const best = candidates.sort((a, b) => freeOf(b)! - freeOf(a)!)[0];
    if (!best) continue;
    const entry = byGpu.get(best.uuid) ?? { gpu: best, labels: [] };
    entry.labels.push(s.label);
    byGpu.set(best.uuid, entry);
  }
  for (const { gpu, labels } of byGpu.values()) {
    const free = freeOf(gpu)!;
    if (free < need * labels.length) out.push({ what: 'vram', where: l10n.t('GPU {0} ({1})', String(gpu.index), gpu.name), freeBytes: free, needBytes: need * labels.length, instances: labels });
  }
  return out;
}

/** One line per shortfall: "GPU 0 (NVIDIA RTX A6000): 3.1 GiB VRAM free, instance-2 needs ~8.0 GiB". */
export function describeShortfall(s: Shortfall): string {
  const who = s.instances.join(', ');
  return s.what === 'vram'
    ? l10n.t('{0}: {1} of VRAM free, {2} needs ~{3}', s.where, formatBytes(s.freeBytes), who, formatBytes(s.needBytes))
    : l10n.t('{0}: {1} free, {2} needs ~{3}', s.where, formatBytes(s.freeBytes), who, formatBytes(s.needBytes));
}
