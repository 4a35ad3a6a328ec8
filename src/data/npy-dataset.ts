// A folder of NumPy arrays: images `x_<split>.npy` and labels `y_<split>.npy`, or one unsplit pair
// `x.npy` + `y.npy`. Images are N×H×W, N×C×H×W or N×H×W×C; byte images are scaled to [0, 1],
// float images are taken as already scaled.

import { join } from 'node:path';
import { PareError } from '../util/errors.js';
import { ArrayDataset, hwcToChw } from './array-dataset.js';
import type { SampleShape, Split } from './dataset.js';
import { countClasses, formatShape } from './dataset.js';
import type { NpyArray } from './npy-codec.js';
import { decodeNpy } from './npy-codec.js';
import { listFolder, listNames, readDataFile } from './read-data-file.js';

const MAX_CHANNELS = 4;

/** 1 (gray) and 3 (RGB) are what a channel axis nearly always holds. */
const isCommonChannelCount = (d: number) => d === 1 || d === 3;

/**
 * Sample shape and whether the array is channels-last. The axis holding 1 or 3 is the channel
 * axis; when both or neither do, channels-first (pare's own layout) wins if it can.
 */
function imageLayout(x: NpyArray, file: string): { shape: SampleShape; channelsLast: boolean } {
  const s = x.shape;
  if (s.length === 3) return { shape: [1, s[1]!, s[2]!], channelsLast: false };
  if (s.length === 4) {
    const [, a, b, c] = s as [number, number, number, number];
    const first = isCommonChannelCount(a) || (!isCommonChannelCount(c) && a <= MAX_CHANNELS);
    if (first && a <= MAX_CHANNELS) return { shape: [a, b, c], channelsLast: false };
    if (c <= MAX_CHANNELS) return { shape: [c, a, b], channelsLast: true };
  }
  throw new PareError(
    'PARE_DATA',
    `'${file}': images have shape ${formatShape(s)}; expected N×H×W, N×C×H×W or N×H×W×C with at most ` +
      `${MAX_CHANNELS} channels`,
    { file },
  );
}

function imagePixels(x: NpyArray, file: string): Uint8Array | Float32Array {
  if (!(x.data instanceof Int32Array)) return x.data;
  // Integer images saved without a cast to uint8 (int64 from many pipelines): bytes if they fit.
  const out = new Uint8Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = x.data[i]!;
    if (v < 0 || v > 255) {
      throw new PareError(
        'PARE_DATA',
        `'${file}': integer images must be 0..255, found ${v}; save them as uint8 or as float32 in [0, 1]`,
        { file },
      );
    }
    out[i] = v;
  }
  return out;
}

/** Class indices from a vector of integers or a one-hot / score matrix (argmax per row). */
function labelsOf(y: NpyArray, count: number, file: string): Int32Array {
  const rows = y.shape[0];
  const width = y.shape.length === 2 ? y.shape[1]! : 1;
  if (rows !== count || y.shape.length > 2) {
    throw new PareError(
      'PARE_DATA',
      `'${file}': labels have shape ${formatShape(y.shape)}, expected ${count} (one per image) or ${count}×classes`,
      { file },
    );
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (y.data[i * width + k]! > y.data[i * width + best]!) best = k;
    const v = width === 1 ? y.data[i]! : best;
    if (!Number.isInteger(v) || v < 0) {
      throw new PareError(
        'PARE_DATA',
        `'${file}': label ${i} is ${v}; labels must be class indices 0, 1, 2, …`,
        {
          file,
        },
      );
    }
    out[i] = v;
  }
  return out;
}

async function pickPair(dir: string, split: Split): Promise<{ x: string; y: string; which: string }> {
  const names = await listFolder(dir);
  for (const suffix of [`_${split}`, '']) {
    if (names.includes(`x${suffix}.npy`) && names.includes(`y${suffix}.npy`)) {
      return {
        x: join(dir, `x${suffix}.npy`),
        y: join(dir, `y${suffix}.npy`),
        which: suffix ? split : 'all',
      };
    }
  }
  throw new PareError(
    'PARE_IO',
    `npy data folder '${dir}' has no 'x_${split}.npy' + 'y_${split}.npy' nor 'x.npy' + 'y.npy' ` +
      `(found ${listNames(names)}); save images and labels under those names`,
    { file: dir },
  );
}

/** Load a split; a folder with only `x.npy` + `y.npy` gives the same data for every split. */
export async function loadNpyDataset(dir: string, split: Split): Promise<ArrayDataset> {
  const files = await pickPair(dir, split);
  const [xBytes, yBytes] = await Promise.all([readDataFile(files.x), readDataFile(files.y)]);
  const x = decodeNpy(xBytes, files.x);
  const y = decodeNpy(yBytes, files.y);
  const { shape, channelsLast } = imageLayout(x, files.x);
  const count = x.shape[0]!;
  const labels = labelsOf(y, count, files.y);
  let pixels = imagePixels(x, files.x);
  if (channelsLast) {
    pixels =
      pixels instanceof Uint8Array
        ? hwcToChw(pixels, count, shape, new Uint8Array(pixels.length))
        : hwcToChw(pixels, count, shape, new Float32Array(pixels.length));
  }
  return new ArrayDataset({
    name: `npy:${dir} (${files.which})`,
    sampleShape: shape,
    pixels,
    labels,
    numClasses: countClasses(labels),
  });
}
