// convAlgorithm 'auto': oneDNN picks its Winograd F(4×4, 3×3) kernels for 3×3 layers on AVX-512 (the
// lead for VGG-16's speed, docs/benchmarks.md); the training step must still match the ORT graph, to
// the bounds Winograd's different float32 rounding allows. On AVX2 'auto' is direct. Skipped when the
// addon is not built.

import { describe, expect, it } from 'vitest';
import { buildTrainingGraph } from '../../autodiff/training-graph.js';
import { GraphBuilder } from '../../ir/builder.js';
import { createModel, type Model } from '../../ir/model.js';
import { dnnlUnavailable, loadDnnl } from '../../runtime/dnnl.js';
import { planDnnl } from './dnnl-engine.js';
import { compare } from './test-support/compare.js';

const addon = loadDnnl(1);
const skipReason = addon ? '' : ` (skipped: ${dnnlUnavailable()})`;

/** A small VGG: three 3×3 conv + BN + ReLU at 14² and 7², max pool, GAP, Gemm. */
function vggNet(): Model {
  const b = new GraphBuilder({ opset: 13, seed: 11 });
  let y = b.input('x', ['N', 3, 14, 14]);
  for (const [i, c] of [32, 32].entries())
    y = b.relu(b.batchNorm(b.conv(y, { out: c, kernel: 3, pad: 1, name: `c${i}` })));
  y = b.maxPool(y, { kernel: 2, stride: 2 });
  y = b.relu(b.batchNorm(b.conv(y, { out: 32, kernel: 3, pad: 1, name: 'c2' })));
  b.output(b.gemm(b.flatten(b.globalAvgPool(y)), 5, { name: 'fc' }));
  return createModel(b.build());
}

describe.skipIf(!addon)(`dnnl engine, convolution algorithm auto${skipReason}`, () => {
  it('picks Winograd on AVX-512 for 3×3 layers and matches ORT over 2 steps', async () => {
    const model = vggNet();
    const o = { optimizer: { kind: 'sgd' } } as const;
    const p = planDnnl(
      { model, graph: buildTrainingGraph(model, o), options: o, threads: 1, label: 't' },
      { convAlgorithm: 'auto' },
    );
    if ('reason' in p) throw new Error(p.reason);
    const impls = p.engine.primitives(32).filter((x) => x.primitive.startsWith('conv.'));
    const avx512 = impls.some((x) => x.impl.includes('avx512'));
    const wino = impls.filter((x) => x.impl.includes('wino')).map((x) => x.layer);
    // oneDNN's heuristic decides per layer (measured: c0 and c1 at 14², not c2 at 7²)
    if (avx512) expect(wino).toContain('c1');
    else expect(wino).toEqual([]);
    const { worst, losses } = await compare(
      model,
      { kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
      [32, 32],
      0,
      { engine: { convAlgorithm: 'auto' } },
    );
    // measured: 2.3e-5 on parameters, 3e-6 on BN statistics (the same order as direct convolutions)
    for (const [ort, dnnl] of losses) expect(Math.abs(ort - dnnl)).toBeLessThan(1e-5 * Math.abs(ort));
    expect(worst.param).toBeLessThan(1e-4);
    expect(worst.momentum).toBeLessThan(1e-4);
    expect(worst['bn.var']).toBeLessThan(1e-5);
  });
});
