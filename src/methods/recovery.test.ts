import { describe, expect, it } from 'vitest';
import { allocate } from '../allocate/allocate.js';
import { ArrayDataset } from '../data/array-dataset.js';
import { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { runCapturing } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { buildZooModel } from '../zoo/registry.js';
import { compressRecipe } from './compress-recipes.js';
import { type PruneOptions, pruneModel } from './prune.js';
import { recipeNames, recipes } from './recipes.js';

const shape = [1, 12, 12] as const;

function dataset(n: number, seed: number): ArrayDataset {
  const r = new Rng(seed);
  const pixels = Float32Array.from({ length: n * 144 }, () =>
    Math.max(0, Math.min(1, 0.4 + 0.3 * r.normal())),
  );
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  return new ArrayDataset({ name: 'noise', sampleShape: [...shape], pixels, labels, numClasses: 10 });
}

const model = buildZooModel('resnet20', { inputShape: shape, classes: 10, seed: 4 });
const calibration = new BatchLoader(dataset(96, 1), { batchSize: 32, shuffle: false });
const held = {
  dims: [16, ...shape],
  data: Float32Array.from({ length: 16 * 144 }, (_, i) => ((i * 37) % 101) / 101),
};

async function relativeError(m: Model): Promise<number> {
  const name = model.graph.outputs[0]!.name;
  const a = (await runCapturing(model, { input: held }, [], { threads: 1 }))[name]!.data as Float32Array;
  const b = (await runCapturing(m, { input: held }, [], { threads: 1 }))[name]!.data as Float32Array;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

const base: PruneOptions = {
  criterion: 'l1',
  target: { kind: 'macs', fraction: 0.5 },
  calibration,
  calibrationSamples: 96,
  threads: 1,
};

describe('recovery in the pruning pipeline', () => {
  it('the input name of the zoo model is what the test feeds', () => {
    expect(model.graph.feedInputs[0]!.name).toBe('input');
  });

  it('least squares brings the outputs much closer to the original than no recovery', async () => {
    const none = await pruneModel(model, { ...base, recover: 'none' });
    const ls = await pruneModel(model, { ...base, recover: 'ls' });
    expect(ls.after.macs).toBe(none.after.macs);
    expect(ls.recovery?.samples).toBe(96);
    expect(ls.recovery?.layers?.length).toBeGreaterThan(5);
    for (const l of ls.recovery!.layers!) if (!l.skipped) expect(l.after).toBeLessThanOrEqual(l.before);
    expect(await relativeError(ls.model)).toBeLessThan(0.5 * (await relativeError(none.model)));
  });

  it('lasso re-picks the kept channels after allocation without changing the counts', async () => {
    const r = await pruneModel(model, { ...base, criterion: 'lasso', verify: true });
    expect(r.importance.select).toBeDefined();
    expect(r.verify?.passed).toBe(true);
    // The allocation from the scores alone keeps the same counts (possibly other channels).
    const graph = cloneModel(model).graph;
    inferShapes(graph);
    const byScore = allocate(graph, r.analysis, r.importance.scores, { kind: 'macs', fraction: 0.5 });
    for (const [id, keep] of r.allocation.kept) {
      const s = byScore.kept.get(id)!;
      expect(keep.length).toBe(s.length);
      for (let i = 1; i < keep.length; i++) expect(keep[i]!).toBeGreaterThan(keep[i - 1]!);
    }
    expect(r.allocation.kept.size).toBe(byScore.kept.size);
    expect(r.allocation.kept.size).toBeGreaterThan(0);
  });

  it('needs calibration data for ls and says so', async () => {
    const { calibration: _, ...noData } = base;
    await expect(pruneModel(model, { ...noData, recover: 'ls' })).rejects.toThrow(/needs calibration data/);
  });

  it.each(recipeNames)('recipe %s runs end to end and keeps the residual streams', async (name) => {
    const r = recipes[name]!;
    const out = await pruneModel(model, {
      ...base,
      criterion: r.criterion,
      recover: r.recover,
      ...(r.leastSquares ? { leastSquares: r.leastSquares } : {}),
      keepResidual: r.keepResidual,
      // ga: a small search (test/ga.test.ts checks what it finds).
      ...(r.ga
        ? { ga: { ...compressRecipe('ga').ga!, generations: 5, refine: 0, order: 'network' as const } }
        : {}),
      target: { kind: 'macs', fraction: 0.6, search: r.search },
    });
    expect(out.after.macs / out.before.macs).toBeLessThan(0.65);
    const residual = [...out.allocation.frozen].filter(([, why]) => why === 'residual');
    expect(residual.length).toBeGreaterThan(0);
    for (const [id] of residual) expect(out.allocation.kept.has(id)).toBe(false);
    expect(out.recovery?.method).toBe(r.recover);
  });
});
