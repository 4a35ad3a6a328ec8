// Training-step graphs against hand-computed references: SGD (momentum, Nesterov, weight decay),
// Adam/AdamW and label-smoothed cross-entropy on a linear classifier, all over two steps.

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { Session } from '../runtime/session.js';
import type { OptimizerOptions } from './optim/optimizer.js';
import { StepHarness } from './test-support/step-harness.js';
import { buildTrainingGraph } from './training-graph.js';

const open = (m: Model) => Session.create(m, { threads: 1 });
const N = 3;
const F = 4;
const K = 3;
const xData = [0.5, -1, 2, 0.1, 1.5, 0.3, -0.7, 1, -0.2, 0.8, 0.4, -1.2];
const labels = [2, 0, 1];

function linearModel(): Model {
  const b = new GraphBuilder({ opset: 13, seed: 3 });
  b.output(b.gemm(b.input('x', [N, F]), K, { name: 'fc' }));
  return createModel(b.build());
}

/** Loss, dW, db of mean cross-entropy (label smoothing eps) for logits = x·Wᵀ + b, in float64. */
function reference(w: number[], bias: number[], eps: number) {
  const dW = new Array<number>(K * F).fill(0);
  const db = new Array<number>(K).fill(0);
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const z = Array.from(
      { length: K },
      (_, k) =>
        bias[k]! +
        Array.from({ length: F }, (_, f) => w[k * F + f]! * xData[n * F + f]!).reduce((a, c) => a + c),
    );
    const mx = Math.max(...z);
    const lse = mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0));
    for (let k = 0; k < K; k++) {
      const t = (k === labels[n] ? 1 - eps : 0) + eps / K;
      loss -= (t * (z[k]! - lse)) / N;
      const d = (Math.exp(z[k]! - lse) - t) / N;
      db[k]! += d;
      for (let f = 0; f < F; f++) dW[k * F + f]! += d * xData[n * F + f]!;
    }
  }
  return { loss, dW, db };
}

async function trainTwoSteps(opt: OptimizerOptions, eps = 0) {
  const model = linearModel();
  const tg = buildTrainingGraph(model, { optimizer: opt, loss: { labelSmoothing: eps } });
  const h = await StepHarness.create(open, tg);
  const w0 = Array.from(h.state.get('fc.weight')!.data as Float32Array);
  const b0 = Array.from(h.state.get('fc.bias')!.data as Float32Array);
  const losses: number[] = [];
  for (let t = 1; t <= 2; t++) {
    const out = await h.step({
      batch: { dims: [N, F], data: Float32Array.from(xData) },
      labels,
      lr: 0.1,
      step: t,
    });
    losses.push(Number(out[tg.loss]!.data[0]));
  }
  const w = Array.from(h.state.get('fc.weight')!.data as Float32Array);
  const b = Array.from(h.state.get('fc.bias')!.data as Float32Array);
  await h.release();
  return { w0, b0, w, b, losses };
}

function closeTo(actual: number[], expected: number[], tol = 2e-5) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]!), `element ${i}: ${a} vs ${expected[i]}`).toBeLessThan(
      tol * Math.max(1, Math.abs(expected[i]!)),
    );
  });
}

describe('training-step graph on a linear classifier', () => {
  it('matches torch.optim.SGD with momentum, Nesterov and weight decay, and the smoothed loss', async () => {
    const lr = 0.1;
    const [m, wd, eps] = [0.9, 0.01, 0.1];
    const r = await trainTwoSteps({ kind: 'sgd', momentum: m, nesterov: true, weightDecay: wd }, eps);
    let [w, b] = [r.w0, r.b0];
    const bufW = new Array<number>(K * F).fill(0);
    const bufB = new Array<number>(K).fill(0);
    for (let t = 0; t < 2; t++) {
      const g = reference(w, b, eps);
      expect(Math.abs(r.losses[t]! - g.loss)).toBeLessThan(1e-5);
      const upd = (p: number[], grad: number[], buf: number[]) =>
        p.map((v, i) => {
          const gi = grad[i]! + wd * v;
          buf[i] = m * buf[i]! + gi;
          return v - lr * (gi + m * buf[i]!);
        });
      [w, b] = [upd(w, g.dW, bufW), upd(b, g.db, bufB)];
    }
    closeTo(r.w, w);
    closeTo(r.b, b);
  });

  it('matches plain SGD without momentum', async () => {
    const r = await trainTwoSteps({ kind: 'sgd' });
    let [w, b] = [r.w0, r.b0];
    for (let t = 0; t < 2; t++) {
      const g = reference(w, b, 0);
      [w, b] = [w.map((v, i) => v - 0.1 * g.dW[i]!), b.map((v, i) => v - 0.1 * g.db[i]!)];
    }
    closeTo(r.w, w);
    closeTo(r.b, b);
  });

  for (const kind of ['adam', 'adamw'] as const) {
    it(`matches torch.optim.${kind === 'adam' ? 'Adam' : 'AdamW'} over two steps`, async () => {
      const [b1, b2, epsA, wd, lr] = [0.8, 0.99, 1e-6, 0.05, 0.1];
      const r = await trainTwoSteps({ kind, beta1: b1, beta2: b2, eps: epsA, weightDecay: wd });
      let [w, b] = [r.w0, r.b0];
      const st = {
        mw: new Array<number>(K * F).fill(0),
        vw: new Array<number>(K * F).fill(0),
        mb: new Array<number>(K).fill(0),
        vb: new Array<number>(K).fill(0),
      };
      for (let t = 1; t <= 2; t++) {
        const g = reference(w, b, 0);
        const upd = (p: number[], grad: number[], mm: number[], vv: number[]) =>
          p.map((v0, i) => {
            let v = v0;
            let gi = grad[i]!;
            if (kind === 'adam') gi += wd * v;
            else v *= 1 - lr * wd;
            mm[i] = b1 * mm[i]! + (1 - b1) * gi;
            vv[i] = b2 * vv[i]! + (1 - b2) * gi * gi;
            const denom = Math.sqrt(vv[i]!) / Math.sqrt(1 - b2 ** t) + epsA;
            return v - (lr / (1 - b1 ** t)) * (mm[i]! / denom);
          });
        [w, b] = [upd(w, g.dW, st.mw, st.vw), upd(b, g.db, st.mb, st.vb)];
      }
      closeTo(r.w, w);
      closeTo(r.b, b);
    });
  }

  it('lists every parameter and optimizer buffer as state, inputs and outputs alike', () => {
    const tg = buildTrainingGraph(linearModel(), { optimizer: { kind: 'sgd', momentum: 0.9 } });
    expect(tg.state.map((s) => [s.input, s.output, s.kind])).toEqual([
      ['fc.weight', 'fc.weight.next', 'param'],
      ['fc.weight.momentum', 'fc.weight.momentum.next', 'momentum'],
      ['fc.bias', 'fc.bias.next', 'param'],
      ['fc.bias.momentum', 'fc.bias.momentum.next', 'momentum'],
    ]);
    const g = tg.model.graph;
    expect(g.feedInputs.map((v) => v.name).sort()).toEqual([
      'fc.bias',
      'fc.bias.momentum',
      'fc.weight',
      'fc.weight.momentum',
      'labels',
      'lr',
      'x',
    ]);
    expect(g.outputs.map((v) => v.name)).toEqual(['loss', 'correct', ...tg.state.map((s) => s.output)]);
    expect(g.nodes.every((n) => n.domain === '')).toBe(true);
  });

  it('computes Hinton distillation mixed with smoothed cross-entropy and feature MSE', async () => {
    const [T, alpha, eps, wMse] = [3, 0.6, 0.1, 0.5];
    const teacher = [1, -0.5, 2, 0.3, 0.3, -1, -2, 1.5, 0.2];
    const tg = buildTrainingGraph(linearModel(), {
      optimizer: { kind: 'sgd' },
      loss: {
        labelSmoothing: eps,
        distillation: { temperature: T, alpha },
        features: [{ kind: 'mse', student: 'fc', weight: wMse }],
      },
    });
    const h = await StepHarness.create(open, tg);
    const w = Array.from(h.state.get('fc.weight')!.data as Float32Array);
    const b = Array.from(h.state.get('fc.bias')!.data as Float32Array);
    const feat = Array.from({ length: N * K }, (_, i) => i / 10);
    const t = (v: number[]) => ({ dims: [N, K], data: Float32Array.from(v) });
    const out = await h.step({
      batch: { dims: [N, F], data: Float32Array.from(xData) },
      labels,
      lr: 0,
      extra: { 'teacher:logits': t(teacher), 'teacher:fc': t(feat) },
    });
    await h.release();
    const logSoftmax = (z: number[]) => {
      const mx = Math.max(...z);
      const lse = mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0));
      return z.map((v) => v - lse);
    };
    let kl = 0;
    let mse = 0;
    for (let n = 0; n < N; n++) {
      const z = Array.from(
        { length: K },
        (_, k) =>
          b[k]! +
          Array.from({ length: F }, (_, f) => w[k * F + f]! * xData[n * F + f]!).reduce((a, c) => a + c),
      );
      const ls = logSoftmax(z.map((v) => v / T));
      const lt = logSoftmax(teacher.slice(n * K, n * K + K).map((v) => v / T));
      kl += lt.reduce((a, v, k) => a + Math.exp(v) * (v - ls[k]!), 0) / N;
      z.forEach((v, k) => {
        mse += (v - feat[n * K + k]!) ** 2 / (N * K);
      });
    }
    const expected = alpha * T * T * kl + (1 - alpha) * reference(w, b, eps).loss + wMse * mse;
    expect(Number(out[tg.loss]!.data[0])).toBeCloseTo(expected, 5);
  });

  it('computes attention transfer as the mean squared difference of normalised attention maps', async () => {
    const g = new GraphBuilder({ opset: 13, seed: 4 });
    g.output(g.gemm(g.flatten(g.globalAvgPool(g.input('x', [2, 2, 2, 2]))), 2, { name: 'fc' }));
    const tg = buildTrainingGraph(createModel(g.build()), {
      optimizer: { kind: 'sgd' },
      loss: { features: [{ kind: 'attention', student: 'x', weight: 1, teacherShape: [2, 3, 2, 2] }] },
    });
    const xs = Array.from({ length: 16 }, (_, i) => Math.sin(i + 1));
    const ts = Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.7));
    const at = (f: number[], c: number) =>
      [0, 1].map((n) => {
        const q = [0, 1, 2, 3].map(
          (p) =>
            Array.from({ length: c }, (_, k) => f[n * c * 4 + k * 4 + p]! ** 2).reduce((a, v) => a + v) / c,
        );
        const norm = Math.sqrt(q.reduce((a, v) => a + v * v, 0));
        return q.map((v) => v / norm);
      });
    const [as, atT] = [at(xs, 2), at(ts, 3)];
    const expectedAt =
      [0, 1].reduce((acc, n) => acc + as[n]!.reduce((a, v, p) => a + (v - atT[n]![p]!) ** 2, 0), 0) / 8;
    const h = await StepHarness.create(open, tg);
    const fc = {
      w: Array.from(h.state.get('fc.weight')!.data as Float32Array),
      b: Array.from(h.state.get('fc.bias')!.data as Float32Array),
    };
    const out = await h.step({
      batch: { dims: [2, 2, 2, 2], data: Float32Array.from(xs) },
      labels: [1, 0],
      lr: 0,
      extra: { 'teacher:x': { dims: [2, 3, 2, 2], data: Float32Array.from(ts) } },
    });
    await h.release();
    let ce = 0;
    for (let n = 0; n < 2; n++) {
      const pooled = [0, 1].map((c) => [0, 1, 2, 3].reduce((a, p) => a + xs[n * 8 + c * 4 + p]!, 0) / 4);
      const z = [0, 1].map((k) => fc.b[k]! + fc.w[k * 2]! * pooled[0]! + fc.w[k * 2 + 1]! * pooled[1]!);
      const mx = Math.max(...z);
      const lse = mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0));
      ce -= (z[[1, 0][n]!]! - lse) / 2;
    }
    expect(Number(out[tg.loss]!.data[0])).toBeCloseTo(ce + expectedAt, 5);
  });

  it('names an unknown frozen parameter', () => {
    expect(() =>
      buildTrainingGraph(linearModel(), { optimizer: { kind: 'sgd' }, frozen: ['fc.wieght'] }),
    ).toThrow("option 'frozen': 'fc.wieght' is not a parameter of the model");
  });
});
