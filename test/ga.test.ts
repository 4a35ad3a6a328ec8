import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { cloneModel, type Model } from '../src/ir/model.js';
import { Tensor } from '../src/ir/tensor.js';
import { ChannelMap } from '../src/methods/channel-masks.js';
import { compressModel } from '../src/methods/compress.js';
import { compressRecipe } from '../src/methods/compress-recipes.js';
import { bernoulli, keptIndices } from '../src/methods/ga.js';
import { type GaSettings, gaSelect } from '../src/methods/ga-select.js';
import { pruneModel } from '../src/methods/prune.js';
import { Session } from '../src/runtime/session.js';
import { evaluateModel } from '../src/train/evaluate.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { dataset } from './compress-fixtures.js';

const settings = (over: Partial<GaSettings> = {}): GaSettings => ({
  ...compressRecipe('ga').ga!,
  population: 30,
  generations: 30,
  refine: 0,
  samples: 32,
  order: 'network',
  ...over,
});

/** ResNet-20 (1×8×8) whose group `layer1.0.conv1` has its even channels dead: BN shift −1000 before the ReLU. */
function planted(): { model: Model; group: string; live: number[] } {
  const model = buildZooModel('resnet20', { inputShape: [1, 8, 8], classes: 4, seed: 1 });
  const bn = model.graph.nodes.find((n) => n.name === 'layer1.0.bn1')!;
  const beta = bn.input(2)!;
  const data = beta.const!.toFloat32().slice();
  for (let c = 0; c < data.length; c += 2) data[c] = -1000;
  model.graph.setConst(beta, Tensor.from('float32', beta.const!.dims, data));
  return { model, group: 'layer1.0.conv1', live: Array.from({ length: 8 }, (_, i) => 2 * i + 1) };
}

describe('GA channel selection', () => {
  const calibration = new BatchLoader(dataset([1, 8, 8], 4, 32), { batchSize: 16, shuffle: false });

  it('finds the planted answer (the dead channels dropped) and beats random selections', async () => {
    const { model, group, live } = planted();
    const analysis = analyzeChannels(model.graph);
    const map = new ChannelMap(model.graph, analysis);
    // The allocation's choice (the seed) is the first 8 channels: half of them dead, half live.
    const widths = new Map([[group, Int32Array.from({ length: 8 }, (_, i) => i)]]);
    const run = (over: Partial<GaSettings>, seed: number) =>
      gaSelect({
        model,
        original: model,
        analysis,
        map,
        groups: [group],
        widths,
        kept: new Map(),
        calibration,
        settings: settings(over),
        seed,
      });
    // From a Bernoulli population alone (no seed chromosome): the GA finds the only zero-loss choice.
    const r = await run({ seedCriterion: false }, 1);
    expect([...r.kept.get(group)!]).toEqual(live);
    const layer = r.layers[0]!;
    expect(layer.chosenLoss!).toBeLessThan(1e-6 * layer.criterionLoss!);
    expect(layer.criterionLoss!).toBeGreaterThan(0);
    // Seeded and deterministic.
    const again = await run({ seedCriterion: false }, 1);
    expect(again.layers).toEqual(r.layers);
    // The loss it minimises is what the network loses: masked with random selections it is worse.
    const rng = new Rng(4);
    const orig = await consumerOutput(model, map, new Map());
    const chosen = await consumerOutput(model, map, r.kept);
    let randomWorse = 0;
    for (let t = 0; t < 5; t++) {
      const random = new Map([[group, keptIndices(bernoulli(16, 8, rng))]]);
      const err = sq(orig, await consumerOutput(model, map, random));
      if (err > sq(orig, chosen) + 1e-6) randomWorse++;
    }
    expect(sq(orig, chosen)).toBeLessThan(1e-6);
    expect(randomWorse).toBe(5);
  });

  it('step 2 re-ranks the best chromosomes by the network loss (worker pool)', async () => {
    const { model, group } = planted();
    const analysis = analyzeChannels(model.graph);
    const map = new ChannelMap(model.graph, analysis);
    const r = await gaSelect({
      model,
      original: model,
      analysis,
      map,
      groups: [group],
      widths: new Map([[group, Int32Array.from({ length: 8 }, (_, i) => i)]]),
      kept: new Map(),
      calibration,
      settings: settings({ refine: 3, refineSamples: 32 }),
      seed: 2,
      threads: 1,
    });
    const layer = r.layers[0]!;
    expect(layer.refined!.length).toBe(3);
    // The kept channels are the candidate with the lowest cross-entropy, measured here independently.
    const chosen = await evaluateModel(map.zeroModel(model, r.kept), calibration, { limit: 32 });
    expect(chosen.loss).toBeCloseTo(Math.min(...layer.refined!), 5);
    expect(layer.chosenLoss!).toBeGreaterThanOrEqual(layer.bestLoss!);
  }, 30_000);

  it("pruneModel with ga: the allocation's widths, the GA's channels, a verified cut", async () => {
    const { model, group, live } = planted();
    const common = {
      criterion: 'l1',
      target: { kind: 'uniform', ratio: 0.5 } as const,
      keepResidual: true,
      calibration,
      verify: true,
      threads: 1,
    };
    const l1 = await pruneModel(model, common);
    const ga = await pruneModel(model, { ...common, ga: settings({ generations: 20 }) });
    expect(ga.verify?.passed).toBe(true);
    expect(ga.after.macs).toBe(l1.after.macs);
    for (const [id, k] of l1.allocation.kept) expect(ga.allocation.kept.get(id)!.length).toBe(k.length);
    expect([...ga.allocation.kept.get(group)!]).toEqual(live);
    expect(ga.allocation.plan.groups[group]).toEqual(live);
  }, 60_000);

  it('iterative schedule: the groups spread over the prune events, fine-tuning between them', async () => {
    const model = buildZooModel('resnet20', { inputShape: [1, 8, 8], classes: 4, seed: 1 });
    const ds = dataset([1, 8, 8], 4);
    const recipe = compressRecipe('ga');
    const r = await compressModel(model, {
      recipe: {
        ...recipe,
        schedule: 'iterative',
        ga: { ...settings(), generations: 5 },
      },
      target: { kind: 'macs', fraction: 0.6 },
      train: new BatchLoader(ds, { batchSize: 16, seed: 1 }),
      calibration: new BatchLoader(ds, { batchSize: 16, shuffle: false }),
      epochs: 2,
      engine: 'standard',
      threads: 1,
    });
    expect(r.verify?.passed).toBe(true);
    const events = r.stages.filter((s) => s.kind === 'prune');
    expect(events.length).toBe(2);
    const first = events[0]!.ga!.map((l) => l.group);
    const second = events[1]!.ga!.map((l) => l.group);
    // ResNet-20's 9 inner groups: 5 at the first event (⌈9/2⌉), the other 4 at the second.
    expect(first.length).toBe(5);
    expect(second.length).toBe(4);
    expect(new Set([...first, ...second]).size).toBe(9);
    // The first event's choices are held through the second.
    for (const l of events[0]!.ga!) expect(events[1]!.widths[l.group]).toBe(l.keep);
    expect(r.after.macs / r.before.macs).toBeLessThan(0.7);
  }, 60_000);
});

/** Output of layer1.0.conv2 (the group's consumer) on fixed inputs, with the group's other channels zeroed. */
async function consumerOutput(
  model: Model,
  map: ChannelMap,
  kept: Map<string, Int32Array>,
): Promise<Float32Array> {
  const m = cloneModel(map.zeroModel(model, kept));
  const out = m.graph.node('layer1.0.conv2')!.outputs[0]!;
  m.graph.addOutput(out);
  const s = await Session.create(m);
  const x = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i * 0.37) + 0.5);
  const r = await s.run({ input: { dims: [4, 1, 8, 8], data: x } }, [out.name]);
  await s.release();
  return r[out.name]!.data as Float32Array;
}

function sq(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}
