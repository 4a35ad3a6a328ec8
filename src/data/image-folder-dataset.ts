// A folder of PNG images with one sub-folder per class (torchvision's ImageFolder layout), optionally
// split into `train/` and `test/` (or `val/`). Images are decoded once at load and kept as bytes.

import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { PareError } from '../util/errors.js';
import { ArrayDataset } from './array-dataset.js';
import type { SampleShape, Split } from './dataset.js';
import { formatShape, sampleSize } from './dataset.js';
import type { RasterImage } from './png-codec.js';
import { decodePng } from './png-codec.js';
import { isFolder, listFolder } from './read-data-file.js';
import { resizeBilinear } from './resize.js';

export interface ImageFolderOptions {
  /** Resize every image to `[height, width]` at load; needed when the images differ in size. */
  readonly imageSize?: readonly [height: number, width: number];
  /** Force gray (1) or colour (3); by default colour when any image has colour. Alpha is dropped. */
  readonly channels?: 1 | 3;
}

const SPLIT_FOLDERS: Readonly<Record<Split, readonly string[]>> = { train: ['train'], test: ['test', 'val'] };

async function subfolders(dir: string): Promise<string[]> {
  const names = (await listFolder(dir)).filter((n) => !n.startsWith('.'));
  const flags = await Promise.all(names.map((n) => isFolder(join(dir, n))));
  return names.filter((_, i) => flags[i]);
}

/**
 * The folder holding `split`: `dir/train`, `dir/test` or `dir/val` when `dir` has a `train/`
 * sub-folder, else `dir` itself, which then serves every split.
 */
async function splitFolder(dir: string, split: Split): Promise<{ folder: string; which: Split | 'all' }> {
  if (!(await isFolder(join(dir, 'train')))) return { folder: dir, which: 'all' };
  for (const name of SPLIT_FOLDERS[split]) {
    if (await isFolder(join(dir, name))) return { folder: join(dir, name), which: split };
  }
  throw new PareError(
    'PARE_IO',
    `image folder '${dir}' has 'train/' but no ${SPLIT_FOLDERS[split].map((n) => `'${n}/'`).join(' or ')}; ` +
      'add that split or name the folder of one split directly',
    { file: dir },
  );
}

/** Gray or RGB planes of one image (C×H×W bytes), dropping alpha and replicating gray as needed. */
function toPlanes(image: RasterImage, channels: 1 | 3): Uint8Array {
  const { width, height, data } = image;
  const plane = width * height;
  const out = new Uint8Array(channels * plane);
  const colour = image.channels >= 3;
  for (let p = 0; p < plane; p++) {
    const at = p * image.channels;
    if (channels === 1) {
      // ITU-R BT.601 luma, the weights PIL uses for convert('L').
      out[p] = colour
        ? Math.round(0.299 * data[at]! + 0.587 * data[at + 1]! + 0.114 * data[at + 2]!)
        : data[at]!;
    } else {
      for (let c = 0; c < 3; c++) out[c * plane + p] = data[at + (colour ? c : 0)]!;
    }
  }
  return out;
}

/** Load one split; classes are the sub-folder names of `train/` (or of `dir`), sorted. */
export async function loadImageFolderDataset(
  dir: string,
  split: Split,
  options: ImageFolderOptions = {},
): Promise<ArrayDataset> {
  const { folder, which } = await splitFolder(dir, split);
  const classFolder = which === 'all' ? dir : join(dir, 'train');
  const classNames = await subfolders(classFolder);
  if (classNames.length === 0) {
    throw new PareError(
      'PARE_DATA',
      `image folder '${folder}' has no class sub-folders; put the images of each class in a folder named after it`,
      { file: folder },
    );
  }
  const files: string[] = [];
  const labels: number[] = [];
  for (const [label, name] of classNames.entries()) {
    const classDir = join(folder, name);
    if (!(await isFolder(classDir))) continue; // a class absent from the test split
    const images = (await listFolder(classDir)).filter((n) => /^\.(png|jpe?g)$/i.test(extname(n)));
    if (images.length === 0) {
      throw new PareError('PARE_DATA', `class folder '${classDir}' has no PNG images`, { file: classDir });
    }
    for (const image of images) {
      files.push(join(classDir, image));
      labels.push(label);
    }
  }
  if (files.length === 0) {
    throw new PareError('PARE_DATA', `image folder '${folder}' has no images in its class folders`, {
      file: folder,
    });
  }
  // Sequential reads keep memory flat; decoding dominates anyway.
  const images: RasterImage[] = [];
  for (const file of files) images.push(decodePng(await readFile(file), file));
  const channels = options.channels ?? (images.some((im) => im.channels >= 3) ? 3 : 1);
  const first = images[0]!;
  const [height, width] = options.imageSize ?? [first.height, first.width];
  const shape: SampleShape = [channels, height, width];
  const pixels = new Uint8Array(images.length * sampleSize(shape));
  images.forEach((image, i) => {
    const planes = toPlanes(image, channels);
    if (image.height === height && image.width === width) {
      pixels.set(planes, i * planes.length);
    } else if (options.imageSize !== undefined) {
      const out = pixels.subarray(i * sampleSize(shape), (i + 1) * sampleSize(shape));
      resizeBilinear(planes, out, 1, [channels, image.height, image.width], [height, width]);
    } else {
      throw new PareError(
        'PARE_DATA',
        `image folder '${folder}': '${files[i]}' is ${formatShape([image.height, image.width])} but ` +
          `'${files[0]}' is ${formatShape([height, width])}; resize them all with --resize HxW`,
        { file: files[i]! },
      );
    }
  });
  return new ArrayDataset({
    name: `folder:${dir} (${which})`,
    sampleShape: shape,
    pixels,
    labels: Int32Array.from(labels),
    numClasses: classNames.length,
    classNames,
  });
}
