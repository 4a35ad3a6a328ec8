import { describe, expect, it } from 'vitest';
import type { LayerStats, LinearLayer } from '../linear/layer.js';
import { channelUnits } from '../linear/select.js';
import { LayerStatsAccumulator } from '../measure/layer-stats.js';
import { Rng } from '../util/rng.js';
import { bernoulli, crossover, gaSearch, keptIndices, mutate, repair } from './ga.js';
import { layerLoss, lossOf } from './ga-fitness.js';

const ones = (g: Uint8Array) => g.reduce((s, x) => s + x, 0);

describe('GA operators', () => {
  it('keep the kept count (initialisation, repair, crossover, mutation)', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 200; t++) {
      const n = 1 + rng.int(40);
      const keep = 1 + rng.int(n);
      const a = bernoulli(n, keep, rng);
      const b = bernoulli(n, keep, rng);
      expect(ones(a)).toBe(keep);
      expect(ones(crossover(a, b, rng))).toBe(keep);
      expect(ones(mutate(Uint8Array.from(a), 0.3, rng))).toBe(keep);
      const r = Uint8Array.from({ length: n }, () => rng.int(2));
      expect(ones(repair(r, keep, rng))).toBe(keep);
    }
  });

  it('crossover inherits every gene the parents agree on', () => {
    const rng = new Rng(9);
    const a = Uint8Array.from([1, 1, 0, 0, 1, 0, 1, 0]);
    const b = Uint8Array.from([1, 0, 1, 0, 1, 1, 0, 0]);
    for (let t = 0; t < 20; t++) {
      const c = crossover(a, b, rng);
      for (let i = 0; i < a.length; i++) if (a[i] === b[i]) expect(c[i]).toBe(a[i]);
    }
  });

  it('is deterministic for a seed and finds the brute-force optimum of a quadratic loss', () => {
    // A random PSD quadratic E(b) = bᵀQb + lᵀb over 12 channels, keep 5: 792 subsets to check.
    const n = 12;
    const keep = 5;
    const rng = new Rng(17);
    const a = Float64Array.from({ length: n * n }, () => rng.normal());
    const q = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) q[i * n + j]! += a[i * n + k]! * a[j * n + k]!;
    const l = Float64Array.from({ length: n }, () => 4 * rng.normal());
    const loss = { n, constant: 0, linear: l, quadratic: q };
    const cost = (g: Uint8Array) => lossOf(loss, g);
    let best = Infinity;
    for (let m = 0; m < 1 << n; m++) {
      const g = Uint8Array.from({ length: n }, (_, i) => (m >> i) & 1);
      if (ones(g) === keep) best = Math.min(best, cost(g));
    }
    const r1 = gaSearch(n, keep, cost, { seed: 5, population: 30, generations: 40 });
    const r2 = gaSearch(n, keep, cost, { seed: 5, population: 30, generations: 40 });
    expect([...r2.best]).toEqual([...r1.best]);
    expect(r2.history).toEqual(r1.history);
    expect(ones(r1.best)).toBe(keep);
    expect(r1.cost).toBeCloseTo(best, 9);
    // Far fewer evaluations than the exhaustive search, and better than random subsets on average.
    expect(r1.evaluations).toBeLessThan(792);
    const randomMean =
      Array.from({ length: 50 }, () => cost(bernoulli(n, keep, rng))).reduce((s, x) => s + x, 0) / 50;
    expect(r1.cost).toBeLessThan(randomMean);
    // History never gets worse (elitism).
    for (let i = 1; i < r1.history.length; i++)
      expect(r1.history[i]!).toBeLessThanOrEqual(r1.history[i - 1]!);
    expect(keptIndices(r1.best).length).toBe(keep);
  });

  it('rejects an impossible count with a typed error', () => {
    expect(() => gaSearch(4, 5, () => 0)).toThrow(/cannot keep 5 of 4/);
  });
});

describe('GA layer-wise loss', () => {
  it('equals the squared output error of the masked layer computed directly', async () => {
    // A Gemm consumer y = W·x + β with 6 input channels and 3 outputs; the target is another
    // network's output (noise added), so the loss of the full chromosome is not zero either.
    const rows = 40;
    const c = 6;
    const m = 3;
    const rng = new Rng(2);
    const x = Float32Array.from({ length: rows * c }, () => rng.normal() + 0.5);
    const w = Float32Array.from({ length: m * c }, () => rng.normal());
    const bias = Float32Array.from({ length: m }, () => rng.normal());
    const y = new Float32Array(rows * m);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < m; j++) {
        let s = bias[j]! + 0.1 * rng.normal();
        for (let k = 0; k < c; k++) s += w[j * c + k]! * x[r * c + k]!;
        y[r * m + j] = s;
      }
    const layer: LinearLayer = {
      node: 'fc',
      kind: 'gemm',
      inChannels: c,
      outChannels: m,
      groups: 1,
      kernel: 1,
      convAttrs: {},
      kernelShape: [],
    };
    const acc = await LayerStatsAccumulator.create(layer, { target: true });
    await acc.add({ dims: [rows, c], data: x }, { dims: [rows, m], data: y });
    const stats: LayerStats = acc.result();
    await acc.release();
    // Channels 0..3 are the group's; 4 and 5 belong to another group and stay on.
    const units = channelUnits(layer, Int32Array.from([0, 1, 2, 3]), 1, 4);
    const loss = layerLoss([{ stats, weight: w, units, bias }]);
    for (const genes of [
      [1, 1, 1, 1],
      [1, 0, 1, 0],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ].map((g) => Uint8Array.from(g))) {
      let direct = 0;
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < m; j++) {
          let s = bias[j]!;
          for (let k = 0; k < c; k++) if (k >= 4 || genes[k]) s += w[j * c + k]! * x[r * c + k]!;
          direct += (y[r * m + j]! - s) ** 2;
        }
      expect(lossOf(loss, genes)).toBeCloseTo(direct / rows, 3);
    }
  });
});
