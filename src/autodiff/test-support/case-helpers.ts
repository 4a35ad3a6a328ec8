// Test support: terse builders for finite-difference cases (inputs away from kinks, distinct values
// for pooling, tolerances for float32 ops).

import { Tensor } from '../../ir/tensor.js';
import type { Rng } from '../../util/rng.js';
import type { InputSpec, OpCase } from './grad-check.js';

export const x = (...shape: number[]): InputSpec => ({ shape });
export const away = (a: number, ...shape: number[]): InputSpec => ({ shape, away: a });
export const positive = (...shape: number[]): InputSpec => ({
  shape,
  sample: (r, n) => uniform(r, n, 0.5, 2),
});
export const ints = (...values: number[]): InputSpec => ({
  shape: [values.length],
  kind: 'const',
  data: Tensor.int64([values.length], values),
});
export const scalar = (v: number, dtype: 'float32' | 'float64' = 'float64'): InputSpec => ({
  shape: [],
  kind: 'const',
  data: Tensor.scalar(dtype, v),
});
export const uniform = (r: Rng, n: number, lo: number, hi: number) =>
  Array.from({ length: n }, () => r.uniform(lo, hi));
/** Distinct values 0.05 apart in random order: no ties inside pooling windows. */
export const distinct = (...shape: number[]): InputSpec => ({
  shape,
  sample: (r, n) => Array.from(r.permutation(n), (p) => (p - n / 2) * 0.05),
});
/** Uniform in [lo, hi] but never within `gap` of the kinks. */
export const avoiding = (
  kinks: readonly number[],
  gap: number,
  lo: number,
  hi: number,
  ...shape: number[]
): InputSpec => ({
  shape,
  sample: (r, n) =>
    Array.from({ length: n }, () => {
      for (;;) {
        const v = r.uniform(lo, hi);
        if (kinks.every((k) => Math.abs(v - k) > gap)) return v;
      }
    }),
});
export const f32 = { dtype: 'float32', eps: 0.05, rtol: 1e-3, atol: 1e-3 } as const;
/** Linear in each input: central differences are exact, so a large ε keeps float32 rounding small. */
export const linear32 = { dtype: 'float32', eps: 0.5, rtol: 1e-3, atol: 1e-3 } as const;
export const conv = (
  name: string,
  xs: number[],
  ws: number[],
  attrs: OpCase['attrs'],
  extra: Partial<OpCase> = {},
): OpCase => {
  const { inputs: more = [], ...rest } = extra;
  return {
    name,
    op: 'Conv',
    inputs: [x(...xs), x(...ws), ...more],
    attrs: attrs ?? {},
    ...linear32,
    ...rest,
  };
};
