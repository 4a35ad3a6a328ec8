// MaxPool: dy is scattered (and summed, where windows overlap) onto the arg-max positions, which the
// forward node reports as flat indices; the indices output is added when the model lacks it.

import type { GradRule } from '../grad-rule.js';

export const maxPoolGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, x, y, node, shape, fail }) => {
    if (node.attrInt('storage_order', 0) !== 0) throw fail('storage_order 1 is not supported');
    let indices = node.outputs[1];
    if (!indices) {
      indices = e.graph.createValue(e.graph.uniqueName(`${node.name}.indices`), {
        elemType: 7,
        shape: shape(y()),
      });
      node.addOutput(indices);
    }
    if (indices.name === '') throw fail('the Indices output is omitted; give it a name to train through it');
    const kernel = node.attrInts('kernel_shape') ?? [];
    const strides = node.attrInts('strides') ?? kernel.map(() => 1);
    const dil = node.attrInts('dilations') ?? kernel.map(() => 1);
    const overlaps = kernel.some((k, i) => (k - 1) * dil[i]! + 1 > strides[i]!);
    if (overlaps && e.opset < 16) {
      throw fail(
        'overlapping windows need ScatterElements with reduction (opset 16)',
        'convert the model to opset 16 or later',
      );
    }
    const xs = shape(x(0));
    const total = xs.every((d) => typeof d === 'number')
      ? e.ints([(xs as number[]).reduce((a, b) => a * b, 1)])
      : e.reshape(e.op('Size', [x(0)], {}, { elemType: 7, shape: [] }), [1]);
    const zeros = e.op('Expand', [e.scalarLike(0, dy()), total], {}, { shape: [null] });
    const flat = (v: typeof zeros) => e.reshape(v, [-1], [null]);
    const attrs = overlaps ? { axis: 0, reduction: 'add' } : { axis: 0 };
    const scattered = e.op('ScatterElements', [zeros, flat(indices), flat(dy())], attrs, { shape: [null] });
    return [e.reshapeLike(scattered, x(0))];
  },
};
