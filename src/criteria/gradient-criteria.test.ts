import { describe, expect, it } from 'vitest';
import { residualPair, tinyNet } from '#test/criteria-fixtures.js';
import { isPrunable } from '../analysis/channel-types.js';
import { resolveConstant } from '../analysis/constants.js';
import { ArrayDataset } from '../data/array-dataset.js';
import { BatchLoader } from '../data/batch-loader.js';
import type { Graph } from '../ir/graph.js';
import { cloneModel, createModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { measureGradientStats } from './gradient-stats.js';
import { importanceWithCalibration } from './importance.js';
import { memberNode } from './member-tensors.js';

function data(n: number, seed: number): BatchLoader {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const pixels = Float32Array.from({ length: n * 2 * 4 * 4 }, () => rnd() * 2 - 1);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rnd() * 2));
  const ds = new ArrayDataset({ name: 'rand', sampleShape: [2, 4, 4], pixels, labels, numClasses: 2 });
  return new BatchLoader(ds, { batchSize: 4, shuffle: false });
}

/** Per-sample cross-entropy of `model` on one sample (float64 on the host). */
async function lossOf(model: Model, x: Float32Array, y: number): Promise<number> {
  const s = await Session.create(model);
  const out = await s.run({ x: { dims: [1, 2, 4, 4], data: x } });
  await s.release();
  const z = Array.from(Object.values(out)[0]!.data as Float32Array, Number);
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return lse - z[y]!;
}

/** Scale channel c's input slice of every consumer ('in' member) of the group by `factor`. */
function scaleConsumers(
  graph: Graph,
  groupId: string,
  analysis: ReturnType<typeof tinyNet>['analysis'],
  c: number,
  factor: number,
): void {
  const group = analysis.groups.find((g) => g.id === groupId)!;
  for (const m of group.members.filter((x) => x.kind === 'in')) {
    const node = memberNode(graph, m);
    const w = m.weights[0]!;
    const v = node.input(w.input)!;
    const t = resolveConstant(v)!;
    const d = t.toFloat32().slice();
    const dims = t.dims;
    const outer = dims.slice(0, w.axis).reduce((a, b) => a * b, 1);
    const len = dims[w.axis]!;
    const inner = dims.slice(w.axis + 1).reduce((a, b) => a * b, 1);
    for (let j = 0; j < m.block; j++) {
      const p = m.indexMap[c * m.block + j]!;
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) d[(o * len + p) * inner + i]! *= factor;
    }
    graph.setConst(v, Tensor.from('float32', dims, d));
  }
}

describe('gradient criteria (taylor, fisher)', () => {
  for (const [name, build] of [
    ['plain chain', tinyNet],
    ['residual group', residualPair],
  ] as const) {
    it(`per-sample channel gradients match finite differences (${name})`, async () => {
      const { graph, analysis } = build();
      graph.opsets.set('', 13);
      const model = createModel(graph);
      const loader = data(1, 7);
      const stats = await measureGradientStats(model, analysis, loader, { samples: 1 });
      const batch = [...loader.epochSync(0)][0]!;
      const x = batch.x.slice();
      const y = batch.y[0]!;
      let checked = 0;
      let largest = 0;
      for (const group of analysis.groups.filter(isPrunable)) {
        const st = stats.get(group.id)!;
        for (let c = 0; c < group.size; c++) {
          const eps = 1e-3;
          const plus = cloneModel(model);
          scaleConsumers(plus.graph, group.id, analysis, c, 1 + eps);
          const minus = cloneModel(model);
          scaleConsumers(minus.graph, group.id, analysis, c, 1 - eps);
          const fd = ((await lossOf(plus, x, y)) - (await lossOf(minus, x, y))) / (2 * eps);
          // One sample: sum = s, fisher = s².
          expect(st.sum[c]).toBeCloseTo(fd, 3);
          expect(st.fisher[c]).toBeCloseTo(fd * fd, 4);
          checked++;
          largest = Math.max(largest, Math.abs(fd));
        }
      }
      expect(checked).toBeGreaterThan(1);
      // Not a vacuous match of zeros.
      expect(largest).toBeGreaterThan(1e-3);
    });
  }

  it('fisher sums per-sample squares (not the square of the sum) and normalises by activation memory', async () => {
    const { graph, analysis } = residualPair();
    graph.opsets.set('', 13);
    const model = createModel(graph);
    const loader = data(8, 3);
    const all = await measureGradientStats(model, analysis, loader, { samples: 8 });
    let sumOfSquares = 0;
    let sum = 0;
    const id = analysis.groups.find(isPrunable)!.id;
    for (let i = 0; i < 8; i++) {
      const one = await measureGradientStats(model, analysis, loader, { samples: i + 1 });
      const before =
        i === 0 ? 0 : (await measureGradientStats(model, analysis, loader, { samples: i })).get(id)!.sum[0]!;
      const s = one.get(id)!.sum[0]! - before;
      sumOfSquares += s * s;
      sum += s;
    }
    expect(all.get(id)!.fisher[0]).toBeCloseTo(sumOfSquares, 4);
    expect(all.get(id)!.sum[0]).toBeCloseTo(sum, 4);
    expect(all.get(id)!.fisher[0]).not.toBeCloseTo(sum * sum, 4);
    const fisher = await importanceWithCalibration(model, analysis, 'fisher', {
      labelled: { loader, samples: 8 },
    });
    const st = all.get(id)!;
    // Two producers (c1, c2) of 4×4 maps: each channel frees 32 activation elements per sample.
    expect(st.actsPerChannel).toBe(32);
    expect(fisher.scores.get(id)![0]).toBeCloseTo(st.fisher[0]! / 8 / 32, 6);
    const taylor = await importanceWithCalibration(model, analysis, 'taylor', {
      labelled: { loader, samples: 8 },
    });
    expect(taylor.scores.get(id)!.length).toBe(2);
  });

  it('needs labelled data', async () => {
    const { graph, analysis } = tinyNet();
    graph.opsets.set('', 13);
    await expect(importanceWithCalibration(createModel(graph), analysis, 'taylor')).rejects.toThrow(
      /labelled/,
    );
  });
});
