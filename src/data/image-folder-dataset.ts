// A folder of JPEG or PNG images with one sub-folder per class (torchvision's ImageFolder layout),
// optionally split into `train/` and `test/` (or `val/`). Images are decoded (and resized) once at
// load, in parallel, and kept as bytes, so training reads memory, never files.

import { extname, join } from 'node:path';
import { PareError } from '../util/errors.js';
import { ArrayDataset } from './array-dataset.js';
import type { SampleShape, Split } from './dataset.js';
import { formatShape } from './dataset.js';
import { decodeImageFile, decodeImageFiles } from './decode-image.js';
import type { RasterImage } from './png-codec.js';
import { isFolder, listFolder } from './read-data-file.js';

/** File names read as images (what sharp decodes; the common photo and scan formats). */
const IMAGE_FILE = /^\.(png|jpe?g|webp|tiff?)$/i;

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

/** Gray or RGB planes of one image (C×H×W bytes) into `out`, replicating gray as needed. */
function writePlanes(image: RasterImage, channels: 1 | 3, out: Uint8Array): void {
  const { width, height, data } = image;
  const plane = width * height;
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
}

/** The first plane of every sample: gray images were stored as three equal planes. */
function firstPlanes(pixels: Uint8Array, count: number, plane: number): Uint8Array {
  const out = new Uint8Array(count * plane);
  for (let i = 0; i < count; i++) out.set(pixels.subarray(i * 3 * plane, i * 3 * plane + plane), i * plane);
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
    const images = (await listFolder(classDir)).filter((n) => IMAGE_FILE.test(extname(n)));
    if (images.length === 0) {
      throw new PareError('PARE_DATA', `class folder '${classDir}' has no JPEG or PNG images`, {
        file: classDir,
      });
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
  const size = options.imageSize;
  const first = await decodeImageFile(files[0]!, size ? { size } : {});
  const [height, width] = size ?? [first.height, first.width];
  const plane = height * width;
  // Colour until proven gray: samples are stored as 3 planes and reduced to 1 at the end when no
  // image had colour (unless the caller chose).
  const stored = options.channels ?? 3;
  let pixels: Uint8Array = new Uint8Array(files.length * stored * plane);
  let colour = false;
  const place = (i: number, image: RasterImage) => {
    if (image.height !== height || image.width !== width) {
      throw new PareError(
        'PARE_DATA',
        `image folder '${folder}': '${files[i]}' is ${formatShape([image.height, image.width])} but ` +
          `'${files[0]}' is ${formatShape([height, width])}; resize them all with --resize HxW`,
        { file: files[i]! },
      );
    }
    if (image.channels >= 3) colour = true;
    writePlanes(image, stored, pixels.subarray(i * stored * plane, (i + 1) * stored * plane));
  };
  place(0, first);
  await decodeImageFiles(files.slice(1), size ? { size } : {}, (i, image) => place(i + 1, image));
  const channels = options.channels ?? (colour ? 3 : 1);
  if (channels !== stored) pixels = firstPlanes(pixels, files.length, plane);
  const shape: SampleShape = [channels, height, width];
  return new ArrayDataset({
    name: `folder:${dir} (${which})`,
    sampleShape: shape,
    pixels,
    labels: Int32Array.from(labels),
    numClasses: classNames.length,
    classNames,
  });
}
