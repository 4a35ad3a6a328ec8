import { describe, expect, it } from 'vitest';
import { ArrayDataset } from '../data/array-dataset.js';
import { BatchLoader } from '../data/batch-loader.js';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { runCapturing } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { recalibrateBatchNorm } from './bn-recalibrate.js';

function net(): Model {
  const b = new GraphBuilder({ seed: 5 });
  const x = b.input('x', ['N', 2, 6, 6]);
  const h = b.relu(b.batchNorm(b.conv(x, { out: 3, kernel: 3, pad: 1, name: 'c1' }), { name: 'bn1' }));
  const k = b.batchNorm(b.conv(h, { out: 4, kernel: 3, pad: 1, name: 'c2' }), { name: 'bn2' });
  b.output(b.gemm(b.flatten(b.globalAvgPool(k)), 2, { name: 'fc' }));
  const m = createModel(b.build());
  // Stale statistics, far from the data's.
  for (const name of ['bn1.running_mean', 'bn2.running_mean'])
    m.graph.setConst(
      m.graph.mustValue(name),
      Tensor.float32(
        [name.startsWith('bn1') ? 3 : 4],
        [5, -5, 2, 7].slice(0, name.startsWith('bn1') ? 3 : 4),
      ),
    );
  return m;
}

function data(n: number): ArrayDataset {
  const rng = new Rng(9);
  const pixels = new Float32Array(n * 72);
  for (let i = 0; i < pixels.length; i++) pixels[i] = 0.3 + 0.2 * rng.normal();
  return new ArrayDataset({
    name: 'noise',
    sampleShape: [2, 6, 6],
    pixels,
    labels: new Int32Array(n),
    numClasses: 2,
  });
}

function channelMoments(t: { dims: readonly number[]; data: unknown }): {
  mean: number[];
  variance: number[];
} {
  const [n, c] = t.dims as [number, number];
  const inner = (t.data as Float32Array).length / (n * c);
  const mean: number[] = [];
  const variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    let s2 = 0;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < inner; i++) {
        const v = (t.data as Float32Array)[(b * c + ch) * inner + i]!;
        s += v;
        s2 += v * v;
      }
    const count = n * inner;
    mean.push(s / count);
    variance.push(s2 / count - (s / count) ** 2);
  }
  return { mean, variance };
}

describe('recalibrateBatchNorm', () => {
  it('sets the first BN to the exact population statistics of its input, whatever the batch size', async () => {
    const model = net();
    const ds = data(64);
    const r = await recalibrateBatchNorm(model, new BatchLoader(ds, { batchSize: 24, shuffle: false }));
    expect(r.samples).toBe(64);
    expect(r.layers).toBe(2);
    const all = await runCapturing(model, { x: { dims: [64, 2, 6, 6], data: ds.pixels as Float32Array } }, [
      'c1',
    ]);
    const want = channelMoments(all.c1!);
    const got = r.model.graph.mustValue('bn1.running_mean').const!.toFloat32();
    const gotVar = r.model.graph.mustValue('bn1.running_var').const!.toFloat32();
    for (let ch = 0; ch < 3; ch++) {
      expect(got[ch]).toBeCloseTo(want.mean[ch]!, 4);
      expect(gotVar[ch]).toBeCloseTo(want.variance[ch]!, 4);
    }
    // The input model is untouched.
    expect([...model.graph.mustValue('bn1.running_mean').const!.toFloat32()]).toEqual([5, -5, 2]);
  });

  it('in one batch, deeper BNs get the statistics of batch-normalised inputs (as in training)', async () => {
    const model = net();
    const ds = data(32);
    const r = await recalibrateBatchNorm(model, new BatchLoader(ds, { batchSize: 32, shuffle: false }));
    // With statistics equal to the batch's, the recalibrated model's bn2 input is what training mode
    // would feed; its moments must match the stored ones.
    const out = await runCapturing(r.model, { x: { dims: [32, 2, 6, 6], data: ds.pixels as Float32Array } }, [
      'c2',
    ]);
    const want = channelMoments(out.c2!);
    const got = r.model.graph.mustValue('bn2.running_mean').const!.toFloat32();
    const gotVar = r.model.graph.mustValue('bn2.running_var').const!.toFloat32();
    for (let ch = 0; ch < 4; ch++) {
      expect(got[ch]).toBeCloseTo(want.mean[ch]!, 4);
      expect(gotVar[ch]).toBeCloseTo(want.variance[ch]!, 4);
    }
  });
});
