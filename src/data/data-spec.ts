// Data specs: `FORMAT:PATH[:SPLIT]` strings as given to `--data`, the table of formats, and the one
// entry point that opens any of them.

import { join } from 'node:path';
import { PareError } from '../util/errors.js';
import { loadCifarDataset } from './cifar-dataset.js';
import type { Dataset, Split } from './dataset.js';
import { loadIdxDataset } from './idx-dataset.js';
import { loadImageFolderDataset } from './image-folder-dataset.js';
import { loadNpyDataset } from './npy-dataset.js';
import { isFolder, listFolder, listNames } from './read-data-file.js';

export interface OpenDatasetOptions {
  /** The split to read unless the spec names one: `train` for training, `test` for evaluation. */
  readonly split: Split;
  /** `folder:` only: resize images to `[height, width]` while loading (needed when sizes differ). */
  readonly imageSize?: readonly [height: number, width: number];
  /** `folder:` only: force gray (1) or colour (3) samples. */
  readonly channels?: 1 | 3;
}

interface DataFormat {
  readonly summary: string;
  /** True when a folder listing looks like this format; used when the spec has no prefix. */
  readonly detect: (names: readonly string[]) => boolean;
  readonly load: (path: string, split: Split, options: OpenDatasetOptions) => Promise<Dataset>;
}

export const dataFormats = {
  idx: {
    summary: 'MNIST-style IDX files (MNIST, Fashion-MNIST, EMNIST), gzipped or not',
    detect: (names) => names.some((n) => /images[.-]idx3-ubyte/.test(n)),
    load: (path, split) => loadIdxDataset(path, split),
  },
  cifar10: {
    summary: 'CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin)',
    detect: (names) => names.includes('data_batch_1.bin') || names.includes('cifar-10-batches-bin'),
    load: (path, split) => loadCifarDataset(path, 'cifar10', split),
  },
  cifar100: {
    summary: 'CIFAR-100 binary files (train.bin, test.bin; fine labels)',
    detect: (names) =>
      names.includes('cifar-100-binary') || (names.includes('train.bin') && names.includes('test.bin')),
    load: (path, split) => loadCifarDataset(path, 'cifar100', split),
  },
  npy: {
    summary: 'NumPy arrays x_train.npy + y_train.npy, x_test.npy + y_test.npy, or x.npy + y.npy',
    detect: (names) =>
      names.includes('x.npy') || names.includes('x_train.npy') || names.includes('x_test.npy'),
    load: (path, split) => loadNpyDataset(path, split),
  },
  folder: {
    summary: 'JPEG or PNG images in one sub-folder per class, optionally under train/ and test/ (or val/)',
    detect: () => false,
    load: (path, split, options) => loadImageFolderDataset(path, split, options),
  },
} satisfies Record<string, DataFormat>;

export type DataFormatName = keyof typeof dataFormats;

export interface DataSpec {
  /** `auto` when the text had no prefix: the format is then told from the folder's contents. */
  readonly format: DataFormatName | 'auto';
  readonly path: string;
  /** A split named in the spec; it wins over the caller's default. */
  readonly split?: Split;
}

const FORMAT_LIST = Object.keys(dataFormats).join(', ');
const EXAMPLE = 'idx:/usr/share/datasets/fashion-mnist or cifar10:data/cifar-10-batches-bin:test';

function isFormat(name: string): name is DataFormatName {
  return Object.hasOwn(dataFormats, name);
}

/** Parse `FORMAT:PATH`, `FORMAT:PATH:train|test` or a bare `PATH` (format detected when opened). */
export function parseDataSpec(text: string): DataSpec {
  let rest = text.trim();
  let split: Split | undefined;
  const suffix = /:(train|test)$/.exec(rest);
  if (suffix !== null) {
    split = suffix[1] as Split;
    rest = rest.slice(0, suffix.index);
  }
  // A lower-case word of two or more characters before the first colon is a format; a drive letter
  // (`C:\data`) is not.
  const prefix = /^([a-z][a-z0-9-]+):(.*)$/s.exec(rest);
  let format: DataSpec['format'] = 'auto';
  if (prefix !== null) {
    const name = prefix[1]!;
    if (!isFormat(name)) {
      throw new PareError(
        'PARE_CONFIG',
        `unknown data format '${name}' in '${text}'; use one of ${FORMAT_LIST} (e.g. ${EXAMPLE})`,
      );
    }
    format = name;
    rest = prefix[2]!;
  }
  if (rest === '') {
    throw new PareError(
      'PARE_CONFIG',
      `data spec '${text}' has no path; write FORMAT:PATH[:train|test], e.g. ${EXAMPLE}`,
    );
  }
  return split === undefined ? { format, path: rest } : { format, path: rest, split };
}

/** The text `parseDataSpec` reads back as `spec`. */
export function formatDataSpec(spec: DataSpec): string {
  const head = spec.format === 'auto' ? '' : `${spec.format}:`;
  return `${head}${spec.path}${spec.split === undefined ? '' : `:${spec.split}`}`;
}

/** Tell the format of a folder from its file names; `folder` when it only has sub-folders. */
export async function detectDataFormat(path: string): Promise<DataFormatName> {
  const names = await listFolder(path);
  for (const [name, format] of Object.entries(dataFormats)) {
    if (format.detect(names)) return name as DataFormatName;
  }
  // Anything with sub-folders is taken as an image folder (classes directly, or train/ and test/).
  const folders = await Promise.all(names.map((n) => isFolder(join(path, n))));
  if (folders.some(Boolean)) return 'folder';
  throw new PareError(
    'PARE_DATA',
    `cannot tell the data format of '${path}' (found ${listNames(names)}); prefix it with one of ${FORMAT_LIST}, e.g. ${EXAMPLE}`,
    { file: path },
  );
}

/** Open the data a spec names, for `options.split` unless the spec pins a split. */
export async function openDataset(spec: string | DataSpec, options: OpenDatasetOptions): Promise<Dataset> {
  const parsed = typeof spec === 'string' ? parseDataSpec(spec) : spec;
  const format = parsed.format === 'auto' ? await detectDataFormat(parsed.path) : parsed.format;
  const split = parsed.split ?? options.split;
  return dataFormats[format].load(parsed.path, split, { ...options, split });
}
