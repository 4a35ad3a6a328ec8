// Feature distillation in the training loop: pairs resolved by name (auto: stage outputs) with MSE
// where shapes agree and attention transfer where only channels differ (a pruned student), the
// teacher's tapped values fed each step, and the feature term going down while training.

import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { randomPlan } from '../analysis/random-plan.js';
import { ArrayDataset } from '../data/array-dataset.js';
import { BatchLoader } from '../data/batch-loader.js';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { type HostTensor, runCapturing } from '../runtime/session.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { parseFeaturePairs, resolveFeaturePairs } from './feature-pairs.js';
import { type TrainEvent, trainModel } from './trainer.js';

/** conv-BN-relu ('stage1', 8×8) → conv-BN-relu stride 2 ('stage2', 4×4) → GAP → Gemm. */
function net(seed: number, width = 8): Model {
  const b = new GraphBuilder({ opset: 13, seed });
  let x = b.input('x', ['N', 1, 8, 8]);
  x = b.relu(
    b.batchNorm(b.conv(x, { out: width, kernel: 3, pad: 1, name: 'c1' }), { name: 'bn1' }),
    'stage1',
  );
  x = b.relu(
    b.batchNorm(b.conv(x, { out: width, kernel: 3, pad: 1, stride: 2, name: 'c2' }), { name: 'bn2' }),
    'stage2',
  );
  b.output(b.gemm(b.flatten(b.globalAvgPool(x)), 3, { name: 'fc' }));
  return createModel(b.build());
}

function pruned(teacher: Model): Model {
  const g = teacher.graph;
  return { ...teacher, graph: applyPlan(g, randomPlan(g, analyzeChannels(g), { ratio: 0.5, seed: 1 })) };
}

const rng = new Rng(21);
const patterns = Array.from({ length: 3 }, () => Float32Array.from({ length: 64 }, () => rng.normal()));
const dataset = new ArrayDataset({
  name: 'patterns',
  sampleShape: [1, 8, 8],
  pixels: Float32Array.from(
    { length: 32 * 64 },
    (_, i) => rng.normal() + patterns[Math.floor(i / 64) % 3]![i % 64]!,
  ),
  labels: Int32Array.from({ length: 32 }, (_, i) => i % 3),
  numClasses: 3,
});
const x: HostTensor = { dims: [32, 1, 8, 8], data: dataset.pixels as Float32Array };

/** Zagoruyko & Komodakis' attention map: channel mean of F², L2-normalised per sample. */
function attention(t: HostTensor): Float64Array[] {
  const [n, c, h, w] = t.dims as [number, number, number, number];
  const d = t.data as Float32Array;
  return Array.from({ length: n }, (_, i) => {
    const q = new Float64Array(h * w);
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) q[p] = q[p]! + d[(i * c + ch) * h * w + p]! ** 2 / c;
    const norm = Math.max(Math.sqrt(q.reduce((a, v) => a + v * v, 0)), 1e-12);
    return q.map((v) => v / norm);
  });
}

/** Attention-transfer loss between the student's and the teacher's value `name` on the whole data set. */
async function atLoss(student: Model, teacher: Model, name: string): Promise<number> {
  const s = attention((await runCapturing(student, { x }, [name], { threads: 1 }))[name]!);
  const t = attention((await runCapturing(teacher, { x }, [name], { threads: 1 }))[name]!);
  let sum = 0;
  let count = 0;
  s.forEach((q, i) => {
    q.forEach((v, p) => {
      sum += (v - t[i]![p]!) ** 2;
      count++;
    });
  });
  return sum / count;
}

describe('feature distillation', () => {
  const teacher = net(1);
  const student = pruned(teacher);

  it('pairs stage outputs by name: attention where channels differ, MSE where shapes agree', () => {
    expect(student.graph.mustValue('c1.weight').const!.dims[0]).toBe(4);
    const auto = resolveFeaturePairs(student, teacher, { pairs: 'auto', loss: 'attention' });
    expect(auto.map((f) => [f.student, f.teacher, f.loss, f.weight])).toEqual([
      ['stage1', 'stage1', 'attention', 500],
      ['stage2', 'stage2', 'attention', 500],
    ]);
    expect(auto[1]!.teacherShape).toEqual(['N', 8, 4, 4]);
    const mse = resolveFeaturePairs(student, teacher, { pairs: 'auto', loss: 'mse', weight: 2 });
    expect(mse.map((f) => f.loss)).toEqual(['attention', 'attention']);
    expect(mse[0]!.note).toContain('channels differ (4 vs 8)');
    const same = resolveFeaturePairs(net(2), teacher, {
      pairs: parseFeaturePairs('stage2=stage2'),
      loss: 'mse',
    });
    expect(same.map((f) => [f.loss, f.weight])).toEqual([['mse', 1]]);
    expect(() =>
      resolveFeaturePairs(student, teacher, { pairs: parseFeaturePairs('stage1'), loss: 'mse' }),
    ).toThrow(/differ in channels: MSE needs equal shapes/);
    expect(() =>
      resolveFeaturePairs(student, teacher, { pairs: parseFeaturePairs('stage1=stage2'), loss: 'attention' }),
    ).toThrow(/differ in more than their channels/);
    expect(() =>
      resolveFeaturePairs(student, teacher, { pairs: parseFeaturePairs('nope'), loss: 'mse' }),
    ).toThrow(PareError);
  });

  it('trains a pruned student with attention transfer from its teacher: the feature term goes down', async () => {
    const loader = new BatchLoader(dataset, { batchSize: 16, seed: 0 });
    const before = [await atLoss(student, teacher, 'stage1'), await atLoss(student, teacher, 'stage2')];
    const losses: number[] = [];
    const r = await trainModel(student, loader, {
      optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 0 },
      lr: 0.02,
      epochs: 15,
      threads: 1,
      teacher,
      loss: { distillation: { alpha: 0.5, temperature: 4 } },
      featureDistillation: { pairs: 'auto', loss: 'attention', weight: 2000 },
      onEvent: (e: TrainEvent) => {
        if (e.kind === 'step') losses.push(e.loss);
      },
    });
    expect(r.features.map((f) => f.student)).toEqual(['stage1', 'stage2']);
    expect(r.graph.teacher.map((t) => t.source ?? t.target)).toEqual(['logits', 'stage1', 'stage2']);
    const after = [await atLoss(r.model, teacher, 'stage1'), await atLoss(r.model, teacher, 'stage2')];
    // The same training without the feature term.
    const control = await trainModel(student, loader, {
      optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 0 },
      lr: 0.02,
      epochs: 15,
      threads: 1,
      teacher,
      loss: { distillation: { alpha: 0.5, temperature: 4 } },
    });
    const without = [
      await atLoss(control.model, teacher, 'stage1'),
      await atLoss(control.model, teacher, 'stage2'),
    ];
    expect(before[0]).toBeGreaterThan(1e-4);
    expect(before[1]).toBeGreaterThan(1e-4);
    // Measured: stage1 0.0038 → 0.0029 (0.0054 without the term), stage2 0.028 → 0.0051 (0.041).
    expect(after[0]).toBeLessThan(0.9 * before[0]!);
    expect(after[1]).toBeLessThan(0.5 * before[1]!);
    expect(after[0]).toBeLessThan(0.7 * without[0]!);
    expect(after[1]).toBeLessThan(0.5 * without[1]!);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-4))).toBeLessThan(0.7 * mean(losses.slice(0, 4)));
  });

  it('needs a teacher', async () => {
    const loader = new BatchLoader(dataset, { batchSize: 16, seed: 0 });
    await expect(
      trainModel(student, loader, {
        optimizer: { kind: 'sgd' },
        lr: 0.01,
        epochs: 1,
        featureDistillation: { pairs: 'auto', loss: 'attention' },
      }),
    ).rejects.toThrow(/needs a teacher/);
  });
});
