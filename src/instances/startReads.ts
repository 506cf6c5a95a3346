/**
 * Reads that every start repeats, made once.
 *
 * Design note
 * - Starting N instances at once used to inspect the same image N times (twice each: present?, then
 *   its config), and, for 4.2, read the same kit-player.js out of the image N times through the
 *   archive API, the slowest call a start makes. Both answers are the image's, not the container's.
 * - The image's config is shared while a read is in flight, never kept after: the image can be
 *   pulled, re-tagged or removed between two starts, so each later start asks again.
 * - A file of the image is kept by image ID (its content address): every container made from that
 *   image starts with the same bytes, so one read serves every later start of it. A read that fails
 *   or finds nothing is not kept, so the next start reads again.
 */
import type { ImageConfig, InstanceEngine } from './engineApi';

/** How many images' files are kept (a session uses one or two images). */
const MAX_IMAGES = 8;

export class StartReads {
  private readonly configs = new WeakMap<InstanceEngine, Map<string, Promise<ImageConfig | undefined>>>();
  private readonly files = new Map<string, Promise<Buffer | undefined>>();

  /** The image's config (undefined: not on the engine); one request for the starts asking at the same time. */
  imageConfig(engine: InstanceEngine, image: string): Promise<ImageConfig | undefined> {
    let pending = this.configs.get(engine);
    if (!pending) this.configs.set(engine, (pending = new Map()));
    const inFlight = pending.get(image);
    if (inFlight) return inFlight;
    const read = engine.imageConfig(image).finally(() => pending.delete(image));
    pending.set(image, read);
    return read;
  }

  /**
   * `filePath` as image `imageId` holds it, read by `read` unless an earlier start of the same image
   * read it. Without an image ID it is always read.
   */
  imageFile(imageId: string | undefined, filePath: string, read: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> {
    if (!imageId) return read();
    const key = `${imageId}\0${filePath}`;
    const known = this.files.get(key);
    if (known) return known;
    const reading = read();
    this.files.set(key, reading);
    reading.then(
      (content) => {
        if (content === undefined && this.files.get(key) === reading) this.files.delete(key);
      },
      () => {
        if (this.files.get(key) === reading) this.files.delete(key);
      },
    );
    while (this.files.size > MAX_IMAGES) this.files.delete(this.files.keys().next().value as string);
    return reading;
  }
}
