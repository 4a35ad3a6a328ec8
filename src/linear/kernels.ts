// Dense inner loops of the channel selection, unrolled so each pass over memory does several
// multiply-adds (V8 does not vectorise; fewer loads and stores per multiply-add is what helps).

type Floats = Float32Array | Float64Array;

/** dst[off + c] −= Σ_i coef[i]·v[i·stride + c] for c < len, i < coef.length. */
export function subCombination(
  dst: Float64Array,
  off: number,
  len: number,
  coef: Float64Array,
  v: Float64Array,
  stride: number,
): void {
  const k = coef.length;
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    const a0 = coef[i]!;
    const a1 = coef[i + 1]!;
    const a2 = coef[i + 2]!;
    const a3 = coef[i + 3]!;
    const o0 = i * stride;
    const o1 = o0 + stride;
    const o2 = o1 + stride;
    const o3 = o2 + stride;
    for (let c = 0; c < len; c++)
      dst[off + c]! -= a0 * v[o0 + c]! + a1 * v[o1 + c]! + a2 * v[o2 + c]! + a3 * v[o3 + c]!;
  }
  for (; i + 2 <= k; i += 2) {
    const a0 = coef[i]!;
    const a1 = coef[i + 1]!;
    const o0 = i * stride;
    const o1 = o0 + stride;
    for (let c = 0; c < len; c++) dst[off + c]! -= a0 * v[o0 + c]! + a1 * v[o1 + c]!;
  }
  if (i < k) {
    const a0 = coef[i]!;
    const o0 = i * stride;
    for (let c = 0; c < len; c++) dst[off + c]! -= a0 * v[o0 + c]!;
  }
}

/**
 * C = A·Bᵀ for row-major A [m, d] and B [n, d]: C [m, n] (dot products of rows, 2×2 blocks). When
 * B is A (a Gram matrix) only the lower half is computed, then mirrored.
 */
export function mulABt(a: Floats, b: Floats, m: number, n: number, d: number): Float64Array {
  const c = new Float64Array(m * n);
  const gram = a === b && m === n;
  const one = (i: number, j: number) => {
    let s = 0;
    for (let q = 0; q < d; q++) s += a[i * d + q]! * b[j * d + q]!;
    c[i * n + j] = s;
  };
  for (let i = 0; i + 1 < m; i += 2) {
    const a0 = i * d;
    const a1 = a0 + d;
    for (let j = 0; j + 1 < n && !(gram && j > i); j += 2) {
      const b0 = j * d;
      const b1 = b0 + d;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let q = 0; q < d; q++) {
        const x0 = a[a0 + q]!;
        const x1 = a[a1 + q]!;
        const y0 = b[b0 + q]!;
        const y1 = b[b1 + q]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      c[i * n + j] = s00;
      c[i * n + j + 1] = s01;
      c[(i + 1) * n + j] = s10;
      c[(i + 1) * n + j + 1] = s11;
    }
    if (n % 2 && !gram) {
      one(i, n - 1);
      one(i + 1, n - 1);
    }
  }
  if (m % 2) for (let j = 0; j < n; j++) one(m - 1, j);
  if (gram) for (let i = 0; i < m; i++) for (let j = i + 1; j < n; j++) c[i * n + j] = c[j * n + i]!;
  return c;
}
