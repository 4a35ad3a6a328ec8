// CIFAR-10 and CIFAR-100 "binary version" batches: fixed-size records of label byte(s) followed by
// 3×32×32 pixels, already stored as R, G and B planes, i.e. C×H×W.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PareError } from '../util/errors.js';
import { ArrayDataset } from './array-dataset.js';
import type { Split } from './dataset.js';
import { listFolder, listNames, readDataFile } from './read-data-file.js';

export type CifarVariant = 'cifar10' | 'cifar100';

interface CifarLayout {
  /** Sub-folder the official archive unpacks to; also accepted as the folder itself. */
  readonly subfolder: string;
  readonly files: Readonly<Record<Split, readonly string[]>>;
  /** Label bytes before the pixels; the label used is the last one (CIFAR-100's fine label). */
  readonly labelBytes: number;
  readonly numClasses: number;
  readonly classNamesFile: string;
}

const PIXELS = 3 * 32 * 32;

const LAYOUTS: Readonly<Record<CifarVariant, CifarLayout>> = {
  cifar10: {
    subfolder: 'cifar-10-batches-bin',
    files: {
      train: [
        'data_batch_1.bin',
        'data_batch_2.bin',
        'data_batch_3.bin',
        'data_batch_4.bin',
        'data_batch_5.bin',
      ],
      test: ['test_batch.bin'],
    },
    labelBytes: 1,
    numClasses: 10,
    classNamesFile: 'batches.meta.txt',
  },
  cifar100: {
    subfolder: 'cifar-100-binary',
    files: { train: ['train.bin'], test: ['test.bin'] },
    labelBytes: 2,
    numClasses: 100,
    classNamesFile: 'fine_label_names.txt',
  },
};

async function resolveFolder(dir: string, layout: CifarLayout, variant: CifarVariant): Promise<string> {
  const names = await listFolder(dir);
  if (names.includes(layout.files.test[0]!) || names.includes(layout.files.train[0]!)) return dir;
  if (names.includes(layout.subfolder)) return join(dir, layout.subfolder);
  throw new PareError(
    'PARE_IO',
    `${variant} data folder '${dir}' has neither '${layout.files.train[0]}' nor '${layout.subfolder}/' ` +
      `(found ${listNames(names)}); unpack the binary version of ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} there`,
    { file: dir },
  );
}

async function readClassNames(folder: string, layout: CifarLayout): Promise<string[] | undefined> {
  try {
    const text = await readFile(join(folder, layout.classNamesFile), 'utf8');
    const names = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    return names.length === layout.numClasses ? names : undefined;
  } catch {
    // Class names only decorate reports; their absence is not an error.
    return undefined;
  }
}

/** Load the train (all five batches for CIFAR-10) or test split. */
export async function loadCifarDataset(
  dir: string,
  variant: CifarVariant,
  split: Split,
): Promise<ArrayDataset> {
  const layout = LAYOUTS[variant];
  const folder = await resolveFolder(dir, layout, variant);
  const files = layout.files[split].map((f) => join(folder, f));
  const chunks = await Promise.all(files.map((f) => readDataFile(f)));
  const record = layout.labelBytes + PIXELS;
  let total = 0;
  chunks.forEach((bytes, i) => {
    if (bytes.length === 0 || bytes.length % record !== 0) {
      const other = variant === 'cifar10' ? 'cifar100' : 'cifar10';
      const otherRecord = LAYOUTS[other].labelBytes + PIXELS;
      const hint =
        bytes.length > 0 && bytes.length % otherRecord === 0
          ? `it looks like ${other} data, use ${other}:`
          : 'download the binary version again';
      throw new PareError(
        'PARE_DATA',
        `'${files[i]}': ${bytes.length} bytes is not a whole number of ${variant} records ` +
          `(${record} bytes: ${layout.labelBytes} label byte${layout.labelBytes > 1 ? 's' : ''} + ${PIXELS} pixels); ${hint}`,
        { file: files[i]! },
      );
    }
    total += bytes.length / record;
  });
  const pixels = new Uint8Array(total * PIXELS);
  const labels = new Int32Array(total);
  let n = 0;
  chunks.forEach((bytes, i) => {
    for (let r = 0; r * record < bytes.length; r++, n++) {
      const at = r * record;
      const label = bytes[at + layout.labelBytes - 1]!;
      if (label >= layout.numClasses) {
        throw new PareError(
          'PARE_DATA',
          `'${files[i]}': record ${r} has label ${label}, expected 0..${layout.numClasses - 1}; ` +
            `check that this is ${variant} data`,
          { file: files[i]! },
        );
      }
      labels[n] = label;
      pixels.set(bytes.subarray(at + layout.labelBytes, at + record), n * PIXELS);
    }
  });
  const classNames = await readClassNames(folder, layout);
  return new ArrayDataset({
    name: `${variant}:${dir} (${split})`,
    sampleShape: [3, 32, 32],
    pixels,
    labels,
    numClasses: layout.numClasses,
    ...(classNames === undefined ? {} : { classNames }),
  });
}
