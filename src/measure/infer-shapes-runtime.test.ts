// The runtime fallback: ops without a rule get their shapes from one ONNX Runtime sample run, and
// static inference continues downstream (keeping the symbolic batch).

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { createModel } from '../ir/model.js';
import { computeCosts } from '../ops/costs.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { requireShape } from '../ops/require-shape.js';
import { inferShapesWithRuntime } from './infer-shapes-runtime.js';

function modelWithUnknownOps() {
  const b = new GraphBuilder({ opset: 13 });
  const x = b.input('x', ['N', 3, 8, 8]);
  const c = b.conv(x, { out: 8, kernel: 3, pad: 1, name: 'c1' });
  const d2s = b.op('DepthToSpace', [c], { blocksize: 2 }, { name: 'd2s', shape: ['N', 2, 16, 16] }); // [N, 2, 16, 16]
  const y = b.relu(b.conv(d2s, { out: 4, kernel: 3, stride: 2, pad: 1, name: 'c2' })); // [N, 4, 8, 8]
  const nz = b.op(
    'NonZero',
    [b.op('Reshape', [y, b.ints('flat', [-1])], {}, { name: 'r' })],
    {},
    { name: 'nz' },
  );
  b.graph.addOutput(y);
  b.graph.addOutput(nz);
  nz.type = { elemType: 7, shape: ['N', 4, 8, 8] }; // a wrong declared shape: the sample overrides it
  return { model: createModel(b.build()), d2s, y, nz, r: nz.producer!.input(0)! };
}

describe('inferShapesWithRuntime', () => {
  it('fills shapes of ops without a rule and infers downstream statically', async () => {
    const { model, d2s, y, nz, r } = modelWithUnknownOps();
    const warnings = inferShapes(model.graph);
    expect(warnings.map((d) => d.node?.name)).toEqual(['d2s']); // nz has a declared type
    expect(y.type).toBeUndefined();

    const diags = await inferShapesWithRuntime(model);
    expect(diags.filter((d) => d.severity === 'warning')).toEqual([]);
    // 'r' (Reshape to [-1]) folds the batch into one dim: the two samples (batch 1 and 2) disagree,
    // so it stays unknown instead of taking the batch-1 size.
    expect(diags.filter((d) => d.severity === 'info').map((d) => d.tensor)).toEqual(['d2s', 'nz', 'r']);
    expect(d2s.type).toEqual({ elemType: 1, shape: ['N', 2, 16, 16] });
    expect(y.type).toEqual({ elemType: 1, shape: ['N', 4, 8, 8] });
    expect(r.type?.shape).toEqual([null]);
    // NonZero is data-dependent: [rank of its input, count]; the count changes with the batch.
    expect(nz.type).toEqual({ elemType: 7, shape: [1, null] });

    const costs = computeCosts(model.graph);
    expect(costs.nodes.find((n) => n.node.name === 'c2')!.macs).toBe(4 * 8 * 8 * 2 * 9);
  });

  it('does not run ORT when the static pass knows everything', async () => {
    const b = new GraphBuilder();
    b.output(b.relu(b.input('x', ['N', 3])));
    const model = createModel(b.build());
    // A model ORT could not load (opset 99): if it ran, this would throw.
    model.graph.opsets.set('', 99);
    expect(await inferShapesWithRuntime(model)).toEqual([]);
  });

  it('asks for --input-shape when a dynamic dim other than the batch blocks the sample', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 3, 'H', 'W']);
    b.output(b.op('DepthToSpace', [x], { blocksize: 1 }, { name: 'd' }));
    await expect(inferShapesWithRuntime(createModel(b.build()))).rejects.toThrow(
      "graph input 'x' [N, 3, H, W]: dim 2 is dynamic",
    );
  });
});

describe('requireShape', () => {
  it('names the consumer, the value and the op without a rule upstream', () => {
    const { model, y } = modelWithUnknownOps();
    inferShapes(model.graph);
    const relu = y.producer!;
    expect(() => requireShape(relu.input(0)!, { node: relu, input: 0 })).toThrow(
      "Relu 'relu1' input 0 ('c2'): shape is unknown; DepthToSpace 'd2s' upstream has no shape rule",
    );
  });
  it('points at a dynamic graph input', () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 3, 'H', 'W']);
    const c = b.conv(x, { out: 2, kernel: 3, name: 'c' });
    b.output(c);
    inferShapes(b.build());
    expect(requireShape(c, undefined, { allowUnknownDims: true })).toEqual(['N', 2, null, null]);
    expect(() => requireShape(c)).toThrow(
      "value 'c': shape has unknown dims; graph input 'x' has dynamic dims",
    );
  });
});
