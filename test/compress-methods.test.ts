import { describe, expect, it } from 'vitest';
import { compressModel } from '../src/methods/compress.js';
import { compressMethodNames, compressRecipe } from '../src/methods/compress-recipes.js';
import { encodeModel } from '../src/onnx/write.js';
import { Session } from '../src/runtime/session.js';
import { fixtures, tinyData } from './compress-fixtures.js';

// Every shipped method end to end on three model styles: two epochs of two steps each (group-fisher:
// a prune event every step), the cut verified (pruned ≡ masked network in ORT) and loadable.
describe('pare compress methods end to end', () => {
  for (const f of fixtures())
    for (const method of compressMethodNames) {
      it(`${method} on ${f.name}`, async () => {
        const recipe = compressRecipe(method);
        const r = await compressModel(f.model, {
          recipe: {
            ...recipe,
            ...(recipe.every.steps ? { every: { steps: 1 } } : {}),
            // ga: a small search (test/ga.test.ts checks what it finds).
            ...(recipe.ga
              ? {
                  ga: {
                    ...recipe.ga,
                    generations: 8,
                    samples: 32,
                    sensitivitySamples: 32,
                    sensitivityRatios: [0.5],
                    refine: 2,
                  },
                }
              : {}),
            calibrationSamples: 16,
          },
          target: { kind: 'macs', fraction: 0.6 },
          ...tinyData(f),
          epochs: 2,
          engine: 'standard',
        });
        expect(r.verify?.passed).toBe(true);
        // Coarse groups in these small nets: the final cost lands near, not on, the target.
        expect(r.after.macs / r.before.macs).toBeLessThan(0.7);
        expect(r.after.macs / r.before.macs).toBeGreaterThan(0.4);
        expect(r.engine).toBe('standard');
        expect(r.stages.filter((s) => s.kind === 'prune').length).toBeGreaterThan(0);
        expect(r.stages.at(-1)!.kind).toBe('final');
        if (recipe.ga) {
          expect(r.stages[0]!.criterion).toMatch(/^ga \(\d+ groups/);
          expect(r.stages[0]!.ga!.length).toBeGreaterThan(0);
        }
        expect(r.stages.at(-1)!.accuracy).toBeGreaterThanOrEqual(0);
        if (f.name.includes('folded')) {
          expect(r.unfoldedBatchNorm.length).toBeGreaterThan(0);
          expect(r.model.graph.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);
        }
        // Loads and runs in ONNX Runtime from its serialised bytes.
        const s = await Session.create({ ...r.model, path: undefined });
        const input = r.model.graph.feedInputs[0]!.name;
        const out = await s.run({
          [input]: { dims: [1, ...f.shape], data: new Float32Array(f.shape[0] * f.shape[1] * f.shape[2]) },
        });
        await s.release();
        expect(Object.keys(out).length).toBeGreaterThan(0);
        expect(encodeModel(r.model).length).toBeGreaterThan(0);
      }, 60_000);
    }

  it('aligns kept widths to roundTo (what makes the result faster, not only smaller)', async () => {
    const f = fixtures()[0]!;
    const r = await compressModel(f.model, {
      recipe: { ...compressRecipe('l1-oneshot'), calibrationSamples: 16 },
      target: { kind: 'macs', fraction: 0.6 },
      ...tinyData(f),
      epochs: 1,
      engine: 'standard',
      roundTo: 8,
    });
    expect(r.verify?.passed).toBe(true);
    const widths = Object.entries(r.stages.at(-1)!.widths);
    expect(widths.length).toBeGreaterThan(0);
    for (const [id, w] of widths) {
      const size = r.analysis.groups.find((g) => g.id === id)?.size;
      if (w !== size) expect(w % 8, `${id}: ${w}`).toBe(0);
    }
  }, 60_000);
});
