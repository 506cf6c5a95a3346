/**
 * A pull's progress, folded from the engine's JSON progress lines by a pure reducer: per-layer
 * state, bytes, an overall fraction that never goes backwards, and a short message. See pull.ts.
 */
import * as l10n from '@vscode/l10n';
import { PullEventSchema } from './parse';
import { registryOf } from './registryAuth';

/** Where a layer is in its pull. `exists`: the engine already had it, nothing to do. */
export type LayerPhase = 'waiting' | 'downloading' | 'downloaded' | 'extracting' | 'complete' | 'exists';

export interface LayerProgress {
  /** Short layer id as the engine prints it (12 hex digits). */
  id: string;
  /** The engine's last status text for this layer, e.g. "Downloading", "Pull complete". */
  status: string;
  phase: LayerPhase;
  /** Progress of the current step (download or extraction), bytes. */
  current?: number;
  total?: number;
  /** Compressed size of the layer, once the engine has said it. */
  size?: number;
}

/** Everything known about a pull so far: the aggregated view of the engine's progress events. */
export interface PullProgress {
  image: string;
  /** Layers in the order the engine first mentioned them. */
  layers: LayerProgress[];
  /** Bytes downloaded, over the layers whose size is known. */
  bytesDone: number;
  /** Sum of the known layer sizes (compressed, as downloaded). */
  bytesTotal: number;
  /** Overall progress 0..1 (download and extraction); undefined until the layers are known. Never decreases. */
  fraction: number | undefined;
  /** Short human text, e.g. "Downloaded 3 of 7 layers — 412 MB of 1.9 GB". */
  message: string;
  /** Manifest digest, once the engine printed it. */
  digest?: string;
  /** The engine said the pull finished ("Status: …"). */
  done: boolean;
  /** The engine already had the newest image. */
  upToDate: boolean;
  /** The engine reported a failure in the stream. */
  error?: string;
}

/** One progress line of the engine, as far as we read it. */
export interface PullEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
}


/** Checks a raw engine line; something we cannot read becomes an empty event (ignored by the reducer). */
export function parsePullEvent(raw: unknown): PullEvent {
  const parsed = PullEventSchema().safeParse(raw);
  return parsed.success ? parsed.data : {};
}

export function initialPullProgress(image: string): PullProgress {
  return { image, layers: [], bytesDone: 0, bytesTotal: 0, fraction: undefined, message: l10n.t('Contacting {0}…', registryOf(image)), done: false, upToDate: false };
}

function phaseFor(status: string, previous: LayerPhase | undefined): LayerPhase {
  if (status === 'Pulling fs layer' || status === 'Waiting') return 'waiting';
  if (status === 'Downloading' || /^Retrying in /.test(status)) return 'downloading';
  if (status === 'Verifying Checksum' || status === 'Download complete') return 'downloaded';
  if (status === 'Extracting') return 'extracting';
  if (status === 'Pull complete') return 'complete';
  if (status === 'Already exists') return 'exists';
  return previous ?? 'waiting';
}

/** Layer ids are hex; the "Pulling from REPO" line carries the tag in `id`, which is not a layer. */
function isLayerEvent(e: PullEvent): e is PullEvent & { id: string; status: string } {
  return e.id !== undefined && e.status !== undefined && !e.status.startsWith('Pulling from ');
}

const DOWNLOAD_DONE: ReadonlySet<LayerPhase> = new Set(['downloaded', 'extracting', 'complete']);

/** How much of a layer's work (download, then extraction) is done, 0..1. */
function layerWorkDone(l: LayerProgress): number {
  const part = l.total && l.current !== undefined ? Math.min(1, l.current / l.total) : 0;
  switch (l.phase) {
    case 'waiting':
      return 0;
    case 'downloading':
      return 0.5 * part;
    case 'downloaded':
      return 0.5;
    case 'extracting':
      return 0.5 + 0.5 * part;
    case 'complete':
    case 'exists':
      return 1;
  }
}

/**
 * Folds one engine progress event into the pull's state. Pure: returns a new state (or the same
 * one when the event changes nothing).
 */
export function reducePullEvent(state: PullProgress, raw: PullEvent): PullProgress {
  const event = parsePullEvent(raw);
  if (event.error !== undefined || event.errorDetail?.message !== undefined) {
    const error = (event.errorDetail?.message ?? event.error ?? l10n.t('unknown error')).trim();
    return { ...state, error, message: l10n.t('Pull failed: {0}', error) };
  }
  let next: PullProgress;
  if (isLayerEvent(event)) {
    const layers = [...state.layers];
    const at = layers.findIndex((l) => l.id === event.id);
    const previous = at >= 0 ? layers[at] : undefined;
    const phase = phaseFor(event.status, previous?.phase);
    const detail = event.progressDetail;
    const hasDetail = detail?.total !== undefined && detail.total > 0;
    const layer: LayerProgress = {
      id: event.id,
      status: event.status,
      phase,
      current: hasDetail ? detail.current : undefined,
      total: hasDetail ? detail.total : undefined,
      size: previous?.size ?? (hasDetail && (phase === 'downloading' || phase === 'extracting') ? detail.total : undefined),
    };
    if (at >= 0) layers[at] = layer;
    else layers.push(layer);
    next = { ...state, layers };
  } else if (event.status !== undefined) {
    const status = event.status;
    if (status.startsWith('Digest: ')) next = { ...state, digest: status.slice('Digest: '.length).trim() };
    else if (status.startsWith('Status: ')) next = { ...state, done: true, upToDate: /up to date/i.test(status) };
    else return state;
  } else {
    return state;
  }
  return summarize(next, state.fraction);
}

function summarize(state: PullProgress, previousFraction: number | undefined): PullProgress {
  const needed = state.layers.filter((l) => l.phase !== 'exists');
  let bytesDone = 0;
  let bytesTotal = 0;
  for (const l of needed) {
    if (l.size === undefined) continue;
    bytesTotal += l.size;
    if (DOWNLOAD_DONE.has(l.phase)) bytesDone += l.size;
    else if (l.phase === 'downloading') bytesDone += Math.min(l.size, l.current ?? 0);
  }

  let fraction = previousFraction;
  if (state.done) fraction = 1;
  else if (needed.length > 0) {
    const sizes = needed.flatMap((l) => (l.size !== undefined ? [l.size] : []));
    const average = sizes.length > 0 ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 1;
    let work = 0;
    let done = 0;
    for (const l of needed) {
      const weight = l.size ?? average;
      work += weight;
      done += weight * layerWorkDone(l);
    }
    const estimate = work > 0 ? done / work : 0;
    fraction = Math.max(previousFraction ?? 0, Math.min(1, estimate));
  }

  return { ...state, bytesDone, bytesTotal, fraction, message: messageFor(state, needed, bytesDone, bytesTotal) };
}

function messageFor(state: PullProgress, needed: LayerProgress[], bytesDone: number, bytesTotal: number): string {
  if (state.done) {
    if (state.upToDate || needed.length === 0) return l10n.t('{0} is up to date', state.image);
    return l10n.t('Pulled {0} — {1}', state.image, formatBytes(bytesTotal));
  }
  if (state.layers.length === 0) return state.message;
  if (needed.length === 0) return state.layers.length === 1 ? l10n.t('The only layer is already here; finishing…') : l10n.t('All {0} layers are already here; finishing…', state.layers.length);
  const downloaded = needed.filter((l) => DOWNLOAD_DONE.has(l.phase)).length;
  if (downloaded < needed.length) {
    const allSized = needed.every((l) => l.size !== undefined || DOWNLOAD_DONE.has(l.phase));
    const bytes = allSized ? l10n.t('{0} of {1}', formatBytes(bytesDone), formatBytes(bytesTotal)) : l10n.t('{0} so far', formatBytes(bytesDone));
    return l10n.t('Downloaded {0} of {1} — {2}', downloaded, layers(needed.length), bytes);
  }
  const complete = needed.filter((l) => l.phase === 'complete').length;
  if (complete < needed.length) return l10n.t('Extracting layer {0} of {1} — {2} downloaded', complete + 1, needed.length, formatBytes(bytesTotal));
  return l10n.t('Extracted {0}; finishing…', layers(needed.length));
}

const layers = (n: number) => (n === 1 ? l10n.t('1 layer') : l10n.t('{0} layers', n));

/** Decimal units, as the Docker CLI prints them: "36 kB", "3.0 MB", "412 MB", "1.9 GB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // 999.6 MB rounds to "1000 MB": say "1.0 GB" instead.
  if (Math.round(value) >= 1000 && unit < units.length - 1) return `1.0 ${units[unit + 1]}`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

