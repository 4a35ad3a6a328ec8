// Conv: [N, C, ...] * W[M, C/group, ...k] → [N, M, ...out]. MACs count one multiply-add per weight
// tap per output element; the bias add is not a MAC (torchvision / fvcore convention).

import { dimProduct } from '../dims.js';
import { like, type OpSpec } from '../op-spec.js';
import { convOperands, windowOutput } from './spatial.js';

export const convSpec: OpSpec = {
  shape(node, ctx) {
    const { x, w } = convOperands(ctx);
    const group = node.attrInt('group', 1);
    const [m, cPerGroup] = [w[0]!, w[1]!];
    if (typeof x[1] === 'number' && typeof cPerGroup === 'number' && x[1] !== cPerGroup * group) {
      ctx.fail(
        `expected ${x[1] / group} input channels per group (X has ${x[1]}, group ${group}), got ${cPerGroup}`,
        {
          input: 1,
          notes: ['W must be [out_channels, in_channels / group, kh, kw]'],
        },
      );
    }
    if (ctx.has(2)) {
      const b = ctx.shape(2);
      if (b.length !== 1 || (typeof b[0] === 'number' && typeof m === 'number' && b[0] !== m)) {
        ctx.fail(`expected bias of shape [${m}], got [${b.join(', ')}]`, { input: 2 });
      }
    }
    const kernel = node.attrInts('kernel_shape') ?? w.slice(2);
    if (kernel.some((k) => typeof k !== 'number'))
      return [like(ctx, [x[0]!, m, ...x.slice(2).map(() => null)])];
    return [like(ctx, [x[0]!, m, ...windowOutput(node, ctx, x.slice(2), { kernel: kernel as number[] })])];
  },
  macs(_node, c) {
    const out = c.output(0);
    const w = c.input(1);
    if (!out || !w) return undefined;
    return dimProduct(out)! * dimProduct(w.slice(1))!;
  },
  paramInputs: [1, 2],
};
