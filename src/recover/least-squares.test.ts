import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { createPlan } from '../analysis/plan.js';
import { valueKeeps } from '../analysis/value-keeps.js';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { type Feeds, runCapturing } from '../runtime/session.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { Rng } from '../util/rng.js';
import { recalibrateFolded } from './bn-recalibrate.js';
import { reconstructedLayers, reconstructLeastSquares } from './least-squares.js';

const shape = [3, 6, 6];

function batches(count: number, n: number, seed: number): Feeds[] {
  const r = new Rng(seed);
  const size = n * shape.reduce((p, d) => p * d, 1);
  return Array.from({ length: count }, () => ({
    x: { dims: [n, ...shape], data: Float32Array.from({ length: size }, () => r.normal()) },
  }));
}

function source(feeds: Feeds[]): () => AsyncIterable<Feeds> {
  return async function* () {
    yield* feeds;
  };
}

function setRows(m: Model, weight: string, rows: (w: Float32Array, per: number) => void): void {
  const v = m.graph.mustValue(weight);
  const t = v.const!;
  const data = Float32Array.from(t.toFloat32());
  rows(data, data.length / t.dims[0]!);
  m.graph.setConst(v, Tensor.from('float32', t.dims, data));
}

async function prune(m: Model, groups: Record<string, number[]>) {
  const analysis = analyzeChannels(m.graph);
  const plan = createPlan(m.graph, groups);
  const kept = new Map(Object.entries(groups).map(([k, v]) => [k, Int32Array.from(v)]));
  const g = applyPlan(m.graph, plan, { analysis, model: 'test' });
  inferShapes(g);
  return { analysis, kept, pruned: { ...m, graph: g } as Model };
}

async function maxRelDiff(a: Model, b: Model, feeds: Feeds[]): Promise<number> {
  let worst = 0;
  let scale = 0;
  for (const f of feeds) {
    const oa = await runCapturing(a, f, [], { threads: 1 });
    const ob = await runCapturing(b, f, [], { threads: 1 });
    const name = a.graph.outputs[0]!.name;
    const da = oa[name]!.data as Float32Array;
    const db = ob[name]!.data as Float32Array;
    for (let i = 0; i < da.length; i++) {
      worst = Math.max(worst, Math.abs(da[i]! - db[i]!));
      scale = Math.max(scale, Math.abs(da[i]!));
    }
  }
  return worst / scale;
}

/** c1 (4 filters) → [Relu] → c2 (3×3, pad 1) → output. */
function chain(relu: boolean): Model {
  const b = new GraphBuilder({ seed: 11 });
  const x = b.input('x', ['N', ...shape]);
  let h: Value = b.conv(x, { out: 4, kernel: 3, pad: 1, bias: true, name: 'c1' });
  if (relu) h = b.relu(h);
  b.output(b.conv(h, { out: 5, kernel: 3, pad: 1, name: 'c2' }));
  const m = createModel(b.build());
  inferShapes(m.graph);
  setRows(m, 'c1.bias', (w) => w.set([0.3, -0.2, 0.5, 0.1]));
  return m;
}

describe('least-squares reconstruction', () => {
  it('refits only the consumers of groups that lost channels', async () => {
    const m = chain(true);
    const { analysis, kept, pruned } = await prune(m, { c1: [0, 1, 3] });
    expect(reconstructedLayers(pruned.graph, analysis, kept)).toEqual(['c2']);
  });

  it('leaves the outputs unchanged when the pruned channels had zero weights', async () => {
    const m = chain(true);
    setRows(m, 'c1.weight', (w, per) => {
      w.fill(0, 1 * per, 2 * per);
      w.fill(0, 3 * per, 4 * per);
    });
    setRows(m, 'c1.bias', (w) => {
      w[1] = 0;
      w[3] = 0;
    });
    const { analysis, kept, pruned } = await prune(m, { c1: [0, 2] });
    const feeds = batches(3, 16, 1);
    expect(await maxRelDiff(m, pruned, feeds)).toBeLessThan(1e-6);
    const r = await reconstructLeastSquares(m, pruned, analysis, kept, source(feeds), { threads: 1 });
    expect(await maxRelDiff(m, r.model, batches(2, 8, 2))).toBeLessThan(1e-4);
  });

  it('undoes exactly the removal of a channel that is a linear combination of kept ones', async () => {
    const m = chain(false);
    // Filter 2 = 0.7·filter 0 − 1.3·filter 1 (bias too): channel 2 is redundant.
    setRows(m, 'c1.weight', (w, per) => {
      for (let i = 0; i < per; i++) w[2 * per + i] = 0.7 * w[i]! - 1.3 * w[per + i]!;
    });
    setRows(m, 'c1.bias', (w) => {
      w[2] = 0.7 * w[0]! - 1.3 * w[1]!;
    });
    const { analysis, kept, pruned } = await prune(m, { c1: [0, 1, 3] });
    const held = batches(2, 8, 5);
    const cut = await maxRelDiff(m, pruned, held);
    expect(cut).toBeGreaterThan(0.05);
    const r = await reconstructLeastSquares(m, pruned, analysis, kept, source(batches(4, 16, 4)), {
      threads: 1,
      ridge: 1e-10,
    });
    expect(r.layers).toHaveLength(1);
    expect(r.layers[0]!.after / r.layers[0]!.variance).toBeLessThan(1e-6);
    expect(await maxRelDiff(m, r.model, held)).toBeLessThan(1e-3);
    // The input model is not modified.
    expect(r.model.graph).not.toBe(pruned.graph);
  });

  it('lowers the output error of a ReLU network and reports calibration cost', async () => {
    const m = chain(true);
    const { analysis, kept, pruned } = await prune(m, { c1: [1, 2] });
    const held = batches(2, 8, 7);
    const before = await maxRelDiff(m, pruned, held);
    const r = await reconstructLeastSquares(m, pruned, analysis, kept, source(batches(4, 16, 8)), {
      threads: 1,
    });
    expect(r.samples).toBe(64);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.layers[0]!.after).toBeLessThan(r.layers[0]!.before);
    expect(await maxRelDiff(m, r.model, held)).toBeLessThan(before);
  });

  it('lets a residual branch exit absorb the error of a pruned shortcut stream', async () => {
    // x → c0 → r (stream, 4 ch) ; branch: r → c1 → relu → c2 → bn → add(r) → out conv c3.
    const b = new GraphBuilder({ seed: 21 });
    const x = b.input('x', ['N', ...shape]);
    const r0 = b.relu(b.conv(x, { out: 4, kernel: 3, pad: 1, name: 'c0' }));
    const h = b.relu(b.conv(r0, { out: 6, kernel: 3, pad: 1, name: 'c1' }));
    const s = b.add(b.batchNorm(b.conv(h, { out: 4, kernel: 3, pad: 1, name: 'c2' }), { name: 'bn2' }), r0);
    b.output(b.conv(b.relu(s), { out: 3, kernel: 1, name: 'c3' }));
    const m = createModel(b.build());
    inferShapes(m.graph);
    const analysis = analyzeChannels(m.graph);
    const inner = analysis.groups.find((g) => g.members.some((mm) => mm.node === 'c1' && mm.kind === 'out'))!;
    const { kept, pruned } = await prune(m, { [inner.id]: [0, 2, 4] });
    const feeds = batches(4, 16, 9);
    const held = batches(2, 8, 10);
    const plain = await reconstructLeastSquares(m, pruned, analysis, kept, source(feeds), {
      threads: 1,
      residual: false,
    });
    const withShortcut = await reconstructLeastSquares(m, pruned, analysis, kept, source(feeds), {
      threads: 1,
    });
    expect(withShortcut.layers.find((l) => l.node === 'c2')!.residual).toBe(true);
    expect(await maxRelDiff(m, withShortcut.model, held)).toBeLessThan(await maxRelDiff(m, pruned, held));
    expect(plain.layers.find((l) => l.node === 'c2')!.residual).toBe(false);
    // Keeping the original's values across layers changes nothing but the time.
    const uncached = await reconstructLeastSquares(m, pruned, analysis, kept, source(feeds), {
      threads: 1,
      cacheBytes: 0,
    });
    const w = (model: Model) => model.graph.mustValue('c2.weight').const!.toFloat32();
    expect([...w(uncached.model)]).toEqual([...w(withShortcut.model)]);
    expect(uncached.layers.map((l) => l.after)).toEqual(withShortcut.layers.map((l) => l.after));
  });
});

describe('folded BatchNorm recalibration', () => {
  it("matches each corrected conv's output mean and std to the original's", async () => {
    const m = chain(true);
    const { analysis, kept, pruned } = await prune(m, { c1: [0, 3] });
    const feeds = batches(4, 16, 12);
    const r = await recalibrateFolded(m, pruned, ['c2'], valueKeeps(analysis, kept), source(feeds), {
      threads: 1,
    });
    expect(r.layers).toEqual(['c2']);
    expect(r.samples).toBe(64);
    const moments = async (model: Model) => {
      const sums = new Float64Array(5);
      const sq = new Float64Array(5);
      let count = 0;
      for (const f of feeds) {
        const o = await runCapturing(model, f, [], { threads: 1 });
        const t = o[model.graph.outputs[0]!.name]!;
        const d = t.data as Float32Array;
        const inner = d.length / (t.dims[0]! * 5);
        for (let i = 0; i < d.length; i++) {
          const c = Math.floor(i / inner) % 5;
          sums[c]! += d[i]!;
          sq[c]! += d[i]! ** 2;
        }
        count += d.length / 5;
      }
      return [...sums].map((s, c) => [s / count, Math.sqrt(sq[c]! / count - (s / count) ** 2)]);
    };
    const want = await moments(m);
    const before = await moments(pruned);
    const got = await moments(r.model);
    let errBefore = 0;
    for (let c = 0; c < 5; c++) {
      expect(got[c]![0]).toBeCloseTo(want[c]![0]!, 3);
      expect(got[c]![1]).toBeCloseTo(want[c]![1]!, 3);
      errBefore += Math.abs(before[c]![1]! - want[c]![1]!);
    }
    expect(errBefore).toBeGreaterThan(0.01);
  });
});
