// Models and data for the compress tests: a zoo ResNet-20 on 1×8×8 inputs, the PyTorch-style export
// with BN folded (test/prune-exporter-fixtures.ts) and the same graph with a BN kept after every conv,
// and small learnable data sets (class-dependent brightness) that train in seconds.

import { ArrayDataset } from '../src/data/array-dataset.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { createModel, type Model } from '../src/ir/model.js';
import type { CompressOptions } from '../src/methods/compress-types.js';
import { unfoldBatchNorm } from '../src/surgery/unfold-bn.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { pytorchStyle } from './prune-exporter-fixtures.js';

export interface Fixture {
  readonly name: string;
  readonly model: Model;
  readonly shape: readonly [number, number, number];
  readonly classes: number;
}

export function fixtures(): Fixture[] {
  const kept = pytorchStyle();
  unfoldBatchNorm(kept);
  return [
    {
      name: 'zoo resnet20',
      model: buildZooModel('resnet20', { inputShape: [1, 8, 8], classes: 4, seed: 1 }),
      shape: [1, 8, 8],
      classes: 4,
    },
    { name: 'pytorch-style, BN folded', model: createModel(pytorchStyle()), shape: [3, 8, 8], classes: 4 },
    { name: 'pytorch-style, BN kept', model: createModel(kept), shape: [3, 8, 8], classes: 4 },
  ];
}

export function dataset(
  shape: readonly [number, number, number],
  classes: number,
  n = 32,
  seed = 5,
): ArrayDataset {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const size = shape[0] * shape[1] * shape[2];
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const pixels = Float32Array.from(
    { length: n * size },
    (_, i) => rnd() + labels[Math.floor(i / size)]! * 0.3,
  );
  return new ArrayDataset({
    name: 'synthetic',
    sampleShape: [...shape] as [number, number, number],
    pixels,
    labels,
    numClasses: classes,
  });
}

/** Data options of a tiny run: 2 steps per epoch. */
export function tinyData(f: Fixture): Pick<CompressOptions, 'train' | 'calibration' | 'test'> {
  const ds = dataset(f.shape, f.classes);
  return {
    train: new BatchLoader(ds, { batchSize: 16, seed: 1 }),
    calibration: new BatchLoader(ds, { batchSize: 16, shuffle: false }),
    test: new BatchLoader(ds, { batchSize: 32, shuffle: false }),
  };
}
