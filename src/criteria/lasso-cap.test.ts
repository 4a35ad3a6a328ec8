import { describe, expect, it } from 'vitest';
import { randomBatches } from '#test/criteria-fixtures.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { PareError } from '../util/errors.js';
import { orderScores } from './cap.js';
import { importance, importanceWithCalibration, layerRequests } from './importance.js';

/** Filter `f` of initializer `name` ([O, ...]) := `data` (a function of the current filters). */
function setFilter(m: Model, name: string, f: number, data: (filters: Float32Array[]) => Float32Array) {
  const v = m.graph.value(name)!;
  const t = v.const!;
  const w = Float32Array.from(t.toFloat32());
  const per = w.length / t.dims[0]!;
  const filters = Array.from({ length: t.dims[0]! }, (_, i) => w.slice(i * per, (i + 1) * per));
  w.set(data(filters), f * per);
  m.graph.setConst(v, Tensor.from('float32', t.dims, w));
}

/** x → c1 (3×3, 6 filters) → ReLU → c2 (3×3, 4) [→ Flatten → fc]; filter 2 of c1 is zero, 5 copies 1. */
function convRelu(head: 'conv' | 'gemm'): Model {
  const b = new GraphBuilder({ name: 'crc', seed: 7 });
  const x = b.input('x', ['N', 3, 6, 6]);
  const h = b.relu(b.conv(x, { out: 6, kernel: 3, pad: 1, name: 'c1' }), 'r1');
  if (head === 'conv') b.output(b.conv(h, { out: 4, kernel: 3, pad: 1, name: 'c2' }));
  else b.output(b.gemm(b.flatten(h, 'flat'), 3, { name: 'fc' }));
  const m = createModel(b.build());
  setFilter(m, 'c1.weight', 2, (f) => new Float32Array(f[2]!.length));
  setFilter(m, 'c1.weight', 5, (f) => f[1]!);
  return m;
}

const batches = () => randomBatches('x', [3, 6, 6], 8, 2, 3);
const order = (s: Float32Array) => [...s.keys()].sort((a, b) => s[b]! - s[a]! || a - b);

describe.each(['conv', 'gemm'] as const)('lasso and cap end to end (%s consumer)', (head) => {
  const model = convRelu(head);
  const analysis = analyzeChannels(model.graph);

  it('asks for the consumer statistics and ranks the dead channel last', async () => {
    expect(layerRequests(model.graph, analysis, 'cap')).toEqual([head === 'conv' ? 'c2' : 'fc']);
    for (const name of ['lasso', 'cap']) {
      const imp = await importanceWithCalibration(model, analysis, name, { batches: batches(), threads: 1 });
      const s = imp.scores.get('c1')!;
      expect(s.length).toBe(6);
      expect(order(s).at(-1)).toBe(2);
      expect(s[2]).toBe(0);
    }
  });

  it('cap puts the copy of channel 1 after every independent channel', async () => {
    const imp = await importanceWithCalibration(model, analysis, 'cap', { batches: batches(), threads: 1 });
    const o = order(imp.scores.get('c1')!);
    expect(o.slice(4).sort()).toEqual([2, o.indexOf(1) < o.indexOf(5) ? 5 : 1].sort());
    expect(imp.select).toBeUndefined();
  });

  it('lasso re-picks a group for a given count, never the dead channel', async () => {
    // One-shot stream: the criterion reads it once.
    async function* stream() {
      yield* batches();
    }
    const imp = await importanceWithCalibration(model, analysis, 'lasso', { batches: stream(), threads: 1 });
    for (const keep of [1, 3, 5]) {
      const kept = imp.select!('c1', keep)!;
      expect(kept.length).toBe(keep);
      expect([...kept]).toEqual([...kept].sort());
      expect(kept).not.toContain(2);
    }
    expect(imp.select!('nope', 2)).toBeUndefined();
  });
});

describe('lasso and cap without data', () => {
  const model = convRelu('conv');
  const analysis = analyzeChannels(model.graph);

  it('need calibration data: a PARE_DATA error, or a skipped group when scored directly', async () => {
    const e = await importanceWithCalibration(model, analysis, 'lasso').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PareError);
    expect((e as PareError).code).toBe('PARE_DATA');
    const imp = await importance(model.graph, analysis, 'cap');
    expect(imp.skipped.get('c1')).toContain('give calibration data');
  });

  it('rejects unknown options and skips consumers above maxFeatures', async () => {
    await expect(importance(model.graph, analysis, 'lasso', { options: { lamda: 1 } })).rejects.toThrow(
      /option/,
    );
    expect(layerRequests(model.graph, analysis, 'lasso', { options: { maxFeatures: 10 } })).toEqual([]);
  });
});

describe('orderScores', () => {
  it('is strictly decreasing along the order in float32, lifting later gains', () => {
    const s = orderScores(Int32Array.from([3, 0, 1, 2]), (u) => [0.5, 0.6, 0, 0.9][u]!);
    expect(s[3]).toBeCloseTo(0.9, 6);
    expect(s[0]).toBeGreaterThan(s[1]!);
    expect(s[1]).toBeGreaterThan(s[2]!);
    expect(s[2]).toBe(0);
    expect(s[1]).toBeGreaterThanOrEqual(Math.fround(0.6));
  });
});
