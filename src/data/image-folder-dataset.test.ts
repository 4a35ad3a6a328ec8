import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    // Half-pixel centres: output x=0 samples source x=0.5 → 20; x=1 samples 2.5 → 100.
    expect(bytesOf(ds, 0)).toEqual([20, 100]);
    expect(bytesOf(ds, 1)).toEqual([10, 20]);
  });

  it('explains JPEG files, empty class folders and missing splits', async () => {
    const jpeg = tree('jpeg', { 'a/photo.jpg': Uint8Array.of(0xff, 0xd8, 0xff, 0xe0) });
    expect((await failure(loadImageFolderDataset(jpeg, 'train'))).message).toBe(
      `'${join(jpeg, 'a/photo.jpg')}': JPEG is not supported yet, convert to PNG`,
    );
    const empty = tree('empty-class', { 'a/1.png': gray(1, 1, [0]), 'b/readme.txt': Uint8Array.of(1) });
    expect((await failure(loadImageFolderDataset(empty, 'train'))).message).toBe(
      `class folder '${join(empty, 'b')}' has no PNG images`,
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
