import { describe, expect, it } from 'vitest';
import {
  dropNode,
  gaussianIntegral,
  randomBatches,
  residualPair,
  setWeight,
  tinyNet,
} from '#test/criteria-fixtures.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Graph } from '../ir/graph.js';
import { createModel } from '../ir/model.js';
import { runCapturing } from '../runtime/session.js';
import { activationRequests, importance, importanceWithCalibration } from './importance.js';

const relu = (x: number) => Math.max(0, x);
const raw = { normalize: 'none' } as const;

/** mean_j |Σ_uv W[j, k, u, v]| for a conv weight [O, I, kh, kw] given as a flat array. */
function meanAbsKernelSum(w: readonly number[], dims: readonly number[], k: number): number {
  const [o, i, kh, kw] = dims as [number, number, number, number];
  let t = 0;
  for (let j = 0; j < o; j++) {
    let s = 0;
    for (let u = 0; u < kh * kw; u++) s += w[(j * i + k) * kh * kw + u]!;
    t += Math.abs(s);
  }
  return t / o;
}

function weightOf(g: Graph, name: string): number[] {
  return Array.from(g.value(name)!.const!.toFloat32());
}

describe('fsm', () => {
  it('equals E[ReLU(N(β, γ²))] × mean_j |kernel sum| on constructed BN parameters', async () => {
    const { graph, analysis } = tinyNet();
    const beta = [0.3, -0.2, -1];
    const gamma = [0.5, -1, 2];
    setWeight(graph, 'bn1.bias', beta);
    setWeight(graph, 'bn1.weight', gamma);
    const w = weightOf(graph, 'c2.weight');
    const s = (await importance(graph, analysis, 'fsm', raw)).scores.get('c1')!;
    for (let k = 0; k < 3; k++) {
      const e = gaussianIntegral(relu, beta[k]!, Math.abs(gamma[k]!));
      expect(s[k]! / (e * meanAbsKernelSum(w, [2, 3, 3, 3], k))).toBeCloseTo(1, 5);
    }
  });

  it("negativeGamma 'clamp' reproduces the authors' code (γ < 0 → 1e-5)", async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'bn1.bias', [0.3, 0.4, -1]);
    setWeight(graph, 'bn1.weight', [0.5, -1, 2]);
    const w = weightOf(graph, 'c2.weight');
    const s = (
      await importance(graph, analysis, 'fsm', { ...raw, options: { negativeGamma: 'clamp' } })
    ).scores.get('c1')!;
    // N(0.4, 1e-10): E[ReLU] = 0.4.
    expect(s[1]! / (0.4 * meanAbsKernelSum(w, [2, 3, 3, 3], 1))).toBeCloseTo(1, 5);
  });

  it('Gemm consumer after GAP + Flatten: s_jk is the classifier weight', async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'bn2.bias', [0.5, -0.5]);
    setWeight(graph, 'bn2.weight', [1, 0.25]);
    setWeight(graph, 'fc.weight', [1, -2, 3, 0.5]);
    const s = (await importance(graph, analysis, 'fsm', raw)).scores.get('c2')!;
    const e = [gaussianIntegral(relu, 0.5, 1), gaussianIntegral(relu, -0.5, 0.25)];
    expect(s[0]! / (e[0]! * (1 + 3) * 0.5)).toBeCloseTo(1, 5);
    expect(s[1]! / (e[1]! * (2 + 0.5) * 0.5)).toBeCloseTo(1, 5);
  });

  it('Gemm after Flatten without pooling: a channel owns H·W columns, δ_jk = e_k·Σ_p W[j, p]', async () => {
    const b = new GraphBuilder({ name: 'flat', seed: 2 });
    const x = b.input('x', ['N', 1, 2, 2]);
    const h = b.relu(b.batchNorm(b.conv(x, { out: 2, kernel: 1, name: 'c1' }), { name: 'bn1' }));
    b.output(b.gemm(b.flatten(h, 'flat'), 2, { name: 'fc' }));
    const graph = b.build();
    setWeight(graph, 'bn1.bias', [0.2, -0.1]);
    setWeight(graph, 'bn1.weight', [1, 2]);
    const W = [1, 2, 3, 4, -1, 0, 0, 1, 0, 0, 5, -5, 2, 2, 2, 2];
    setWeight(graph, 'fc.weight', W);
    const s = (await importance(graph, analyzeChannels(graph), 'fsm', raw)).scores.get('c1')!;
    // channel 0 owns columns 0..3, channel 1 columns 4..7; outputs j = 0, 1 are rows of 8.
    const sums = (k: number) =>
      [0, 1].map((j) => W.slice(j * 8 + 4 * k, j * 8 + 4 * k + 4).reduce((p, q) => p + q));
    const e = [gaussianIntegral(relu, 0.2, 1), gaussianIntegral(relu, -0.1, 2)];
    for (let k = 0; k < 2; k++) {
      const expected = (e[k]! * sums(k).reduce((p, q) => p + Math.abs(q), 0)) / 2;
      expect(s[k]! / expected).toBeCloseTo(1, 5);
    }
  });

  it('residual group: the Add of two BN branches is N(β1 + β2, γ1² + γ2²) before the ReLU', async () => {
    const { graph, analysis } = residualPair();
    setWeight(graph, 'bn1.bias', [0.1, -0.6]);
    setWeight(graph, 'bn1.weight', [1, 0.3]);
    setWeight(graph, 'bn2.bias', [0.2, 0.1]);
    setWeight(graph, 'bn2.weight', [0.5, 0.4]);
    const w = weightOf(graph, 'c3.weight');
    const s = (await importance(graph, analysis, 'fsm', raw)).scores.get('c1')!;
    const e = [
      gaussianIntegral(relu, 0.3, Math.hypot(1, 0.5)),
      gaussianIntegral(relu, -0.5, Math.hypot(0.3, 0.4)),
    ];
    for (let k = 0; k < 2; k++)
      expect(s[k]! / (e[k]! * meanAbsKernelSum(w, [3, 2, 1, 1], k))).toBeCloseTo(1, 5);
  });

  it('ReLU6 (Clip 0..6) uses the clipped expectation; several consumers are averaged', async () => {
    const b = new GraphBuilder({ name: 'two', seed: 4 });
    const x = b.input('x', ['N', 2, 4, 4]);
    const h = b.clip(b.batchNorm(b.conv(x, { out: 2, kernel: 1, name: 'c1' }), { name: 'bn1' }), 0, 6, 'r6');
    const y = b.add(
      b.conv(h, { out: 2, kernel: 1, name: 'c2' }),
      b.conv(h, { out: 2, kernel: 1, name: 'c3' }),
    );
    b.output(b.gemm(b.flatten(b.globalAvgPool(y)), 2, { name: 'fc' }));
    const graph = b.build();
    setWeight(graph, 'bn1.bias', [5, 1]);
    setWeight(graph, 'bn1.weight', [2, 1]);
    const [w2, w3] = [weightOf(graph, 'c2.weight'), weightOf(graph, 'c3.weight')];
    const s = (await importance(graph, analyzeChannels(graph), 'fsm', raw)).scores.get('c1')!;
    const clip6 = (v: number) => Math.min(6, Math.max(0, v));
    for (let k = 0; k < 2; k++) {
      const e = gaussianIntegral(clip6, [5, 1][k]!, [2, 1][k]!);
      const expected =
        (e * meanAbsKernelSum(w2, [2, 2, 1, 1], k) + e * meanAbsKernelSum(w3, [2, 2, 1, 1], k)) / 2;
      expect(s[k]! / expected).toBeCloseTo(1, 5);
    }
  });

  it('BN folded at export: data-free skips; with calibration data it uses the measured pre-activation', async () => {
    const { graph } = tinyNet();
    dropNode(graph, 'bn1');
    const analysis = analyzeChannels(graph);
    const free = await importance(graph, analysis, 'fsm', raw);
    expect(free.scores.has('c1')).toBe(false);
    expect(free.skipped.get('c1')).toMatch(/Conv 'c1' output 'c1' has no BatchNormalization.*calibration/);
    expect(free.scores.has('c2')).toBe(true);
    expect(activationRequests(graph, analysis, 'fsm')).toEqual([{ value: 'c1', axis: 1 }]);

    const model = createModel(graph);
    const batches = randomBatches('x', [2, 4, 4], 3, 2);
    const imp = await importanceWithCalibration(model, analysis, 'fsm', { ...raw, batches });
    // Oracle: per-channel mean/std of the conv output over both batches, by hand.
    const sums = [0, 0, 0];
    const sq = [0, 0, 0];
    let n = 0;
    for (const feeds of batches) {
      const out = (await runCapturing(model, feeds, ['c1'])).c1!;
      const d = out.data as Float32Array;
      for (let i = 0; i < d.length; i++) {
        const c = Math.floor(i / 16) % 3;
        sums[c]! += d[i]!;
        sq[c]! += d[i]! ** 2;
      }
      n += d.length / 3;
    }
    const w = weightOf(graph, 'c2.weight');
    const s = imp.scores.get('c1')!;
    for (let k = 0; k < 3; k++) {
      const m = sums[k]! / n;
      const sd = Math.sqrt(sq[k]! / n - m * m);
      expect(s[k]! / (gaussianIntegral(relu, m, sd) * meanAbsKernelSum(w, [2, 3, 3, 3], k))).toBeCloseTo(
        1,
        4,
      );
    }
  });
});
