// Training a model exported with BN folded: BNs go back after the folded convs (an identity at the
// start, in inference mode exactly and in training mode on the measured batch), training works, and
// the trained model comes back folded, with the input's structure and names.

import { describe, expect, it } from 'vitest';
import { trainedModel } from '../autodiff/training-state.js';
import { ArrayDataset } from '../data/array-dataset.js';
import { BatchLoader } from '../data/batch-loader.js';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { type HostTensor, Session } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { evaluateModel } from './evaluate.js';
import { type TrainEvent, trainModel } from './trainer.js';
import { unfoldForTraining } from './unfold-for-training.js';

/** Conv → Relu → Conv → GAP → Gemm, every layer with a (non-zero) bias, no BN: a folded export. */
function folded(): Model {
  const b = new GraphBuilder({ opset: 13, seed: 7 });
  const x = b.input('x', ['N', 1, 8, 8]);
  const h = b.relu(b.conv(x, { out: 4, kernel: 3, pad: 1, bias: true, name: 'conv1' }), 'r1');
  const y = b.conv(h, { out: 6, kernel: 3, pad: 1, stride: 2, bias: true, name: 'conv2' });
  b.output(b.gemm(b.flatten(b.globalAvgPool(y)), 3, { name: 'fc' }));
  const g = b.build();
  const rng = new Rng(3);
  for (const name of ['conv1.bias', 'conv2.bias']) {
    const v = g.mustValue(name);
    const n = v.const!.dims[0]!;
    g.setConst(
      v,
      Tensor.float32(
        [n],
        Float32Array.from({ length: n }, () => rng.uniform(-1, 1)),
      ),
    );
  }
  return createModel(g);
}

/** Noise plus one of three fixed random patterns, the label saying which. */
function loader(samples: number, batchSize: number): BatchLoader {
  const rng = new Rng(11);
  const patterns = Array.from({ length: 3 }, () => Float32Array.from({ length: 64 }, () => rng.normal()));
  const dataset = new ArrayDataset({
    name: 'random',
    sampleShape: [1, 8, 8],
    pixels: Float32Array.from(
      { length: samples * 64 },
      (_, i) => rng.normal() + 1.5 * patterns[Math.floor(i / 64) % 3]![i % 64]!,
    ),
    labels: Int32Array.from({ length: samples }, (_, i) => i % 3),
    numClasses: 3,
  });
  return new BatchLoader(dataset, { batchSize, seed: 0 });
}

async function logits(model: Model, x: HostTensor): Promise<Float32Array> {
  const s = await Session.create(model, { threads: 1 });
  try {
    const out = await s.run({ x }, [model.graph.outputs[0]!.name]);
    return out[model.graph.outputs[0]!.name]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const opTypes = (m: Model) => m.graph.nodes.map((n) => n.opType);
const sgd = { kind: 'sgd', momentum: 0.9, weightDecay: 0 } as const;

describe('folded-BN models in training', () => {
  it('unfolds every folded conv as an exact identity in inference mode', async () => {
    const model = folded();
    const u = (await unfoldForTraining(model, loader(32, 16), { samples: 32, threads: 1 }))!;
    expect(u.convs).toEqual(['conv1', 'conv2']);
    expect(opTypes(u.model).filter((t) => t === 'BatchNormalization')).toHaveLength(2);
    // Measured statistics, not the defaults: the running mean is μ − b, not 0.
    const mean = u.model.graph.mustValue('conv1.bn.running_mean').const!.toFloat32();
    expect(Math.max(...Array.from(mean, Math.abs))).toBeGreaterThan(1e-3);
    const rng = new Rng(2);
    const x = { dims: [5, 1, 8, 8], data: Float32Array.from({ length: 320 }, () => rng.normal()) };
    const [a, b] = [await logits(model, x), await logits(u.model, x)];
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    // Folding the untouched copy back gives the input's structure and names.
    const back = u.fold(u.model);
    expect(opTypes(back)).toEqual(opTypes(model));
    expect(back.graph.initializers.map((v) => v.name).sort()).toEqual(
      model.graph.initializers.map((v) => v.name).sort(),
    );
  });

  it('leaves models with BatchNormalization alone', async () => {
    const b = new GraphBuilder({ opset: 13, seed: 1 });
    const x = b.input('x', ['N', 1, 8, 8]);
    const y = b.batchNorm(b.conv(x, { out: 4, kernel: 3, bias: true }));
    b.output(b.gemm(b.flatten(b.globalAvgPool(b.conv(y, { out: 4, kernel: 1, bias: true }))), 3));
    expect(await unfoldForTraining(createModel(b.build()), undefined)).toBeUndefined();
  });

  it('starts as the folded model in training mode, trains, and returns a folded model', async () => {
    const model = folded();
    // One batch per epoch: the BN statistics are measured on exactly the batch of step 0.
    const data = loader(16, 16);
    const steps: Extract<TrainEvent, { kind: 'step' }>[] = [];
    const r = await trainModel(model, data, {
      optimizer: sgd,
      lr: 0.05,
      epochs: 25,
      threads: 1,
      onEvent: (e) => {
        if (e.kind === 'step') steps.push(e);
      },
    });
    expect(r.unfoldedBatchNorm).toEqual(['conv1', 'conv2']);
    const first = (await evaluateModel(model, loader(16, 16), { threads: 1 })).loss;
    expect(steps[0]!.loss).toBeCloseTo(first, 4);
    expect(steps.at(-1)!.loss).toBeLessThan(0.5 * steps[0]!.loss);
    expect(opTypes(r.model)).toEqual(opTypes(model));
    expect(r.model.graph.initializers.map((v) => v.name).sort()).toEqual(
      model.graph.initializers.map((v) => v.name).sort(),
    );
    // The folded result computes what the trained unfolded model computes (BN in inference mode).
    const again = (await unfoldForTraining(r.model, undefined))!;
    const unfoldedTrained = trainedModel(again.model, r.graph, r.state);
    const rng = new Rng(4);
    const x = { dims: [3, 1, 8, 8], data: Float32Array.from({ length: 192 }, () => rng.normal()) };
    const [a, b] = [await logits(r.model, x), await logits(unfoldedTrained, x)];
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 4);
    // Resuming from the folded checkpoint unfolds to the same state names.
    const resumed = await trainModel(r.model, data, {
      optimizer: sgd,
      lr: 0.05,
      epochs: 26,
      threads: 1,
      resume: { state: r.state, epoch: 25 },
    });
    expect(resumed.steps).toBe(26);
  });

  it('trains the folded model as it is with unfoldBatchNorm: false', async () => {
    const r = await trainModel(folded(), loader(16, 16), {
      optimizer: sgd,
      lr: 0.05,
      epochs: 2,
      threads: 1,
      unfoldBatchNorm: false,
    });
    expect(r.unfoldedBatchNorm).toEqual([]);
    expect(r.graph.state.some((s) => s.kind === 'bn.mean')).toBe(false);
  });
});
