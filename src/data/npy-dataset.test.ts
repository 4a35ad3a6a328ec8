import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '#test/fixture-paths.js';
import { PareError } from '../util/errors.js';
import type { Dataset } from './dataset.js';
import { encodeNpy } from './npy-codec.js';
import { loadNpyDataset } from './npy-dataset.js';

// x_train: 3×1×2×3 float32 k/10, y_train int64 [2, 0, 1]; x_test: 2×2×2×3 uint8 (channels last)
// k·10, y_test [1, 2]. Written by NumPy: test/fixtures/data/make-npy-fixtures.py.
const FIXTURE = fixturePath('data', 'npy');
const root = mkdtempSync(join(tmpdir(), 'pare-npy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

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

function readAll(ds: Dataset): number[] {
  const stride = ds.sampleShape[0] * ds.sampleShape[1] * ds.sampleShape[2];
  const out = new Float32Array(ds.size * stride);
  for (let i = 0; i < ds.size; i++) ds.read(i, out, i * stride);
  return Array.from(out);
}

describe('loadNpyDataset', () => {
  it('reads float32 channels-first images as they are', async () => {
    const train = await loadNpyDataset(FIXTURE, 'train');
    expect(train.name).toBe(`npy:${FIXTURE} (train)`);
    expect(train.sampleShape).toEqual([1, 2, 3]);
    expect([train.size, train.numClasses]).toEqual([3, 3]);
    expect(Array.from(train.labels)).toEqual([2, 0, 1]);
    expect(readAll(train)).toEqual(Array.from(Float32Array.from({ length: 18 }, (_, k) => k / 10)));
  });

  it('moves channels-last bytes to C×H×W and scales them to [0, 1]', async () => {
    const test = await loadNpyDataset(FIXTURE, 'test');
    expect(test.sampleShape).toEqual([3, 2, 2]);
    expect(Array.from(test.labels)).toEqual([1, 2]);
    // Sample 0 stored H×W×C as 0,10,20 | 30,40,50 | 60,70,80 | 90,100,110.
    const red = [0, 30, 60, 90];
    const green = [10, 40, 70, 100];
    const blue = [20, 50, 80, 110];
    expect(readAll(test).slice(0, 12)).toEqual(
      Array.from(Float32Array.from([...red, ...green, ...blue], (v) => v / 255)),
    );
  });

  it('uses x.npy + y.npy for any split; one-hot labels become class indices', async () => {
    const dir = folder('unsplit', {
      'x.npy': encodeNpy([2, 2, 2], Uint8Array.from([0, 255, 51, 102, 1, 2, 3, 4])),
      'y.npy': encodeNpy([2, 3], Float32Array.from([0, 0, 1, 1, 0, 0])),
    });
    const ds = await loadNpyDataset(dir, 'test');
    expect(ds.name).toBe(`npy:${dir} (all)`);
    expect(ds.sampleShape).toEqual([1, 2, 2]);
    expect(Array.from(ds.labels)).toEqual([2, 0]);
    expect(readAll(ds).slice(0, 4)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
  });

  it('accepts integer images that fit in a byte and rejects those that do not', async () => {
    const ok = folder('int-ok', {
      'x.npy': encodeNpy([1, 1, 2], Int32Array.from([0, 255])),
      'y.npy': encodeNpy([1], Int32Array.from([0])),
    });
    expect(readAll(await loadNpyDataset(ok, 'train'))).toEqual([0, 1]);
    const bad = folder('int-bad', {
      'x.npy': encodeNpy([1, 1, 2], Int32Array.from([0, 256])),
      'y.npy': encodeNpy([1], Int32Array.from([0])),
    });
    expect((await failure(loadNpyDataset(bad, 'train'))).message).toBe(
      `'${join(bad, 'x.npy')}': integer images must be 0..255, found 256; save them as uint8 or as float32 in [0, 1]`,
    );
  });

  it('explains missing files, odd image shapes and label counts', async () => {
    const empty = folder('no-arrays', { 'data.npy': encodeNpy([1], Int32Array.of(0)) });
    const missing = await failure(loadNpyDataset(empty, 'train'));
    expect(missing.code).toBe('PARE_IO');
    expect(missing.message).toBe(
      `npy data folder '${empty}' has no 'x_train.npy' + 'y_train.npy' nor 'x.npy' + 'y.npy' (found 'data.npy'); ` +
        'save images and labels under those names',
    );
    const flat = folder('flat', {
      'x.npy': encodeNpy([2, 784], new Float32Array(1568)),
      'y.npy': encodeNpy([2], Int32Array.of(0, 1)),
    });
    expect((await failure(loadNpyDataset(flat, 'train'))).message).toBe(
      `'${join(flat, 'x.npy')}': images have shape 2×784; expected N×H×W, N×C×H×W or N×H×W×C with at most 4 channels`,
    );
    const short = folder('short-labels', {
      'x.npy': encodeNpy([3, 2, 2], new Float32Array(12)),
      'y.npy': encodeNpy([2], Int32Array.of(0, 1)),
    });
    expect((await failure(loadNpyDataset(short, 'train'))).message).toBe(
      `'${join(short, 'y.npy')}': labels have shape 2, expected 3 (one per image) or 3×classes`,
    );
    const negative = folder('negative-label', {
      'x.npy': encodeNpy([1, 2, 2], new Float32Array(4)),
      'y.npy': encodeNpy([1], Int32Array.of(-1)),
    });
    expect((await failure(loadNpyDataset(negative, 'train'))).message).toBe(
      `'${join(negative, 'y.npy')}': label 0 is -1; labels must be class indices 0, 1, 2, …`,
    );
  });
});
