import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import { decodeIdx, encodeIdx, loadIdxDataset } from './idx-dataset.js';

const root = mkdtempSync(join(tmpdir(), 'pare-idx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder holding `files`, each written as given. */
function folder(name: string, files: Record<string, Uint8Array>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<PareError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PareError);
    return error as PareError;
  }
  throw new Error('expected a PareError');
}

// Three 2×3 training images and two test images with distinctive bytes.
const trainPixels = Uint8Array.from([0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]);
const testPixels = Uint8Array.from([7, 8, 9, 10, 11, 12, 255, 0, 255, 0, 255, 0]);
const mnist = {
  'train-images-idx3-ubyte': encodeIdx([3, 2, 3], trainPixels),
  'train-labels-idx1-ubyte': encodeIdx([3], Uint8Array.from([1, 0, 2])),
  't10k-images-idx3-ubyte': encodeIdx([2, 2, 3], testPixels),
  't10k-labels-idx1-ubyte': encodeIdx([2], Uint8Array.from([2, 1])),
};
const gzipped = Object.fromEntries(Object.entries(mnist).map(([n, b]) => [`${n}.gz`, gzipSync(b)]));

function readAll(ds: {
  size: number;
  sampleShape: readonly number[];
  read: (i: number, o: Float32Array, k: number) => void;
}) {
  const stride = ds.sampleShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(ds.size * stride);
  for (let i = 0; i < ds.size; i++) ds.read(i, out, i * stride);
  return out;
}

function thrown(fn: () => unknown): PareError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PareError);
    return error as PareError;
  }
  throw new Error('expected a PareError');
}

const scaled = (bytes: Uint8Array) => Float32Array.from(bytes, (v) => v / 255);

describe('loadIdxDataset', () => {
  it.each([
    ['raw', mnist],
    ['gzip', gzipped],
  ])('reads %s files: exact pixels in [0, 1] and labels', async (kind, files) => {
    const dir = folder(`mnist-${kind}`, files);
    const train = await loadIdxDataset(dir, 'train');
    expect(train.name).toBe(`idx:${dir} (train)`);
    expect([train.size, train.numClasses]).toEqual([3, 3]);
    expect(train.sampleShape).toEqual([1, 2, 3]);
    expect(Array.from(train.labels)).toEqual([1, 0, 2]);
    expect(readAll(train)).toEqual(scaled(trainPixels));
    const test = await loadIdxDataset(dir, 'test');
    expect(Array.from(test.labels)).toEqual([2, 1]);
    expect(readAll(test)).toEqual(scaled(testPixels));
  });

  it('accepts mirror names (train-images.idx3-ubyte), EMNIST prefixes and torchvision raw/', async () => {
    const dotted = folder('dotted', {
      'train-images.idx3-ubyte': mnist['train-images-idx3-ubyte'],
      'train-labels.idx1-ubyte': mnist['train-labels-idx1-ubyte'],
    });
    expect((await loadIdxDataset(dotted, 'train')).size).toBe(3);
    const emnist = folder('emnist', {
      'emnist-digits-test-images-idx3-ubyte.gz': gzipped['t10k-images-idx3-ubyte.gz']!,
      'emnist-digits-test-labels-idx1-ubyte.gz': gzipped['t10k-labels-idx1-ubyte.gz']!,
    });
    expect((await loadIdxDataset(emnist, 'test')).size).toBe(2);
    const torchvision = folder('MNIST', {});
    folder('MNIST/raw', mnist);
    expect((await loadIdxDataset(torchvision, 'train')).size).toBe(3);
  });

  it('prefers the raw file when a folder has both raw and gzip', async () => {
    const both = folder('both', { ...mnist, 'train-images-idx3-ubyte.gz': Uint8Array.from([1, 2, 3]) });
    expect((await loadIdxDataset(both, 'train')).size).toBe(3);
  });

  it('names the missing file and what it looked for', async () => {
    const dir = folder('no-labels', { 'train-images-idx3-ubyte': mnist['train-images-idx3-ubyte'] });
    const error = await failure(loadIdxDataset(dir, 'train'));
    expect(error.code).toBe('PARE_IO');
    expect(error.message).toBe(
      `idx data folder '${dir}' has no train labels: expected 'train-labels-idx1-ubyte' or ` +
        `'train-labels-idx1-ubyte.gz' (found 'train-images-idx3-ubyte'); ` +
        'point idx: at the folder holding the MNIST-style files',
    );
    const missing = join(root, 'nowhere');
    expect((await failure(loadIdxDataset(missing, 'test'))).message).toBe(
      `data folder '${missing}' does not exist; check the path`,
    );
  });

  it('rejects image and label files of different lengths', async () => {
    const dir = folder('mismatch', {
      ...mnist,
      'train-labels-idx1-ubyte': encodeIdx([2], Uint8Array.from([0, 1])),
    });
    expect((await failure(loadIdxDataset(dir, 'train'))).message).toBe(
      `'${join(dir, 'train-labels-idx1-ubyte')}' has 2 labels but '${join(dir, 'train-images-idx3-ubyte')}' ` +
        'has 3 images; the two files come from different sets',
    );
  });

  it('reports damaged gzip data with the file name', async () => {
    const gz = gzipped['train-images-idx3-ubyte.gz']!;
    const dir = folder('bad-gz', {
      ...gzipped,
      'train-images-idx3-ubyte.gz': gz.subarray(0, gz.length - 12),
    });
    const error = await failure(loadIdxDataset(dir, 'train'));
    expect(error.message).toBe(
      `'${join(dir, 'train-images-idx3-ubyte.gz')}': gzip data is damaged or truncated (unexpected end of file); ` +
        'download the file again',
    );
  });
});

describe('decodeIdx', () => {
  const images = mnist['train-images-idx3-ubyte'];

  it('is the inverse of encodeIdx', () => {
    const { dims, data } = decodeIdx(images, 'f');
    expect(dims).toEqual([3, 2, 3]);
    expect(data).toEqual(trainPixels);
  });

  it.each([
    [
      'wrong magic',
      Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0]),
      "'f': not an IDX file: starts with bytes 50 4b 03 04, expected 00 00 08 and a rank; " +
        "check that this is an MNIST-style '-idx3-ubyte' or '-idx1-ubyte' file",
    ],
    ['no header', Uint8Array.from([0, 0]), "'f': truncated IDX file: 2 bytes, no header"],
    [
      'short header',
      images.subarray(0, 10),
      "'f': truncated IDX file: header needs 16 bytes, file has 10; download it again",
    ],
    [
      'truncated data',
      images.subarray(0, images.length - 5),
      "'f': truncated IDX file: header promises 3×2×3 = 18 bytes of data, file has 13; download it again",
    ],
    [
      'extra data',
      Uint8Array.from([...images, 9, 9]),
      "'f': IDX file has 2 bytes more than its header promises (3×2×3); download it again",
    ],
    [
      'float elements',
      Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]),
      "'f': IDX element type float32 is not supported; pare reads unsigned-byte IDX files",
    ],
  ])('%s', (_, bytes, message) => {
    expect(thrown(() => decodeIdx(bytes, 'f'))).toMatchObject({ code: 'PARE_DATA', message });
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';

describe('Fashion-MNIST from the Debian package dataset-fashion-mnist', () => {
  // The package installs train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
  // t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.
  it.skipIf(!existsSync(FASHION))('loads 60000 + 10000 28×28 images in 10 classes', async () => {
    const [train, test] = await Promise.all([
      loadIdxDataset(FASHION, 'train'),
      loadIdxDataset(FASHION, 'test'),
    ]);
    expect([train.size, test.size]).toEqual([60000, 10000]);
    expect(train.sampleShape).toEqual([1, 28, 28]);
    expect(test.sampleShape).toEqual([1, 28, 28]);
    expect([train.numClasses, test.numClasses]).toEqual([10, 10]);
    // Balanced: 6000 training images per class.
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(6000));
  });
});
