// Calibration input for the activation criteria: a class-balanced, seeded subset of a data set,
// served as feeds for the model input, one batch at a time (the loader's buffers are reused).

import { BatchLoader } from '../data/batch-loader.js';
import { sampleBalanced } from '../data/calibration-sampler.js';
import { type Dataset, subsetDataset } from '../data/dataset.js';
import type { Transform } from '../data/transform.js';
import type { Feeds } from '../runtime/session.js';

export interface CalibrationOptions {
  /** Graph input the images feed. */
  readonly input: string;
  /** Samples drawn, balanced over classes (default 256). */
  readonly count?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  /** Evaluation transforms (normalisation, resize) the model expects. */
  readonly transforms?: readonly Transform[];
}

export async function* calibrationBatches(
  dataset: Dataset,
  options: CalibrationOptions,
): AsyncGenerator<Feeds> {
  const seed = options.seed ?? 0;
  const indices = sampleBalanced(dataset.labels, dataset.numClasses, options.count ?? 256, seed);
  const subset = subsetDataset(dataset, indices, `${dataset.name} calibration`);
  const loader = new BatchLoader(subset, {
    batchSize: options.batchSize ?? 32,
    shuffle: false,
    seed,
    ...(options.transforms ? { transforms: options.transforms } : {}),
  });
  for await (const b of loader.epoch(0)) yield { [options.input]: { dims: b.shape, data: b.x } };
}
