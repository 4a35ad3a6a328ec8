// Dense symmetric positive-definite algebra in float64 for the least-squares refits and channel
// selection: Cholesky factorisation, solves, inverse. Sizes are a layer's patch features (up to a
// few thousand), so plain loops in row-major order are enough.

import { PareError } from '../util/errors.js';

/** In-place lower Cholesky factor of the n×n row-major `a` (upper part left as is). False if not PD. */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! ** 2;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[rj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / l;
    }
  }
  return true;
}

/** Solve L·Lᵀ·X = B in place (B: n×m row-major) with the factor from `cholesky`. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const f = l[ri + k]!;
      if (f !== 0) for (let c = 0; c < m; c++) b[i * m + c]! -= f * b[k * m + c]!;
    }
    const d = l[ri + i]!;
    for (let c = 0; c < m; c++) b[i * m + c]! /= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = l[k * n + i]!;
      if (f !== 0) for (let c = 0; c < m; c++) b[i * m + c]! -= f * b[k * m + c]!;
    }
    const d = l[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c]! /= d;
  }
}

/**
 * Solve (A + λ·I)·X = B for symmetric positive semi-definite A (n×n), B (n×m); returns X.
 * λ = ridge · mean(diag A); if A is singular at that λ, a jitter grows until the factorisation
 * succeeds (a dead feature, a zero column, gets weight 0). The λ used is returned as `lambda`.
 */
export function ridgeSolve(
  a: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  ridge: number,
): Float64Array & { readonly lambda: number } {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i]!;
  const scale = trace > 0 ? trace / n : 1;
  let lambda = ridge * scale;
  for (let attempt = 0; attempt < 12; attempt++) {
    const f = Float64Array.from(a);
    for (let i = 0; i < n; i++) f[i * n + i]! += lambda;
    if (cholesky(f, n)) {
      const x = Object.assign(Float64Array.from(b), { lambda });
      choleskySolve(f, n, x, m);
      return x;
    }
    lambda = Math.max(lambda * 10, scale * 1e-12);
  }
  throw new PareError(
    'PARE_INTERNAL',
    `least squares: a ${n}×${n} system stayed singular (non-finite statistics?)`,
    {
      notes: ['check the calibration data for NaN/Inf values'],
    },
  );
}

/** The inverse of a symmetric positive-definite n×n matrix (undefined when not PD). */
export function spdInverse(a: Float64Array, n: number): Float64Array | undefined {
  const f = Float64Array.from(a);
  if (!cholesky(f, n)) return undefined;
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  choleskySolve(f, n, inv, n);
  return inv;
}
