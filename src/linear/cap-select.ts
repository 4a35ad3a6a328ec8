// CaP, compensation-aware channel selection (Xie, Fu, Tian, Zhou, Chen, arXiv 2108.13728; the
// authors' ZhouyangXie/pseudopruner comp_aware_pruner/ranking.py): greedy FORWARD selection on the
// centred input covariance Σ. Keeping set S and compensating the layer by least squares
// (W' = W·Σ_CS·Σ_SS⁻¹ plus a bias correction) leaves the loss tr(WΣWᵀ) − tr(Bᵀ Σ_SS⁻¹ B), B = Σ_SC·Wᵀ;
// adding unit t lowers it by
//   score(t) = ‖W·Σ^S_{:,t}·L_t⁻ᵀ‖_F²,  Σ^S = Σ − Σ_{:,S}·Σ_SS⁻¹·Σ_{S,:},  L_t·L_tᵀ = Σ^S_tt,
// the paper's (WΣ_Ct − WΣ_CS·Σ_SS⁻¹·Σ_St)·L_t⁻ᵀ. We keep Σ^S itself (restricted to the features not
// yet kept) and B = W·Σ^S, downdated by one rank-|t| block Schur update per step (the block-inverse
// update of Σ_SS⁻¹ in another form). The order of addition is the ranking. Zero-variance units come
// last (ConstChannelPruner); units whose remaining variance is exhausted (exact copies of kept
// units) rank after every unit still adding something. Several consumers: one joint greedy on the
// summed scores (our generalisation; the code works per layer).
//
// Cost per conv group of dg features, M outputs: M·dg² to form W·Σ, then about dg³/6 + M·dg²/2
// multiply-adds for the whole ranking.

import { centred } from './fit.js';
import { mulABt, subCombination } from './kernels.js';
import { groupFeatures, groupOutputs } from './layer.js';
import type { SelectLayer, SelectUnit } from './select.js';
import { cholesky } from './solve.js';

export interface CapOptions {
  /**
   * A unit whose remaining variance tr(Σ^S_tt) is below tol·tr(E[x_t x_tᵀ]) is exhausted (zero
   * variance when that holds before anything is kept). Default 1e-6: statistics summed in float32
   * carry relative rounding of ~1e-7 of the raw second moment.
   */
  readonly tol?: number;
  /** Ridge on each Schur block, relative to the unit's mean raw second moment (default 1e-9). */
  readonly ridge?: number;
}

export interface CapRanking {
  /** Units, most important (first added) first. */
  readonly order: Int32Array;
  /** Loss reduction when the unit was added (0 for units after `ranked`). */
  readonly gain: Float64Array;
  /** Σ over consumers of tr(WΣWᵀ): the loss when nothing is kept. */
  readonly total: number;
  /** Loss when only the fixed features are kept: base − Σ gain of the first k = loss keeping k. */
  readonly base: number;
  /** Units placed by the greedy; the rest are exhausted, then zero-variance. */
  readonly ranked: number;
  /** 1 for zero-variance units (ranked last). */
  readonly zeroVariance: Uint8Array;
}

/** Greedy forward CaP ranking of the units shared by `layers` (one joint greedy). */
export function capRanking(layers: readonly SelectLayer[], options: CapOptions = {}): CapRanking {
  const tol = options.tol ?? 1e-6;
  const ridge = options.ridge ?? 1e-9;
  const n = layers[0]?.units.length ?? 0;
  let total = 0;
  const parts: Part[][] = Array.from({ length: n }, () => []);
  const fixed: Part[] = [];
  for (const l of layers) {
    const blocks = new Map<number, SchurBlock>();
    const block = (g: number) => {
      let b = blocks.get(g);
      if (!b) {
        b = new SchurBlock(l, g);
        total += b.total;
        blocks.set(g, b);
      }
      return b;
    };
    l.units.forEach((u, i) => {
      parts[i]!.push(part(block(u.group), u));
    });
    for (const f of l.fixed ?? []) fixed.push(part(block(f.group), f));
  }
  const zeroVariance = new Uint8Array(n);
  for (let i = 0; i < n; i++) zeroVariance[i] = parts[i]!.every((p) => p.block.exhausted(p, tol)) ? 1 : 0;
  let base = total;
  for (const f of fixed) base -= f.block.add(f, ridge);

  const exhausted = new Uint8Array(n);
  const taken = new Uint8Array(n);
  const first = new Float64Array(n);
  const gain = new Float64Array(n);
  const order: number[] = [];
  const score = (i: number) => {
    let s = 0;
    let live = false;
    for (const p of parts[i]!) {
      const v = p.block.score(p, tol, ridge);
      if (v >= 0) {
        s += v;
        live = true;
      }
    }
    return live ? s : -1;
  };
  for (let i = 0; i < n; i++) if (!zeroVariance[i]) first[i] = score(i);
  for (;;) {
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < n; i++) {
      if (zeroVariance[i] || exhausted[i] || taken[i]) continue;
      const s = score(i);
      if (s < 0) exhausted[i] = 1;
      else if (s > bestScore) [best, bestScore] = [i, s];
    }
    if (best < 0) break;
    order.push(best);
    taken[best] = 1;
    for (const p of parts[best]!)
      gain[best]! += p.block.exhausted(p, tol) ? p.block.drop(p) : p.block.add(p, ridge);
  }
  const ranked = order.length;
  const rest = (want: (i: number) => boolean) =>
    [...first.keys()].filter((i) => want(i) && !taken[i]).sort((a, b) => first[b]! - first[a]! || a - b);
  order.push(...rest((i) => !zeroVariance[i]), ...rest((i) => zeroVariance[i] === 1));
  return { order: Int32Array.from(order), gain, total, base, ranked, zeroVariance };
}

interface Part {
  readonly block: SchurBlock;
  readonly features: Int32Array;
  /** tr(E[x xᵀ]) over the part's features (the scale of its tolerances). */
  readonly raw: number;
}

function part(block: SchurBlock, u: SelectUnit): Part {
  let raw = 0;
  for (const f of u.features) raw += block.raw[f]!;
  return { block, features: u.features, raw };
}

/**
 * One conv group of one layer: Σ^S over the features not yet kept (lower triangle, compacted as
 * features go) and B = W·Σ^S (M × width).
 */
class SchurBlock {
  readonly total: number;
  readonly raw: Float64Array;
  private width: number;
  private r: Float64Array;
  private b: Float64Array;
  private readonly mg: number;
  /** Feature → position in r (−1 once kept). */
  private readonly posOf: Int32Array;
  private alive: number;

  constructor(l: SelectLayer, g: number) {
    const dg = groupFeatures(l.stats.layer);
    const mg = groupOutputs(l.stats.layer);
    const { mx, cxx } = centred(l.stats, g);
    this.mg = mg;
    this.width = dg;
    this.alive = dg;
    this.raw = Float64Array.from(mx, (m, i) => cxx[i * dg + i]! + m * m);
    this.posOf = Int32Array.from({ length: dg }, (_, i) => i);
    this.r = cxx;
    // B = W·Σ (Σ symmetric: rows of Σ are its columns).
    const wg = l.weight.subarray(g * mg * dg, (g + 1) * mg * dg);
    const b = mulABt(wg, cxx, mg, dg, dg);
    let total = 0;
    for (let i = 0; i < mg * dg; i++) total += b[i]! * wg[i]!;
    this.b = b;
    this.total = total;
  }

  private at(p: number, q: number): number {
    return p >= q ? this.r[p * this.width + q]! : this.r[q * this.width + p]!;
  }

  private positions(p: Part): Int32Array {
    return Int32Array.from(p.features, (f) => this.posOf[f]!);
  }

  exhausted(p: Part, tol: number): boolean {
    let t = 0;
    for (const q of this.positions(p)) t += this.at(q, q);
    return !(t > tol * p.raw);
  }

  /** Lower Cholesky factor of Σ^S_tt + δI, or undefined when exhausted. */
  private factor(pos: Int32Array, p: Part, tol: number, ridge: number): Float64Array | undefined {
    if (this.exhausted(p, tol)) return undefined;
    const k = pos.length;
    const c = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) c[i * k + j] = this.at(pos[i]!, pos[j]!);
    const delta = (ridge * p.raw) / k;
    for (let i = 0; i < k; i++) c[i * k + i]! += delta;
    return cholesky(c, k) ? c : undefined;
  }

  /** ‖B_{:,t}·L_t⁻ᵀ‖_F², or −1 when the part is exhausted. */
  score(p: Part, tol: number, ridge: number): number {
    const pos = this.positions(p);
    const l = this.factor(pos, p, tol, ridge);
    if (!l) return -1;
    const k = pos.length;
    const y = new Float64Array(k);
    let s = 0;
    for (let j = 0; j < this.mg; j++) {
      const row = j * this.width;
      for (let i = 0; i < k; i++) {
        let v = this.b[row + pos[i]!]!;
        for (let q = 0; q < i; q++) v -= l[i * k + q]! * y[q]!;
        v /= l[i * k + i]!;
        y[i] = v;
        s += v * v;
      }
    }
    return s;
  }

  /** Keep the part: Σ^S and B lose its block (Schur complement); returns its gain. */
  add(p: Part, ridge: number): number {
    const pos = this.positions(p);
    const l = this.factor(pos, p, -1, ridge);
    if (!l) return this.drop(p);
    const k = pos.length;
    const w = this.width;
    for (const f of p.features) this.posOf[f] = -1;
    const live = this.livePositions();
    // V = Σ^S_{:,t}·L⁻ᵀ, stored column-major (k rows of length w) so updates are plain axpys.
    const v = new Float64Array(k * w);
    const y = new Float64Array(k);
    for (const a of live) {
      for (let i = 0; i < k; i++) {
        let s = this.at(a, pos[i]!);
        for (let q = 0; q < i; q++) s -= l[i * k + q]! * y[q]!;
        s /= l[i * k + i]!;
        y[i] = s;
        v[i * w + a] = s;
      }
    }
    const bt = new Float64Array(this.mg * k);
    let gain = 0;
    for (let j = 0; j < this.mg; j++) {
      for (let i = 0; i < k; i++) {
        let s = this.b[j * w + pos[i]!]!;
        for (let q = 0; q < i; q++) s -= l[i * k + q]! * bt[j * k + q]!;
        s /= l[i * k + i]!;
        bt[j * k + i] = s;
        gain += s * s;
      }
    }
    const coef = new Float64Array(k);
    for (const a of live) {
      for (let i = 0; i < k; i++) coef[i] = v[i * w + a]!;
      subCombination(this.r, a * w, a + 1, coef, v, w);
    }
    for (let j = 0; j < this.mg; j++) subCombination(this.b, j * w, w, bt.subarray(j * k, (j + 1) * k), v, w);
    this.retire(k);
    return gain;
  }

  /** Keep an exhausted part without an update (its remaining variance is rounding): gain 0. */
  drop(p: Part): number {
    for (const f of p.features) this.posOf[f] = -1;
    this.retire(p.features.length);
    return 0;
  }

  private livePositions(): number[] {
    const used = new Uint8Array(this.width);
    for (const q of this.posOf) if (q >= 0) used[q] = 1;
    return [...used.keys()].filter((q) => used[q] === 1);
  }

  /** Compact r and b once a quarter of the width is kept features. */
  private retire(k: number): void {
    this.alive -= k;
    if (this.alive >= 0.75 * this.width) return;
    const live = this.livePositions();
    const w = this.width;
    const nw = live.length;
    const r = new Float64Array(nw * nw);
    for (let i = 0; i < nw; i++)
      for (let j = 0; j <= i; j++) r[i * nw + j] = this.r[live[i]! * w + live[j]!]!;
    const b = new Float64Array(this.mg * nw);
    for (let j = 0; j < this.mg; j++) for (let i = 0; i < nw; i++) b[j * nw + i] = this.b[j * w + live[i]!]!;
    const map = new Int32Array(w).fill(-1);
    live.forEach((q, i) => {
      map[q] = i;
    });
    for (let f = 0; f < this.posOf.length; f++) if (this.posOf[f]! >= 0) this.posOf[f] = map[this.posOf[f]!]!;
    [this.r, this.b, this.width, this.alive] = [r, b, nw, nw];
  }
}
