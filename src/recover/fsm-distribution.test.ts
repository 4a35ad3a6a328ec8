import { describe, expect, it } from 'vitest';
import { dropNode, setWeight } from '#test/criteria-fixtures.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { createPlan } from '../analysis/plan.js';
import { ArrayDataset } from '../data/array-dataset.js';
import { BatchLoader } from '../data/batch-loader.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Graph } from '../ir/graph.js';
import { createModel, type Model } from '../ir/model.js';
import { runCapturing } from '../runtime/session.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { Rng } from '../util/rng.js';
import { recalibrateBatchNorm } from './bn-recalibrate.js';
import { compensateFeatureShift, type FsmDistributionOptions } from './fsm-distribution.js';

const threads = 1;

/** x[N,cin,4,4] → c1 (1×1) → bn1 → relu → c2 (k×k) → bn2 → relu → GAP → flatten → fc. */
function net(o: { cin: number; mid: number; out: number; kernel: number; classes: number; seed?: number }) {
  const b = new GraphBuilder({ name: 'fsmdo', seed: o.seed ?? 3 });
  const x = b.input('x', ['N', o.cin, 4, 4]);
  let h = b.relu(b.batchNorm(b.conv(x, { out: o.mid, kernel: 1, name: 'c1' }), { name: 'bn1' }), 'r1');
  const pad = (o.kernel - 1) / 2;
  h = b.batchNorm(b.conv(h, { out: o.out, kernel: o.kernel, pad, name: 'c2' }), { name: 'bn2' });
  b.output(b.gemm(b.flatten(b.globalAvgPool(b.relu(h, 'r2'), 'gap'), 'flat'), o.classes, { name: 'fc' }));
  return b.build();
}

function prune(graph: Graph, groups: Record<string, number[]>) {
  const analysis = analyzeChannels(graph);
  const plan = createPlan(graph, groups);
  const pruned = createModel(applyPlan(graph, plan, { analysis }));
  return { original: createModel(graph), pruned, analysis, plan };
}

function run(graph: Graph, groups: Record<string, number[]>, options: FsmDistributionOptions = {}) {
  const p = prune(graph, groups);
  return compensateFeatureShift(p.original, p.pruned, p.analysis, p.plan, { threads, ...options });
}

const stat = (m: Model, name: string) => Array.from(m.graph.mustValue(name).const!.toFloat32());

/** The hand-computable case: e = β = [1, 2, 3] (γ ≈ 0), kernel sums s = [[1, 1, 1], [2, −1, 1]]. */
function handNet(mean: number[], variance = [2, 4]): Graph {
  const g = net({ cin: 2, mid: 3, out: 2, kernel: 3, classes: 2 });
  setWeight(g, 'bn1.bias', [1, 2, 3]);
  setWeight(g, 'bn1.weight', [1e-7, 1e-7, 1e-7]);
  const s = [
    [1, 1, 1],
    [2, -1, 1],
  ];
  setWeight(
    g,
    'c2.weight',
    s.flatMap((row) => row.flatMap((v) => Array(9).fill(v / 9))),
  );
  setWeight(g, 'bn2.running_mean', mean);
  setWeight(g, 'bn2.running_var', variance);
  return g;
}

function dataset(
  n: number,
  shape: [number, number, number],
  classes: number,
  seed: number,
  labels?: Int32Array,
) {
  const rng = new Rng(seed);
  const pixels = Float32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => rng.normal());
  return new ArrayDataset({
    name: 'noise',
    sampleShape: shape,
    pixels,
    labels: labels ?? new Int32Array(n),
    numClasses: classes,
  });
}

const loader = (ds: ArrayDataset, batchSize = 16) => new BatchLoader(ds, { batchSize, shuffle: false });

async function outputs(m: Model, ds: ArrayDataset, name: string) {
  const x = { dims: [ds.size, ...ds.sampleShape], data: ds.pixels as Float32Array };
  return (await runCapturing(m, { x }, [name], { threads }))[name]!;
}

function argmax(t: { dims: readonly number[]; data: unknown }): Int32Array {
  const [n, c] = t.dims as [number, number];
  const d = t.data as Float32Array;
  return Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let k = 1; k < c; k++) if (d[i * c + k]! > d[i * c + best]!) best = k;
    return best;
  });
}

function channelMeans(t: { dims: readonly number[]; data: unknown }): number[] {
  const [n, c] = t.dims as [number, number];
  const d = t.data as Float32Array;
  const inner = d.length / (n * c);
  return Array.from({ length: c }, (_, ch) => {
    let s = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < inner; i++) s += d[(b * c + ch) * inner + i]!;
    return s / (n * inner);
  });
}

describe('compensateFeatureShift (BN statistics)', () => {
  it('sets μ ← μ·E_kept/E_full and σ² ← σ²·(1 − r) on hand-computed numbers', async () => {
    // E_full = [6, 3]; removing channel 1 leaves E_kept = [4, 5]; r = 1/3.
    const r = await run(handNet([3, 1.5]), { c1: [0, 2] });
    expect(stat(r.model, 'bn2.running_mean')).toEqual([expect.closeTo(2, 5), expect.closeTo(2.5, 5)]);
    expect(stat(r.model, 'bn2.running_var')).toEqual([expect.closeTo(4 / 3, 5), expect.closeTo(8 / 3, 5)]);
    expect(r).toMatchObject({ layers: 1, accepted: 1, rolledBack: 0 });
    expect(r.details[0]).toMatchObject({ node: 'c2', target: 'bn2', kind: 'bn-statistics', channels: 2 });
    expect(r.details[0]!.removed).toBeCloseTo(1 / 3, 6);
  });

  it("maps onto the pruned BN's channels when the consumer's own outputs were cut too", async () => {
    const r = await run(handNet([3, 1.5]), { c1: [0, 2], c2: [1] });
    expect(stat(r.model, 'bn2.running_mean')).toEqual([expect.closeTo(2.5, 5)]);
    expect(stat(r.model, 'bn2.running_var')).toEqual([expect.closeTo(8 / 3, 5)]);
  });

  it('Gemm after Flatten: a channel owns H·W columns, and the Gemm bias enters both sums', async () => {
    const b = new GraphBuilder({ name: 'gemm', seed: 1 });
    const x = b.input('x', ['N', 1, 2, 2]);
    const h = b.relu(b.batchNorm(b.conv(x, { out: 2, kernel: 1, name: 'c1' }), { name: 'bn1' }));
    b.output(b.batchNorm(b.gemm(b.flatten(h, 'flat'), 2, { name: 'fc' }), { name: 'bnf' }));
    const g = b.build();
    setWeight(g, 'bn1.bias', [1, 2]);
    setWeight(g, 'bn1.weight', [1e-7, 1e-7]);
    // Column sums per channel: s = [[1, 1], [3, −1]]; bias [1, 0] → E_full = [4, 1], E_kept = [2, 3].
    setWeight(g, 'fc.weight', [...Array(8).fill(0.25), ...Array(4).fill(0.75), ...Array(4).fill(-0.25)]);
    setWeight(g, 'fc.bias', [1, 0]);
    setWeight(g, 'bnf.running_mean', [2, 0.5]);
    const r = await run(g, { c1: [0] });
    expect(stat(r.model, 'bnf.running_mean')).toEqual([expect.closeTo(1, 5), expect.closeTo(1.5, 5)]);
    expect(stat(r.model, 'bnf.running_var')).toEqual([0.5, 0.5]);
  });

  it('leaves channels with ρ = E_full/μ ≤ gate untouched', async () => {
    // ρ = [6/15, 3/−1.5] = [0.4, −2].
    const g0 = await run(handNet([15, -1.5]), { c1: [0, 2] });
    expect(stat(g0.model, 'bn2.running_mean')).toEqual([expect.closeTo(10, 5), -1.5]);
    expect(stat(g0.model, 'bn2.running_var')).toEqual([expect.closeTo(4 / 3, 5), 4]);
    expect(g0.details[0]!.channels).toBe(1);
    const g5 = await run(handNet([15, -1.5]), { c1: [0, 2] }, { gate: 0.5 });
    expect(stat(g5.model, 'bn2.running_mean')).toEqual([15, -1.5]);
    expect(stat(g5.model, 'bn2.running_var')).toEqual([2, 4]);
    expect(g5.layers).toBe(0);
    expect(g5.skipped).toEqual([{ node: 'c2', reason: expect.stringMatching(/gate/) }]);
  });

  it('moves the next BN output back to the original mean where the Gaussian assumption holds', async () => {
    const g = net({ cin: 4, mid: 8, out: 6, kernel: 1, classes: 3, seed: 11 });
    const rng = new Rng(4);
    setWeight(
      g,
      'bn1.bias',
      Array.from({ length: 8 }, () => rng.uniform(-1, 1)),
    );
    setWeight(
      g,
      'bn1.weight',
      Array.from({ length: 8 }, () => rng.uniform(0.5, 1.5)),
    );
    const ds = dataset(256, [4, 4, 4], 3, 5);
    // Population statistics of this very data: BN-normalised inputs, bn1 output exactly N(β, γ²).
    const cal = await recalibrateBatchNorm(createModel(g), loader(ds, 256), { threads });
    const p = prune(cal.model.graph, { c1: [0, 2, 4, 6] });
    const r = await compensateFeatureShift(p.original, p.pruned, p.analysis, p.plan, { threads });
    expect(r.details[0]).toMatchObject({ node: 'c2', channels: 6, accepted: true });
    const want = channelMeans(await outputs(p.original, ds, 'bn2'));
    const err = async (m: Model) => {
      const got = channelMeans(await outputs(m, ds, 'bn2'));
      return got.reduce((s, v, j) => s + Math.abs(v - want[j]!), 0) / got.length;
    };
    const before = await err(p.pruned);
    const after = await err(r.model);
    expect(before).toBeGreaterThan(0.1);
    expect(after).toBeLessThan(0.1 * before);
  });

  it('rolls a layer back to exactly the previous statistics when held-out top-1 drops, keeps it otherwise', async () => {
    const g = net({ cin: 3, mid: 6, out: 6, kernel: 3, classes: 2, seed: 7 });
    const rng = new Rng(8);
    setWeight(
      g,
      'bn1.bias',
      Array.from({ length: 6 }, () => rng.uniform(-1, 1)),
    );
    const cal = await recalibrateBatchNorm(createModel(g), loader(dataset(128, [3, 4, 4], 2, 6), 128), {
      threads,
    });
    const p = prune(cal.model.graph, { c1: [1, 3, 5] });
    // Centre the classifier's decision on the held-out samples, so a shift of the features flips some.
    const probe = dataset(96, [3, 4, 4], 2, 9);
    const logits = (await outputs(p.pruned, probe, 'fc')).data as Float32Array;
    const margins = Array.from({ length: 96 }, (_, i) => logits[2 * i]! - logits[2 * i + 1]!).sort(
      (a, b) => a - b,
    );
    const bias = Array.from(p.pruned.graph.mustValue('fc.bias').const!.toFloat32());
    for (const m of [p.original, p.pruned])
      setWeight(m.graph, 'fc.bias', [bias[0]! - margins[48]!, bias[1]!]);
    const plain = await compensateFeatureShift(p.original, p.pruned, p.analysis, p.plan, { threads });
    const predPruned = argmax(await outputs(p.pruned, probe, 'fc'));
    const predComp = argmax(await outputs(plain.model, probe, 'fc'));
    expect(predComp.some((c, i) => c !== predPruned[i])).toBe(true);

    // Labels = the uncompensated predictions: any change can only lower top-1.
    const worse = dataset(96, [3, 4, 4], 2, 9, predPruned);
    const back = await compensateFeatureShift(p.original, p.pruned, p.analysis, p.plan, {
      threads,
      heldOut: loader(worse),
    });
    expect(back).toMatchObject({ layers: 1, accepted: 0, rolledBack: 1, top1: { before: 1, after: 1 } });
    expect(back.details[0]!.top1After).toBeLessThan(1);
    for (const name of ['bn2.running_mean', 'bn2.running_var'])
      expect(stat(back.model, name)).toEqual(stat(p.pruned, name));

    // Labels = the compensated predictions: the change is kept.
    const better = dataset(96, [3, 4, 4], 2, 9, predComp);
    const kept = await compensateFeatureShift(p.original, p.pruned, p.analysis, p.plan, {
      threads,
      heldOut: loader(better),
      mode: 'all-at-once',
    });
    expect(kept).toMatchObject({ accepted: 1, rolledBack: 0, top1: { after: 1 } });
    for (const name of ['bn2.running_mean', 'bn2.running_var'])
      expect(stat(kept.model, name)).toEqual(stat(plain.model, name));
  });

  it('names what is missing: unmodelled inputs without calibration, folded layers without data', async () => {
    const g = handNet([3, 1.5]);
    dropNode(g, 'bn1');
    await expect(run(g, { c1: [0, 2] })).rejects.toMatchObject({
      code: 'PARE_DATA',
      message: expect.stringMatching(/Conv 'c1' output 'c1' has no BatchNormalization/),
    });
    const h = handNet([3, 1.5]);
    dropNode(h, 'bn2');
    h.cleanup();
    await expect(run(h, { c1: [0, 2] }, { folded: true })).rejects.toMatchObject({ code: 'PARE_CONFIG' });
  });
});

describe('compensateFeatureShift (folded BN: measured affine correction)', () => {
  it("matches the consumer output's per-channel mean and std to the original's on calibration data", async () => {
    const g = net({ cin: 3, mid: 6, out: 4, kernel: 3, classes: 2, seed: 13 });
    const rng = new Rng(2);
    setWeight(
      g,
      'bn1.bias',
      Array.from({ length: 6 }, () => rng.uniform(-1, 1)),
    );
    dropNode(g, 'bn2');
    g.cleanup();
    const ds = dataset(64, [3, 4, 4], 2, 3);
    const p = prune(g, { c1: [0, 1, 4] });
    const r = await compensateFeatureShift(p.original, p.pruned, p.analysis, p.plan, {
      threads,
      folded: true,
      calibration: loader(ds),
    });
    expect(r.details[0]).toMatchObject({ node: 'c2', target: 'c2', kind: 'affine', channels: 4 });
    const moments = async (m: Model) => {
      const t = await outputs(m, ds, 'c2');
      const mean = channelMeans(t);
      const sq = channelMeans({ dims: t.dims, data: (t.data as Float32Array).map((v) => v * v) });
      return { mean, sd: sq.map((s, j) => Math.sqrt(s - mean[j]! ** 2)) };
    };
    const want = await moments(p.original);
    const before = await moments(p.pruned);
    const got = await moments(r.model);
    for (let j = 0; j < 4; j++) {
      expect(got.mean[j]).toBeCloseTo(want.mean[j]!, 4);
      expect(got.sd[j]).toBeCloseTo(want.sd[j]!, 4);
    }
    expect(before.mean.some((m, j) => Math.abs(m - want.mean[j]!) > 0.05)).toBe(true);
  });
});
