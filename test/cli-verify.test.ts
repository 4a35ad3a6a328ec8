// Verification measures differences against the size of what was computed: a near-zero sigmoid map
// passes, a wrong cut still fails (also when saturation hides it), and the CLI line says how close.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/ir/builder.js';
import { createModel, type Model } from '../src/ir/model.js';
import { Tensor } from '../src/ir/tensor.js';
import { pruneModel } from '../src/methods/prune.js';
import { writeModel } from '../src/onnx/write.js';
import { inferShapes } from '../src/ops/infer-shapes.js';
import { verifyPlan } from '../src/surgery/verify.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();

/** A detector head in miniature: conv → relu → conv → relu → conv(1) with bias −16 → Sigmoid (≈ 1e-7). */
function sigmoidMapModel(): Model {
  const b = new GraphBuilder({ seed: 3 });
  let x = b.input('x', ['N', 3, 16, 16]);
  x = b.relu(b.conv(x, { out: 32, kernel: 3, pad: 1, name: 'c1' }));
  x = b.relu(b.conv(x, { out: 32, kernel: 3, pad: 1, name: 'c2' }));
  const logits = b.conv(x, { out: 1, kernel: 3, pad: 1, bias: true, name: 'c3' });
  (logits.producer!.inputs[2]!.const!.data as Float32Array).fill(-16);
  b.output(b.op('Sigmoid', [logits], {}, { name: 'prob' }));
  const m = createModel(b.build());
  inferShapes(m.graph);
  return m;
}

describe('verification tolerance', () => {
  it('a near-zero sigmoid map verifies (the squash kernel rounds to ~1e-7 absolute)', async () => {
    const file = join(dir, 'det.onnx');
    writeModel(sigmoidMapModel(), file);
    const r = await cli('prune', file, '-o', join(dir, 'det.pruned.onnx'), '--ratio', '0.5', '--verify');
    expect(r.err).not.toContain('verification failed');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/verified: max \|pruned − masked\| = \S+ at output scale \S+; relative error \S+/);
  });

  it('a wrong cut still fails, also where the sigmoid saturation hides it from the output', async () => {
    const model = sigmoidMapModel();
    const r = await pruneModel(model, { criterion: 'l1', target: { kind: 'uniform', ratio: 0.5 } });
    const wrong = r.model.graph.clone();
    const w = wrong.mustValue('c3.weight');
    const data = Float32Array.from(w.const!.data as Float32Array);
    data[0]! += 0.5;
    wrong.setConst(w, Tensor.from('float32', [...w.const!.dims], data));
    const v = await verifyPlan(model, r.allocation.plan, { pruned: wrong });
    expect(v.passed).toBe(false);
    expect(v.worst?.kind).toBe('pre-squash');
    expect(v.worst?.name).toBe('c3');
    // The output alone barely moves: the check before the squash is what catches it.
    expect(v.maxAbsDiff).toBeLessThan(1e-4);
  });

  it('the verify line gives the relative error and the output scale', async () => {
    const file = join(dir, 'r20.onnx');
    writeModel(buildZooModel('resnet20', { inputShape: [3, 16, 16], classes: 10, seed: 1 }), file);
    const r = await cli(
      'prune',
      file,
      '-o',
      join(dir, 'r20.p.onnx'),
      '--ratio',
      '0.3',
      '--verify',
      '--no-latency',
    );
    expect(r.code).toBe(0);
    const m = /relative error (\S+), allowed (\S+)/.exec(r.out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(Number(m![2]));
    expect(r.out).toMatch(/at output scale \d\.\d\de[+-]\d+/);
  });
});
