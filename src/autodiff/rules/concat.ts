// Concat: each input's gradient is its slice of dy along the axis (one Split node for all).

import type { GradRule } from '../grad-rule.js';

export const concatGrad: GradRule = {
  differentiable: Array.from({ length: 256 }, (_, i) => i),
  backward: ({ e, dy, node, shape, fail }) => {
    const rank = shape(node.output()).length;
    const a = node.attrInt('axis', 0);
    const axis = a < 0 ? a + rank : a;
    const sizes = node.inputs.map((v) => {
      const d = shape(v!)[axis];
      if (typeof d !== 'number') throw fail(`input '${v!.name}' has no static extent on axis ${axis}`);
      return d;
    });
    const outShapes = node.inputs.map((v) => shape(v!));
    const parts =
      e.opset >= 13
        ? e.multi('Split', [dy(), e.ints(sizes)], sizes.length, { axis })
        : e.multi('Split', [dy()], sizes.length, { axis, split: sizes });
    parts.forEach((p, i) => {
      p.type = { elemType: dy().type?.elemType ?? 1, shape: outShapes[i] };
    });
    return parts;
  },
};
