import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import { detectDataFormat, formatDataSpec, openDataset, parseDataSpec } from './data-spec.js';
import { encodeIdx } from './idx-dataset.js';
import { encodeNpy } from './npy-codec.js';
import { encodePng } from './png-codec.js';

const root = mkdtempSync(join(tmpdir(), 'pare-spec-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, Uint8Array>): string {
  const dir = join(root, name);
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
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

const EXAMPLE = 'idx:/usr/share/datasets/fashion-mnist or cifar10:data/cifar-10-batches-bin:test';

describe('parseDataSpec', () => {
  it.each([
    ['idx:/usr/share/datasets/fashion-mnist', { format: 'idx', path: '/usr/share/datasets/fashion-mnist' }],
    ['cifar10:data/c10:test', { format: 'cifar10', path: 'data/c10', split: 'test' }],
    ['cifar100:../c100:train', { format: 'cifar100', path: '../c100', split: 'train' }],
    ['npy:arrays', { format: 'npy', path: 'arrays' }],
    ['folder:/img/a:b', { format: 'folder', path: '/img/a:b' }],
    ['/data/mnist', { format: 'auto', path: '/data/mnist' }],
    ['/data/mnist:test', { format: 'auto', path: '/data/mnist', split: 'test' }],
    ['C:\\data\\mnist', { format: 'auto', path: 'C:\\data\\mnist' }],
  ])('%s', (text, spec) => {
    expect(parseDataSpec(text)).toEqual(spec);
  });

  it('lists the formats when the format is unknown', () => {
    const error = thrown(() => parseDataSpec('mnist:/data'));
    expect(error.code).toBe('PARE_CONFIG');
    expect(error.message).toBe(
      `unknown data format 'mnist' in 'mnist:/data'; use one of idx, cifar10, cifar100, npy, folder (e.g. ${EXAMPLE})`,
    );
  });

  it('asks for a path when there is none', () => {
    expect(thrown(() => parseDataSpec('idx::test')).message).toBe(
      `data spec 'idx::test' has no path; write FORMAT:PATH[:train|test], e.g. ${EXAMPLE}`,
    );
  });

  it('reads back what formatDataSpec writes (property)', () => {
    const spec = fc.record(
      {
        format: fc.constantFrom('idx', 'cifar10', 'cifar100', 'npy', 'folder', 'auto'),
        path: fc.stringMatching(/^\/[a-z0-9_./-]{0,12}$/),
        split: fc.constantFrom('train', 'test'),
      },
      { requiredKeys: ['format', 'path'] },
    );
    fc.assert(
      fc.property(spec, (s) => {
        expect(parseDataSpec(formatDataSpec(s))).toEqual(s);
      }),
    );
  });
});

describe('openDataset', () => {
  const mnist = folder('mnist', {
    'train-images-idx3-ubyte': encodeIdx([2, 1, 1], Uint8Array.of(0, 255)),
    'train-labels-idx1-ubyte': encodeIdx([2], Uint8Array.of(0, 1)),
    't10k-images-idx3-ubyte': encodeIdx([1, 1, 1], Uint8Array.of(9)),
    't10k-labels-idx1-ubyte': encodeIdx([1], Uint8Array.of(1)),
  });

  it('reads the split the caller asks for unless the spec pins one', async () => {
    expect((await openDataset(`idx:${mnist}`, { split: 'train' })).size).toBe(2);
    expect((await openDataset(`idx:${mnist}`, { split: 'test' })).size).toBe(1);
    expect((await openDataset(`idx:${mnist}:test`, { split: 'train' })).name).toBe(`idx:${mnist} (test)`);
  });

  it('detects the format of a folder given without prefix', async () => {
    const npy = folder('arrays', {
      'x.npy': encodeNpy([1, 1, 1], Float32Array.of(0.5)),
      'y.npy': encodeNpy([1], Int32Array.of(0)),
    });
    const images = folder('images', {
      'dog/a.png': encodePng({ width: 1, height: 1, channels: 1, data: Uint8Array.of(0) }),
    });
    const cifar = folder('c10', { 'cifar-10-batches-bin/test_batch.bin': new Uint8Array(3073) });
    expect(await detectDataFormat(mnist)).toBe('idx');
    expect(await detectDataFormat(npy)).toBe('npy');
    expect(await detectDataFormat(images)).toBe('folder');
    expect(await detectDataFormat(cifar)).toBe('cifar10');
    expect((await openDataset(cifar, { split: 'test' })).name).toBe(`cifar10:${cifar} (test)`);
    expect((await openDataset(images, { split: 'train' })).classNames).toEqual(['dog']);
    // Options reach the format that uses them.
    const resized = await openDataset(`folder:${images}`, { split: 'train', imageSize: [2, 3], channels: 3 });
    expect(resized.sampleShape).toEqual([3, 2, 3]);
  });

  it('says so when it cannot tell the format', async () => {
    const odd = folder('odd', { 'data.csv': Uint8Array.of(1) });
    await expect(openDataset(odd, { split: 'train' })).rejects.toThrow(
      `cannot tell the data format of '${odd}' (found 'data.csv'); prefix it with one of idx, cifar10, cifar100, npy, folder, e.g. ${EXAMPLE}`,
    );
  });

  it.skipIf(!existsSync('/usr/share/datasets/fashion-mnist'))(
    'opens the Debian Fashion-MNIST by spec',
    async () => {
      const test = await openDataset('idx:/usr/share/datasets/fashion-mnist', { split: 'test' });
      expect([test.size, ...test.sampleShape]).toEqual([10000, 1, 28, 28]);
    },
  );
});
