import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { LayerStatsAccumulator } from '../measure/layer-stats.js';
import { runCapturing } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { fitLayer, layerError } from './fit.js';
import { linearLayer, readLinear } from './layer.js';

function single(
  inC: number,
  hw: number,
  make: (b: GraphBuilder, x: ReturnType<GraphBuilder['input']>) => ReturnType<GraphBuilder['input']>,
): Model {
  const b = new GraphBuilder({ seed: 3 });
  const x = b.input('x', hw > 0 ? ['N', inC, hw, hw] : ['N', inC]);
  b.output(make(b, x));
  return createModel(b.build());
}

function noise(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal() + 0.5);
}

async function statsOf(m: Model, node: string, n: number, dims: number[]) {
  const layer = linearLayer(m.graph, node);
  const acc = await LayerStatsAccumulator.create(layer, { target: true, threads: 1, maxPatchFloats: 4000 });
  try {
    for (let batch = 0; batch < 2; batch++) {
      const data = noise(n * dims.reduce((p, d) => p * d, 1), 10 + batch);
      const x = { dims: [n, ...dims], data };
      const out = await runCapturing(m, { x }, [], { threads: 1 });
      await acc.add(x, out[m.graph.outputs[0]!.name]!);
    }
    return acc.result();
  } finally {
    await acc.release();
  }
}

const cases: [string, number, number, (b: GraphBuilder, x: never) => never][] = [
  ['conv 3×3 pad 1', 3, 6, (b, x) => b.conv(x, { out: 4, kernel: 3, pad: 1, name: 'L' }) as never],
  [
    'conv 3×3 stride 2 no pad',
    2,
    7,
    (b, x) => b.conv(x, { out: 3, kernel: 3, stride: 2, name: 'L' }) as never,
  ],
  [
    'grouped conv (2 groups)',
    4,
    5,
    (b, x) => b.conv(x, { out: 6, kernel: 3, pad: 1, group: 2, name: 'L' }) as never,
  ],
  ['depthwise conv', 4, 5, (b, x) => b.conv(x, { out: 4, kernel: 3, pad: 1, group: 4, name: 'L' }) as never],
  ['pointwise conv', 5, 4, (b, x) => b.conv(x, { out: 3, kernel: 1, name: 'L' }) as never],
  ['dilated conv', 2, 8, (b, x) => b.conv(x, { out: 3, kernel: 3, pad: 2, dilation: 2, name: 'L' }) as never],
  ['gemm', 6, 0, (b, x) => b.gemm(x, 3, { name: 'L' }) as never],
];

describe('least-squares statistics and refit', () => {
  it.each(cases)(
    '%s: refitting against its own output recovers its weights and bias',
    async (_, c, hw, make) => {
      const m = single(c, hw, make as never);
      const dims = hw > 0 ? [c, hw, hw] : [c];
      const stats = await statsOf(m, 'L', 24, dims);
      const layer = stats.layer;
      const truth = readLinear(m.graph, layer);
      const fit = fitLayer(stats, { ridge: 1e-12 });
      // Statistics are float32 products summed in float64: relative errors of 1e-5 are rounding.
      expect(layerError(stats, truth.weight, truth.bias) / fit.variance).toBeLessThan(1e-5);
      expect(fit.error / fit.variance).toBeLessThan(1e-5);
      for (let i = 0; i < truth.weight.length; i++) expect(fit.weight[i]).toBeCloseTo(truth.weight[i]!, 3);
      for (let i = 0; i < truth.bias.length; i++) expect(fit.bias[i]).toBeCloseTo(truth.bias[i]!, 3);
      // A wrong layer has a large error: the error measure is not trivially zero.
      const wrong = Float32Array.from(truth.weight, (w) => w * 0.5);
      expect(layerError(stats, wrong, truth.bias) / fit.variance).toBeGreaterThan(1e-2);
    },
  );

  it('counts one row per sample and output position', async () => {
    const m = single(2, 7, (b, x) => b.conv(x, { out: 3, kernel: 3, stride: 2, name: 'L' }));
    const stats = await statsOf(m, 'L', 5, [2, 7, 7]);
    expect(stats.rows).toBe(2 * 5 * 3 * 3);
  });
});
