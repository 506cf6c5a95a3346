/**
 * Learns how long this image takes to start, separately for first starts (empty shader caches: Kit
 * compiles shaders, minutes) and cached starts, and persists it through a key-value store (VS Code's
 * globalState in the extension, a Map in tests).
 */

export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export type StartKind = 'first' | 'cached' | 'unknown';

interface Record_ {
  first: number[];
  cached: number[];
}

const KEEP = 5;

export class StartupTimes {
  constructor(private readonly store: KeyValueStore | undefined) {}

  private key(image: string): string {
    return `startupTimes:${image}`; // l10n-ignore: a storage key
  }

  private read(image: string): Record_ {
    const raw = this.store?.get<Record_>(this.key(image));
    const clean = (xs: unknown) => (Array.isArray(xs) ? xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0) : []);
    return { first: clean(raw?.first), cached: clean(raw?.cached) };
  }

  /** Median of the last few starts of this kind; for "unknown", of the cached ones, else the first ones. */
  estimate(image: string, kind: StartKind): number | undefined {
    const r = this.read(image);
    const xs = kind === 'first' ? r.first : kind === 'cached' ? r.cached : r.cached.length > 0 ? r.cached : r.first;
    if (xs.length === 0) return undefined;
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
  }

  async record(image: string, kind: StartKind, durationMs: number): Promise<void> {
    if (kind === 'unknown' || !this.store || !(durationMs > 0)) return;
    const r = this.read(image);
    r[kind] = [...r[kind], Math.round(durationMs)].slice(-KEEP);
    await this.store.update(this.key(image), r);
  }
}
