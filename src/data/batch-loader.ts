// Batches for training and evaluation: seeded per-epoch shuffling, transforms, and two preallocated
// NCHW buffers used in turn so the next batch can be prepared while the current one is in use.

import { Rng } from '../util/rng.js';
import type { Dataset, SampleShape } from './dataset.js';
import { sampleSize } from './dataset.js';
import type { Transform } from './transform.js';
import { TransformPipeline } from './transform.js';

export interface BatchLoaderOptions {
  readonly batchSize: number;
  /** Shuffle each epoch (default true); off gives dataset order, as evaluation wants. */
  readonly shuffle?: boolean;
  /** Skip the last batch when it would be short (default false). */
  readonly dropLast?: boolean;
  /** Seeds the shuffles and the augmentations (default 0); record it to reproduce a run. */
  readonly seed?: number;
  readonly transforms?: readonly Transform[];
}

/**
 * One batch. Its arrays are reused: they stay intact while the consumer works on the batch and
 * until the next batch has been delivered. Copy whatever must live longer.
 */
export interface Batch {
  /** `n × C × H × W` floats. */
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly n: number;
  readonly shape: readonly [n: number, channels: number, height: number, width: number];
  /** Position of the batch within its epoch. */
  readonly index: number;
}

interface Slot {
  readonly pipeline: TransformPipeline;
  readonly y: Int32Array;
}

/** A well-mixed 32-bit seed from a base seed and parts (epoch, stream), so streams never overlap. */
export function deriveSeed(seed: number, ...parts: readonly number[]): number {
  let h = seed >>> 0;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

const SHUFFLE_STREAM = 0;
const AUGMENT_STREAM = 1;

export class BatchLoader {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number;
  readonly transforms: readonly Transform[];
  /** The shape of one sample after the transforms. */
  readonly sampleShape: SampleShape;
  readonly batchesPerEpoch: number;
  private readonly slots: readonly [Slot, Slot];
  private busy = false;

  constructor(dataset: Dataset, options: BatchLoaderOptions) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`BatchLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    this.seed = (options.seed ?? 0) >>> 0;
    this.transforms = options.transforms ?? [];
    const capacity = Math.min(batchSize, Math.max(dataset.size, 1));
    const slot = (): Slot => ({
      pipeline: new TransformPipeline(this.transforms, dataset.sampleShape, capacity),
      y: new Int32Array(capacity),
    });
    this.slots = [slot(), slot()];
    this.sampleShape = this.slots[0].pipeline.outputShape;
    this.batchesPerEpoch = this.dropLast
      ? Math.floor(dataset.size / batchSize)
      : Math.ceil(dataset.size / batchSize);
  }

  /** Sample indices in the order epoch `epoch` visits them; the same for the same seed and epoch. */
  order(epoch: number): Int32Array {
    if (!this.shuffle) return Int32Array.from({ length: this.dataset.size }, (_, i) => i);
    return new Rng(deriveSeed(this.seed, epoch, SHUFFLE_STREAM)).permutation(this.dataset.size);
  }

  /** The batches of one epoch, prepared on demand. */
  *epochSync(epoch = 0): Generator<Batch, void, undefined> {
    const { order, rng } = this.begin(epoch);
    try {
      for (let k = 0; k < this.batchesPerEpoch; k++) yield this.fill(k, order, rng);
    } finally {
      this.busy = false;
    }
  }

  /**
   * The batches of one epoch, each one prepared ahead: after handing out batch k, batch k+1 is
   * built on the next turn of the event loop, while the consumer awaits its own work (a session
   * run, a file write). Batches and augmentations are the same as `epochSync` gives.
   */
  async *epoch(epoch = 0): AsyncGenerator<Batch, void, undefined> {
    const { order, rng } = this.begin(epoch);
    let pending: Promise<Batch> | undefined;
    try {
      if (this.batchesPerEpoch === 0) return;
      let current = this.fill(0, order, rng);
      for (let k = 0; k < this.batchesPerEpoch; k++) {
        pending = k + 1 < this.batchesPerEpoch ? this.fillSoon(k + 1, order, rng) : undefined;
        yield current;
        if (pending === undefined) break;
        current = await pending;
        pending = undefined;
      }
    } finally {
      // A consumer that stops early must not see a batch still being written into a reused slot.
      if (pending !== undefined) await pending.catch(() => undefined);
      this.busy = false;
    }
  }

  private begin(epoch: number): { order: Int32Array; rng: Rng } {
    if (this.busy) {
      throw new Error('BatchLoader: an epoch is still being iterated; finish or break out of it first');
    }
    this.busy = true;
    return { order: this.order(epoch), rng: new Rng(deriveSeed(this.seed, epoch, AUGMENT_STREAM)) };
  }

  private fillSoon(k: number, order: Int32Array, rng: Rng): Promise<Batch> {
    const promise = new Promise<Batch>((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(this.fill(k, order, rng));
        } catch (error) {
          reject(error);
        }
      });
    });
    // Rejections surface when the promise is awaited; this only keeps Node from reporting them early.
    promise.catch(() => undefined);
    return promise;
  }

  private fill(k: number, order: Int32Array, rng: Rng): Batch {
    const slot = this.slots[k % 2]!;
    const { dataset } = this;
    const start = k * this.batchSize;
    const n = Math.min(this.batchSize, dataset.size - start);
    const input = slot.pipeline.input;
    const stride = sampleSize(dataset.sampleShape);
    for (let i = 0; i < n; i++) {
      const index = order[start + i]!;
      dataset.read(index, input, i * stride);
      slot.y[i] = dataset.labels[index]!;
    }
    const out = slot.pipeline.run(n, rng);
    const full = n === slot.y.length;
    const [c, h, w] = this.sampleShape;
    return {
      x: full ? out : out.subarray(0, n * c * h * w),
      y: full ? slot.y : slot.y.subarray(0, n),
      n,
      shape: [n, c, h, w],
      index: k,
    };
  }
}
