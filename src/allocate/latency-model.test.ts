import { describe, expect, it } from 'vitest';
import { tempDir } from '#test/helpers/tmp.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { CostModel } from '../analysis/cost-model.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { buildZooModel } from '../zoo/registry.js';
import { allocate } from './allocate.js';
import { LatencyModel } from './latency-model.js';
import { axisGrid } from './latency-table.js';

describe('latency table grid', () => {
  it('¼, ½, ¾ and all of an axis, rounded up to the round-to multiple; one point when fixed', () => {
    expect(axisGrid(64, true, 16)).toEqual([16, 32, 48, 64]);
    expect(axisGrid(64, true, 1)).toEqual([16, 32, 48, 64]);
    expect(axisGrid(10, true, 16)).toEqual([3, 5, 8, 10]);
    expect(axisGrid(24, true, 16)).toEqual([16, 24]);
    expect(axisGrid(64, false, 16)).toEqual([64]);
  });
});

describe('LatencyModel (ResNet-20, 32×32, batch 1, 1 thread)', () => {
  const model = buildZooModel('resnet20', { inputShape: [3, 32, 32], classes: 10, seed: 1 });
  inferShapes(model.graph, { batch: 1 });
  const analysis = analyzeChannels(model.graph);
  const costModel = CostModel.build(model.graph, analysis);
  const cache = tempDir();
  const scores = new Map(
    analysis.groups.map((g) => [g.id, Float32Array.from({ length: g.size }, (_, i) => (i * 7919) % g.size)]),
  );

  it('times every conv and the FC, predicts less time for a narrower plan, and caches the table', async () => {
    const lm = await LatencyModel.build(costModel, { batch: 1, threads: 1, roundTo: 8, cacheDir: cache });
    expect(lm.table.source).toBe('measured');
    // 19 convolutions (+ 2 projection shortcuts) and the classifier.
    expect(lm.layers.total).toBe(
      costModel.nodeDims(costModel.sizes).filter((d) => /Conv|Gemm|MatMul/.test(d.node.opType)).length,
    );
    expect(lm.layers.distinct).toBeLessThan(lm.layers.total);
    expect(lm.predictCounts(costModel.sizes)).toBe(lm.baseMs);
    // The stem reads the image: its input channels are never cut, so only its output axis is timed.
    const stem = [...lm.table.times.keys()].filter((k) => k.includes('x=1,3,32,32'));
    expect(stem.length).toBe(1);
    expect(stem[0]).toMatch(/grid=3;8,16$/);
    expect(lm.table.times.get(stem[0]!)!.length).toBe(2);
    const quarter = Int32Array.from(costModel.sizes, (n) => Math.max(1, Math.round(n / 4)));
    expect(lm.predictCounts(quarter)).toBeLessThan(lm.baseMs);
    const again = await LatencyModel.build(costModel, { batch: 1, threads: 1, roundTo: 8, cacheDir: cache });
    expect(again.table.source).toBe('cache');
    expect(again.baseMs).toBe(lm.baseMs);
    // Another batch is another table.
    const b2 = await LatencyModel.build(costModel, { batch: 2, threads: 1, roundTo: 8, cacheDir: cache });
    expect(b2.table.source).toBe('measured');
    expect(b2.table.file).not.toBe(lm.table.file);

    // The target search meets a predicted-latency fraction like a MACs one, on the same counts.
    const r = allocate(
      model.graph,
      analysis,
      scores,
      { kind: 'latency', fraction: 0.6, model: lm },
      { roundTo: 8, costModel },
    );
    const t = r.target!;
    expect(t.metric).toBe('latency');
    const counts = Int32Array.from(analysis.groups, (g) => r.kept.get(g.id)?.length ?? g.size);
    expect(t.achieved).toBeCloseTo(lm.predictCounts(counts) / lm.baseMs, 12);
    if (t.met) expect(Math.abs(t.achieved - 0.6)).toBeLessThanOrEqual(0.006);
    else expect(t.note).toMatch(/closest plan found|constraints allow/);
    for (const k of r.kept.values()) expect(k.length % 8).toBe(0);
  }, 120_000);
});
