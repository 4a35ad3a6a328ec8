// The ops MobileNetV3-style and U-Net-style models add (Concat, squeeze-and-excitation's Mul with
// Sigmoid, HardSigmoid, HardSwish, Dropout, Resize, ConvTranspose) on the oneDNN engine against the ORT training graph over
// steps from the same state (loss, parameters, optimizer state, BN statistics). Dropout draws its own
// masks (layers/dropout.ts): exact at ratio 0, statistical at 0.5. Skipped when the addon is not built.

import { describe, expect, it } from 'vitest';
import { buildTrainingGraph } from '../../autodiff/training-graph.js';
import { GraphBuilder } from '../../ir/builder.js';
import { createModel } from '../../ir/model.js';
import { Tensor } from '../../ir/tensor.js';
import { dnnlUnavailable, loadDnnl } from '../../runtime/dnnl.js';
import type { HostTensor } from '../../runtime/session.js';
import { planDnnl } from './dnnl-engine.js';
import type { Plan } from './plan.js';
import { batch, compare } from './test-support/compare.js';
import { opsNet } from './test-support/ops-net.js';

const addon = loadDnnl(1);
const skipReason = addon ? '' : ` (skipped: ${dnnlUnavailable()})`;

describe.skipIf(!addon)(`dnnl engine ops${skipReason}`, () => {
  it('lowers every node of the net (no fallback)', () => {
    const model = opsNet(0.5);
    const o = { optimizer: { kind: 'sgd' } } as const;
    const r = planDnnl({ model, graph: buildTrainingGraph(model, o), options: o, threads: 1, label: 't' });
    expect('reason' in r ? r.reason : '').toBe('');
  });

  it('Concat, SE Mul + Sigmoid, HardSigmoid, HardSwish, Resize, ConvTranspose, Dropout at ratio 0 match ORT over 2 steps', async () => {
    const { worst, losses, bySlot } = await compare(
      opsNet(0),
      { kind: 'sgd', momentum: 0.9, weightDecay: 1e-3 },
      [8, 6],
      0.1,
    );
    for (const [ort, dnnl] of losses) expect(Math.abs(ort - dnnl)).toBeLessThan(1e-5 * Math.abs(ort));
    expect(worst.param, JSON.stringify(bySlot)).toBeLessThan(1e-4);
    expect(worst.momentum).toBeLessThan(1e-4);
    expect(worst['bn.mean']).toBeLessThan(1e-5);
    expect(worst['bn.var']).toBeLessThan(1e-5);
  });

  it('with Adam and dropout off, the same', async () => {
    // Adam divides each element's gradient by its own magnitude, so an element far smaller than its
    // tensor's largest gradient (the float32 error of both engines is set by the largest) moves by a
    // relatively wrong amount: with ε 1e-8 up to ±lr (branch.weight[974]: g = 1.3e-7, the engines 2 %
    // apart; dnnl-features.test.ts meets the same with c1.bias). With ε 1e-4 that stays at 1.2e-4 of
    // the largest change (mix.weight, a 1×1 conv in front of BN, whose weight gradient is a difference
    // of large terms). The moments (the gradients themselves) are held to 1e-4 like SGD's parameters.
    const { worst, losses } = await compare(opsNet(0.5), { kind: 'adam', eps: 1e-4 }, [8], 0, {
      dropout: 'off',
    });
    for (const [ort, dnnl] of losses) expect(Math.abs(ort - dnnl)).toBeLessThan(1e-5 * Math.abs(ort));
    expect(worst['bn.var']).toBeLessThan(1e-5);
    expect(worst['adam.m']).toBeLessThan(1e-4);
    expect(worst['adam.v']).toBeLessThan(1e-4);
    expect(worst.param).toBeLessThan(1e-3);
  });

  it('Dropout 0.5 keeps about half the values, scaled by 2, and its gradient goes through the same mask', async () => {
    // conv → Dropout → GAP → Gemm: the conv's weight gradient is computed by hand from the step's own
    // forward values (the mask is where the dropout output is non-zero) and compared with the SGD update.
    const b = new GraphBuilder({ opset: 13, seed: 2 });
    const x = b.input('x', ['N', 16, 6, 6]);
    const c = b.conv(x, { out: 16, kernel: 1, name: 'c' });
    const r = b.graph.addInitializer('r', Tensor.scalar('float32', 0.5));
    const dropped = b.op('Dropout', [c, r], {}, { name: 'drop' });
    const logits = b.gemm(b.flatten(b.globalAvgPool(dropped)), 4, { name: 'fc' });
    b.output(logits);
    const model = createModel(b.build());
    const o = { optimizer: { kind: 'sgd' } } as const;
    const p = planDnnl({ model, graph: buildTrainingGraph(model, o), options: o, threads: 1, label: 't' });
    if ('reason' in p) throw new Error(p.reason);
    const n = 32;
    const hw = 36;
    const { x: data, labels } = batch(n, [16, 6, 6], 4, 1);
    const before = new Map<string, HostTensor>();
    p.engine.readState(before);
    const lr = 0.5;
    await p.engine.step({ x: data, dims: [n, 16, 6, 6], labels: Int32Array.from(labels) }, lr, 1);
    const after = new Map<string, HostTensor>();
    p.engine.readState(after);
    // the step's forward values stay in the plan's buffers
    const plan = (p.engine as unknown as { plan(n: number): Plan }).plan(n);
    const cv = new Float32Array(n * 16 * hw);
    const dv = new Float32Array(n * 16 * hw);
    const z = new Float32Array(n * 4);
    plan.read(c.name, cv);
    plan.read(dropped.name, dv);
    plan.read(logits.name, z);
    let kept = 0;
    for (let i = 0; i < cv.length; i++) {
      if (dv[i] === 0) continue;
      kept++;
      expect(Math.abs(dv[i]! - 2 * cv[i]!)).toBeLessThan(1e-6 * Math.abs(cv[i]!) + 1e-7);
    }
    // Binomial(18432, 0.5): σ = 68; 5σ
    expect(Math.abs(kept - cv.length / 2)).toBeLessThan(340);
    const wfc = before.get('fc.weight')!.data as Float32Array;
    const dW = new Float64Array(16 * 16);
    for (let s = 0; s < n; s++) {
      const row = Array.from(z.subarray(s * 4, s * 4 + 4));
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, v) => a + v, 0);
      const dz = e.map((v, j) => (v / sum - (j === labels[s] ? 1 : 0)) / n);
      for (let k = 0; k < 16; k++) {
        let g = 0;
        for (let j = 0; j < 4; j++) g += dz[j]! * wfc[j * 16 + k]!;
        for (let q = 0; q < hw; q++) {
          const at = (s * 16 + k) * hw + q;
          if (dv[at] === 0) continue;
          const dc = (g / hw) * 2;
          for (let i = 0; i < 16; i++) dW[k * 16 + i]! += dc * data[(s * 16 + i) * hw + q]!;
        }
      }
    }
    const w0 = before.get('c.weight')!.data as Float32Array;
    const w1 = after.get('c.weight')!.data as Float32Array;
    const scale = Math.max(...dW.map(Math.abs));
    for (let i = 0; i < dW.length; i++)
      expect(Math.abs((w0[i]! - w1[i]!) / lr - dW[i]!)).toBeLessThan(1e-4 * scale);
  });
});
