// Least-squares refit of a linear layer from LayerStats (features and target): per group, the ridge
// regression of the centred target on the centred patches, then the bias that preserves the mean
// (He et al. 2017's LinearRegression with intercept; CaP's closed form W'_K = W·Σ_CK·Σ_KK⁻¹ with
// bias correction is the same solve when the target is the original layer's output). Optionally
// CaP's variance rescale: each output row is scaled so its output variance equals the target's.

import type { LayerStats } from './layer.js';
import { groupFeatures, groupOutputs } from './layer.js';
import { ridgeSolve } from './solve.js';

export interface FitOptions {
  /** Ridge λ relative to the mean feature variance (default 1e-4). */
  readonly ridge?: number;
  /** CaP's variance rescale (pseudopruner compensate.py): restore each output's variance. */
  readonly rescaleVariance?: boolean;
}

export interface FitResult {
  /** [M, dg] row-major. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  /** Mean squared error per output position, summed over outputs, after the fit. */
  readonly error: number;
  /** Total target variance (the error of predicting the mean): error / variance is the relative error. */
  readonly variance: number;
}

/** Centred moments of group `g`: mean of x, covariance of x, mean of y, cross-covariance x·y. */
export function centred(stats: LayerStats, g: number) {
  const dg = groupFeatures(stats.layer);
  const mg = groupOutputs(stats.layer);
  const n = stats.rows;
  const mx = new Float64Array(dg);
  for (let i = 0; i < dg; i++) mx[i] = stats.sx[g * dg + i]! / n;
  const cxx = new Float64Array(dg * dg);
  const base = g * dg * dg;
  for (let i = 0; i < dg; i++)
    for (let k = 0; k < dg; k++) cxx[i * dg + k] = stats.xx[base + i * dg + k]! / n - mx[i]! * mx[k]!;
  if (!stats.sy) return { dg, mg, mx, cxx };
  const my = new Float64Array(mg);
  const vy = new Float64Array(mg);
  for (let j = 0; j < mg; j++) {
    my[j] = stats.sy[g * mg + j]! / n;
    vy[j] = Math.max(0, stats.yy![g * mg + j]! / n - my[j]! ** 2);
  }
  const cxy = new Float64Array(dg * mg);
  const xb = g * dg * mg;
  for (let i = 0; i < dg; i++)
    for (let j = 0; j < mg; j++) cxy[i * mg + j] = stats.xy![xb + i * mg + j]! / n - mx[i]! * my[j]!;
  return { dg, mg, mx, cxx, my, vy, cxy };
}

/** The least-squares weights and bias of the layer given features and target statistics. */
export function fitLayer(stats: LayerStats, options: FitOptions = {}): FitResult {
  const { groups, outChannels } = stats.layer;
  const dg = groupFeatures(stats.layer);
  const weight = new Float32Array(outChannels * dg);
  const bias = new Float32Array(outChannels);
  let error = 0;
  let variance = 0;
  for (let g = 0; g < groups; g++) {
    const c = centred(stats, g);
    if (!c.cxy) throw new Error('fitLayer needs target statistics');
    const { mg, mx, cxx, my, vy, cxy } = c;
    const wt = ridgeSolve(cxx, dg, cxy, mg, options.ridge ?? 1e-4);
    for (let j = 0; j < mg; j++) {
      const w = new Float64Array(dg);
      for (let i = 0; i < dg; i++) w[i] = wt[i * mg + j]!;
      let cross = 0;
      let norm = 0;
      for (let i = 0; i < dg; i++) {
        cross += w[i]! * cxy[i * mg + j]!;
        norm += w[i]! ** 2;
      }
      // (Σ + λI)·w = c, so wᵀΣw = wᵀc − λ‖w‖² (exact, and O(dg) instead of O(dg²)).
      let quad = cross - wt.lambda * norm;
      if (options.rescaleVariance && quad > 0 && vy[j]! > 0) {
        const s = Math.sqrt(vy[j]! / quad);
        for (let i = 0; i < dg; i++) w[i]! *= s;
        cross *= s;
        quad *= s * s;
      }
      const row = g * mg + j;
      let b = my[j]!;
      for (let i = 0; i < dg; i++) {
        weight[row * dg + i] = w[i]!;
        b -= w[i]! * mx[i]!;
      }
      bias[row] = b;
      error += Math.max(0, vy[j]! - 2 * cross + quad);
      variance += vy[j]!;
    }
  }
  return { weight, bias, error, variance };
}

/** Mean squared error of given weights/bias ([M, dg], [M]) against the target (raw moments). */
export function layerError(stats: LayerStats, weight: Float32Array, bias: Float32Array): number {
  const { groups } = stats.layer;
  const dg = groupFeatures(stats.layer);
  const mg = groupOutputs(stats.layer);
  const n = stats.rows;
  let total = 0;
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < mg; j++) {
      const row = g * mg + j;
      const b = bias[row]!;
      let e = stats.yy![row]! / n - 2 * b * (stats.sy![row]! / n) + b * b;
      for (let i = 0; i < dg; i++) {
        const wi = weight[row * dg + i]!;
        if (wi === 0) continue;
        e -= 2 * wi * (stats.xy![(g * dg + i) * mg + j]! / n);
        e += 2 * b * wi * (stats.sx[g * dg + i]! / n);
        let s = 0;
        const base = g * dg * dg + i * dg;
        for (let k = 0; k < dg; k++) s += stats.xx[base + k]! * weight[row * dg + k]!;
        e += (wi * s) / n;
      }
      total += Math.max(0, e);
    }
  }
  return total;
}
