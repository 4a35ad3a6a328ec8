import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import { loadCifarDataset } from './cifar-dataset.js';

const root = mkdtempSync(join(tmpdir(), 'pare-cifar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PIXELS = 3072;

/** One record: label bytes, then pixel k = (seed + k) mod 256, so every record is recognisable. */
function record(labels: number[], seed: number): Uint8Array {
  const out = new Uint8Array(labels.length + PIXELS);
  out.set(labels);
  for (let k = 0; k < PIXELS; k++) out[labels.length + k] = (seed + k) % 256;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function folder(name: string, files: Record<string, Uint8Array | string>): string {
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

/** Sample `i` of `ds`, back as bytes 0..255. */
function bytesOf(ds: { read: (i: number, o: Float32Array, k: number) => void }, i: number): number[] {
  const out = new Float32Array(PIXELS);
  ds.read(i, out, 0);
  return Array.from(out, (v) => Math.round(v * 255));
}

// Five training batches of two records (labels 0..9 in order) and a test batch of one.
const cifar10: Record<string, Uint8Array | string> = { 'test_batch.bin': record([7], 100) };
for (let b = 1; b <= 5; b++) {
  cifar10[`data_batch_${b}.bin`] = concat([record([2 * b - 2], 10 * b), record([2 * b - 1], 10 * b + 1)]);
}
const classNames = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';

describe('loadCifarDataset', () => {
  it('reads CIFAR-10: all five training batches in order, pixels as stored (C×H×W)', async () => {
    const dir = folder('cifar-10-batches-bin', { ...cifar10, 'batches.meta.txt': classNames });
    const train = await loadCifarDataset(dir, 'cifar10', 'train');
    expect([train.size, train.numClasses]).toEqual([10, 10]);
    expect(train.sampleShape).toEqual([3, 32, 32]);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(train.classNames?.[9]).toBe('truck');
    expect(bytesOf(train, 3)).toEqual(Array.from({ length: PIXELS }, (_, k) => (21 + k) % 256));
    const out = new Float32Array(PIXELS);
    train.read(0, out, 0);
    expect([out[0], out[245]]).toEqual([Math.fround(10 / 255), 1]);
    const test = await loadCifarDataset(dir, 'cifar10', 'test');
    expect(Array.from(test.labels)).toEqual([7]);
    expect(bytesOf(test, 0)).toEqual(Array.from({ length: PIXELS }, (_, k) => (100 + k) % 256));
  });

  it('reads CIFAR-100 fine labels (the second byte) from the archive sub-folder', async () => {
    const parent = folder('c100', {});
    folder('c100/cifar-100-binary', {
      'train.bin': concat([record([3, 42], 0), record([19, 99], 5)]),
      'test.bin': record([0, 7], 9),
    });
    const train = await loadCifarDataset(parent, 'cifar100', 'train');
    expect([train.size, train.numClasses]).toEqual([2, 100]);
    expect(Array.from(train.labels)).toEqual([42, 99]);
    expect(bytesOf(train, 1)).toEqual(Array.from({ length: PIXELS }, (_, k) => (5 + k) % 256));
    expect(train.classNames).toBeUndefined();
    expect(train.name).toBe(`cifar100:${parent} (train)`);
  });

  it('says when the folder holds no CIFAR files', async () => {
    const dir = folder('empty-cifar', { 'readme.txt': 'x' });
    const error = await failure(loadCifarDataset(dir, 'cifar10', 'train'));
    expect(error.code).toBe('PARE_IO');
    expect(error.message).toBe(
      `cifar10 data folder '${dir}' has neither 'data_batch_1.bin' nor 'cifar-10-batches-bin/' ` +
        "(found 'readme.txt'); unpack the binary version of CIFAR-10 there",
    );
  });

  it('names a missing batch', async () => {
    const { 'data_batch_4.bin': _, ...rest } = cifar10;
    const dir = folder('missing-batch', rest);
    expect((await failure(loadCifarDataset(dir, 'cifar10', 'train'))).message).toBe(
      `data file '${join(dir, 'data_batch_4.bin')}' does not exist; check the path`,
    );
  });

  it('rejects a truncated batch, and recognises CIFAR-100 records given as CIFAR-10', async () => {
    const cut = folder('truncated', { ...cifar10, 'test_batch.bin': record([1], 0).subarray(0, 3000) });
    expect((await failure(loadCifarDataset(cut, 'cifar10', 'test'))).message).toBe(
      `'${join(cut, 'test_batch.bin')}': 3000 bytes is not a whole number of cifar10 records ` +
        '(3073 bytes: 1 label byte + 3072 pixels); download the binary version again',
    );
    const wrong = folder('wrong-variant', { ...cifar10, 'test_batch.bin': record([1, 2], 0) });
    expect((await failure(loadCifarDataset(wrong, 'cifar10', 'test'))).message).toBe(
      `'${join(wrong, 'test_batch.bin')}': 3074 bytes is not a whole number of cifar10 records ` +
        '(3073 bytes: 1 label byte + 3072 pixels); it looks like cifar100 data, use cifar100:',
    );
  });

  it('rejects labels outside the class range', async () => {
    const dir = folder('bad-label', {
      ...cifar10,
      'test_batch.bin': concat([record([3], 0), record([12], 0)]),
    });
    expect((await failure(loadCifarDataset(dir, 'cifar10', 'test'))).message).toBe(
      `'${join(dir, 'test_batch.bin')}': record 1 has label 12, expected 0..9; check that this is cifar10 data`,
    );
  });
});
