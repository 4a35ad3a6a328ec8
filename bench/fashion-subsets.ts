// The data of the method benches (methods, ga, aip-ucp): Fashion-MNIST from Debian (the shipped demo
// images without it), class-balanced subsets of it, a trained model's test loader, and the shared
// compress run on a subset.

import { existsSync } from 'node:fs';
import { calibrationLoader, type Preprocess } from '../src/cli/data-options.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { sampleBalanced } from '../src/data/calibration-sampler.js';
import { openDataset } from '../src/data/data-spec.js';
import { type Dataset, subsetDataset } from '../src/data/dataset.js';
import { buildTransforms } from '../src/data/transform-options.js';
import type { Model } from '../src/ir/model.js';
import { compressModel } from '../src/methods/compress.js';
import type { CompressRecipe } from '../src/methods/compress-recipe.js';
import type { CompressResult } from '../src/methods/compress-types.js';

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

/** The shared budget of methods.ts and ga.ts: `compressModel` on a subset with crop + flip, timed. */
export async function compressOnSubset(
  model: Model,
  recipe: CompressRecipe,
  subset: Dataset,
  pre: Preprocess,
  o: { target: number; epochs: number; seed: number; threads: number; test: BatchLoader; engine: string },
): Promise<{ r: CompressResult; seconds: number }> {
  const t0 = performance.now();
  const r = await compressModel(model, {
    recipe,
    target: { kind: 'macs', fraction: o.target },
    train: new BatchLoader(subset, {
      batchSize: recipe.train.batch,
      seed: o.seed,
      transforms: buildTransforms({ ...pre, cropPadding: 2, flip: true }, 'train'),
    }),
    calibration: calibrationLoader({ dataset: subset, preprocess: pre }, 1024, o.seed),
    test: o.test,
    epochs: o.epochs,
    seed: o.seed,
    threads: o.threads,
    engine: o.engine as 'auto',
  });
  return { r, seconds: (performance.now() - t0) / 1000 };
}
