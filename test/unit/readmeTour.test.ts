/**
 * The README opens with the tour GIF (media/screenshots/tour.gif, made by scripts/readme-tour.mjs
 * from the UI suite's frames): one frame per entry of TOUR_FRAMES, each shown 2 s, under the size
 * bound, and only in the repository's README (not in the .vsix's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TOUR_FRAMES, TOUR_FRAME_DELAY_MS, TOUR_GIF_MAX_BYTES } from '../e2e/tourFrames';

const REPO = path.resolve(__dirname, '../../..');
const GIF = 'media/screenshots/tour.gif';
const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

interface GifInfo {
  width: number;
  height: number;
  /** Per image: its delay (centiseconds) from the Graphic Control Extension before it. */
  frames: { delayCs: number | undefined; width: number; height: number }[];
}

/** Walks the GIF's blocks (GIF89a spec, sections 17–27): the screen size and each image descriptor. */
function readGif(buf: Buffer): GifInfo {
  const sig = buf.toString('latin1', 0, 6);
  if (sig !== 'GIF89a' && sig !== 'GIF87a') throw new Error(`not a GIF: starts with ${JSON.stringify(sig)}`);
  const width = buf.readUInt16LE(6);
  const height = buf.readUInt16LE(8);
  const packed = buf[10];
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const skipSubBlocks = () => {
    while (buf[at] !== 0) {
      if (at >= buf.length) throw new Error('the GIF ends inside a block');
      at += buf[at] + 1;
    }
    at++;
  };
  const frames: GifInfo['frames'] = [];
  let delayCs: number | undefined;
  for (;;) {
    if (at >= buf.length) throw new Error('the GIF has no trailer (0x3B)');
    const introducer = buf[at++];
    if (introducer === 0x3b) break;
    if (introducer === 0x21) {
      const label = buf[at++];
      if (label === 0xf9) delayCs = buf.readUInt16LE(at + 2);
      skipSubBlocks();
    } else if (introducer === 0x2c) {
      const w = buf.readUInt16LE(at + 4);
      const h = buf.readUInt16LE(at + 6);
      const local = buf[at + 8];
      at += 9 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
      at++; // LZW minimum code size
      skipSubBlocks();
      frames.push({ delayCs, width: w, height: h });
      delayCs = undefined;
    } else {
      throw new Error(`unknown GIF block 0x${introducer.toString(16)} at byte ${at - 1}`);
    }
  }
  return { width, height, frames };
}

/** The README's opening: what comes before its first section. */
const opening = README.slice(0, README.indexOf('\n## '));

test('the README opens with the tour GIF, its alt text listing what each frame shows, in order', () => {
  const image = /!\[([^\]]+)\]\(([^)]+)\)/.exec(opening);
  assert.ok(image, 'an image before the first section');
  assert.equal(image[2], GIF, 'the first picture is the tour');
  // The title, the repository-only marker, then the picture.
  const blocks = opening.split(/\n\s*\n/);
  assert.ok(blocks[0].startsWith('# ') && blocks.findIndex((b) => b.includes(image[0])) <= 2, `right below the title: ${JSON.stringify(blocks.slice(0, 3))}`);
  let from = 0;
  for (const f of TOUR_FRAMES) {
    const at = image[1].indexOf(f.caption, from);
    assert.ok(at >= 0, `the alt text names the frame "${f.name}" as "${f.caption}" (after the frame before it): ${image[1]}`);
    from = at + f.caption.length;
  }
});

test('the tour GIF stays out of the packaged README (a repository-only part), and media/screenshots out of the .vsix', () => {
  const lines = README.split('\n');
  const at = lines.findIndex((l) => l.includes(`](${GIF})`));
  assert.ok(at >= 0, 'README.md shows the GIF');
  const before = lines.slice(0, at).reverse().find((l) => /^<!-- \/?repository-only -->$/.test(l.trim()));
  const after = lines.slice(at + 1).find((l) => /^<!-- \/?repository-only -->$/.test(l.trim()));
  assert.equal(before?.trim(), '<!-- repository-only -->', 'a repository-only part opens before the GIF');
  assert.equal(after?.trim(), '<!-- /repository-only -->', 'and closes after it');
  // .vscodeignore packs nothing but what it lists: nothing under media/screenshots.
  const ignore = fs.readFileSync(path.join(REPO, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim());
  assert.equal(ignore.find((l) => !l.startsWith('#') && l !== ''), '**', '.vscodeignore leaves out everything it does not list');
  assert.deepEqual(ignore.filter((l) => l.startsWith('!') && /screenshots|\.gif|^!media\/\*\*?$/.test(l)), [], 'no screenshot is packed');
});

test(`the tour GIF has one frame per tour frame (${TOUR_FRAMES.length}), each ${TOUR_FRAME_DELAY_MS / 1000} s, and is under ${TOUR_GIF_MAX_BYTES / 1024} KiB`, () => {
  const buf = fs.readFileSync(path.join(REPO, GIF));
  assert.equal(buf.toString('latin1', 0, 6), 'GIF89a', 'a GIF89a (animation needs 89a)');
  assert.ok(buf.length < TOUR_GIF_MAX_BYTES, `${GIF} is ${buf.length} bytes; the bound is ${TOUR_GIF_MAX_BYTES}`);
  const gif = readGif(buf);
  assert.equal(gif.frames.length, TOUR_FRAMES.length, `${GIF}'s image descriptors`);
  for (const [i, f] of gif.frames.entries()) {
    assert.equal(f.delayCs, TOUR_FRAME_DELAY_MS / 10, `frame ${i + 1}'s delay (centiseconds)`);
    assert.deepEqual([f.width, f.height], [gif.width, gif.height], `frame ${i + 1} covers the screen`);
  }
  assert.ok(gif.width >= 480 && gif.width <= 800, `the GIF is ${gif.width} px wide: scaled down, but still readable`);
});

test('readGif counts the frames of a hand-made two-frame GIF and rejects what is not one', () => {
  // 1×1 screen, a 2-colour global table, a loop extension, then two images, each after its GCE.
  const image = [0x21, 0xf9, 4, 0, 200, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0];
  const bytes = Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'), 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255,
    0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0', 'latin1'), 3, 1, 0, 0, 0,
    ...image, ...image, 0x3b,
  ]);
  const gif = readGif(bytes);
  assert.equal(gif.frames.length, 2);
  assert.deepEqual(gif.frames.map((f) => f.delayCs), [200, 200]);
  assert.throws(() => readGif(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1')), /not a GIF/);
  assert.throws(() => readGif(bytes.subarray(0, bytes.length - 1)), /no trailer/);
});
