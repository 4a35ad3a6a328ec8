import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import type { Dataset } from './dataset.js';
import { loadImageFolderDataset } from './image-folder-dataset.js';
import type { RasterImage } from './png-codec.js';
import { encodePng } from './png-codec.js';

const root = mkdtempSync(join(tmpdir(), 'pare-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Write `files` (path → image, or raw bytes) under a new folder `name`. */
function tree(name: string, files: Record<string, RasterImage | Uint8Array>): string {
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content instanceof Uint8Array ? content : encodePng(content));
  }
  return dir;
}

/** A JPEG of `width`×`height` whose pixel (x, y) is `colour(x, y)` (1 or 3 values), via sharp. */
async function jpeg(
  width: number,
  height: number,
  channels: 1 | 3,
  colour: (x: number, y: number) => number[],
): Promise<Uint8Array> {
  const raw = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw.set(colour(x, y), (y * width + x) * channels);
  return sharp(raw, { raw: { width, height, channels } }).jpeg({ quality: 95 }).toBuffer();
}

const gray = (width: number, height: number, values: number[]): RasterImage => ({
  width,
  height,
  channels: 1,
  data: Uint8Array.from(values),
});

async function failure(promise: Promise<unknown>): Promise<PareError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PareError);
    return error as PareError;
  }
  throw new Error('expected a PareError');
}

function bytesOf(ds: Dataset, i: number): number[] {
  const out = new Float32Array(ds.sampleShape[0] * ds.sampleShape[1] * ds.sampleShape[2]);
  ds.read(i, out, 0);
  return Array.from(out, (v) => Math.round(v * 255));
}

describe('loadImageFolderDataset', () => {
  it('labels images by sorted class folder and keeps gray images gray', async () => {
    const dir = tree('gray', {
      'cat/1.png': gray(2, 1, [10, 20]),
      'cat/2.png': gray(2, 1, [30, 40]),
      'ant/a.png': gray(2, 1, [255, 0]),
      'ant/notes.txt': new TextEncoder().encode('ignored'),
    });
    const ds = await loadImageFolderDataset(dir, 'train');
    expect(ds.name).toBe(`folder:${dir} (all)`);
    expect(ds.classNames).toEqual(['ant', 'cat']);
    expect(ds.sampleShape).toEqual([1, 1, 2]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1]);
    expect([bytesOf(ds, 0), bytesOf(ds, 1), bytesOf(ds, 2)]).toEqual([
      [255, 0],
      [10, 20],
      [30, 40],
    ]);
    const out = new Float32Array(2);
    ds.read(0, out, 0);
    expect(Array.from(out)).toEqual([1, 0]);
  });

  it('gives colour planes (C×H×W) when any image has colour, dropping alpha', async () => {
    const dir = tree('colour', {
      'a/rgba.png': { width: 2, height: 1, channels: 4, data: Uint8Array.of(1, 2, 3, 99, 4, 5, 6, 99) },
      'b/gray.png': gray(2, 1, [7, 8]),
    });
    const ds = await loadImageFolderDataset(dir, 'test');
    expect(ds.sampleShape).toEqual([3, 1, 2]);
    expect(bytesOf(ds, 0)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(bytesOf(ds, 1)).toEqual([7, 8, 7, 8, 7, 8]);
    const asGray = await loadImageFolderDataset(dir, 'test', { channels: 1 });
    // BT.601: 0.299·1 + 0.587·2 + 0.114·3 = 1.815 → 2; 0.299·4 + 0.587·5 + 0.114·6 = 4.815 → 5.
    expect(bytesOf(asGray, 0)).toEqual([2, 5]);
  });

  it('reads train/ and test/ splits with the class list of train/', async () => {
    const dir = tree('split', {
      'train/x/1.png': gray(1, 1, [1]),
      'train/y/1.png': gray(1, 1, [2]),
      'train/z/1.png': gray(1, 1, [3]),
      'test/z/1.png': gray(1, 1, [9]),
    });
    const test = await loadImageFolderDataset(dir, 'test');
    expect(test.name).toBe(`folder:${dir} (test)`);
    expect([test.size, test.numClasses, test.labels[0]]).toEqual([1, 3, 2]);
    const train = await loadImageFolderDataset(dir, 'train');
    expect(Array.from(train.labels)).toEqual([0, 1, 2]);
  });

  it('resizes while loading when asked, and otherwise names two files of different sizes', async () => {
    const dir = tree('sizes', {
      'a/big.png': gray(4, 2, [0, 40, 80, 120, 0, 40, 80, 120]),
      'a/small.png': gray(2, 1, [10, 20]),
    });
    const error = await failure(loadImageFolderDataset(dir, 'train'));
    expect(error.message).toBe(
      `image folder '${dir}': '${join(dir, 'a/small.png')}' is 1×2 but '${join(dir, 'a/big.png')}' is 2×4; ` +
        'resize them all with --resize HxW',
    );
    const ds = await loadImageFolderDataset(dir, 'train', { imageSize: [1, 2] });
    // Antialiased bilinear (sharp's linear kernel, like PIL's BILINEAR that torchvision's Resize
    // uses): halving widens the triangle to 4 source pixels, weights 1/8, 3/8, 3/8, 1/8 with the
    // edge repeated: (0+0·3+40·3+80)/8 = 25 and (40+80·3+120·3+120)/8 = 95.
    expect(bytesOf(ds, 0)).toEqual([25, 95]);
    expect(bytesOf(ds, 1)).toEqual([10, 20]);
  });

  it('reads JPEG photos (colour and gray) next to PNGs, resizing them while decoding', async () => {
    // Flat colours survive JPEG's compression to within a few levels; a gradient checks orientation.
    const dir = tree('jpeg', {
      'red/1.jpg': await jpeg(16, 12, 3, () => [200, 30, 40]),
      'red/2.JPEG': await jpeg(16, 12, 3, (x) => [x * 16, 0, 0]),
      'gray/1.jpg': await jpeg(16, 12, 1, () => [90]),
      'gray/2.png': gray(16, 12, Array(16 * 12).fill(250)),
    });
    const ds = await loadImageFolderDataset(dir, 'train');
    expect(ds.classNames).toEqual(['gray', 'red']);
    expect(ds.sampleShape).toEqual([3, 12, 16]);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1, 1]);
    const near = (got: number[], want: number, tol = 4) => got.every((v) => Math.abs(v - want) <= tol);
    const plane = 12 * 16;
    const planes = (i: number) => [0, 1, 2].map((c) => bytesOf(ds, i).slice(c * plane, (c + 1) * plane));
    expect(planes(0).map((p) => near(p, 90))).toEqual([true, true, true]);
    expect(planes(1).map((p) => near(p, 250, 0))).toEqual([true, true, true]);
    expect(planes(2).map((p, c) => near(p, [200, 30, 40][c]!))).toEqual([true, true, true]);
    const ramp = planes(3)[0]!;
    expect(ramp[15]! - ramp[0]!).toBeGreaterThan(200); // left dark, right bright: not mirrored
    const small = await loadImageFolderDataset(dir, 'train', { imageSize: [6, 8] });
    expect(small.sampleShape).toEqual([3, 6, 8]);
    const smallPlane = bytesOf(small, 2).slice(0, 48);
    expect(near(smallPlane, 200)).toBe(true);
  });

  it('scales 16-bit PNGs to 8 bits (not clipped) and keeps them gray', async () => {
    const values = [0, 18, 128, 254, 255, 7];
    // sharp writes v·257 into 16 bits; decoding must give v back.
    const png16 = await sharp(Uint8Array.from(values), { raw: { width: 3, height: 2, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const ds = await loadImageFolderDataset(tree('deep', { 'a/deep.png': png16 }), 'train');
    expect(ds.sampleShape).toEqual([1, 2, 3]);
    expect(bytesOf(ds, 0)).toEqual(values);
  });

  it('names a damaged image, an empty class folder and a missing split', async () => {
    const broken = tree('broken', { 'a/photo.jpg': Uint8Array.of(0xff, 0xd8, 0xff, 0xe0) });
    const damaged = await failure(loadImageFolderDataset(broken, 'train'));
    expect(damaged.code).toBe('PARE_DATA');
    expect(damaged.message).toMatch(
      new RegExp(
        `^'${join(broken, 'a/photo.jpg')}': cannot decode the image \\(.+\\); replace or remove the file$`,
      ),
    );
    const empty = tree('empty-class', { 'a/1.png': gray(1, 1, [0]), 'b/readme.txt': Uint8Array.of(1) });
    expect((await failure(loadImageFolderDataset(empty, 'train'))).message).toBe(
      `class folder '${join(empty, 'b')}' has no JPEG or PNG images`,
    );
    const noTest = tree('no-test', { 'train/a/1.png': gray(1, 1, [0]) });
    const error = await failure(loadImageFolderDataset(noTest, 'test'));
    expect(error.code).toBe('PARE_IO');
    expect(error.message).toBe(
      `image folder '${noTest}' has 'train/' but no 'test/' or 'val/'; add that split or name the folder of one split directly`,
    );
    const flat = tree('flat', { '1.png': gray(1, 1, [0]) });
    expect((await failure(loadImageFolderDataset(flat, 'train'))).message).toBe(
      `image folder '${flat}' has no class sub-folders; put the images of each class in a folder named after it`,
    );
  });
});
