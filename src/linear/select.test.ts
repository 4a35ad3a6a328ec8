import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { capRanking } from './cap-select.js';
import { centred } from './fit.js';
import { mulABt } from './kernels.js';
import type { LayerStats, LinearLayer } from './layer.js';
import {
  channelUnits,
  type LassoProblem,
  lassoPath,
  lassoProblem,
  lassoSelect,
  lassoSolve,
  otherFeatures,
  type SelectLayer,
} from './select.js';
import { ridgeSolve } from './solve.js';

function layerOf(c: number, m: number, k: number): LinearLayer {
  return {
    node: 'L',
    kind: k === 1 ? 'gemm' : 'conv',
    inChannels: c,
    outChannels: m,
    groups: 1,
    kernel: k,
    convAttrs: {},
    kernelShape: k === 1 ? [] : [3, 3],
  };
}

/** Exact float64 statistics of rows of features produced by `row(r, out)`. */
function statsOf(layer: LinearLayer, rows: number, row: (out: Float64Array) => void): LayerStats {
  const dg = (layer.inChannels / layer.groups) * layer.kernel;
  const sx = new Float64Array(dg);
  const xx = new Float64Array(dg * dg);
  const x = new Float64Array(dg);
  for (let r = 0; r < rows; r++) {
    row(x);
    for (let i = 0; i < dg; i++) {
      sx[i]! += x[i]!;
      for (let j = 0; j < dg; j++) xx[i * dg + j]! += x[i]! * x[j]!;
    }
  }
  return { layer, rows, sx, xx };
}

function randomWeight(m: number, dg: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: m * dg }, () => rng.normal());
}

/**
 * A layer of `c` channels × k features; `copy` maps channel → channel it duplicates, `zero` lists
 * all-zero channels; inputs are correlated (a shared factor) and have a nonzero mean.
 */
function problem(
  c: number,
  k: number,
  m: number,
  opts: { copy?: [number, number]; zero?: number; seed?: number },
) {
  const rng = new Rng(opts.seed ?? 1);
  const layer = layerOf(c, m, k);
  const stats = statsOf(layer, 400, (x) => {
    const shared = rng.normal();
    for (let i = 0; i < c * k; i++) x[i] = rng.normal() + 0.5 * shared + 0.3;
    if (opts.copy) for (let q = 0; q < k; q++) x[opts.copy[0] * k + q] = x[opts.copy[1] * k + q]!;
    if (opts.zero !== undefined) for (let q = 0; q < k; q++) x[opts.zero * k + q] = 0;
  });
  const weight = randomWeight(m, c * k, rng);
  const units = channelUnits(
    layer,
    Int32Array.from({ length: c }, (_, i) => i),
    1,
    c,
  );
  return { layer, stats, weight, units } satisfies SelectLayer & { layer: LinearLayer };
}

/** Loss of the least-squares compensated layer keeping `kept` features: explicit error, ridge 1e-12. */
function directLoss(l: SelectLayer, keptUnits: readonly number[]): number {
  const { cxx } = centred(l.stats, 0);
  const dg = l.stats.layer.inChannels * l.stats.layer.kernel;
  const m = l.stats.layer.outChannels;
  const feats = keptUnits.flatMap((u) => [...l.units[u]!.features]);
  const f = feats.length;
  // W' = W Σ_CK Σ_KK⁻¹ ⇒ W'ᵀ = Σ_KK⁻¹ Σ_KC Wᵀ.
  const skk = new Float64Array(f * f);
  for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) skk[a * f + b] = cxx[feats[a]! * dg + feats[b]!]!;
  const rhs = new Float64Array(f * m);
  for (let a = 0; a < f; a++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < dg; c++) s += cxx[feats[a]! * dg + c]! * l.weight[j * dg + c]!;
      rhs[a * m + j] = s;
    }
  const wt = f > 0 ? ridgeSolve(skk, f, rhs, m, 1e-12) : new Float64Array(0);
  // Error of output j: (w − w'P) Σ (w − w'P)ᵀ.
  let loss = 0;
  const d = new Float64Array(dg);
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < dg; c++) d[c] = l.weight[j * dg + c]!;
    for (let a = 0; a < f; a++) d[feats[a]!]! -= wt[a * m + j]!;
    for (let a = 0; a < dg; a++) for (let b = 0; b < dg; b++) loss += d[a]! * cxx[a * dg + b]! * d[b]!;
  }
  return loss;
}

function kkt(p: LassoProblem, beta: Float64Array, lambda: number): number {
  let worst = 0;
  for (let u = 0; u < p.n; u++) {
    let g = -p.b[u]!;
    for (let v = 0; v < p.n; v++) g += p.q[u * p.n + v]! * beta[v]!;
    const bad =
      beta[u] === 0 ? Math.max(0, Math.abs(g) - lambda) : Math.abs(g + lambda * Math.sign(beta[u]!));
    worst = Math.max(worst, bad);
  }
  return worst;
}

describe('LASSO selection (He et al. 2017)', () => {
  it('coordinate descent: soft thresholding on an orthogonal design, a hand-solved 2×2 case', () => {
    const p = { n: 3, q: Float64Array.from([2, 0, 0, 0, 4, 0, 0, 0, 1]), b: Float64Array.from([3, -1, 0.2]) };
    expect([...lassoSolve(p, 0.5)]).toEqual([1.25, -0.125, 0]);
    expect([...lassoSolve(p, 0.5, undefined, { positive: true })]).toEqual([1.25, 0, 0]);
    // Q = [[2, 1], [1, 2]], b = [3, 1], λ = 0.5: β = [1.25, 0] (|1 − 1.25| ≤ 0.5 keeps β₂ at 0).
    const two = { n: 2, q: Float64Array.from([2, 1, 1, 2]), b: Float64Array.from([3, 1]) };
    const beta = lassoSolve(two, 0.5);
    expect(beta[0]).toBeCloseTo(1.25, 10);
    expect(beta[1]).toBe(0);
    // λ = 0.1: β₂ < 0, Qβ = b − λ·sign(β) = [2.9, 1.1] ⇒ β = [4.7, −0.7] / 3.
    const small = lassoSolve(two, 0.1);
    expect(small[0]).toBeCloseTo(4.7 / 3, 9);
    expect(small[1]).toBeCloseTo(-0.7 / 3, 9);
    expect(kkt(two, small, 0.1)).toBeLessThan(1e-9);
  });

  it('satisfies the KKT conditions on a real Gram problem at several λ', () => {
    const p = lassoProblem([problem(12, 4, 5, { seed: 2 })]);
    const lmax = Math.max(...p.b.map(Math.abs));
    for (const r of [0.5, 0.1, 0.01])
      expect(kkt(p, lassoSolve(p, r * lmax), r * lmax) / lmax).toBeLessThan(1e-7);
  });

  it('Q is Σ_j w_uᵀ Σ_uv w_v: b = Q·1 and 1ᵀQ1 = tr(WΣWᵀ); two consumers add', () => {
    const l = problem(6, 9, 4, { seed: 3 });
    const p = lassoProblem([l]);
    const total = capRanking([l]).total;
    expect(p.b.reduce((a, v) => a + v, 0) / total).toBeCloseTo(1, 10);
    const p2 = lassoProblem([l, l]);
    for (let i = 0; i < p.q.length; i++) expect(p2.q[i]).toBeCloseTo(2 * p.q[i]!, 8);
  });

  it('the λ bisection keeps exactly `keep`, from a count within [keep, 1.1·keep]', () => {
    const p = lassoProblem([problem(40, 1, 6, { seed: 4 })]);
    for (const keep of [3, 10, 20, 33]) {
      const s = lassoSelect(p, keep);
      expect(s.kept.length).toBe(keep);
      expect(s.nonzero).toBeGreaterThanOrEqual(keep);
      expect(s.nonzero).toBeLessThanOrEqual(Math.floor(keep * 1.1));
      const min = Math.min(...[...s.kept].map((u) => Math.abs(s.beta[u]!)));
      const outside = [...s.beta.keys()].filter((u) => !s.kept.includes(u)).map((u) => Math.abs(s.beta[u]!));
      expect(Math.max(...outside)).toBeLessThanOrEqual(min);
    }
  });

  it('an all-zero channel and a zero-weight channel are ranked last', () => {
    const l = problem(8, 9, 5, { zero: 2, seed: 5 });
    for (let j = 0; j < 5; j++) l.weight.fill(0, j * 72 + 5 * 9, j * 72 + 6 * 9);
    const path = lassoPath(lassoProblem([l]));
    const last = [...path.score.keys()].sort((a, b) => path.score[a]! - path.score[b]!).slice(0, 2);
    expect(last.sort()).toEqual([2, 5]);
    expect(path.score[2]).toBe(0);
    expect(path.score[5]).toBe(0);
    expect(Math.min(...[...path.score].filter((_, i) => i !== 2 && i !== 5))).toBeGreaterThan(0);
    expect(lassoSelect(lassoProblem([l]), 6).kept).not.toContain(2);
  });
});

describe('CaP greedy forward selection (Xie et al.)', () => {
  it('ranks an all-zero channel last and a zero-weight channel after every useful one', () => {
    const l = problem(8, 9, 5, { zero: 2, seed: 5 });
    for (let j = 0; j < 5; j++) l.weight.fill(0, j * 72 + 5 * 9, j * 72 + 6 * 9);
    const r = capRanking([l]);
    expect(r.order.at(-1)).toBe(2);
    expect(r.zeroVariance[2]).toBe(1);
    expect(r.order.at(-2)).toBe(5);
  });

  it('drops an exact copy before every independent channel (its compensated loss is ~0)', () => {
    const l = problem(8, 9, 5, { copy: [6, 1], seed: 6 });
    const r = capRanking([l]);
    // One of the twins is kept early; the other adds nothing once its twin is kept.
    const late = r.order.indexOf(6) > r.order.indexOf(1) ? 6 : 1;
    expect(r.order.at(-1)).toBe(late);
    expect(r.gain[late]).toBe(0);
    expect(r.ranked).toBe(7);
    expect(directLoss(l, [...r.order.slice(0, 7)]) / r.total).toBeLessThan(1e-8);
  });

  it("the greedy's running loss equals the explicit error of the compensated layer", () => {
    const l = problem(7, 4, 6, { seed: 7 });
    const r = capRanking([l]);
    let loss = r.base;
    expect(loss / r.total).toBeCloseTo(1, 12);
    for (let k = 1; k <= 7; k++) {
      loss -= r.gain[r.order[k - 1]!]!;
      expect(Math.abs(loss - directLoss(l, [...r.order.slice(0, k)])) / r.total).toBeLessThan(1e-7);
    }
    // Greedy: the first pick is the best single channel.
    const singles = Array.from({ length: 7 }, (_, u) => directLoss(l, [u]));
    expect(r.order[0]).toBe(singles.indexOf(Math.min(...singles)));
  });

  it('fixed features are kept first (base = loss with only them) and two consumers add losses', () => {
    const a = problem(6, 4, 3, { seed: 8 });
    const units = a.units.slice(0, 4);
    const cut = { ...a, units, fixed: otherFeatures(a.layer, units) };
    const r = capRanking([cut]);
    expect(r.order.length).toBe(4);
    expect(Math.abs(r.base - directLoss(a, [4, 5])) / r.total).toBeLessThan(1e-7);
    let loss = r.base - r.gain[r.order[0]!]! - r.gain[r.order[1]!]!;
    expect(Math.abs(loss - directLoss(a, [4, 5, r.order[0]!, r.order[1]!])) / r.total).toBeLessThan(1e-7);

    const b = {
      ...a,
      weight: randomWeight(5, 24, new Rng(9)),
      stats: { ...a.stats, layer: layerOf(6, 5, 4) },
    };
    const joint = capRanking([a, b]);
    loss = joint.base;
    for (let k = 1; k <= 3; k++) loss -= joint.gain[joint.order[k - 1]!]!;
    const kept = [...joint.order.slice(0, 3)];
    expect(Math.abs(loss - directLoss(a, kept) - directLoss(b, kept)) / joint.total).toBeLessThan(1e-7);
  });
});

describe('selection units', () => {
  it('a conv channel owns its K patch features; a Gemm channel after Flatten its H·W columns', () => {
    const conv = channelUnits(layerOf(4, 2, 9), Int32Array.from([2, 0]), 1, 2);
    expect([...conv[0]!.features]).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26]);
    expect([...conv[1]!.features]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const gemm = channelUnits(layerOf(8, 2, 1), Int32Array.from([4, 5, 6, 7, 0, 1, 2, 3]), 4, 2);
    expect([...gemm[0]!.features]).toEqual([4, 5, 6, 7]);
    expect(otherFeatures(layerOf(4, 2, 9), conv)[0]!.features.length).toBe(18);
  });

  it('ranks a 64-channel 3×3 consumer (dg = 576) quickly', () => {
    const rng = new Rng(10);
    const c = 64;
    const dg = c * 9;
    const layer = layerOf(c, 64, 9);
    // Σ = I + U·Uᵀ (rank 16) as raw sums over `rows`, zero mean.
    const u = Float64Array.from({ length: dg * 16 }, () => rng.normal() * 0.5);
    const rows = 1000;
    const xx = new Float64Array(dg * dg);
    for (let i = 0; i < dg; i++)
      for (let j = 0; j < dg; j++) {
        let s = i === j ? 1 : 0;
        for (let q = 0; q < 16; q++) s += u[i * 16 + q]! * u[j * 16 + q]!;
        xx[i * dg + j] = s * rows;
      }
    const l: SelectLayer = {
      stats: { layer, rows, sx: new Float64Array(dg), xx },
      weight: randomWeight(64, dg, rng),
      units: channelUnits(
        layer,
        Int32Array.from({ length: c }, (_, i) => i),
        1,
        c,
      ),
    };
    let t = performance.now();
    const r = capRanking([l]);
    const capMs = performance.now() - t;
    t = performance.now();
    const p = lassoProblem([l]);
    lassoPath(p);
    lassoSelect(p, 32);
    const lassoMs = performance.now() - t;
    expect(r.ranked).toBe(64);
    expect(capMs + lassoMs).toBeLessThan(2000);
  });
});

describe('kernels', () => {
  it('mulABt: products and Gram matrices of odd and even sizes match the plain loop', () => {
    const rng = new Rng(11);
    for (const [m, n, d] of [
      [5, 3, 4],
      [4, 4, 3],
      [5, 5, 2],
    ] as const) {
      const a = Float64Array.from({ length: m * d }, () => rng.normal());
      const b = Float64Array.from({ length: n * d }, () => rng.normal());
      for (const [x, y, rows] of [
        [a, b, n],
        [a, a, m],
      ] as const) {
        const c = mulABt(x, y, m, rows, d);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < rows; j++) {
            let s = 0;
            for (let q = 0; q < d; q++) s += x[i * d + q]! * y[j * d + q]!;
            expect(c[i * rows + j]).toBeCloseTo(s, 12);
          }
      }
    }
  });
});
