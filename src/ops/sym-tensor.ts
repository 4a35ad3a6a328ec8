// SymTensor: the data of a small tensor known before run time, where an element may be a symbol
// ('N', from a symbolic dim read by Shape) or unknown (null). Exporters compute Reshape targets
// from Shape chains; carrying symbols through them lets [N, -1] resolve without a sample run.

import { type DType, dtypeFromCode, dtypes, isFloatType } from '../ir/dtype.js';
import { Tensor } from '../ir/tensor.js';
import type { Dim } from '../ir/value.js';

export type SymElem = Dim;

export interface SymTensor {
  readonly elemType: number;
  readonly dims: readonly number[];
  readonly data: readonly SymElem[];
}

/** Tensors above this size are not evaluated at build time (weights, big ConstantOfShape). */
export const maxEvalElements = 1 << 16;

export const INT64 = dtypes.int64.code;
export const FLOAT = dtypes.float32.code;
export const BOOL = dtypes.bool.code;

export function symFromTensor(t: Tensor): SymTensor | undefined {
  const dt = t.dtype;
  if (dt === undefined || dt === 'string' || dt === 'float16' || dt === 'bfloat16') return undefined;
  if (t.size > maxEvalElements) return undefined;
  return { elemType: t.dataType, dims: t.dims, data: t.toNumbers() };
}

/** The tensor when every element is a number. */
export function symToTensor(s: SymTensor): Tensor | undefined {
  if (!isConcrete(s)) return undefined;
  const dt = dtypeFromCode(s.elemType);
  if (dt === undefined || dt === 'string' || dt === 'float16' || dt === 'bfloat16') return undefined;
  const nums = s.data as number[];
  if (dt === 'int64' || dt === 'uint64') return Tensor.from(dt, s.dims, bigints(dt, nums));
  return Tensor.from(dt, s.dims, typedFrom(dt, nums));
}

export function isConcrete(s: SymTensor): boolean {
  return s.data.every((d) => typeof d === 'number');
}

/** Integer elements when all are numbers. */
export function symInts(s: SymTensor | undefined): number[] | undefined {
  if (!s || !isConcrete(s)) return undefined;
  return s.data as number[];
}

export function isFloatElem(elemType: number): boolean {
  const dt = dtypeFromCode(elemType);
  return dt !== undefined && isFloatType(dt);
}

/** Round a number the way a cast to `elemType` does (truncation for integers, 0/1 for bool). */
export function castElem(x: SymElem, elemType: number): SymElem {
  // A symbol stands for a positive integer: any numeric cast keeps it (bool would need its value).
  if (typeof x !== 'number') return elemType === BOOL ? null : x;
  if (elemType === BOOL) return x !== 0 ? 1 : 0;
  if (isFloatElem(elemType)) return elemType === FLOAT ? Math.fround(x) : x;
  return Math.trunc(x);
}

function bigints(dt: 'int64' | 'uint64', nums: number[]): BigInt64Array | BigUint64Array {
  const big = nums.map((n) => BigInt(Math.trunc(n)));
  return dt === 'int64' ? BigInt64Array.from(big) : BigUint64Array.from(big);
}

function typedFrom(dt: Exclude<DType, 'int64' | 'uint64' | 'string'>, nums: number[]) {
  switch (dt) {
    case 'float32':
      return Float32Array.from(nums);
    case 'float64':
      return Float64Array.from(nums);
    case 'int32':
      return Int32Array.from(nums);
    case 'int16':
      return Int16Array.from(nums);
    case 'int8':
      return Int8Array.from(nums);
    case 'uint32':
      return Uint32Array.from(nums);
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return Uint16Array.from(nums);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(nums);
  }
}
