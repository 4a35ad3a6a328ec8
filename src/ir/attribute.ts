// Node attributes. Kinds pare reads are typed; anything else (graphs, sparse tensors, type protos)
// is kept as the encoded AttributeProto so it survives a round trip untouched.

import type { Tensor } from './tensor.js';

export type Attribute =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: Tensor }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensors'; readonly value: readonly Tensor[] }
  /** Encoded AttributeProto bytes (subgraphs, sparse tensors, type protos, ref_attr_name). */
  | { readonly kind: 'opaque'; readonly value: Uint8Array; readonly hasGraph: boolean };

export type AttributeValue = number | string | readonly number[] | readonly string[] | Tensor;

/** Attribute from a plain value; integers vs floats must be said for numbers. */
export function attr(kind: 'int' | 'float', value: number): Attribute;
export function attr(kind: 'ints' | 'floats', value: readonly number[]): Attribute;
export function attr(kind: 'string', value: string): Attribute;
export function attr(kind: 'strings', value: readonly string[]): Attribute;
export function attr(kind: 'tensor', value: Tensor): Attribute;
export function attr(kind: Attribute['kind'], value: unknown): Attribute {
  return { kind, value } as Attribute;
}

/** Attributes that ONNX types as float(s) even when the value given is integral. */
const floatAttributes = new Set([
  'alpha',
  'beta',
  'gamma',
  'epsilon',
  'momentum',
  'ratio',
  'min',
  'max',
  'bias',
  'lambd',
  'scale',
  'scales',
  'value_float',
  'value_floats',
  'extrapolation_value',
  'cubic_coeff_a',
  'spatial_scale',
  'seed',
  'mean',
  'high',
  'low',
]);

/**
 * Infer the kind from a value: integral numbers become 'int', arrays of integers 'ints', except for
 * attributes ONNX types as floats (alpha, epsilon, ...), named by `name`.
 */
export function attrFromValue(value: AttributeValue, name = ''): Attribute {
  const floatHint = floatAttributes.has(name);
  if (typeof value === 'number') {
    return Number.isInteger(value) && !floatHint ? { kind: 'int', value } : { kind: 'float', value };
  }
  if (typeof value === 'string') return { kind: 'string', value };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return { kind: 'strings', value: value as string[] };
    const nums = value as number[];
    return nums.every(Number.isInteger) && !floatHint
      ? { kind: 'ints', value: nums }
      : { kind: 'floats', value: nums };
  }
  return { kind: 'tensor', value: value as Tensor };
}
