// Constant data behind a value: initializers, and the Identity / Constant nodes exporters put in
// front of weights (PyTorch shares initializers through Identity; Paddle2ONNX emits Constant nodes).

import type { Tensor } from '../ir/tensor.js';
import { Tensor as TensorClass } from '../ir/tensor.js';
import type { Dim, Value } from '../ir/value.js';

/** What link and prune handlers read about values: shapes and constant data. */
export interface ConstantReader {
  /** Shape from the value's type, or the dims of a constant. */
  shape(v: Value | null | undefined): readonly Dim[] | undefined;
  /** Constant data, through Identity and Constant nodes. */
  constant(v: Value | null | undefined): Tensor | undefined;
  /** Integer data of a small constant (axes, pads, split sizes). */
  ints(v: Value | null | undefined): number[] | undefined;
}

/** The one implementation both handler contexts share. */
export const constantReader: ConstantReader = {
  shape: (v) => (v ? (v.type?.shape ?? resolveConstant(v)?.dims) : undefined),
  constant: (v) => resolveConstant(v),
  ints: (v) => resolveInts(v),
};

export function resolveConstant(v: Value | null | undefined): Tensor | undefined {
  for (let depth = 0; v && depth < 16; depth++) {
    if (v.const) return v.const;
    const p = v.producer;
    if (!p) return undefined;
    if (p.opType === 'Identity' && p.domain === '') {
      v = p.input(0);
      continue;
    }
    if (p.opType === 'Constant' && p.domain === '') return constantNodeValue(p.attributes);
    return undefined;
  }
  return undefined;
}

/** Integer elements of a small constant (axes, pads, sizes); undefined when not constant. */
export function resolveInts(v: Value | null | undefined): number[] | undefined {
  const t = resolveConstant(v);
  if (!t || t.size > 4096) return undefined;
  const dt = t.dtype;
  if (dt === undefined || dt === 'string' || dt === 'float16' || dt === 'bfloat16') return undefined;
  return t.toNumbers();
}

function constantNodeValue(attrs: ReadonlyMap<string, import('../ir/attribute.js').Attribute>) {
  for (const [name, a] of attrs) {
    if (name === 'value' && a.kind === 'tensor') return a.value;
    if (name === 'value_float' && (a.kind === 'float' || a.kind === 'int'))
      return TensorClass.float32([], [a.value]);
    if (name === 'value_floats' && a.kind === 'floats') return TensorClass.float32([a.value.length], a.value);
    if (name === 'value_int' && a.kind === 'int') return TensorClass.int64([], [a.value]);
    if (name === 'value_ints' && a.kind === 'ints') return TensorClass.int64([a.value.length], a.value);
  }
  return undefined;
}
