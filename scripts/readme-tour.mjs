// Makes the README's opening tour, media/screenshots/tour.gif, from the frames the UI suite took
// (test-artifacts/ui/tour/<nn>-<name>.png, one per entry of test/e2e/tourFrames.ts, in that order):
// each scaled down by area averaging, one 255-colour palette for all of them (so the GIF has one
// global colour table), and each frame after the first stores only the pixels that changed (the
// others are transparent over the previous frame), which keeps the file small.
//
//   node test/e2e/ui.test.js ...   (or npm test): takes the frames
//   npm run readme:tour            [--width 800] [--delay 2000] [--from DIR] [--out FILE] [--preview DIR]
//
// --preview DIR also writes each frame as the GIF shows it (scaled, in the palette's colours) as a PNG.
//
// test/unit/readmeTour.test.ts checks the result: one frame per tour frame, under its size bound.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pngjs from 'pngjs';
import gifenc from 'gifenc';

const { PNG } = pngjs;
const { GIFEncoder, quantize, applyPalette } = gifenc;
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: path.join(REPO, 'test-artifacts/ui/tour') },
    out: { type: 'string', default: path.join(REPO, 'media/screenshots/tour.gif') },
    width: { type: 'string', default: '800' },
    delay: { type: 'string', default: '2000' },
    preview: { type: 'string' },
  },
});
const width = Number(values.width);
const delay = Number(values.delay);
if (!Number.isInteger(width) || width < 16) throw new Error(`--width must be a whole number of pixels, got ${values.width}`);

/** An RGBA image scaled to `w` pixels wide: each target pixel is the mean of the source pixels it covers. */
function scale(png, w) {
  const f = png.width / w;
  const h = Math.max(1, Math.round(png.height / f));
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * f);
    const y1 = Math.max(y0 + 1, Math.min(png.height, Math.floor((y + 1) * f)));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * f);
      const x1 = Math.max(x0 + 1, Math.min(png.width, Math.floor((x + 1) * f)));
      const sum = [0, 0, 0];
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * png.width + sx) * 4;
          sum[0] += png.data[i];
          sum[1] += png.data[i + 1];
          sum[2] += png.data[i + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      out[o] = Math.round(sum[0] / n);
      out[o + 1] = Math.round(sum[1] / n);
      out[o + 2] = Math.round(sum[2] / n);
      out[o + 3] = 255;
    }
  }
  return { data: out, width: w, height: h };
}

const files = readdirSync(values.from)
  .filter((n) => /^\d\d-[\w-]+\.png$/.test(n))
  .sort();
if (!files.length) throw new Error(`no frames (NN-name.png) in ${values.from}: run the UI suite first (node out/test/e2e/ui.test.js)`);
const frames = files.map((n) => scale(PNG.sync.read(readFileSync(path.join(values.from, n))), width));
const { height } = frames[0];
if (frames.some((f) => f.height !== height)) throw new Error('the frames differ in size');

// One palette for all frames; index 255 is left for "unchanged" (transparent).
const all = new Uint8Array(frames.reduce((n, f) => n + f.data.length, 0));
frames.reduce((at, f) => (all.set(f.data, at), at + f.data.length), 0);
const palette = quantize(all, 255, { format: 'rgb565' });
const KEEP = palette.length;
palette.push([255, 0, 255]);

const gif = GIFEncoder();
let previous;
frames.forEach((f, i) => {
  const index = applyPalette(f.data, palette.slice(0, KEEP), 'rgb565');
  const drawn = index.slice();
  if (values.preview) {
    const png = new PNG({ width: f.width, height: f.height });
    drawn.forEach((c, p) => png.data.set([...palette[c], 255], p * 4));
    mkdirSync(values.preview, { recursive: true });
    writeFileSync(path.join(values.preview, files[i]), PNG.sync.write(png));
  }
  if (previous) {
    for (let p = 0; p < index.length; p++) if (index[p] === previous[p]) index[p] = KEEP;
  }
  // dispose 1: each frame stays under the next, whose transparent pixels show it.
  gif.writeFrame(index, f.width, f.height, { palette: i === 0 ? palette : undefined, delay, dispose: 1, transparent: i > 0, transparentIndex: KEEP });
  previous = drawn;
});
gif.finish();
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, gif.bytes());
const size = gif.bytes().length;
console.log(`${path.relative(REPO, values.out)}: ${files.length} frames (${files.join(', ')}), ${width}×${height}, ${size} bytes (${(size / 1024).toFixed(1)} KiB)`);
