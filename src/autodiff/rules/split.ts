// Split: dx is the output gradients concatenated back along the axis (zeros for unused outputs).

import type { GradRule } from '../grad-rule.js';

export const splitGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, node, shape }) => {
    const rank = shape(node.input(0)!).length;
    const a = node.attrInt('axis', 0);
    const axis = a < 0 ? a + rank : a;
    const parts = node.outputs.map((_, i) => dy(i));
    return [e.op('Concat', parts, { axis }, { shape: shape(node.input(0)!) })];
  },
};
