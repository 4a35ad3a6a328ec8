// The zoo-wide checks of the criteria and allocation issue: every criterion scores every zoo model,
// and `--target macs=F` lands within ±1 % (or says why), with and without round-to 8.

import { describe, expect, it } from 'vitest';
import { allocate } from '../src/allocate/allocate.js';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { CostModel } from '../src/analysis/cost-model.js';
import { measureGradientStats } from '../src/criteria/gradient-stats.js';
import { activationRequests, importance, layerRequests } from '../src/criteria/importance.js';
import { criterionByName, criterionNames } from '../src/criteria/registry.js';
import { ArrayDataset } from '../src/data/array-dataset.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { groupFeatures, linearLayer } from '../src/linear/layer.js';
import { collectActivationStats } from '../src/measure/activation-stats.js';
import { collectLayerStats } from '../src/measure/layer-stats-collect.js';
import { computeCosts } from '../src/ops/costs.js';
import { applyPlan } from '../src/surgery/apply-plan.js';
import { buildZooModel } from '../src/zoo/registry.js';
import type { ZooOptions } from '../src/zoo/zoo-options.js';
import { randomBatches } from './criteria-fixtures.js';

export function sweepZooModel(name: string, options: ZooOptions, sample: readonly number[]): void {
  describe(name, () => {
    const model = buildZooModel(name, options);
    const graph = model.graph;
    const analysis = analyzeChannels(graph);
    const prunable = analysis.groups.filter((g) => g.blockers.length === 0).map((g) => g.id);

    it('every criterion scores every prunable group (or names why not)', async () => {
      const requests = criterionNames.flatMap((c) => activationRequests(graph, analysis, c));
      const stats = await collectActivationStats(model, requests, randomBatches('input', sample, 2, 2), {
        threads: 1,
      });
      // Selection criteria (lasso, cap) cost ~features³ per consumer: swept where that is small.
      const layered = criterionNames.filter((c) => criterionByName(c).layers);
      const nodes = [...new Set(layered.flatMap((c) => layerRequests(graph, analysis, c)))];
      const work = nodes.reduce((s, n) => s + groupFeatures(linearLayer(graph, n)) ** 3, 0);
      const layerStats =
        work <= 2e10
          ? await collectLayerStats(model, nodes, randomBatches('input', sample, 2, 2), { threads: 1 })
          : undefined;
      // Gradient criteria (taylor, fisher): one labelled pair of random images.
      const classes = Number(graph.outputs[0]?.type?.shape?.[1] ?? 10);
      const pixels = Float32Array.from(randomBatches('input', sample, 2, 1)[0]!.input!.data);
      const labelled = new BatchLoader(
        new ArrayDataset({
          name: 'random',
          sampleShape: sample as [number, number, number],
          pixels,
          labels: Int32Array.of(0, classes - 1),
          numClasses: classes,
        }),
        { batchSize: 2 },
      );
      const gradients = criterionNames.some((c) => criterionByName(c).needs === 'gradients')
        ? await measureGradientStats(model, analysis, labelled, { samples: 2, threads: 1 })
        : undefined;
      for (const c of criterionNames) {
        if (!layerStats && layered.includes(c)) continue;
        const imp = await importance(graph, analysis, c, {
          stats,
          threads: 1,
          ...(layerStats ? { layerStats } : {}),
          ...(gradients ? { gradients } : {}),
        });
        expect([...imp.scores.keys(), ...imp.skipped.keys()].sort(), c).toEqual([...prunable].sort());
        const noBn = c === 'bn-scale' && !graph.nodes.some((n) => n.opType === 'BatchNormalization');
        if (!noBn) expect(Object.fromEntries(imp.skipped), c).toEqual({});
        for (const [id, s] of imp.scores) {
          expect(s.length).toBe(analysis.groups.find((g) => g.id === id)!.size);
          expect(s.every(Number.isFinite), `${c} ${id}`).toBe(true);
        }
      }
    });

    it('--target macs=F for F in {0.3, 0.5, 0.7}: within ±1 % or the closest with the reason', async () => {
      const { scores } = await importance(graph, analysis, 'l1');
      const costModel = CostModel.build(graph, analysis);
      for (const roundTo of [1, 8])
        for (const fraction of [0.3, 0.5, 0.7]) {
          const r = allocate(graph, analysis, scores, { kind: 'macs', fraction }, { roundTo, costModel });
          const t = r.target!;
          if (!t.met)
            expect(t.note, `${roundTo} ${fraction}`).toMatch(/closest plan found|constraints allow/);
          if (roundTo === 1 && name !== 'lenet5') expect(t.met, `F=${fraction}: ${t.note}`).toBe(true);
          expect(Math.abs(t.achieved - fraction)).toBeLessThan(0.05);
          for (const [id, k] of r.kept) {
            const size = analysis.groups.find((g) => g.id === id)!.size;
            if (roundTo === 8 && size >= 8) expect(k.length % 8, id).toBe(0);
          }
          if (fraction === 0.5 && roundTo === 8) {
            const real = computeCosts(applyPlan(graph, r.plan, { analysis }));
            expect(r.predicted).toEqual({ macs: real.macs, params: real.params });
          }
        }
    });
  });
}
