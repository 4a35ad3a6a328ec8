// Squeeze / Unsqueeze: axes as an attribute before opset 13, as input 1 from 13. Squeeze without
// axes drops every dim that is 1 (all dims must then be known). Data is unchanged (evaluable).

import type { Node } from '../../ir/node.js';
import { type Dim, normAxis } from '../dims.js';
import type { OpSpec, ShapeContext } from '../op-spec.js';

/** Axes from attribute or input; null when the input exists but its data is not known. */
export function axesOf(
  node: Node,
  ctx: ShapeContext,
  inputSince: number,
): readonly number[] | undefined | null {
  if (ctx.opset < inputSince) return node.attrInts('axes');
  if (!ctx.has(1)) return undefined;
  return ctx.ints(1) ?? null;
}

const keepData: OpSpec['evaluate'] = (_node, ctx, outs) => {
  const x = ctx.data(0);
  const shape = outs[0]!.shape;
  if (!x || !shape || shape.some((d) => typeof d !== 'number')) return undefined;
  return [{ ...x, dims: shape as number[] }];
};

export const squeezeSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const axes = axesOf(node, ctx, 13);
    if (axes === null) return [{ elemType: ctx.elemType(0), shape: undefined }];
    if (!axes) {
      if (x.some((d) => typeof d !== 'number')) return [{ elemType: ctx.elemType(0), shape: undefined }];
      return [{ elemType: ctx.elemType(0), shape: x.filter((d) => d !== 1) }];
    }
    const drop = axes.map(
      (a) => normAxis(a, x.length) ?? ctx.fail(`axis ${a} is out of range for rank ${x.length}`),
    );
    for (const a of drop) {
      if (typeof x[a] === 'number' && x[a] !== 1)
        return ctx.fail(`cannot squeeze axis ${a} of size ${x[a]}`, { input: 0 });
    }
    return [{ elemType: ctx.elemType(0), shape: x.filter((_, i) => !drop.includes(i)) }];
  },
  evaluate: keepData,
};

export const unsqueezeSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const axes = axesOf(node, ctx, 13);
    if (axes === null) return [{ elemType: ctx.elemType(0), shape: undefined }];
    if (!axes) return ctx.fail('axes are required');
    const rank = x.length + axes.length;
    const add = axes.map(
      (a) => normAxis(a, rank) ?? ctx.fail(`axis ${a} is out of range for output rank ${rank}`),
    );
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(add.includes(i) ? 1 : x[j++]!);
    return [{ elemType: ctx.elemType(0), shape: out }];
  },
  evaluate: keepData,
};
