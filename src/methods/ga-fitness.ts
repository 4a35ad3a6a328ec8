// Step 1 of GA channel pruning's two-step fitness: the layer-wise loss (Hu et al. 2018, per the
// reading note in the research addendum: the squared error between the consumers' pre-activation
// outputs before and after pruning). For a chromosome b over a group's channels, consumer k computes
// ŷ = W_k·(b ⊙ x) + β_k from the current network's input x, and the loss is Σ_k ‖y_k − ŷ_k‖² against
// the original network's output y_k. Expanded over the patch statistics this is a quadratic form in b,
//   E(b) = K + lᵀb + bᵀQb,
// Q_uv = Σ_{a∈u, c∈v} (WᵀW)_ac·Σxxᵀ_ac, l_u = 2·Σ_{a∈u} ((Q-terms with the always-kept features) − p_a),
// p_a = Σ_j w_ja·(Σx_a·y_j − β_j·Σx_a), so one chromosome costs O(n²) once the statistics are in:
// the GA can afford thousands of them. Step 2 (the network's loss for the best few) is in ga-select.ts.

import { mulABt } from '../linear/kernels.js';
import { groupFeatures, groupOutputs } from '../linear/layer.js';
import type { SelectLayer } from '../linear/select.js';
import { PareError } from '../util/errors.js';

/** E(b) = constant + lᵀb + bᵀQb over n channels (Q symmetric, n×n row-major), per patch row. */
export interface LayerLoss {
  readonly n: number;
  readonly constant: number;
  readonly linear: Float64Array;
  readonly quadratic: Float64Array;
}

/** The consumer's bias β (the current network's) with its layer: what ŷ adds to W·x. */
export interface LossLayer extends SelectLayer {
  readonly bias: Float32Array;
}

/**
 * The layer-wise loss of a group's channels from its consumers' statistics: features x of the
 * current network, target y of the original (LayerStats with a target), weights and bias of the
 * current consumer. Per-row means, so consumers with different output sizes add.
 */
export function layerLoss(layers: readonly LossLayer[]): LayerLoss {
  const n = layers[0]?.units.length ?? 0;
  const quadratic = new Float64Array(n * n);
  const linear = new Float64Array(n);
  let constant = 0;
  for (const l of layers) {
    const s = l.stats;
    if (l.units.length !== n)
      throw new PareError('PARE_INTERNAL', 'GA fitness: consumers disagree on channels');
    if (!s.xy || !s.sy || !s.yy)
      throw new PareError('PARE_INTERNAL', `GA fitness: statistics of '${s.layer.node}' have no target`);
    const dg = groupFeatures(s.layer);
    const mg = groupOutputs(s.layer);
    const rows = s.rows;
    for (let g = 0; g < s.layer.groups; g++) {
      // owner[a]: the unit of feature a, or -1 for a feature that stays (another group's channels).
      const owner = new Int32Array(dg).fill(-1);
      let used = false;
      l.units.forEach((u, i) => {
        if (u.group !== g) return;
        used = true;
        for (const f of u.features) owner[f] = i;
      });
      if (!used) continue;
      const wt = new Float64Array(dg * mg);
      for (let a = 0; a < dg; a++)
        for (let j = 0; j < mg; j++) wt[a * mg + j] = l.weight[(g * mg + j) * dg + a]!;
      const gram = mulABt(wt, wt, dg, dg, mg);
      const xx = g * dg * dg;
      // Features every chromosome keeps count as if switched on: their terms move to l and K.
      let fixedQuad = 0;
      const toFixed = new Float64Array(n);
      for (let a = 0; a < dg; a++) {
        const ua = owner[a]!;
        for (let c = 0; c < dg; c++) {
          const q = (gram[a * dg + c]! * s.xx[xx + a * dg + c]!) / rows;
          const uc = owner[c]!;
          if (ua >= 0 && uc >= 0) quadratic[ua * n + uc]! += q;
          else if (ua >= 0) toFixed[ua]! += 2 * q;
          else if (uc < 0) fixedQuad += q;
        }
      }
      // p_a = Σ_j w_ja·(Σ x_a y_j − β_j Σ x_a) / rows; the target term Σ(y − β)² / rows.
      let fixedLin = 0;
      for (let a = 0; a < dg; a++) {
        let p = 0;
        const sxa = s.sx[g * dg + a]!;
        for (let j = 0; j < mg; j++)
          p += wt[a * mg + j]! * (s.xy[(g * dg + a) * mg + j]! - l.bias[g * mg + j]! * sxa);
        p /= rows;
        if (owner[a]! >= 0) linear[owner[a]!]! -= 2 * p;
        else fixedLin += p;
      }
      for (let u = 0; u < n; u++) linear[u]! += toFixed[u]!;
      let target = 0;
      for (let j = 0; j < mg; j++) {
        const b = l.bias[g * mg + j]!;
        target += s.yy[g * mg + j]! - 2 * b * s.sy[g * mg + j]! + rows * b * b;
      }
      constant += target / rows - 2 * fixedLin + fixedQuad;
    }
  }
  return { n, constant, linear, quadratic };
}

/** E(b) of a chromosome (1 = kept). */
export function lossOf(loss: LayerLoss, genes: Uint8Array): number {
  const { n, linear, quadratic } = loss;
  let e = loss.constant;
  for (let u = 0; u < n; u++) {
    if (!genes[u]) continue;
    e += linear[u]!;
    const row = u * n;
    for (let v = 0; v < n; v++) if (genes[v]) e += quadratic[row + v]!;
  }
  return e;
}
