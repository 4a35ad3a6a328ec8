// ConvTranspose is the adjoint of Conv: dx is a Conv with the same filter, dw the Conv filter
// gradient with the roles of x and dy exchanged, db = Σ dy. Needs explicit pads (output_shape and
// auto_pad are refused with a hint).

import { windowGeometry } from '../conv-geometry.js';
import { convFilterGrad } from '../conv-grads.js';
import type { GradRule } from '../grad-rule.js';

export const convTransposeGrad: GradRule = {
  differentiable: [0, 1, 2],
  backward: ({ e, dy, x, y, node, dims, shape, dimsAfterBatch, needs, fail }) => {
    if (node.attr('output_shape') || node.attrString('auto_pad', 'NOTSET') !== 'NOTSET') {
      throw fail(
        'output_shape and auto_pad are not supported',
        'export the model with explicit pads and output_padding',
      );
    }
    const spatial = dimsAfterBatch(x(0)).slice(1);
    const kernel = node.attrInts('kernel_shape') ?? dims(x(1)).slice(2);
    const g = windowGeometry(node, spatial, kernel);
    const outputPadding = node.attrInts('output_padding') ?? [];
    if (outputPadding.some((p, i) => p >= g.strides[i]!)) {
      throw fail(
        'output_padding must be below the stride to differentiate',
        'use an explicit output size with smaller output_padding',
      );
    }
    dimsAfterBatch(y());
    const group = node.attrInt('group', 1);
    const attrs = {
      kernel_shape: kernel,
      strides: g.strides,
      dilations: g.dilations,
      pads: [...g.padBegin, ...g.padEnd],
      group,
    };
    return [
      needs(0) ? e.op('Conv', [dy(), x(1)], attrs, { shape: shape(x(0)) }) : undefined,
      needs(1) ? convFilterGrad(e, dy(), x(0), g, group, shape(y()), shape(x(0))) : undefined,
      needs(2) ? e.reduceSum(dy(), [0, ...spatial.map((_, i) => i + 2)], false) : undefined,
    ];
  },
};
