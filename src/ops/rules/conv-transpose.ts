// ConvTranspose: X[N, C, ...] with W[C, M/group, ...k] → [N, M, ...]. Output size from
// output_shape when given, else stride·(in−1) + output_padding + dilated kernel − pads; SAME → in·stride.

import { dimProduct } from '../dims.js';
import { like, type OpSpec } from '../op-spec.js';
import { convOperands } from './spatial.js';

export const convTransposeSpec: OpSpec = {
  shape(node, ctx) {
    const { x, w } = convOperands(ctx);
    const group = node.attrInt('group', 1);
    if (typeof x[1] === 'number' && typeof w[0] === 'number' && x[1] !== w[0]) {
      ctx.fail(`expected ${x[1]} input channels in W dim 0 (X has ${x[1]}), got ${w[0]}`, { input: 1 });
    }
    const m = typeof w[1] === 'number' ? w[1] * group : null;
    const n = x.length - 2;
    const kernel = node.attrInts('kernel_shape') ?? w.slice(2);
    const strides = node.attrInts('strides') ?? new Array<number>(n).fill(1);
    const dil = node.attrInts('dilations') ?? new Array<number>(n).fill(1);
    const outPad = node.attrInts('output_padding') ?? new Array<number>(n).fill(0);
    const pads = node.attrInts('pads') ?? new Array<number>(2 * n).fill(0);
    const outputShape = node.attrInts('output_shape');
    const autoPad = node.attrString('auto_pad', 'NOTSET');
    const spatial = x.slice(2).map((d, i) => {
      if (outputShape) return outputShape[outputShape.length - n + i]!;
      const k = kernel[i];
      if (typeof d !== 'number' || typeof k !== 'number') return null;
      if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return d * strides[i]!;
      const full = strides[i]! * (d - 1) + outPad[i]! + (k - 1) * dil[i]! + 1;
      return autoPad === 'VALID' ? full : full - pads[i]! - pads[i + n]!;
    });
    return [like(ctx, [x[0]!, m, ...spatial])];
  },
  macs(_node, c) {
    const x = c.input(0);
    const w = c.input(1);
    if (!x || !w) return undefined;
    return dimProduct(x)! * dimProduct(w.slice(1))!;
  },
  paramInputs: [1, 2],
};
