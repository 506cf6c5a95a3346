/**
 * Records the README's tour (tourFrames.ts) while the UI suite runs: `frame` waits, with a bound,
 * until the state a frame shows is on screen and then takes a PNG of the workbench. It never throws:
 * a frame that did not come is recorded as missed, and the suite's tour step fails naming it (see
 * `problems`), so a frame never holds up the step it is taken in.
 *
 * scripts/readme-tour.mjs makes media/screenshots/tour.gif from the PNGs.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { TOUR_FRAMES, tourFrameFile } from './tourFrames';

export interface FrameOptions {
  /** How long to wait for `ready` (default 20 s). */
  timeoutMs?: number;
  /** Stops waiting: the state has passed (e.g. a phase the start went through before it was seen). */
  signal?: AbortSignal;
}

interface Taken {
  name: string;
  file: string;
}

export class TourRecorder {
  private readonly taken: Taken[] = [];
  private readonly missed: string[] = [];

  constructor(readonly dir: string) {}

  /** Removes the frames of an earlier run: they would pass for this run's. */
  async clear(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
    await fs.mkdir(this.dir, { recursive: true });
  }

  /** Waits until `ready()` is true (its errors, and a look that outlasts the bound, count as false), then saves the workbench as frame `name`. The file, or undefined when the frame did not come. */
  async frame(page: Page, name: string, ready: () => Promise<boolean>, options: FrameOptions = {}): Promise<string | undefined> {
    const index = TOUR_FRAMES.findIndex((f) => f.name === name);
    if (index < 0) throw new Error(`"${name}" is not a frame of TOUR_FRAMES`); // a mistake in the suite, not a missed frame
    const timeoutMs = options.timeoutMs ?? 20_000;
    const started = Date.now();
    let why = `not seen within ${timeoutMs / 1000} s`;
    for (;;) {
      if (options.signal?.aborted) {
        why = `not seen before it had passed (${((Date.now() - started) / 1000).toFixed(1)} s)`;
        break;
      }
      if (page.isClosed()) {
        why = 'the page closed';
        break;
      }
      // Each look is bounded too: a locator read of an element that went away waits for it to come back.
      const left = Math.max(500, timeoutMs - (Date.now() - started));
      let timer: NodeJS.Timeout | undefined;
      const seen = await Promise.race([ready().catch(() => false), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), left)))]);
      clearTimeout(timer);
      if (seen) {
        const file = path.join(this.dir, tourFrameFile(index));
        try {
          await page.screenshot({ path: file });
          this.taken.push({ name, file });
          return file;
        } catch (err) {
          why = `the screenshot failed: ${err instanceof Error ? err.message : String(err)}`;
          break;
        }
      }
      if (Date.now() - started > timeoutMs) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.missed.push(`${name}: ${why}`);
    return undefined;
  }

  /** The frames taken, in the order they were taken. */
  takenNames(): string[] {
    return this.taken.map((t) => t.name);
  }

  /** What went wrong: frames missed, taken twice or out of TOUR_FRAMES' order. Empty when the tour is complete. */
  problems(): string[] {
    const out = [...this.missed];
    const names = this.takenNames();
    const want = TOUR_FRAMES.map((f) => f.name);
    if (names.join(',') !== want.join(',')) out.push(`frames taken in the order ${JSON.stringify(names)}, not ${JSON.stringify(want)}`);
    return out;
  }
}
