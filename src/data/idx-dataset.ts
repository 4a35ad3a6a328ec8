// IDX files (MNIST, Fashion-MNIST, EMNIST): a 4-byte magic (0, 0, type, rank), big-endian u32 dims,
// then the values. Image files are N×H×W bytes, label files N bytes.

import { join } from 'node:path';
import { PareError } from '../util/errors.js';
import { ArrayDataset } from './array-dataset.js';
import type { Split } from './dataset.js';
import { countClasses, formatShape } from './dataset.js';
import { listFolder, listNames, readDataFile } from './read-data-file.js';

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Readonly<Record<number, string>> = {
  9: 'int8',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};

function hex(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Parse an IDX file of unsigned bytes; `file` names it in errors. */
export function decodeIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new PareError('PARE_DATA', `'${file}': truncated IDX file: ${bytes.length} bytes, no header`, {
      file,
    });
  }
  const rank = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2]! in TYPE_NAMES || bytes[2] === UBYTE) || rank === 0) {
    throw new PareError(
      'PARE_DATA',
      `'${file}': not an IDX file: starts with bytes ${hex(bytes)}, expected 00 00 08 and a rank; ` +
        `check that this is an MNIST-style '-idx3-ubyte' or '-idx1-ubyte' file`,
      { file },
    );
  }
  if (bytes[2] !== UBYTE) {
    throw new PareError(
      'PARE_DATA',
      `'${file}': IDX element type ${TYPE_NAMES[bytes[2]!]} is not supported; pare reads unsigned-byte IDX files`,
      { file },
    );
  }
  const dataStart = 4 + 4 * rank;
  if (bytes.length < dataStart) {
    throw new PareError(
      'PARE_DATA',
      `'${file}': truncated IDX file: header needs ${dataStart} bytes, file has ${bytes.length}; download it again`,
      { file },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    const problem =
      actual < expected
        ? `truncated IDX file: header promises ${formatShape(dims)} = ${expected} bytes of data, file has ${actual}`
        : `IDX file has ${actual - expected} bytes more than its header promises (${formatShape(dims)})`;
    throw new PareError('PARE_DATA', `'${file}': ${problem}; download it again`, { file });
  }
  return { dims, data: bytes.subarray(dataStart) };
}

/** Serialise unsigned bytes as IDX: for fixtures and for exporting subsets. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  out.set(data, 4 + 4 * dims.length);
  return out;
}

// `train-images-idx3-ubyte`, `train-images.idx3-ubyte` (some mirrors), `emnist-digits-train-images-…`,
// each optionally `.gz`. `t10k` is the official test prefix; `test` appears in re-packagings.
const PREFIXES: Readonly<Record<Split, string>> = { train: 'train', test: '(?:t10k|test)' };

function idxPattern(split: Split, kind: 'images' | 'labels'): RegExp {
  const rank = kind === 'images' ? 3 : 1;
  return new RegExp(`^(?:.+-)?${PREFIXES[split]}-${kind}[.-]idx${rank}-ubyte(?:\\.gz)?$`);
}

function pickFile(dir: string, names: readonly string[], split: Split, kind: 'images' | 'labels'): string {
  const matches = names.filter((n) => idxPattern(split, kind).test(n));
  // The same file raw and gzipped counts once; the raw one is faster to read.
  const stems = [...new Set(matches.map((n) => n.replace(/\.gz$/, '')))];
  if (stems.length === 0) {
    const first = split === 'train' ? 'train' : 't10k';
    const rank = kind === 'images' ? 3 : 1;
    throw new PareError(
      'PARE_IO',
      `idx data folder '${dir}' has no ${split} ${kind}: expected '${first}-${kind}-idx${rank}-ubyte' ` +
        `or '${first}-${kind}-idx${rank}-ubyte.gz' (found ${listNames(names)}); ` +
        'point idx: at the folder holding the MNIST-style files',
      { file: dir },
    );
  }
  if (stems.length > 1) {
    throw new PareError(
      'PARE_DATA',
      `idx data folder '${dir}' holds several ${split} ${kind} files (${listNames(stems)}); ` +
        'move each set into its own folder',
      { file: dir },
    );
  }
  const stem = stems[0]!;
  return join(dir, matches.includes(stem) ? stem : `${stem}.gz`);
}

/** Load the train or test split of an MNIST-style folder (also its `raw/` sub-folder, torchvision's layout). */
export async function loadIdxDataset(dir: string, split: Split): Promise<ArrayDataset> {
  let names = await listFolder(dir);
  let folder = dir;
  if (!names.some((n) => idxPattern(split, 'images').test(n)) && names.includes('raw')) {
    folder = join(dir, 'raw');
    names = await listFolder(folder);
  }
  const imageFile = pickFile(folder, names, split, 'images');
  const labelFile = pickFile(folder, names, split, 'labels');
  const [imageBytes, labelBytes] = await Promise.all([readDataFile(imageFile), readDataFile(labelFile)]);
  const images = decodeIdx(imageBytes, imageFile);
  const labels = decodeIdx(labelBytes, labelFile);
  if (images.dims.length !== 3) {
    throw new PareError(
      'PARE_DATA',
      `'${imageFile}': IDX images must have 3 dimensions (count, height, width), got ${formatShape(images.dims)}`,
      { file: imageFile },
    );
  }
  if (labels.dims.length !== 1) {
    throw new PareError(
      'PARE_DATA',
      `'${labelFile}': IDX labels must have 1 dimension (count), got ${formatShape(labels.dims)}`,
      { file: labelFile },
    );
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new PareError(
      'PARE_DATA',
      `'${labelFile}' has ${labels.dims[0]} labels but '${imageFile}' has ${count} images; ` +
        'the two files come from different sets',
      { file: labelFile },
    );
  }
  const labelArray = Int32Array.from(labels.data);
  return new ArrayDataset({
    name: `idx:${dir} (${split})`,
    sampleShape: [1, height, width],
    pixels: images.data,
    labels: labelArray,
    numClasses: countClasses(labelArray),
  });
}
