// Every zoo model: random plans removing 10 %, 50 % and 90 % of every prunable group pass the
// masked-model oracle in ONNX Runtime, and the counted MACs/params equal the prediction.
// ImageNet models run at 64×64 (same graph structure, a fraction of the time).

import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { zooModelNames, zooModels } from '../src/zoo/registry.js';
import { prove } from './prune-fixtures.js';

describe('zoo: random plans are proven', () => {
  for (const name of zooModelNames) {
    it(name, async () => {
      const small = zooModels[name].defaults.inputShape[1] > 64 ? { inputShape: [3, 64, 64] } : {};
      const graph = zooModels[name].build(small).graph;
      const analysis = analyzeChannels(graph);
      const blocked = analysis.groups.filter((g) => g.blockers.length > 0).map((g) => g.id);
      expect(blocked).toEqual([analysis.groups[0]!.id, analysis.groups.at(-1)!.id]);
      for (const [i, ratio] of [0.1, 0.5, 0.9].entries()) {
        const proof = await prove(graph, ratio, i + 1, analysis);
        expect(proof.removed).toBeGreaterThan(0);
        expect(proof.verify.passed, `${name} at ${ratio}: ${JSON.stringify(proof.verify)}`).toBe(true);
        expect(proof.actual).toEqual(proof.predicted);
      }
    });
  }
});
