/**
 * The GPU figures of an instance, from `nvidia-smi`'s CSV queries. Pure: the caller runs the command
 * (on the host, or inside the container through exec) and hands the text here. No `vscode`.
 *
 * The queries are nvidia-smi's documented `--query-gpu` and `--query-compute-apps` properties
 * (`nvidia-smi --help-query-gpu`, `--help-query-compute-apps`) with `--format=csv,noheader,nounits`:
 * one line per GPU (per compute process), the values in the order asked, separated by ", ". A value
 * the driver cannot give comes as `[N/A]` or `[Not Supported]` (older drivers: `[Not Supported]`,
 * newer `[N/A]` for the same field, i3pystatus PR #776), some fields as a bare `N/A` (gpu-utils #83):
 * each is "no figure" here, never 0. Real samples and their sources: test/fixtures/gpu/SOURCES.md.
 */
import * as l10n from '@vscode/l10n';

/**
 * `--query-gpu` properties, as nvidia-smi names them: `index` (0-based, may change at boot), `uuid`
 * (`GPU-…`), `name` (the product name, may contain spaces), `utilization.gpu` (% of the last sample
 * period a kernel ran), `memory.used` and `memory.total` (MiB), `mig.mode.current` ("Enabled",
 * "Disabled", or `[N/A]` where the GPU has no MIG). With MIG on, utilization is not reported.
 */
export const GPU_QUERY_FIELDS: readonly string[] = ['index', 'uuid', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'mig.mode.current'];

/** `--query-compute-apps` properties: the process id (a host pid), its GPU's uuid, the memory it holds (MiB). */
export const APPS_QUERY_FIELDS: readonly string[] = ['pid', 'gpu_uuid', 'used_memory'];

const FORMAT = '--format=csv,noheader,nounits'; // l10n-ignore: argv

/** The argv after `nvidia-smi` for the GPUs' figures. */
export const GPU_QUERY_ARGS: readonly string[] = [`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, FORMAT];

/** The argv after `nvidia-smi` for the compute processes and the memory each holds. */
export const APPS_QUERY_ARGS: readonly string[] = [`--query-compute-apps=${APPS_QUERY_FIELDS.join(',')}`, FORMAT];

/**
 * The GPU query, answered again every `seconds` until it is stopped: nvidia-smi(1)'s
 * `-l SEC, --loop=SEC` option, which users run with `--query-gpu` and a CSV format
 * (test/fixtures/gpu/SOURCES.md, "The loop"). Each answer is the lines the query gives without it,
 * one per GPU; the figures collector reads them as they come.
 */
export function gpuLoopArgs(seconds: number): string[] {
  return [...GPU_QUERY_ARGS, `--loop=${Math.max(1, Math.round(seconds))}`];
}

/** Longest one followed loop runs before it ends by itself (then the collector starts it again). */
export const GPU_LOOP_MAX_SECONDS = 600;

/**
 * The argv of the followed GPU loop in a container. The engine keeps an exec running after its
 * client has gone (there is no call to stop one), so sh first prints its pid, `pid N`, for the
 * collector to end the loop with `kill N` when the view is hidden; then it becomes nvidia-smi, under
 * `timeout` where the image has it (coreutils in NVIDIA's Ubuntu images, busybox in the stand-in's),
 * so that a loop whose window went away without ending it stops within GPU_LOOP_MAX_SECONDS.
 */
export function gpuLoopCommand(seconds: number): string[] {
  const script = `echo "pid $$"; if command -v timeout >/dev/null 2>&1; then exec timeout ${GPU_LOOP_MAX_SECONDS} nvidia-smi "$@"; fi; exec nvidia-smi "$@"`; // l10n-ignore: argv
  return ['/bin/sh', '-c', script, 'nvidia-smi', ...gpuLoopArgs(seconds)];
}

/** The pid line gpuLoopCommand's sh prints first, else undefined. */
export function loopPid(line: string): number | undefined {
  const m = /^pid (\d+)$/.exec(line.trim());
  return m ? Number(m[1]) : undefined;
}

/** The argv that ends the loop of pid `pid` in its container. */
export function stopLoopCommand(pid: number): string[] {
  return ['/bin/sh', '-c', 'kill "$1"', 'kill', String(pid)]; // l10n-ignore: argv
}

export interface GpuFigure {
  index: number;
  uuid: string;
  name: string;
  /** Undefined where nvidia-smi gave no figure (`[N/A]`, `[Not Supported]`, empty), as with MIG on. */
  utilizationPercent?: number;
  memoryUsedMiB?: number;
  memoryTotalMiB?: number;
  /** MIG mode: true "Enabled", false "Disabled", undefined where the GPU has none (`[N/A]`). */
  mig?: boolean;
}

export interface ComputeApp {
  /** A host pid: the NVIDIA driver does not know pid namespaces, even when asked inside a container. */
  pid: number;
  gpuUuid: string;
  /** Undefined where nvidia-smi gave no figure (e.g. Windows in WDDM mode). */
  usedMemoryMiB?: number;
}

/** One line of a query, by property name: the value as printed (trimmed), undefined for no figure. */
export type QueryRow = Record<string, string | undefined>;

/** True for the values nvidia-smi prints where it has no figure: `[N/A]`, `[Not Supported]`, `N/A`, empty. */
export function isNoFigure(value: string): boolean {
  const v = value.trim();
  return v === '' || v === 'N/A' || /^\[[^\]]*\]$/.test(v);
}

/**
 * Parses nvidia-smi's CSV for the properties `fields`, in that order: one row per non-empty line
 * (LF or CRLF), values split at commas and trimmed. With `header`, the first line is the column
 * header of `--format=csv` and is skipped. A line with another number of values throws, naming the
 * line and the expected columns: it is not the answer to this query (an error text, another query).
 * Product names have spaces but no commas (nvidia-smi -L and --query-gpu samples in SOURCES.md).
 */
export function parseQueryCsv(csv: string, fields: readonly string[], options: { header?: boolean } = {}): QueryRow[] {
  const lines = csv.split(/\r?\n/).map((line, i) => ({ line: line.trim(), number: i + 1 })).filter((l) => l.line !== '');
  if (options.header) lines.shift();
  return lines.map(({ line, number }) => {
    const values = line.split(',').map((v) => v.trim());
    if (values.length !== fields.length) {
      throw new Error(
        l10n.t(
          'nvidia-smi printed a line that does not answer the query: line {0}, "{1}", has {2} values where {3} were expected ({4}).',
          number,
          line,
          values.length,
          fields.length,
          fields.join(', '),
        ),
      );
    }
    const row: QueryRow = {};
    fields.forEach((f, i) => (row[f] = isNoFigure(values[i]) ? undefined : values[i]));
    return row;
  });
}

/**
 * A number value, or undefined for no figure. `unit` is the unit `--format=csv` without `nounits`
 * appends (`%`, `MiB`), accepted after a space. Anything else throws, naming `what`.
 */
export function readNumber(value: string | undefined, unit: string, what: string): number | undefined {
  if (value === undefined) return undefined;
  const bare = value.endsWith(` ${unit}`) ? value.slice(0, -unit.length - 1) : value;
  if (!/^\d+(\.\d+)?$/.test(bare)) throw new Error(l10n.t('nvidia-smi gave "{0}" for {1}, which is not a number.', value, what));
  return Number(bare);
}

/** `mig.mode.current`: "Enabled" → true, "Disabled" → false, no figure (or anything else) → undefined. */
export function readMig(value: string | undefined): boolean | undefined {
  if (value === 'Enabled') return true;
  if (value === 'Disabled') return false;
  return undefined;
}

function required(row: QueryRow, field: string, line: number): string {
  const v = row[field];
  if (v === undefined) throw new Error(l10n.t('nvidia-smi gave no {0} on line {1} of its answer.', field, line));
  return v;
}

function integer(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new Error(l10n.t('nvidia-smi gave "{0}" for {1}, which is not a whole number.', value, what));
  return Number(value);
}

/** The GPUs in the output of `nvidia-smi` with {@link GPU_QUERY_ARGS}. */
export function parseGpus(csv: string): GpuFigure[] {
  return parseQueryCsv(csv, GPU_QUERY_FIELDS).map((row, i) => {
    const gpu: GpuFigure = {
      index: integer(required(row, 'index', i + 1), 'index'),
      uuid: required(row, 'uuid', i + 1),
      name: required(row, 'name', i + 1),
    };
    const utilization = readNumber(row['utilization.gpu'], '%', 'utilization.gpu');
    const used = readNumber(row['memory.used'], 'MiB', 'memory.used');
    const total = readNumber(row['memory.total'], 'MiB', 'memory.total');
    const mig = readMig(row['mig.mode.current']);
    if (utilization !== undefined) gpu.utilizationPercent = utilization;
    if (used !== undefined) gpu.memoryUsedMiB = used;
    if (total !== undefined) gpu.memoryTotalMiB = total;
    if (mig !== undefined) gpu.mig = mig;
    return gpu;
  });
}

/** The compute processes in the output of `nvidia-smi` with {@link APPS_QUERY_ARGS} (none: empty output). */
export function parseComputeApps(csv: string): ComputeApp[] {
  return parseQueryCsv(csv, APPS_QUERY_FIELDS).map((row, i) => {
    const app: ComputeApp = { pid: integer(required(row, 'pid', i + 1), 'pid'), gpuUuid: required(row, 'gpu_uuid', i + 1) };
    const used = readNumber(row['used_memory'], 'MiB', 'used_memory');
    if (used !== undefined) app.usedMemoryMiB = used;
    return app;
  });
}

export interface ContainerVram {
  /** The memory its processes hold on all GPUs (MiB); processes without a figure add nothing. */
  usedMiB: number;
  /** The GPUs its processes use, in the order first seen. */
  gpuUuids: string[];
  /** Its processes on a GPU, in the order first seen (a process on two GPUs once). */
  pids: number[];
}

/**
 * The GPU memory per container: each compute process is given to the container `containerOfPid`
 * names (e.g. from /proc/<pid>/cgroup, see cgroup.ts); processes of no container are left out.
 */
export function vramByContainer(apps: ComputeApp[], containerOfPid: (pid: number) => string | undefined): Map<string, ContainerVram> {
  const byContainer = new Map<string, ContainerVram>();
  for (const app of apps) {
    const id = containerOfPid(app.pid);
    if (id === undefined) continue;
    let entry = byContainer.get(id);
    if (!entry) byContainer.set(id, (entry = { usedMiB: 0, gpuUuids: [], pids: [] }));
    entry.usedMiB += app.usedMemoryMiB ?? 0;
    if (!entry.gpuUuids.includes(app.gpuUuid)) entry.gpuUuids.push(app.gpuUuid);
    if (!entry.pids.includes(app.pid)) entry.pids.push(app.pid);
  }
  return byContainer;
}
