// Channel selection over LayerStats, in float64. A "unit" is a set of patch features of one conv
// group (a group channel's K patch features, or its H·W Gemm columns); each consumer layer reading
// the channels gives one SelectLayer, units aligned across layers (unit i = the same channel).
// LASSO (He, Zhang, Sun, ICCV 2017, "Channel Pruning"; ethanhe42/channel-pruning decompose.py) is
// here; CaP's greedy forward selection is in cap-select.ts.
//
// LASSO in Gram form on the centred covariance Σ: channel u contributes Z_u = X_u·W_uᵀ to the
// output; the target is the original output Σ_u Z_u, so with Q_uv = Σ_j w_{j,u}ᵀ Σ_uv w_{j,v}
// (= Σ_{a∈u, b∈v} Σ_ab·(WᵀW)_ab, zero across conv groups) and b = Q·1, the paper's objective per row
// is ½βᵀQβ − bᵀβ + λ‖β‖₁. Several consumers share β: their Q and b add. Channels of the consumer
// outside the units (another group's part of a Concat) are kept at β = 1; that cancels from b.

import { PareError } from '../util/errors.js';
import { centred } from './fit.js';
import { mulABt } from './kernels.js';
import type { LayerStats } from './layer.js';
import { groupFeatures, groupOutputs, type LinearLayer } from './layer.js';

/** Patch features (indices within conv group `group`, 0..dg) that one candidate owns in one layer. */
export interface SelectUnit {
  readonly group: number;
  readonly features: Int32Array;
}

/** One consumer of the candidates: its statistics, its weight [M, dg] (readLinear) and the units. */
export interface SelectLayer {
  readonly stats: LayerStats;
  readonly weight: Float32Array;
  readonly units: readonly SelectUnit[];
  /** Features always kept (CaP conditions on them; LASSO ignores them). */
  readonly fixed?: readonly SelectUnit[];
}

/**
 * The units of `channels` candidates in a layer: candidate i owns the layer's input channels
 * indexMap[i·block .. (i+1)·block), each contributing its K kernel positions (channel-major).
 */
export function channelUnits(
  layer: LinearLayer,
  indexMap: Int32Array,
  block: number,
  channels: number,
): SelectUnit[] {
  const per = layer.inChannels / layer.groups;
  const k = layer.kernel;
  return Array.from({ length: channels }, (_, i) => {
    const ps = indexMap.subarray(i * block, (i + 1) * block);
    const group = Math.floor(ps[0]! / per);
    const features = new Int32Array(block * k);
    ps.forEach((p, b) => {
      if (Math.floor(p / per) !== group)
        throw new PareError(
          'PARE_INTERNAL',
          `selection unit ${i} of '${layer.node}' spans several conv groups (input channels ${[...ps].join(', ')})`,
        );
      for (let q = 0; q < k; q++) features[b * k + q] = (p % per) * k + q;
    });
    return { group, features };
  });
}

/** The layer's input channels outside `units`, as one unit per conv group (CaP keeps them). */
export function otherFeatures(layer: LinearLayer, units: readonly SelectUnit[]): SelectUnit[] {
  const dg = groupFeatures(layer);
  const used = Array.from({ length: layer.groups }, () => new Uint8Array(dg));
  for (const u of units) for (const f of u.features) used[u.group]![f] = 1;
  const out: SelectUnit[] = [];
  used.forEach((m, group) => {
    const free = [...m.keys()].filter((f) => m[f] === 0);
    if (free.length > 0) out.push({ group, features: Int32Array.from(free) });
  });
  return out;
}

export interface LassoProblem {
  readonly n: number;
  /** n×n row-major. */
  readonly q: Float64Array;
  readonly b: Float64Array;
}

/** Q and b summed over the consumers (Σ centred; per-row means, so rows of any count add). */
export function lassoProblem(layers: readonly SelectLayer[]): LassoProblem {
  const n = layers[0]?.units.length ?? 0;
  const q = new Float64Array(n * n);
  for (const l of layers) {
    if (l.units.length !== n) throw new PareError('PARE_INTERNAL', 'selection layers disagree on units');
    const dg = groupFeatures(l.stats.layer);
    const mg = groupOutputs(l.stats.layer);
    for (let g = 0; g < l.stats.layer.groups; g++) {
      const ids = l.units.flatMap((u, i) => (u.group === g ? [i] : []));
      if (ids.length === 0) continue;
      const cov = centred(l.stats, g).cxx;
      // Wᵀ of the used features, one row per feature, so WᵀW entries are contiguous dot products.
      const feats = ids.flatMap((i) => [...l.units[i]!.features]);
      const f = feats.length;
      const wt = new Float64Array(f * mg);
      for (let a = 0; a < f; a++)
        for (let j = 0; j < mg; j++) wt[a * mg + j] = l.weight[(g * mg + j) * dg + feats[a]!]!;
      const owner = new Int32Array(f);
      let at = 0;
      for (const i of ids) for (let c = 0; c < l.units[i]!.features.length; c++) owner[at++] = i;
      const gram = mulABt(wt, wt, f, f, mg);
      for (let a = 0; a < f; a++) {
        const ca = feats[a]! * dg;
        const u = owner[a]! * n;
        for (let c = 0; c < f; c++) q[u + owner[c]!]! += gram[a * f + c]! * cov[ca + feats[c]!]!;
      }
    }
  }
  const b = new Float64Array(n);
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) b[u]! += q[u * n + v]!;
  return { n, q, b };
}

export interface LassoSolveOptions {
  /** Constrain β ≥ 0 (default false: free sign, as sklearn's Lasso in He's code). */
  readonly positive?: boolean;
  /** Convergence: largest coordinate change × Q_uu below tol · max|b| (default 1e-8). */
  readonly tol?: number;
  readonly maxSweeps?: number;
}

/**
 * argmin ½βᵀQβ − bᵀβ + λ‖β‖₁ by cyclic coordinate descent (sweeps over the active set between full
 * sweeps). `beta` is the warm start and is updated in place.
 */
export function lassoSolve(
  p: LassoProblem,
  lambda: number,
  beta: Float64Array = new Float64Array(p.n),
  options: LassoSolveOptions = {},
): Float64Array {
  const { n, q, b } = p;
  const tol = (options.tol ?? 1e-8) * Math.max(1e-300, maxAbs(b));
  const maxSweeps = options.maxSweeps ?? 5000;
  const r = Float64Array.from(b); // r = b − Qβ
  for (let u = 0; u < n; u++) {
    const bu = beta[u]!;
    if (bu !== 0) for (let v = 0; v < n; v++) r[v]! -= q[u * n + v]! * bu;
  }
  const sweep = (only: Int32Array | undefined): number => {
    let change = 0;
    const m = only ? only.length : n;
    for (let i = 0; i < m; i++) {
      const u = only ? only[i]! : i;
      const quu = q[u * n + u]!;
      if (!(quu > 0)) continue;
      const old = beta[u]!;
      const z = r[u]! + quu * old;
      let nu = z > lambda ? z - lambda : !options.positive && z < -lambda ? z + lambda : 0;
      nu /= quu;
      const d = nu - old;
      if (d === 0) continue;
      beta[u] = nu;
      const row = u * n;
      for (let v = 0; v < n; v++) r[v]! -= q[row + v]! * d;
      change = Math.max(change, Math.abs(d) * quu);
    }
    return change;
  };
  for (let s = 0; s < maxSweeps; ) {
    const full = sweep(undefined);
    s++;
    if (full <= tol) break;
    const active = Int32Array.from([...beta.keys()].filter((u) => beta[u] !== 0));
    while (s < maxSweeps && sweep(active) > tol) s++;
  }
  return beta;
}

export interface LassoSelectOptions extends LassoSolveOptions {
  /** First λ, relative to λmax = max|b| (the smallest λ with β = 0); default 1e-3 (He's alpha). */
  readonly alpha?: number;
  /** Accept a λ whose nonzero count lies in [keep, keep·(1 + rankTol)] (default 0.1). */
  readonly rankTol?: number;
}

export interface LassoSelection {
  /** Kept units, ascending. */
  readonly kept: Int32Array;
  readonly lambda: number;
  readonly beta: Float64Array;
  /** Nonzero β at `lambda` (≥ keep unless fewer units can ever be active). */
  readonly nonzero: number;
}

/**
 * He 2017's λ search: double λ from alpha·λmax until fewer than `keep` are nonzero, then bisect
 * until the count lies in [keep, keep·(1 + rankTol)]; keep the `keep` largest |β|. If no λ lands
 * in the interval (ties) the smallest count ≥ keep is used; units never active fill up by |b|.
 */
export function lassoSelect(p: LassoProblem, keep: number, options: LassoSelectOptions = {}): LassoSelection {
  const k = Math.max(0, Math.min(p.n, Math.floor(keep)));
  const lmax = maxAbs(p.b);
  const beta = new Float64Array(p.n);
  if (k === p.n || k === 0 || lmax === 0) return finish(k, 0, beta, fillOrder(p, beta));
  const rbound = k + (options.rankTol ?? 0.1) * k;
  const count = (l: number) => nonzeros(lassoSolve(p, l, beta, options));
  let best: { lambda: number; beta: Float64Array; c: number } | undefined;
  const note = (lambda: number, c: number) => {
    if (c >= k && (!best || c < best.c || (c === best.c && lambda > best.lambda)))
      best = { lambda, beta: Float64Array.from(beta), c };
  };
  let right = (options.alpha ?? 1e-3) * lmax;
  for (let c = count(right); c >= k; c = count(right)) {
    note(right, c);
    right *= 2;
  }
  let left = 0;
  for (let it = 0; it < 60; it++) {
    const mid = (left + right) / 2;
    const c = count(mid);
    note(mid, c);
    if (c > rbound) left = mid;
    else if (c < k) right = mid;
    else break;
  }
  if (!best) {
    // Fewer than k units can be active (zero contributions): take all active, fill by |b|.
    lassoSolve(p, Math.max(left, 1e-12 * lmax), beta, options);
    return finish(k, left, beta, fillOrder(p, beta));
  }
  return finish(k, best.lambda, best.beta, undefined);
}

function finish(k: number, lambda: number, beta: Float64Array, fill: number[] | undefined): LassoSelection {
  const order = fill ?? [...beta.keys()].sort((a, c) => Math.abs(beta[c]!) - Math.abs(beta[a]!) || a - c);
  const kept = Int32Array.from(order.slice(0, k)).sort();
  return { kept, lambda, beta, nonzero: nonzeros(beta) };
}

/** Nonzero β by |β|, then the rest by |b| (then index). */
function fillOrder(p: LassoProblem, beta: Float64Array): number[] {
  return [...beta.keys()].sort(
    (a, c) => Math.abs(beta[c]!) - Math.abs(beta[a]!) || Math.abs(p.b[c]!) - Math.abs(p.b[a]!) || a - c,
  );
}

export interface LassoPathOptions extends LassoSolveOptions {
  /** Grid points from λmax down to minRatio·λmax, geometric (default 40, 1e-4). */
  readonly steps?: number;
  readonly minRatio?: number;
}

export interface LassoPath {
  readonly lambdas: Float64Array;
  /** Grid index at which each unit first becomes nonzero (steps when never). */
  readonly entry: Int32Array;
  /**
   * Ranking score in [0, 1]: λ at entry / λmax, units entering in the same grid interval spread
   * geometrically inside it by their |β| at entry (larger = earlier); 0 when never active.
   */
  readonly score: Float64Array;
}

/** The LASSO path on a decreasing λ grid (warm starts): which units survive the most shrinkage. */
export function lassoPath(p: LassoProblem, options: LassoPathOptions = {}): LassoPath {
  const steps = Math.max(2, options.steps ?? 40);
  const minRatio = options.minRatio ?? 1e-4;
  const lmax = maxAbs(p.b);
  const lambdas = Float64Array.from({ length: steps }, (_, i) => lmax * minRatio ** (i / (steps - 1)));
  const entry = new Int32Array(p.n).fill(steps);
  const atEntry = new Float64Array(p.n);
  const score = new Float64Array(p.n);
  if (lmax === 0) return { lambdas, entry, score };
  const beta = new Float64Array(p.n);
  for (let i = 1; i < steps; i++) {
    lassoSolve(p, lambdas[i]!, beta, options);
    const fresh: number[] = [];
    for (let u = 0; u < p.n; u++)
      if (entry[u] === steps && beta[u] !== 0) {
        entry[u] = i;
        atEntry[u] = Math.abs(beta[u]!);
        fresh.push(u);
      }
    fresh.sort((a, c) => atEntry[c]! - atEntry[a]! || a - c);
    const ratio = lambdas[i - 1]! / lambdas[i]!;
    fresh.forEach((u, q) => {
      score[u] = (lambdas[i]! * ratio ** ((fresh.length - q) / (fresh.length + 1))) / lmax;
    });
  }
  return { lambdas, entry, score };
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function nonzeros(a: Float64Array): number {
  let c = 0;
  for (const v of a) if (v !== 0) c++;
  return c;
}
