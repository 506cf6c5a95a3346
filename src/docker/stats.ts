/**
 * A container's CPU and memory figures from one sample of the engine's `GET /containers/{id}/stats`,
 * computed the way the docker CLI's `docker stats` does (docker/cli cli/command/container/stats_helpers.go,
 * calculateCPUPercentUnix and calculateMemUsageUnixNoCache). Pure, no I/O.
 *
 * Each sample carries `precpu_stats` (the previous sample's CPU counters) beside `cpu_stats`, so one
 * sample is enough: CPU % = Δ container CPU time / Δ system CPU time × online CPUs × 100, where
 * online CPUs is `online_cpus`, or the length of `percpu_usage` where an older engine sends no
 * `online_cpus`; 0 when either delta is not positive, as the CLI shows. The first sample of a stream
 * has an empty `precpu_stats` (no `system_cpu_usage`; `preread` 0001-01-01): no CPU figure then.
 * Memory used = `usage` minus the inactive file cache, which the kernel can drop: `total_inactive_file`
 * where the host has cgroup v1, `inactive_file` on cgroup v2, only if smaller than `usage`.
 * A stopped container's sample has empty `memory_stats` and `cpu_stats`: no figures.
 */
import * as z from 'zod/mini';
import { lazily } from './parse';

export interface ContainerFigures {
  cpuPercent?: number;
  /** Bytes, without the inactive file cache (as `docker stats` shows). */
  memoryUsedBytes?: number;
  /** Bytes: the container's limit, or the host's memory where it has none. */
  memoryLimitBytes?: number;
  onlineCpus?: number;
}

const count = () => z.nullish(z.number().check(z.nonnegative()));

const CpuSchema = lazily(() =>
  z.object({
    cpu_usage: z.nullish(z.object({ total_usage: count(), percpu_usage: z.nullish(z.array(z.number())) })),
    system_cpu_usage: count(),
    online_cpus: count(),
  }),
);

const MemorySchema = lazily(() =>
  z.object({
    usage: count(),
    limit: count(),
    stats: z.nullish(z.record(z.string(), z.unknown())),
  }),
);

type Cpu = z.infer<ReturnType<typeof CpuSchema>>;

/** One part of the sample through its schema; a part that does not fit gives no figures, the others still do. */
function part<T>(schema: z.ZodMiniType<T>, value: unknown): T | undefined {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

function cpuFigures(cpu: Cpu | undefined, pre: Cpu | undefined): Pick<ContainerFigures, 'cpuPercent' | 'onlineCpus'> {
  const out: Pick<ContainerFigures, 'cpuPercent' | 'onlineCpus'> = {};
  if (!cpu) return out;
  const online = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || undefined;
  if (online) out.onlineCpus = online;
  const total = cpu.cpu_usage?.total_usage;
  const system = cpu.system_cpu_usage;
  const preTotal = pre?.cpu_usage?.total_usage;
  const preSystem = pre?.system_cpu_usage;
  if (total == null || system == null || preTotal == null || preSystem == null || !online) return out;
  const cpuDelta = total - preTotal;
  const systemDelta = system - preSystem;
  out.cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
  return out;
}

function statOf(stats: Record<string, unknown> | null | undefined, key: string): number | undefined {
  const v = stats?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The figures one stats sample gives; each is undefined where the sample does not have it. */
export function containerStatsFigures(sample: unknown): ContainerFigures {
  const figures: ContainerFigures = {};
  if (typeof sample !== 'object' || sample === null) return figures;
  const s = sample as Record<string, unknown>;
  Object.assign(figures, cpuFigures(part(CpuSchema(), s.cpu_stats), part(CpuSchema(), s.precpu_stats)));
  const mem = part(MemorySchema(), s.memory_stats);
  if (mem?.usage != null) {
    const v1 = statOf(mem.stats, 'total_inactive_file');
    const v2 = statOf(mem.stats, 'inactive_file') ?? 0;
    let used = mem.usage;
    if (v1 !== undefined && v1 < mem.usage) used = mem.usage - v1;
    else if (v2 < mem.usage) used = mem.usage - v2;
    figures.memoryUsedBytes = used;
  }
  if (mem?.limit) figures.memoryLimitBytes = mem.limit;
  return figures;
}
