// Training-step graphs of a small CNN (Conv, BN in training mode, Relu, MaxPool, GAP, Gemm): the
// whole graph's gradient against finite differences, BN running statistics, masks, frozen
// parameters, distillation and feature losses, the eval graph, and a loss that goes down.

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { Session } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { buildEvalGraph } from './eval-graph.js';
import type { HostTensor } from './executor.js';
import { type StepFeeds, StepHarness } from './test-support/step-harness.js';
import { buildTrainingGraph, type TrainingGraphOptions } from './training-graph.js';
import { trainedModel } from './training-state.js';

const open = (m: Model) => Session.create(m, { threads: 1 });
const N = 4;

function cnn(): Model {
  const b = new GraphBuilder({ opset: 13, seed: 11 });
  let x = b.input('x', ['N', 2, 6, 6]);
  x = b.relu(b.batchNorm(b.conv(x, { out: 4, kernel: 3, pad: 1, name: 'conv1' }), { name: 'bn1' }));
  x = b.maxPool(x, { kernel: 2, name: 'pool' });
  x = b.relu(
    b.batchNorm(b.conv(x, { out: 4, kernel: 3, pad: 1, group: 2, name: 'conv2' }), { name: 'bn2' }),
    'stage',
  );
  b.output(b.gemm(b.flatten(b.globalAvgPool(x)), 3, { name: 'fc' }));
  return createModel(b.build());
}

const rng = new Rng(5);
const batch: HostTensor = {
  dims: [N, 2, 6, 6],
  data: Float32Array.from({ length: N * 72 }, () => rng.normal()),
};
const labels = [0, 2, 1, 2];

/** Directional derivatives of the loss along random parameter directions: graph (lr = 1 SGD) vs central differences. */
async function checkWholeGraph(
  options: Omit<TrainingGraphOptions, 'optimizer'>,
  extra: StepFeeds['extra'] = {},
) {
  const tg = buildTrainingGraph(cnn(), { ...options, optimizer: { kind: 'sgd' } });
  const h = await StepHarness.create(open, tg);
  const feeds: StepFeeds = { batch, labels, lr: 1, extra };
  const before = new Map(h.state);
  await h.step(feeds);
  const r = new Rng(9);
  const eps = 1e-3;
  const probe = await StepHarness.create(open, tg);
  for (const slot of tg.state.filter((s) => s.kind === 'param')) {
    const p = before.get(slot.input)!.data as Float32Array;
    const next = h.state.get(slot.input)!.data as Float32Array;
    const d = Array.from(p, () => r.uniform(-1, 1));
    const analytic = d.reduce((acc, v, i) => acc + v * (p[i]! - next[i]!), 0);
    const at = (sign: number) => {
      const shifted = new Map(before);
      shifted.set(slot.input, {
        dims: before.get(slot.input)!.dims,
        data: Float32Array.from(p, (v, i) => v + sign * eps * d[i]!),
      });
      return shifted;
    };
    const numeric = ((await probe.lossAt(feeds, at(1))) - (await probe.lossAt(feeds, at(-1)))) / (2 * eps);
    expect(Math.abs(analytic - numeric), `${slot.input}: ${analytic} vs ${numeric}`).toBeLessThan(
      3e-4 + 1e-2 * Math.abs(numeric),
    );
  }
  await h.release();
  await probe.release();
  return tg;
}

describe('training-step graph of a small CNN', () => {
  it('differentiates the whole graph (BN in training mode) like central differences', async () => {
    const tg = await checkWholeGraph({});
    expect(tg.state.filter((s) => s.kind === 'param').length).toBe(8);
  });

  it.each([
    ['centred', 2, 1],
    ['far from zero', 0.5, 20],
  ])(
    'updates BN running statistics with momentum and the unbiased batch variance (%s)',
    async (_, std, offset) => {
      const b = new GraphBuilder({ opset: 13, seed: 2 });
      const x = b.batchNorm(b.input('x', [N, 2, 3, 3]), { name: 'bn', momentum: 0.9 });
      b.output(b.gemm(b.flatten(b.globalAvgPool(x)), 3, { name: 'fc' }));
      const tg = buildTrainingGraph(createModel(b.build()), { optimizer: { kind: 'sgd' } });
      const h = await StepHarness.create(open, tg);
      const data = Float32Array.from({ length: N * 18 }, () => rng.normal() * std + offset);
      await h.step({ batch: { dims: [N, 2, 3, 3], data }, labels, lr: 0.1 });
      for (let c = 0; c < 2; c++) {
        const xs = Array.from({ length: N * 9 }, (_, k) => data[Math.floor(k / 9) * 18 + c * 9 + (k % 9)]!);
        const mean = xs.reduce((a, v) => a + v, 0) / xs.length;
        const unbiased = xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (xs.length - 1);
        expect(h.state.get('bn.running_mean')!.data[c]).toBeCloseTo(0.1 * mean, 5);
        expect(Number(h.state.get('bn.running_var')!.data[c]) - 0.9).toBeCloseTo(0.1 * unbiased, 6);
      }
      await h.release();
    },
  );

  it('switches Dropout to training mode (random masks, gradient through the mask) unless told not to', async () => {
    const model = () => {
      const b = new GraphBuilder({ opset: 13, seed: 6 });
      const h = b.op('Dropout', [b.gemm(b.input('x', [N, 8]), 16, { name: 'fc1' })], {}, { name: 'drop' });
      b.output(b.gemm(h, 3, { name: 'fc2' }));
      return createModel(b.build());
    };
    const feeds = {
      batch: { dims: [N, 8], data: Float32Array.from({ length: N * 8 }, (_, i) => Math.sin(i)) },
      labels,
      lr: 0.1,
    };
    const losses = async (dropout: 'train' | 'off') => {
      const tg = buildTrainingGraph(model(), { optimizer: { kind: 'sgd' }, dropout });
      const h = await StepHarness.create(open, tg);
      const out = [await h.lossAt(feeds, new Map()), await h.lossAt(feeds, new Map())];
      await h.step(feeds);
      await h.release();
      return { tg, out };
    };
    const on = await losses('train');
    const drop = on.tg.model.graph.node('drop')!;
    expect(drop.input(2)?.const?.toNumbers()).toEqual([1]);
    expect(drop.outputs.length).toBe(2);
    expect(on.out[0]).not.toBe(on.out[1]);
    const off = await losses('off');
    expect(off.out[0]).toBe(off.out[1]);
  });

  it('holds masked channels (and their momentum) at zero and leaves frozen parameters constant', async () => {
    const tg = buildTrainingGraph(cnn(), {
      optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 1e-3 },
      masked: ['conv1.weight', 'bn1.weight', 'bn1.bias'],
      frozen: ['conv2.weight'],
    });
    expect(tg.state.some((s) => s.of === 'conv2.weight')).toBe(false);
    expect(tg.model.graph.value('conv2.weight')?.isConst).toBe(true);
    const h = await StepHarness.create(open, tg);
    const mask = { dims: [4], data: Float32Array.of(1, 0, 1, 0) };
    for (const m of tg.masks) h.state.set(m.input, mask);
    const w0 = Float32Array.from(h.state.get('conv1.weight')!.data as Float32Array);
    for (let t = 0; t < 3; t++) await h.step({ batch, labels, lr: 0.1 });
    const w = h.state.get('conv1.weight')!.data as Float32Array;
    const buf = h.state.get('conv1.weight.momentum')!.data as Float32Array;
    const per = 18;
    for (let o = 0; o < 4; o++) {
      const ch = Array.from(w.subarray(o * per, (o + 1) * per));
      if (o % 2 === 1) {
        expect(ch.every((v) => v === 0)).toBe(true);
        expect(Array.from(buf.subarray(o * per, (o + 1) * per)).every((v) => v === 0)).toBe(true);
      } else expect(ch.some((v, i) => v !== w0[o * per + i])).toBe(true);
    }
    expect(Array.from(h.state.get('bn1.bias')!.data as Float32Array).filter((_, i) => i % 2 === 1)).toEqual([
      0, 0,
    ]);
    await h.release();
  });

  it('differentiates distillation, feature MSE and attention transfer losses like central differences', async () => {
    const r = new Rng(3);
    const t = (dims: number[]): HostTensor => ({
      dims,
      data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r.normal()),
    });
    const tg = await checkWholeGraph(
      {
        loss: {
          labelSmoothing: 0.1,
          distillation: { temperature: 3, alpha: 0.6 },
          features: [
            { kind: 'mse', student: 'stage', weight: 0.5 },
            { kind: 'attention', student: 'pool', weight: 2, teacherShape: ['N', 6, 3, 3] },
          ],
        },
      },
      { 'teacher:logits': t([N, 3]), 'teacher:stage': t([N, 4, 3, 3]), 'teacher:pool': t([N, 6, 3, 3]) },
    );
    expect(tg.teacher.map((x) => x.input)).toEqual(['teacher:logits', 'teacher:stage', 'teacher:pool']);
  });

  it('lowers the loss and fits a small synthetic problem; the eval graph agrees with the trained model', async () => {
    const tg = buildTrainingGraph(cnn(), { optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true } });
    const h = await StepHarness.create(open, tg);
    const r = new Rng(21);
    // Class = which third of the image is bright: learnable by conv + pooling.
    const sample = () => {
      const ys = Array.from({ length: 12 }, () => r.int(3));
      const data = new Float32Array(12 * 72);
      ys.forEach((y, n) => {
        for (let k = 0; k < 72; k++)
          data[n * 72 + k] = r.normal() * 0.3 + (Math.floor((k % 36) / 12) === y ? 1 : 0);
      });
      return { batch: { dims: [12, 2, 6, 6], data }, labels: ys, lr: 0.05 };
    };
    const losses: number[] = [];
    for (let s = 0; s < 40; s++) losses.push(Number((await h.step(sample()))[tg.loss]!.data[0]));
    await h.release();
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last).toBeLessThan(first * 0.5);

    const ev = buildEvalGraph(cnn(), tg);
    const trained = trainedModel(cnn(), tg, h.state);
    const test = sample();
    const es = await open(ev.model);
    const feeds = Object.fromEntries(ev.inputs.map((n) => [n, h.state.get(n)!]));
    const out = await es.run({
      ...feeds,
      x: test.batch,
      labels: { dims: [12], data: BigInt64Array.from(test.labels.map(BigInt)) },
    });
    const ref = await (await open(trained)).run({ x: test.batch });
    const want = ref[ev.logits]!.data as Float32Array;
    (out[ev.logits]!.data as Float32Array).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 4);
    });
    expect(Number(out[ev.correct]!.data[0])).toBeGreaterThanOrEqual(10);
    await es.release();
  });
});
