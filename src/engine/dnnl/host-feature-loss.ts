// Feature distillation terms of the oneDNN engine, on the host over plain [N, ...] values, with their
// gradients w.r.t. the student's value: the same functions as autodiff/losses/feature-mse.ts and
// attention-transfer.ts. MSE: mean((s − t)²) over every element. Attention transfer (Zagoruyko &
// Komodakis 2017): q = mean over channels of F², a = q / max(‖q‖, 1e-12) per sample, loss =
// mean over N·H·W of (a_s − a_t)²; the channel counts of s and t may differ.

/** weight·MSE; adds weight·∂MSE/∂s into ds. */
export function featureMse(s: Float32Array, t: Float32Array, weight: number, ds: Float32Array): number {
  const n = s.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = s[i]! - t[i]!;
    sum += d * d;
    ds[i] = ds[i]! + (2 * weight * d) / n;
  }
  return (weight * sum) / n;
}

/** Attention maps [N, H·W] of a plain [N, C, H·W] value (and the norms before the clip). */
function attentionMaps(
  f: Float32Array,
  n: number,
  c: number,
  hw: number,
): { a: Float64Array; r: Float64Array } {
  const a = new Float64Array(n * hw);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const q = a.subarray(i * hw, (i + 1) * hw);
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * hw;
      for (let p = 0; p < hw; p++) q[p] = q[p]! + (f[base + p]! * f[base + p]!) / c;
    }
    let norm = 0;
    for (let p = 0; p < hw; p++) norm += q[p]! * q[p]!;
    r[i] = Math.sqrt(norm);
    const div = Math.max(r[i]!, 1e-12);
    for (let p = 0; p < hw; p++) q[p] = q[p]! / div;
  }
  return { a, r };
}

/**
 * weight·attention transfer between student s [N, Cs, H·W] and teacher t [N, Ct, H·W]; adds the
 * gradient w.r.t. s into ds.
 */
export function attentionTransfer(
  s: Float32Array,
  t: Float32Array,
  n: number,
  cs: number,
  ct: number,
  hw: number,
  weight: number,
  ds: Float32Array,
): number {
  const S = attentionMaps(s, n, cs, hw);
  const T = attentionMaps(t, n, ct, hw);
  let loss = 0;
  const g = new Float64Array(hw);
  for (let i = 0; i < n; i++) {
    const as = S.a.subarray(i * hw, (i + 1) * hw);
    const at = T.a.subarray(i * hw, (i + 1) * hw);
    let dot = 0;
    for (let p = 0; p < hw; p++) {
      const d = as[p]! - at[p]!;
      loss += d * d;
      g[p] = (2 * weight * d) / (n * hw); // ∂L/∂a_s
      dot += as[p]! * g[p]!;
    }
    // a = q / r: ∂L/∂q = (g − a·(a·g)) / r; below the clip the norm is a constant 1e-12 (no gradient).
    const r = S.r[i]!;
    const clipped = r < 1e-12;
    const div = clipped ? 1e-12 : r;
    for (let p = 0; p < hw; p++) g[p] = (clipped ? g[p]! : g[p]! - as[p]! * dot) / div;
    // q = mean_c F²: ∂q/∂F = 2F / C
    for (let ch = 0; ch < cs; ch++) {
      const base = (i * cs + ch) * hw;
      for (let p = 0; p < hw; p++) ds[base + p] = ds[base + p]! + (g[p]! * 2 * s[base + p]!) / cs;
    }
  }
  return (weight * loss) / (n * hw);
}
