// Pruning core on ResNet-50 (224×224): channel analysis, applyPlan for a 50 % random plan, and the
// ORT verification (masked vs pruned, separate). The first (cold) run includes JIT warm-up; the
// warm figures are medians of the repeats. Prints one JSON object.
// Run: npx tsx bench/prune-core.ts [model] [repeats]

import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { randomPlan } from '../src/analysis/random-plan.js';
import { computeCosts } from '../src/ops/costs.js';
import { applyPlan } from '../src/surgery/apply-plan.js';
import { verifyPlan } from '../src/surgery/verify.js';
import { buildZooModel } from '../src/zoo/registry.js';

const name = process.argv[2] ?? 'resnet50';
const repeats = Number(process.argv[3] ?? 5);
const model = buildZooModel(name);
const graph = model.graph;

const time = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => Math.round(x * 10) / 10;

const costs = computeCosts(graph);
const analyses: number[] = [];
const surgeries: number[] = [];
let analysis = analyzeChannels(graph, { costs });
let plan = randomPlan(graph, analysis, { ratio: 0.5, seed: 0 });
let pruned = graph;
for (let i = 0; i <= repeats; i++) {
  let t: number;
  [analysis, t] = time(() => analyzeChannels(graph, { costs }));
  analyses.push(t);
  plan = randomPlan(graph, analysis, { ratio: 0.5, seed: i });
  [pruned, t] = time(() => applyPlan(graph, plan, { analysis }));
  surgeries.push(t);
}
const [, costsMs] = time(() => computeCosts(graph));
const t0 = performance.now();
const verification = await verifyPlan(model, plan, { analysis, pruned, samples: 1 });
const verifyMs = performance.now() - t0;
const after = computeCosts(pruned);

console.log(
  JSON.stringify(
    {
      model: name,
      nodes: graph.nodes.length,
      groups: analysis.groups.length,
      prunable: analysis.groups.filter((g) => g.blockers.length === 0).length,
      repeats,
      coldMs: { analysis: ms(analyses[0]!), applyPlan: ms(surgeries[0]!) },
      warmMs: {
        analysis: ms(median(analyses.slice(1))),
        applyPlan: ms(median(surgeries.slice(1))),
        analysisPlusSurgery: ms(median(analyses.slice(1).map((a, i) => a + surgeries[i + 1]!))),
        costModel: ms(costsMs),
      },
      verify: {
        ms: Math.round(verifyMs),
        passed: verification.passed,
        maxAbsDiff: verification.maxAbsDiff,
        maxAbsOutput: verification.maxAbsOutput,
      },
      macs: { before: costs.macs, after: after.macs },
      params: { before: costs.params, after: after.params },
    },
    null,
    2,
  ),
);
