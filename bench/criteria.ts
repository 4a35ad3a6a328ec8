// Time of every importance criterion on ResNet-50 (zoo weights), and of the allocation searches.
// Data-free criteria: the whole model; data criteria: 64 random calibration images at 3×64×64 in
// batches of 16 (collection timed separately). Prints one JSON object.
// Run: npx tsx bench/criteria.ts [model] [repeats]

import { allocate } from '../src/allocate/allocate.js';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { CostModel } from '../src/analysis/cost-model.js';
import { activationRequests, importance } from '../src/criteria/importance.js';
import { criteria, criterionNames } from '../src/criteria/registry.js';
import { collectActivationStats } from '../src/measure/activation-stats.js';
import { buildZooModel } from '../src/zoo/registry.js';

const name = process.argv[2] ?? 'resnet50';
const repeats = Number(process.argv[3] ?? 3);
const model = buildZooModel(name, { inputShape: [3, 64, 64] });
const graph = model.graph;

let t = performance.now();
const analysis = analyzeChannels(graph);
const analysisMs = performance.now() - t;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Calibration: 4 batches × 16 random images, every activation any data criterion asks for.
const requests = criterionNames.flatMap((c) => activationRequests(graph, analysis, c));
let seed = 1;
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const batches = Array.from({ length: 4 }, () => ({
  input: { dims: [16, 3, 64, 64], data: Float32Array.from({ length: 16 * 3 * 64 * 64 }, random) },
}));
t = performance.now();
const stats = await collectActivationStats(model, requests, batches);
const collectMs = performance.now() - t;

const perCriterion: Record<string, { needs: string; coldMs: number; medianMs: number; groups: number }> = {};
for (const c of criterionNames) {
  const times: number[] = [];
  let groups = 0;
  for (let r = 0; r <= repeats; r++) {
    const start = performance.now();
    const imp = await importance(graph, analysis, c, { stats });
    times.push(performance.now() - start);
    groups = imp.scores.size;
  }
  perCriterion[c] = {
    needs: criteria[c].needs,
    coldMs: Math.round(times[0]!),
    medianMs: Math.round(median(times.slice(1))),
    groups,
  };
}

// Allocation: exact cost model, then MACs targets by the global and the uniform search.
t = performance.now();
const costModel = CostModel.build(graph, analysis);
const costModelMs = performance.now() - t;
const { scores } = await importance(graph, analysis, 'l1');
const targets: Record<string, { ms: number; achieved: number; met: boolean }> = {};
for (const search of ['global', 'uniform'] as const)
  for (const roundTo of [1, 8])
    for (const fraction of [0.3, 0.5, 0.7]) {
      const times: number[] = [];
      let r: ReturnType<typeof allocate> | undefined;
      for (let k = 0; k < repeats; k++) {
        const start = performance.now();
        r = allocate(graph, analysis, scores, { kind: 'macs', fraction, search }, { roundTo, costModel });
        times.push(performance.now() - start);
      }
      targets[`${search} roundTo=${roundTo} macs=${fraction}`] = {
        ms: Math.round(median(times)),
        achieved: Number(r!.target!.achieved.toFixed(4)),
        met: r!.target!.met,
      };
    }
const predictRuns = 200;
t = performance.now();
for (let i = 0; i < predictRuns; i++) costModel.predictCounts(costModel.sizes);
const predictUs = ((performance.now() - t) / predictRuns) * 1000;

console.log(
  JSON.stringify(
    {
      model: name,
      inputShape: [3, 64, 64],
      groups: analysis.groups.length,
      prunable: analysis.groups.filter((g) => g.blockers.length === 0).length,
      analysisMs: Math.round(analysisMs),
      calibration: { images: 64, batch: 16, values: requests.length, collectMs: Math.round(collectMs) },
      criteria: perCriterion,
      allocation: { costModelMs: Math.round(costModelMs), predictUs: Math.round(predictUs), targets },
    },
    null,
    1,
  ),
);
