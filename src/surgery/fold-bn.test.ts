import { describe, expect, it } from 'vitest';
import { modelFingerprint } from '../analysis/plan.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Graph } from '../ir/graph.js';
import { createModel } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { foldBatchNorm } from './fold-bn.js';
import { unfoldBatchNorm } from './unfold-bn.js';

/** conv → BN → relu → conv(bias) → BN → ConvTranspose(group 2) → BN, with random statistics. */
function net(): Graph {
  const b = new GraphBuilder({ seed: 4 });
  const x = b.input('x', ['N', 3, 6, 6]);
  let h = b.relu(b.batchNorm(b.conv(x, { out: 4, kernel: 3, pad: 1, name: 'c1' }), { name: 'bn1' }));
  h = b.batchNorm(b.conv(h, { out: 4, kernel: 3, pad: 1, bias: true, name: 'c2' }), { name: 'bn2' });
  const w = b.weight('ct.weight', [4, 3, 2, 2], 'kaiming-fan-in');
  const t = b.op(
    'ConvTranspose',
    [h, w],
    { group: 2, strides: [2, 2] },
    { name: 'ct', shape: ['N', 6, 12, 12] },
  );
  b.output(b.batchNorm(t, { name: 'bn3' }));
  const g = b.build();
  const rng = new Rng(11);
  for (const n of g.nodes) {
    if (n.opType !== 'BatchNormalization' && !(n.opType === 'Conv' && n.input(2))) continue;
    for (let i = n.opType === 'Conv' ? 2 : 1; i < n.inputs.length; i++) {
      const v = n.input(i)!;
      const data = Float32Array.from({ length: v.const!.size }, () =>
        i === 4 || i === 1 ? rng.uniform(0.5, 2) : rng.normal(),
      );
      g.setConst(v, Tensor.from('float32', v.const!.dims, data));
    }
  }
  return g;
}

async function outputs(g: Graph): Promise<Float32Array> {
  const s = await Session.create(createModel(g));
  const x = new Rng(5).fillNormal(new Float32Array(2 * 3 * 6 * 6));
  const r = await s.run({ x: { dims: [2, 3, 6, 6], data: x } });
  await s.release();
  return r[g.outputs[0]!.name]!.data as Float32Array;
}

function expectClose(a: Float32Array, b: Float32Array): void {
  const scale = Math.max(...a.map(Math.abs));
  const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
  expect(a.length).toBe(b.length);
  expect(diff).toBeLessThanOrEqual(1e-5 * scale);
}

const count = (g: Graph, op: string) => g.nodes.filter((n) => n.opType === op).length;

describe('BN folding', () => {
  it('folds every BN into its conv, keeps output names, preserves outputs; a clone leaves the original alone', async () => {
    const original = net();
    const fp = modelFingerprint(original);
    const reference = await outputs(original);
    const g = original.clone();
    expect(foldBatchNorm(g)).toBe(true);
    expect(count(g, 'BatchNormalization')).toBe(0);
    expect(g.outputs.map((v) => v.name)).toEqual(['bn3']);
    expect(g.node('c2')!.output(0).name).toBe('bn2');
    expectClose(reference, await outputs(g));
    expect(foldBatchNorm(g)).toBe(false);
    expect(modelFingerprint(original)).toBe(fp);
    expect(count(original, 'BatchNormalization')).toBe(3);
  });

  it('unfolds a BN after every conv as an exact identity, and fold(unfold(g)) computes the same', async () => {
    const g = net();
    const reference = await outputs(g);
    foldBatchNorm(g);
    expect(unfoldBatchNorm(g)).toBe(true);
    expect(count(g, 'BatchNormalization')).toBe(2);
    expect(g.node('c2')!.inputs.length).toBe(2);
    expectClose(reference, await outputs(g));
    expect(unfoldBatchNorm(g)).toBe(false);
    foldBatchNorm(g);
    expectClose(reference, await outputs(g));
  });

  it('unfolds with given statistics: BN running stats are those, output unchanged', async () => {
    const g = net();
    foldBatchNorm(g);
    const reference = await outputs(g);
    const stats = { mean: Float32Array.of(1, -2, 0.5, 3), variance: Float32Array.of(4, 0.25, 1, 9) };
    unfoldBatchNorm(g, { stats: new Map([['bn1', stats]]), filter: (n) => n.name === 'c1' });
    const bn = g.nodes.find((n) => n.opType === 'BatchNormalization')!;
    expect(Array.from(bn.input(4)!.const!.toFloat32())).toEqual([4, 0.25, 1, 9]);
    expect(bn.output(0).name).toBe('bn1');
    expectClose(reference, await outputs(g));
  });
});
