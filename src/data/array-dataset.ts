// The in-memory dataset every reader produces: samples stored contiguously in C×H×W order, as bytes
// (scaled to [0, 1] on read) or as floats (copied as they are).

import type { Dataset, SampleShape } from './dataset.js';
import { checkLabels, sampleSize } from './dataset.js';

export interface ArrayDatasetInit {
  readonly name: string;
  readonly sampleShape: SampleShape;
  /** `size × C × H × W` values; bytes are 0..255, floats are taken as already scaled. */
  readonly pixels: Uint8Array | Float32Array;
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly classNames?: readonly string[];
}

const INV_255 = 1 / 255;

export class ArrayDataset implements Dataset {
  readonly name: string;
  readonly size: number;
  readonly sampleShape: SampleShape;
  readonly numClasses: number;
  readonly labels: Int32Array;
  readonly classNames?: readonly string[];
  readonly pixels: Uint8Array | Float32Array;
  private readonly stride: number;

  constructor(init: ArrayDatasetInit) {
    this.name = init.name;
    this.sampleShape = init.sampleShape;
    this.stride = sampleSize(init.sampleShape);
    this.pixels = init.pixels;
    this.labels = init.labels;
    this.size = init.labels.length;
    this.numClasses = init.numClasses;
    if (init.classNames !== undefined) this.classNames = init.classNames;
    // Readers check their files; these guard programming errors in a reader or a library caller.
    if (init.pixels.length !== this.size * this.stride) {
      throw new RangeError(
        `ArrayDataset '${init.name}': pixels has ${init.pixels.length} values, ` +
          `expected ${this.size} samples × ${this.stride}`,
      );
    }
    checkLabels(init.labels, init.numClasses, init.name);
  }

  read(index: number, out: Float32Array, offset: number): void {
    const n = this.stride;
    const src = this.pixels;
    const base = index * n;
    if (src instanceof Uint8Array) {
      for (let k = 0; k < n; k++) out[offset + k] = src[base + k]! * INV_255;
    } else {
      out.set(src.subarray(base, base + n), offset);
    }
  }
}

/**
 * Reorder `count` samples of `hwc` (H×W×C interleaved, as images and NHWC arrays are stored) into
 * C×H×W planes, the layout `read` copies from without index arithmetic.
 */
export function hwcToChw<T extends Uint8Array | Float32Array>(
  hwc: T,
  count: number,
  shape: SampleShape,
  out: T,
): T {
  const [c, h, w] = shape;
  const plane = h * w;
  const stride = c * plane;
  for (let s = 0; s < count; s++) {
    const base = s * stride;
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = hwc[base + p * c + ch]!;
    }
  }
  return out;
}
