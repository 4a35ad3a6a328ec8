// The data of the method benches (methods, ga, aip-ucp): Fashion-MNIST from Debian (the shipped demo
// images without it), class-balanced subsets of it, and a trained model's test loader.

import { existsSync } from 'node:fs';
import type { Preprocess } from '../src/cli/data-options.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { sampleBalanced } from '../src/data/calibration-sampler.js';
import { openDataset } from '../src/data/data-spec.js';
import { type Dataset, subsetDataset } from '../src/data/dataset.js';
import { buildTransforms } from '../src/data/transform-options.js';

const idx = '/usr/share/datasets/fashion-mnist';
export const spec = existsSync(idx) ? `idx:${idx}` : 'npy:assets/demo/data';

export async function fashionSplits(): Promise<{ trainSet: Dataset; testSet: Dataset }> {
  return {
    trainSet: await openDataset(spec, { split: 'train' }),
    testSet: await openDataset(spec, { split: 'test' }),
  };
}

/** `n` class-balanced images of `set` (the same ones for the same seed). */
export function balanced(set: Dataset, n: number, seed: number): Dataset {
  return subsetDataset(set, sampleBalanced(set.labels, set.numClasses, Math.min(n, set.size), seed));
}

/** The first `n` class-balanced test images, preprocessed as the model was trained. */
export function testLoader(testSet: Dataset, n: number, pre: Preprocess): BatchLoader {
  return new BatchLoader(balanced(testSet, n, 0), {
    batchSize: 500,
    shuffle: false,
    transforms: buildTransforms(pre, 'eval'),
  });
}

/** The list of a comma-separated option. */
export const list = (s: string) => s.split(',').filter((x) => x.length > 0);
