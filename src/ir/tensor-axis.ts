// Copy-on-write tensor edits surgery needs: keep some indices along an axis, or zero some.

import { PareError } from '../util/errors.js';
import type { TypedArray } from './dtype.js';
import { Tensor } from './tensor.js';

/** A new tensor with only `keep` (ascending indices) along `axis`. */
export function sliceAxis(t: Tensor, axis: number, keep: Int32Array, what: string): Tensor {
  const dt = t.dtype;
  if (dt === undefined || dt === 'string')
    throw new PareError('PARE_SURGERY', `${what}: cannot slice a tensor of ONNX data type ${t.dataType}`);
  const dims = [...t.dims];
  const d = dims[axis];
  if (d === undefined || keep.length === 0 || keep[keep.length - 1]! >= d)
    throw new PareError(
      'PARE_SURGERY',
      `${what}: cannot keep ${keep.length} indices (up to ${keep[keep.length - 1]}) of axis ${axis} in [${dims.join(', ')}]`,
    );
  let outer = 1;
  for (let a = 0; a < axis; a++) outer *= dims[a]!;
  let inner = 1;
  for (let a = axis + 1; a < dims.length; a++) inner *= dims[a]!;
  const src = t.data;
  const out = new (src.constructor as new (n: number) => TypedArray)(outer * keep.length * inner);
  if (src instanceof Float32Array) copyKept(src, out as Float32Array, outer, d, inner, keep);
  else {
    let w = 0;
    for (let o = 0; o < outer; o++)
      for (const k of keep) for (let i = 0; i < inner; i++) out[w++] = src[(o * d + k) * inner + i]!;
  }
  dims[axis] = keep.length;
  return Tensor.from(dt, dims, out);
}

/** A float copy of `t` with the indices `drop` along `axis` set to zero (the masking oracle). */
export function zeroAxis(t: Tensor, axis: number, drop: Int32Array): Tensor {
  const dims = t.dims;
  const data = Float32Array.from(t.toFloat32());
  let outer = 1;
  for (let a = 0; a < axis; a++) outer *= dims[a]!;
  let inner = 1;
  for (let a = axis + 1; a < dims.length; a++) inner *= dims[a]!;
  const d = dims[axis]!;
  for (let o = 0; o < outer; o++)
    for (const k of drop) data.fill(0, (o * d + k) * inner, (o * d + k + 1) * inner);
  return Tensor.from('float32', dims, data);
}

/** The hot loop for float weights: short rows element by element, long rows with one set() each. */
function copyKept(
  src: Float32Array,
  out: Float32Array,
  outer: number,
  d: number,
  inner: number,
  keep: Int32Array,
) {
  let w = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * d * inner;
    for (let j = 0; j < keep.length; j++) {
      const from = base + keep[j]! * inner;
      if (inner >= 64) out.set(src.subarray(from, from + inner), w);
      else for (let i = 0; i < inner; i++) out[w + i] = src[from + i]!;
      w += inner;
    }
  }
}
