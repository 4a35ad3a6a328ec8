// Per-channel gradient statistics recorded by the dnnl engine during a step (Fisher Σ_n s², Taylor
// Σ_n s with s[n, c] = N·Σ_hw a·∂L/∂a) against the ORT measurement pass (src/measure/gradient-stats.ts)
// on the same weights and batch. The model has no BN: with batch statistics the samples are not
// independent, and the measurement pass runs BN in inference mode. Skipped when the addon is missing.

import { describe, expect, it } from 'vitest';
import { ArrayDataset } from '../../data/array-dataset.js';
import { BatchLoader } from '../../data/batch-loader.js';
import { GraphBuilder } from '../../ir/builder.js';
import { createModel, type Model } from '../../ir/model.js';
import { type ChannelSet, measureChannelGradients } from '../../measure/gradient-stats.js';
import { dnnlUnavailable, loadDnnl } from '../../runtime/dnnl.js';
import { trainModel } from '../../train/trainer.js';
import { PareError } from '../../util/errors.js';
import type { ChannelGradientStats } from '../step-engine.js';
import { batch, gradientStatsStep } from './test-support/compare.js';

const addon = loadDnnl(1);
const skipReason = addon ? '' : ` (skipped: ${dnnlUnavailable()})`;

function net(): Model {
  const b = new GraphBuilder({ opset: 13, seed: 7 });
  const x = b.input('x', ['N', 3, 8, 8]);
  const r1 = b.relu(b.conv(x, { out: 12, kernel: 3, pad: 1, bias: true, name: 'c1' }), 'r1');
  const r2 = b.relu(b.conv(r1, { out: 16, kernel: 3, pad: 1, name: 'c2' }), 'r2');
  const c3 = b.conv(b.maxPool(r2, { kernel: 2, stride: 2 }), {
    out: 16,
    kernel: 3,
    pad: 1,
    group: 2,
    name: 'c3',
  });
  const pooled = b.globalAvgPool(c3, 'gap');
  b.output(b.gemm(b.flatten(pooled), 5, { name: 'fc' }));
  return createModel(b.build());
}

const values = ['r1', 'r2', 'c3', 'gap'];

function dataset(n: number) {
  const { x, labels } = batch(n, [3, 8, 8], 5, 3);
  return new ArrayDataset({
    name: 'random',
    sampleShape: [3, 8, 8],
    pixels: x,
    labels: Int32Array.from(labels),
    numClasses: 5,
  });
}

describe.skipIf(!addon)(`dnnl engine gradient statistics${skipReason}`, () => {
  it('Fisher and Taylor sums per channel match the ORT measurement pass', async () => {
    const model = net();
    const n = 12;
    const { stats: got } = await gradientStatsStep(model, values, n, [3, 8, 8], 5, 3);
    const sets: ChannelSet[] = values.map((v) => {
      const value = model.graph.value(v)!;
      const consumer = value.consumers[0]!;
      const size = v === 'r1' ? 12 : 16;
      return {
        id: v,
        size,
        actsPerChannel: 0,
        taps: [
          {
            node: consumer.name,
            input: consumer.inputs.indexOf(value),
            block: 1,
            indexMap: Int32Array.from({ length: size }, (_, i) => i),
          },
        ],
      };
    });
    for (const v of values) expect(model.graph.value(v)!.consumers).toHaveLength(1);
    const want = await measureChannelGradients(
      model,
      sets,
      new BatchLoader(dataset(n), { batchSize: n, shuffle: false }),
      { samples: n, threads: 1 },
    );
    for (const v of values) {
      const a = want.get(v)!;
      const b = got.get(v)!;
      expect(b.samples, v).toBe(n);
      for (const k of ['sum', 'fisher'] as const) {
        const scale = Math.max(...a[k].map(Math.abs));
        expect(scale, `${v} ${k}`).toBeGreaterThan(0);
        for (let c = 0; c < a[k].length; c++)
          expect(Math.abs(a[k][c]! - b[k][c]!), `${v} ${k}[${c}]`).toBeLessThan(1e-4 * scale);
      }
    }
  });

  it('trainModel hands each step its statistics; an engine without them refuses', async () => {
    const model = net();
    const seen: [number, ReadonlyMap<string, ChannelGradientStats>][] = [];
    const run = (engine: 'dnnl' | 'standard') =>
      trainModel(model, new BatchLoader(dataset(20), { batchSize: 8, seed: 1 }), {
        optimizer: { kind: 'sgd', momentum: 0.9 },
        lr: 0.05,
        epochs: 1,
        threads: 1,
        engine,
        gradientStats: { values: ['r2', 'gap'], onStats: (s, step) => seen.push([step, new Map(s)]) },
      });
    const r = await run('dnnl');
    expect(r.engine).toBe('dnnl');
    expect(seen.map(([s]) => s)).toEqual([1, 2, 3]);
    expect(seen.map(([, m]) => m.get('r2')!.samples)).toEqual([8, 8, 4]);
    for (const [, m] of seen) expect(m.get('gap')!.fisher.some((v) => v > 0)).toBe(true);
    const e = await run('standard').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PareError);
    expect((e as PareError).message).toMatch(/gradient statistics during training need the dnnl engine/);
  });
});
