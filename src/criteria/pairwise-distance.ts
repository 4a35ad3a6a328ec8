// Sum of distances from each row to all rows: FPGM's surrogate for the distance to the geometric
// median, g(j) = Σ_j' d(F_j, F_j') (He et al., CVPR 2019, Eq. 4).

export type Distance = 'l2' | 'l1' | 'cosine';

export type GramFn = (data: Float32Array, rows: number, cols: number) => Promise<Float32Array>;

/** Below this many multiply-adds the exact float64 loop is fast enough (and has no rounding issue). */
export const DIRECT_LIMIT = 4_000_000;

/**
 * Σ_j' d(row j, row j') for every row. ℓ2 and cosine of big matrices go through the Gram matrix
 * (X·Xᵀ in float32 by `gram`): d² = ‖a‖² + ‖b‖² − 2a·b, which loses about 1e-7·‖a‖² to rounding,
 * negligible in a sum of n distances. ℓ1 has no Gram form and always runs the exact loop.
 */
export async function distanceSums(
  rows: Float32Array,
  cols: number,
  metric: Distance,
  gram?: GramFn,
): Promise<Float64Array> {
  const n = cols === 0 ? 0 : rows.length / cols;
  if (metric === 'l1' || !gram || n * n * cols <= DIRECT_LIMIT) return directSums(rows, n, cols, metric);
  const g = await gram(rows, n, cols);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const gii = g[i * n + i]!;
    for (let j = i + 1; j < n; j++) {
      const gjj = g[j * n + j]!;
      const gij = g[i * n + j]!;
      const d =
        metric === 'l2' ? Math.sqrt(Math.max(0, gii + gjj - 2 * gij)) : cosineDistance(gij, gii * gjj);
      out[i] = out[i]! + d;
      out[j] = out[j]! + d;
    }
  }
  return out;
}

function directSums(rows: Float32Array, n: number, cols: number, metric: Distance): Float64Array {
  const out = new Float64Array(n);
  const sq = new Float64Array(n);
  if (metric === 'cosine')
    for (let i = 0; i < n; i++) for (let k = 0; k < cols; k++) sq[i] = sq[i]! + rows[i * cols + k]! ** 2;
  for (let i = 0; i < n; i++) {
    const a = i * cols;
    for (let j = i + 1; j < n; j++) {
      const b = j * cols;
      let acc = 0;
      if (metric === 'l1') for (let k = 0; k < cols; k++) acc += Math.abs(rows[a + k]! - rows[b + k]!);
      else if (metric === 'l2')
        for (let k = 0; k < cols; k++) {
          const d = rows[a + k]! - rows[b + k]!;
          acc += d * d;
        }
      else for (let k = 0; k < cols; k++) acc += rows[a + k]! * rows[b + k]!;
      const d =
        metric === 'l1' ? acc : metric === 'l2' ? Math.sqrt(acc) : cosineDistance(acc, sq[i]! * sq[j]!);
      out[i] = out[i]! + d;
      out[j] = out[j]! + d;
    }
  }
  return out;
}

// 1 − cos; a zero filter has no direction: call it orthogonal to everything (distance 1).
function cosineDistance(dot: number, normProduct: number): number {
  return normProduct > 0 ? 1 - dot / Math.sqrt(normProduct) : 1;
}
