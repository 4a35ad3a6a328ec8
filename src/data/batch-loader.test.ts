import { describe, expect, it } from 'vitest';
import { ArrayDataset } from './array-dataset.js';
import type { Batch } from './batch-loader.js';
import { BatchLoader, deriveSeed } from './batch-loader.js';
import { subsetDataset } from './dataset.js';
import { buildTransforms } from './transform-options.js';

/** `size` 1×2×2 samples; every pixel of sample i is i (as a byte), label i mod 3. */
function numbered(size: number): ArrayDataset {
  return new ArrayDataset({
    name: 'numbered',
    sampleShape: [1, 2, 2],
    pixels: Uint8Array.from({ length: size * 4 }, (_, k) => Math.floor(k / 4)),
    labels: Int32Array.from({ length: size }, (_, i) => i % 3),
    numClasses: 3,
  });
}

/** Which samples a batch holds, read back from their pixels. */
const ids = (b: Batch) => Array.from({ length: b.n }, (_, i) => Math.round(b.x[i * 4]! * 255));

/** Collect per batch while iterating: batch arrays are reused once the next batch is made. */
function collect<T>(batches: Iterable<Batch>, f: (b: Batch) => T): T[] {
  const out: T[] = [];
  for (const b of batches) out.push(f(b));
  return out;
}

const epochIds = (loader: BatchLoader, epoch: number) => collect(loader.epochSync(epoch), ids);

describe('BatchLoader', () => {
  it('visits every sample once per epoch, in a seeded permutation', () => {
    const loader = new BatchLoader(numbered(10), { batchSize: 4, seed: 42 });
    expect(collect(loader.epochSync(0), (b) => b.n)).toEqual([4, 4, 2]);
    const seen = epochIds(loader, 0).flat();
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).toEqual(Array.from(loader.order(0)));
    expect(seen).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('gives the same order for the same seed and epoch, another for another', () => {
    const a = new BatchLoader(numbered(50), { batchSize: 8, seed: 7 });
    const b = new BatchLoader(numbered(50), { batchSize: 8, seed: 7 });
    expect(epochIds(a, 3)).toEqual(epochIds(b, 3));
    expect(epochIds(a, 3)).not.toEqual(epochIds(a, 4));
    expect(epochIds(a, 0)).not.toEqual(epochIds(new BatchLoader(numbered(50), { batchSize: 8, seed: 8 }), 0));
    expect(a.seed).toBe(7);
  });

  it('keeps labels with their images and shapes the last short batch', () => {
    const loader = new BatchLoader(numbered(5), { batchSize: 2, seed: 1 });
    const batches = collect(loader.epochSync(0), (b) => {
      expect(Array.from(b.y)).toEqual(ids(b).map((i) => i % 3));
      return b;
    });
    const last = batches[2]!;
    expect([last.n, last.x.length, last.y.length, last.index]).toEqual([1, 4, 1, 2]);
    expect(last.shape).toEqual([1, 1, 2, 2]);
  });

  it('drops the last short batch when asked, and keeps dataset order without shuffling', () => {
    const loader = new BatchLoader(numbered(5), { batchSize: 2, dropLast: true, shuffle: false });
    expect(loader.batchesPerEpoch).toBe(2);
    expect(epochIds(loader, 9)).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('writes every batch into one of two preallocated buffers', () => {
    const loader = new BatchLoader(numbered(12), { batchSize: 4, seed: 2 });
    const xs = [...loader.epochSync(0), ...loader.epochSync(1)].map((b) => b.x);
    expect(new Set(xs).size).toBe(2);
    expect(xs[0]).toBe(xs[2]);
  });

  it('prefetching gives the same batches, augmentations included, as the synchronous epoch', async () => {
    const transforms = buildTransforms({ cropPadding: 1, flip: true }, 'train');
    const loader = new BatchLoader(numbered(9), { batchSize: 2, seed: 5, transforms });
    const sync = collect(loader.epochSync(1), (b) => [Array.from(b.x), Array.from(b.y)]);
    const prefetched: number[][][] = [];
    for await (const b of loader.epoch(1)) {
      prefetched.push([Array.from(b.x), Array.from(b.y)]);
      // Let the next batch be prepared while this one is still in use: it must stay intact.
      const before = Array.from(b.x);
      await new Promise((resolve) => setImmediate(resolve));
      expect(Array.from(b.x)).toEqual(before);
    }
    expect(prefetched).toEqual(sync);
  });

  it('prepares the next batch before the consumer asks for it', async () => {
    let reads = 0;
    const base = numbered(6);
    const counting = {
      ...subsetDataset(base, Int32Array.of(0, 1, 2, 3, 4, 5)),
      read: (i: number, o: Float32Array, k: number) => {
        reads++;
        base.read(i, o, k);
      },
    };
    const loader = new BatchLoader(counting, { batchSize: 2, shuffle: false });
    const iterator = loader.epoch(0);
    await iterator.next();
    expect(reads).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(4);
    await iterator.return(undefined);
  });

  it('refuses a second iteration while one is open, and frees itself after break', async () => {
    const loader = new BatchLoader(numbered(6), { batchSize: 2 });
    const open = loader.epochSync(0);
    open.next();
    expect(() => loader.epochSync(1).next()).toThrow(
      'BatchLoader: an epoch is still being iterated; finish or break out of it first',
    );
    open.return();
    for await (const _ of loader.epoch(0)) break;
    expect(epochIds(loader, 0).flat()).toHaveLength(6);
  });

  it('reports the shape after transforms and applies them', () => {
    const loader = new BatchLoader(numbered(3), {
      batchSize: 3,
      shuffle: false,
      transforms: buildTransforms({ resize: [1, 1], normalize: { mean: [0], std: [2 / 255] } }, 'eval'),
    });
    expect(loader.sampleShape).toEqual([1, 1, 1]);
    expect(collect(loader.epochSync(0), (b) => Array.from(b.x))).toEqual([[0, 0.5, 1]]);
  });

  it('handles an empty dataset and rejects a bad batch size', () => {
    expect([...new BatchLoader(numbered(0), { batchSize: 4 }).epochSync(0)]).toEqual([]);
    expect(() => new BatchLoader(numbered(3), { batchSize: 0 })).toThrow(
      'BatchLoader: batchSize must be a positive integer, got 0',
    );
  });
});

describe('deriveSeed', () => {
  it('separates epochs and streams', () => {
    const seeds = new Set([0, 1, 2].flatMap((e) => [0, 1].map((s) => deriveSeed(42, e, s))));
    expect(seeds.size).toBe(6);
    expect(deriveSeed(42, 3, 1)).toBe(deriveSeed(42, 3, 1));
  });
});
