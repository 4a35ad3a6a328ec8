import { describe, expect, it } from 'vitest';
import { dataset, fixtures } from '#test/compress-fixtures.js';
import { BatchLoader } from '../data/batch-loader.js';
import { computeCosts } from '../ops/costs.js';
import { runCapturing } from '../runtime/session.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { buildZooModel } from '../zoo/registry.js';
import { stagesOf, trainMsebs, ucpModel, ucpPlan } from './ucp.js';
import { insertMsebs } from './ucp-mseb.js';

const original = buildZooModel('resnet20', { inputShape: [1, 8, 8], classes: 4, seed: 1 });

describe('UCP', () => {
  it('puts one MSEB on the inner width of every basic block, and it scales the map by its excitation', async () => {
    const { model, sites } = insertMsebs(original, { seed: 2 });
    expect(sites).toHaveLength(9);
    expect(sites.map((s) => s.channels)).toEqual([16, 16, 16, 32, 32, 32, 64, 64, 64]);
    expect(stagesOf(sites)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    // C ≤ 16: a 1-wide bottleneck with biases; above: C/16 wide, no biases (the authors' MSEB).
    expect(sites[0]!.params).toHaveLength(4);
    expect(model.graph.mustValue(sites[0]!.params[0]!).const!.dims).toEqual([1, 16, 1, 1]);
    expect(sites[3]!.params).toHaveLength(2);
    expect(model.graph.mustValue(sites[3]!.params[0]!).const!.dims).toEqual([2, 32, 1, 1]);
    const site = sites[4]!;
    const x = new Float32Array(2 * 64).map((_, i) => Math.sin(i));
    const out = await runCapturing(model, { input: { dims: [2, 1, 8, 8], data: x } }, [
      site.at,
      site.excitation,
      `${site.conv}.mseb.out`,
    ]);
    const a = out[site.at]!.data as Float32Array;
    const s = out[site.excitation]!.data as Float32Array;
    const y = out[`${site.conv}.mseb.out`]!.data as Float32Array;
    expect(out[site.excitation]!.dims).toEqual([2, 32, 1, 1]);
    const hw = a.length / (2 * 32);
    for (let i = 0; i < a.length; i++) {
      const sc = s[Math.floor(i / hw)]!;
      expect(sc).toBeGreaterThan(0);
      expect(y[i]!).toBeCloseTo(a[i]! * sc, 5);
    }
    // The input model is untouched.
    expect(original.graph.nodes.some((n) => n.name.includes('mseb'))).toBe(false);
  });

  it('keeps channels above (1 + λ)·mean, the same count across the blocks of a stage, and the plan cuts the original', () => {
    const { sites } = insertMsebs(original);
    // Block b of a stage: its first b + 2 channels excite strongly, the rest weakly.
    const means = new Map(
      sites.map((s, i) => [
        s.group,
        Float64Array.from({ length: s.channels }, (_, c) => (c < (i % 3) + 2 ? 0.9 : 0.1 + c * 1e-4)),
      ]),
    );
    const { plan, decisions } = ucpPlan(original, sites, means, { lambda: -0.01 });
    // Above-threshold counts per stage are 2, 3, 4 → every block of the stage keeps 3.
    expect(decisions.map((d) => d.above)).toEqual([2, 3, 4, 2, 3, 4, 2, 3, 4]);
    expect(decisions.map((d) => d.kept)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3]);
    // Each block keeps its own best channels: the strong ones first, then the strongest weak one.
    expect(plan.groups[sites[0]!.group]).toEqual([0, 1, sites[0]!.channels - 1]);
    expect(plan.groups[sites[2]!.group]).toEqual([0, 1, 2]);
    const independent = ucpPlan(original, sites, means, { stageUniform: false });
    expect(independent.decisions.map((d) => d.kept)).toEqual([2, 3, 4, 2, 3, 4, 2, 3, 4]);
    const cut = applyPlan(original.graph, plan);
    expect(computeCosts(cut).macs).toBeLessThan(0.7 * computeCosts(original.graph).macs);
  });

  it('trains only the MSEBs: the backbone and its BN statistics come out bit for bit the same', async () => {
    const loader = new BatchLoader(dataset([1, 8, 8], 4, 32), { batchSize: 16, shuffle: true, seed: 0 });
    const { seModel, sites } = await trainMsebs(
      original,
      loader,
      { optimizer: { kind: 'sgd', momentum: 0.9 }, lr: 0.5, epochs: 1, engine: 'standard' },
      { seed: 3 },
    );
    const own = new Set(sites.flatMap((s) => s.params));
    let changed = 0;
    for (const v of seModel.graph.initializers) {
      const before = insertMsebs(original, { seed: 3 }).model.graph.mustValue(v.name).const!;
      const same = Buffer.from(v.const!.toFloat32().buffer).equals(Buffer.from(before.toFloat32().buffer));
      if (own.has(v.name)) changed += same ? 0 : 1;
      else expect(same, v.name).toBe(true);
    }
    expect(changed).toBeGreaterThan(0);
  }, 60_000);

  for (const f of fixtures()) {
    it(`runs end to end on ${f.name}: the cut verifies, retrains from scratch and runs in ONNX Runtime`, async () => {
      const loader = new BatchLoader(dataset(f.shape, f.classes, 32), {
        batchSize: 16,
        shuffle: true,
        seed: 0,
      });
      const train = {
        optimizer: { kind: 'sgd' as const, momentum: 0.9 },
        lr: 0.05,
        epochs: 1,
        engine: 'standard' as const,
      };
      const r = await ucpModel(f.model, loader, {
        seTraining: train,
        retraining: train,
        samples: 32,
        lambda: 0.1,
        verify: true,
        seed: 4,
      });
      expect(r.cut.verification?.passed).toBe(true);
      expect(Object.keys(r.plan.groups).length).toBeGreaterThan(0);
      expect(r.cut.after.macs).toBeLessThan(r.cut.before.macs);
      expect(computeCosts(r.model.graph).macs).toBe(r.cut.after.macs);
      const [c, h, w] = f.shape;
      const out = await runCapturing(
        r.model,
        {
          [r.model.graph.feedInputs[0]!.name]: {
            dims: [2, c, h, w],
            data: new Float32Array(2 * c * h * w).fill(0.5),
          },
        },
        [],
      );
      expect(Object.values(out)[0]!.data.length).toBe(2 * f.classes);
    }, 120_000);
  }
});
