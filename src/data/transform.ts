// Transforms work on whole batches in the loader's buffers: one call per batch, no allocation, and
// in place whenever the sample shape stays the same.

import type { Rng } from '../util/rng.js';
import type { SampleShape } from './dataset.js';
import { sampleSize } from './dataset.js';

export interface Transform {
  /** Short description for reports, e.g. `random-crop pad 4`. */
  readonly name: string;
  /** True when it draws from the rng: an augmentation, meant for training batches only. */
  readonly random: boolean;
  /** The sample shape it produces from `input`; throws a PareError when it cannot apply. */
  outputShape(input: SampleShape): SampleShape;
  /**
   * Transform `n` samples of shape `shape` from `input` into `output`. The two are the same array
   * when `outputShape(shape)` equals `shape`, so such transforms must work in place.
   */
  apply(input: Float32Array, output: Float32Array, n: number, shape: SampleShape, rng: Rng): void;
}

function sameShape(a: SampleShape, b: SampleShape): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}

/**
 * A chain of transforms with its buffers allocated once for `capacity` samples: a new buffer only
 * where a transform changes the shape (resize), otherwise the previous one is reused in place.
 */
export class TransformPipeline {
  readonly inputShape: SampleShape;
  readonly outputShape: SampleShape;
  /** Where the loader writes raw samples. */
  readonly input: Float32Array;
  /** Where the last transform leaves its result; `input` when no transform changes the shape. */
  readonly output: Float32Array;
  private readonly stages: {
    transform: Transform;
    shape: SampleShape;
    from: Float32Array;
    to: Float32Array;
  }[];

  constructor(transforms: readonly Transform[], inputShape: SampleShape, capacity: number) {
    this.inputShape = inputShape;
    this.input = new Float32Array(capacity * sampleSize(inputShape));
    this.stages = [];
    let shape = inputShape;
    let buffer = this.input;
    for (const transform of transforms) {
      const next = transform.outputShape(shape);
      const to = sameShape(next, shape) ? buffer : new Float32Array(capacity * sampleSize(next));
      this.stages.push({ transform, shape, from: buffer, to });
      shape = next;
      buffer = to;
    }
    this.outputShape = shape;
    this.output = buffer;
  }

  /** Run every transform over the first `n` samples of `input`; the result is in `output`. */
  run(n: number, rng: Rng): Float32Array {
    for (const { transform, shape, from, to } of this.stages) transform.apply(from, to, n, shape, rng);
    return this.output;
  }
}

/** The output shape of a chain, checking that each transform accepts its input. */
export function chainShape(transforms: readonly Transform[], input: SampleShape): SampleShape {
  return transforms.reduce((shape, t) => t.outputShape(shape), input);
}
