// The contract every data source meets: a fixed-size labelled set of C×H×W samples that can be
// written straight into a caller's batch buffer, so batching never allocates per sample.

import { PareError } from '../util/errors.js';

/** Channels, height, width of one sample. */
export type SampleShape = readonly [channels: number, height: number, width: number];

/** Which part of a data set: the training set or the held-out test set. */
export type Split = 'train' | 'test';

export interface Dataset {
  /** What to call it in messages, e.g. `idx:/data/fashion-mnist (train)`. */
  readonly name: string;
  readonly size: number;
  readonly sampleShape: SampleShape;
  readonly numClasses: number;
  /** Class index of every sample, `labels[i]` in `[0, numClasses)`. */
  readonly labels: Int32Array;
  readonly classNames?: readonly string[];
  /**
   * Write sample `index` as C×H×W float32 in [0, 1] into `out` starting at `offset`.
   * Implementations must not allocate: this runs once per sample per epoch.
   */
  read(index: number, out: Float32Array, offset: number): void;
}

/** Number of floats in one sample. */
export function sampleSize(shape: SampleShape): number {
  return shape[0] * shape[1] * shape[2];
}

/** `3×32×32`, the way shapes appear in messages. */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/**
 * A view of `indices` of `base` (a calibration subset, a validation hold-out). Indices are
 * checked once here so that `read` stays a bare lookup.
 */
export function subsetDataset(base: Dataset, indices: Int32Array, name = `${base.name} subset`): Dataset {
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!Number.isInteger(j) || j < 0 || j >= base.size) {
      throw new RangeError(`subsetDataset: indices[${i}] = ${j} is outside ${base.name} (size ${base.size})`);
    }
    labels[i] = base.labels[j]!;
  }
  return {
    name,
    size: indices.length,
    sampleShape: base.sampleShape,
    numClasses: base.numClasses,
    labels,
    ...(base.classNames === undefined ? {} : { classNames: base.classNames }),
    read(index, out, offset) {
      base.read(indices[index]!, out, offset);
    },
  };
}

/** Throws when labels fall outside `[0, numClasses)`; `what` names the data set. */
export function checkLabels(labels: Int32Array, numClasses: number, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l < 0 || l >= numClasses) {
      throw new PareError(
        'PARE_DATA',
        `${what}: sample ${i} has label ${l}, expected 0..${numClasses - 1}; check that the labels match the images`,
      );
    }
  }
}

/** Largest label + 1: the class count for formats that do not store it. */
export function countClasses(labels: Int32Array): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  return max + 1;
}
