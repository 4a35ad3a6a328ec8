// Training in chunks: a BatchLoader whose "epoch" k is the k-th run of `steps` batches of the real
// epochs (same batches, same augmentations, same order as the real loader gives), so trainModel's
// `resume: { state, epoch }` can stop and continue between any two chunks and its learning-rate
// schedule still spans the whole run. A chunk never crosses a real epoch: the last one of an epoch
// may be shorter.

import { type Batch, BatchLoader } from '../data/batch-loader.js';

export class ChunkLoader extends BatchLoader {
  readonly base: BatchLoader;
  readonly steps: number;
  readonly chunksPerEpoch: number;

  constructor(base: BatchLoader, steps: number) {
    // The superclass is only the type trainModel expects; batches come from `base`.
    super(base.dataset, { batchSize: base.batchSize, shuffle: base.shuffle, seed: base.seed });
    this.base = base;
    this.steps = Math.max(1, Math.min(steps, base.batchesPerEpoch));
    this.chunksPerEpoch = Math.ceil(base.batchesPerEpoch / this.steps);
    // trainModel counts steps by batchesPerEpoch: one chunk is one of its epochs.
    Object.defineProperty(this, 'batchesPerEpoch', { value: this.steps });
  }

  /** The real epoch and the first batch of chunk `k`. */
  locate(k: number): { epoch: number; first: number; count: number } {
    const epoch = Math.floor(k / this.chunksPerEpoch);
    const first = (k % this.chunksPerEpoch) * this.steps;
    return { epoch, first, count: Math.min(this.steps, this.base.batchesPerEpoch - first) };
  }

  override async *epoch(k = 0): AsyncGenerator<Batch, void, undefined> {
    const { epoch, first, count } = this.locate(k);
    let i = 0;
    // The real loader's epoch: this one's own batchesPerEpoch is the chunk's length.
    for await (const b of this.base.epoch(epoch)) {
      if (b.index >= first + count) break;
      if (b.index >= first) yield { ...b, index: i++ };
    }
  }
}
