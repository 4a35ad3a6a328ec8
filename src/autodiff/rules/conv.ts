// Conv: dx is a ConvTranspose with the same filter, dw a Conv over transposed tensors, db = Σ dy.
// Strides, padding (auto_pad too), dilations and groups (depthwise included) are supported.

import { windowGeometry } from '../conv-geometry.js';
import { convDataGrad, convFilterGrad } from '../conv-grads.js';
import type { GradRule } from '../grad-rule.js';

export const convGrad: GradRule = {
  differentiable: [0, 1, 2],
  backward: ({ e, dy, x, y, node, dims, shape, dimsAfterBatch, needs }) => {
    const spatial = dimsAfterBatch(x(0)).slice(1);
    const ySpatial = dimsAfterBatch(y()).slice(1);
    const kernel = node.attrInts('kernel_shape') ?? dims(x(1)).slice(2);
    const g = windowGeometry(node, spatial, kernel);
    const group = node.attrInt('group', 1);
    const axes = [0, ...spatial.map((_, i) => i + 2)];
    return [
      needs(0) ? convDataGrad(e, dy(), x(1), g, group, shape(x(0)), ySpatial) : undefined,
      needs(1) ? convFilterGrad(e, x(0), dy(), g, group, shape(x(0)), shape(y())) : undefined,
      needs(2) ? e.reduceSum(dy(), axes, false) : undefined,
    ];
  },
};
