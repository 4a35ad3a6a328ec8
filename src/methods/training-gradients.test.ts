// Group Fisher from the training steps (training-gradients.ts): the dnnl engine's per-sample
// statistics, summed over a coupled group's values per sample and squared, against the ORT
// measurement pass tapping every consumer edge of the same values (so both see each value's whole
// gradient) on the same weights and batch. A residual net without BN (batch statistics would couple
// the samples; the measurement pass runs inference mode). Skipped when the addon is missing.

import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { gradientChannelSets } from '../criteria/gradient-stats.js';
import { ArrayDataset } from '../data/array-dataset.js';
import { BatchLoader } from '../data/batch-loader.js';
import { gradientStatsStep } from '../engine/dnnl/test-support/compare.js';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { type ChannelSet, measureChannelGradients } from '../measure/gradient-stats.js';
import { dnnlUnavailable, loadDnnl } from '../runtime/dnnl.js';
import { TrainingGradients } from './training-gradients.js';

const addon = loadDnnl(1);
const skipReason = addon ? '' : ` (skipped: ${dnnlUnavailable()})`;

/** Two residual blocks on one 8-wide stream (r0, r2, r4 coupled), 5 classes. */
function net(): Model {
  const b = new GraphBuilder({ opset: 13, seed: 3 });
  const x = b.input('x', ['N', 3, 8, 8]);
  const r0 = b.relu(b.conv(x, { out: 8, kernel: 3, pad: 1, bias: true, name: 'c0' }), 'r0');
  const r1 = b.relu(b.conv(r0, { out: 6, kernel: 3, pad: 1, bias: true, name: 'c1' }), 'r1');
  const r2 = b.relu(b.add(b.conv(r1, { out: 8, kernel: 3, pad: 1, bias: true, name: 'c2' }), r0), 'r2');
  const r3 = b.relu(b.conv(r2, { out: 6, kernel: 3, pad: 1, bias: true, name: 'c3' }), 'r3');
  const r4 = b.relu(b.add(b.conv(r3, { out: 8, kernel: 3, pad: 1, bias: true, name: 'c4' }), r2), 'r4');
  b.output(b.gemm(b.flatten(b.globalAvgPool(r4, 'gap')), 5, { name: 'fc' }));
  return createModel(b.build());
}

describe.skipIf(!addon)(`Group Fisher from training steps${skipReason}`, () => {
  it('sums coupled values per sample before squaring, as the measurement pass over every consumer edge', async () => {
    const model = net();
    const analysis = analyzeChannels(model.graph);
    const sets = gradientChannelSets(model, analysis);
    const acc = new TrainingGradients(model.graph, sets);
    // The residual stream is one group read at three values (r0, r2 by convs; r4 by fc via flatten).
    const stream = sets.find((s) => s.taps.length >= 3);
    expect(stream).toBeDefined();
    const n = 10;
    const { stats: st, x, labels } = await gradientStatsStep(model, acc.values, n, [3, 8, 8], 5, 11);
    acc.add(st);
    expect(acc.samples).toBe(n);
    const got = acc.take();
    expect(acc.samples).toBe(0);

    // The oracle: each tap's value tapped at every consumer edge (its whole gradient).
    const g = model.graph;
    const whole: ChannelSet[] = sets.map((s) => {
      const seen = new Set<string>();
      const taps = s.taps.flatMap((t) => {
        const v = g.node(t.node)!.inputs[t.input]!;
        if (seen.has(v.name)) return [];
        seen.add(v.name);
        return v.consumers.flatMap((c) =>
          c.inputs.flatMap((u, input) =>
            u === v ? [{ node: c.name, input, block: t.block, indexMap: t.indexMap }] : [],
          ),
        );
      });
      return { ...s, taps };
    });
    expect(whole.find((s) => s.id === stream!.id)!.taps.length).toBeGreaterThan(stream!.taps.length);
    const ds = new ArrayDataset({
      name: 'random',
      sampleShape: [3, 8, 8],
      pixels: x,
      labels: Int32Array.from(labels),
      numClasses: 5,
    });
    const want = await measureChannelGradients(
      model,
      whole,
      new BatchLoader(ds, { batchSize: n, shuffle: false }),
      {
        samples: n,
        threads: 1,
      },
    );
    for (const s of sets) {
      const a = want.get(s.id)!;
      const b = got.get(s.id)!;
      expect(b.samples, s.id).toBe(n);
      expect(b.actsPerChannel).toBe(s.actsPerChannel);
      for (const k of ['sum', 'fisher'] as const) {
        const scale = Math.max(...a[k].map(Math.abs));
        expect(scale, `${s.id} ${k}`).toBeGreaterThan(0);
        for (let c = 0; c < s.size; c++)
          expect(Math.abs(a[k][c]! - b[k][c]!), `${s.id} ${k}[${c}]`).toBeLessThan(1e-4 * scale);
      }
    }
    // Squaring the per-value sums separately would not give the coupled group's Fisher.
    const separate = Float64Array.from({ length: stream!.size }, (_, c) =>
      ['r0', 'r2'].reduce((sum, v) => sum + st.get(v)!.fisher[c]!, 0),
    );
    expect([...separate].some((v, c) => Math.abs(v - got.get(stream!.id)!.fisher[c]!) > 1e-3 * v)).toBe(true);
  });
});
