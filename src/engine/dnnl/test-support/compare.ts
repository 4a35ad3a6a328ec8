// Test support: the same steps through the ORT training-step graph and the oneDNN engine from the same
// state, compared (loss, correct count, parameters, optimizer state, BN statistics).

import { expect } from 'vitest';
import type { OptimizerOptions } from '../../../autodiff/optim/optimizer.js';
import {
  buildTrainingGraph,
  type TrainingGraph,
  type TrainingGraphOptions,
} from '../../../autodiff/training-graph.js';
import { advanceState, initialState } from '../../../autodiff/training-state.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { createModel, type Model } from '../../../ir/model.js';
import { Tensor } from '../../../ir/tensor.js';
import { type HostTensor, Session } from '../../../runtime/session.js';
import { Rng } from '../../../util/rng.js';
import type { ChannelGradientStats } from '../../step-engine.js';
import { teacherRunner } from '../../teacher-runner.js';
import { type DnnlEngineOptions, planDnnl, prepareDnnl } from '../dnnl-engine.js';

/**
 * Stem conv (bias), max-pool, grouped conv, depthwise conv + ReLU6 (Clip), avg-pool with padding,
 * residual add, Flatten, Gemm transB = 0.
 */
export function smallNet(): Model {
  const b = new GraphBuilder({ opset: 13, seed: 3 });
  const x = b.input('x', ['N', 2, 12, 12]);
  let y = b.relu(b.batchNorm(b.conv(x, { out: 16, kernel: 3, pad: 1, bias: true, name: 'c1' })));
  y = b.maxPool(y, { kernel: 2, stride: 2 });
  const r = y;
  y = b.relu(b.batchNorm(b.conv(y, { out: 16, kernel: 3, pad: 1, group: 4, name: 'c2' })));
  y = b.clip(b.batchNorm(b.conv(y, { out: 16, kernel: 3, pad: 1, group: 16, name: 'dw' })), 0, 6, 'relu6');
  y = b.batchNorm(b.conv(y, { out: 16, kernel: 3, pad: [0, 1, 2, 1], dilation: 1, name: 'c3' }));
  y = b.relu(b.add(y, r));
  y = b.avgPool(y, { kernel: 3, stride: 2, pad: 1 });
  const flat = b.flatten(y);
  const fc = b.gemm(flat, 5, { name: 'fc' });
  b.output(fc);
  const g = b.build();
  // Gemm with transB = 0: store W as [F, K]
  const gemm = g.nodes.find((n) => n.opType === 'Gemm')!;
  const w = gemm.input(1)!;
  const [k, f] = w.const!.dims as [number, number];
  const src = w.const!.toFloat32();
  const t = new Float32Array(src.length);
  for (let i = 0; i < k; i++) for (let j = 0; j < f; j++) t[j * k + i] = src[i * f + j]!;
  g.setConst(w, Tensor.float32([f, k], t));
  gemm.setAttr('transB', { kind: 'int', value: 0 });
  return createModel(g);
}

export function batch(n: number, shape: readonly number[], classes: number, seed: number) {
  const rng = new Rng(seed);
  const size = n * shape.reduce((a, b) => a * b, 1);
  return {
    x: Float32Array.from({ length: size }, () => rng.normal()),
    labels: Array.from({ length: n }, () => rng.int(classes)),
  };
}

/**
 * The same steps through ORT and dnnl from the same state. Returns, per state kind, the largest
 * |ORT − dnnl| relative to the largest change the steps made to that tensor, and the losses. Both run in
 * float32 with different summation orders (oneDNN's blocked reductions vs ORT's) over N·H·W ≈ 10³
 * elements per channel, ~1e-6 relative per op, grown through 20 layers of backward: 3e-5 measured on
 * the parameters, 3e-6 on BN statistics, 3e-7 on the losses; the bounds leave about 3× margin.
 */
export async function compare(
  model: Model,
  optimizer: OptimizerOptions,
  sizes: readonly number[],
  smoothing = 0,
  extra: Partial<TrainingGraphOptions> & {
    teacher?: Model;
    /** state entries (masks) set on both engines before step s */
    before?: (s: number, tg: TrainingGraph) => Map<string, HostTensor>;
    engine?: DnnlEngineOptions;
  } = {},
) {
  const { teacher, before, engine: engineOptions, ...rest } = extra;
  const options: TrainingGraphOptions = {
    ...rest,
    optimizer,
    loss: { ...rest.loss, labelSmoothing: smoothing },
  };
  const tg = buildTrainingGraph(model, options);
  const session = await Session.create(tg.model, { threads: 1 });
  const ortState = initialState(tg);
  const ctx = { model, graph: tg, options, threads: 1, label: 'test', ...(teacher ? { teacher } : {}) };
  const plan = await prepareDnnl(ctx, engineOptions);
  if ('reason' in plan) throw new Error(plan.reason);
  const engine = plan.engine;
  engine.writeState(ortState);
  const teacherRun = await teacherRunner(teacher, tg, { threads: 1 });
  const shape = tg.model.graph.value(tg.batch)!.type!.shape!.slice(1) as number[];
  const classes = model.graph.outputs[0]!.type!.shape![1] as number;
  const losses: [number, number][] = [];
  for (const [s, n] of sizes.entries()) {
    const { x, labels } = batch(n, shape, classes, 10 + s);
    const lr = 0.1;
    const set = before?.(s, tg);
    if (set) {
      for (const [k, v] of set) ortState.set(k, v);
      engine.writeState(set);
    }
    const feeds: Record<string, HostTensor> = {
      ...Object.fromEntries(ortState),
      [tg.batch]: { dims: [n, ...shape], data: x },
      [tg.labels]: { dims: [n], data: BigInt64Array.from(labels, BigInt) },
      [tg.lr]: { dims: [], data: Float32Array.of(lr) },
    };
    if (tg.step) feeds[tg.step] = { dims: [], data: Float32Array.of(s + 1) };
    if (teacherRun) Object.assign(feeds, await teacherRun.run(feeds[tg.batch]!));
    const out = await session.run(feeds);
    advanceState(tg, ortState, out);
    const dims = [n, shape[0]!, shape[1]!, shape[2]!] as const;
    const r = await engine.step({ x, dims, labels: Int32Array.from(labels) }, lr, s + 1);
    losses.push([Number(out[tg.loss]!.data[0]), r.loss]);
    expect(r.correct).toBe(Number(out[tg.correct]!.data[0]));
  }
  await session.release();
  await teacherRun?.release();
  await engine.release();
  const dnnlState = new Map<string, HostTensor>();
  engine.readState(dnnlState);
  const worst: Record<string, number> = {};
  /** |ORT − dnnl| / largest change, per state input (diagnostics in failure messages) */
  const bySlot: Record<string, number> = {};
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const slot of tg.state) {
    const a = ortState.get(slot.input)!.data as Float32Array;
    const b = dnnlState.get(slot.input)!.data as Float32Array;
    expect(dnnlState.get(slot.input)!.dims).toEqual(ortState.get(slot.input)!.dims);
    // Compare the change made by the steps, relative to the largest change of that tensor
    const init = slot.init.toFloat32();
    let num = 0;
    let den = 1e-12;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      scale = Math.max(scale, Math.abs(a[i]!));
      if (slot.kind === 'param') {
        dot += (a[i]! - init[i]!) * (b[i]! - init[i]!);
        na += (a[i]! - init[i]!) ** 2;
        nb += (b[i]! - init[i]!) ** 2;
      }
      num = Math.max(num, Math.abs(a[i]! - b[i]!));
      den = Math.max(den, Math.abs(a[i]! - init[i]!));
    }
    // Rounding of the stored values: a BN scale near 1 that moved 4e-4 is only known to 6e-8 (1e-4)
    num = Math.max(0, num - 2 * scale * 2 ** -24);
    // Tensors with no gradient (a bias in front of BN; in MobileNetV2 also the BN bias of each block's
    // projection, since every path from it meets another BN): both engines move them by float32 noise
    // alone, a sum of cancelling terms (measured up to 2e-6)
    if (den < 1e-6) expect(num, slot.input).toBeLessThan(1e-5);
    else worst[slot.kind] = Math.max(worst[slot.kind] ?? 0, num / den);
    bySlot[slot.input] = num / den;
  }
  return { worst, bySlot, losses, cosine: dot / Math.sqrt(na * nb) };
}

/**
 * One SGD step at lr 0 of `model` on the dnnl engine (1 thread) over a seeded random batch of `n`
 * (batch()), recording gradient statistics at `values`: the statistics, and the batch for an oracle.
 */
export async function gradientStatsStep(
  model: Model,
  values: readonly string[],
  n: number,
  shape: readonly [number, number, number],
  classes: number,
  seed: number,
): Promise<{ stats: ReadonlyMap<string, ChannelGradientStats>; x: Float32Array; labels: number[] }> {
  const o = { optimizer: { kind: 'sgd' } } as const;
  const p = planDnnl({
    model,
    graph: buildTrainingGraph(model, o),
    options: o,
    threads: 1,
    label: 't',
    gradientStats: values,
  });
  if ('reason' in p) throw new Error(p.reason);
  const { x, labels } = batch(n, shape, classes, seed);
  await p.engine.step({ x, dims: [n, ...shape], labels: Int32Array.from(labels) }, 0, 1);
  return { stats: p.engine.readGradientStats(), x, labels };
}
