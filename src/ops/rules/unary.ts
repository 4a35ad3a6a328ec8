// Ops whose output has the input's shape and type: activations, Softmax, Identity, Dropout, Clip
// (min/max as attributes before opset 11, inputs after: neither changes the shape).

import type { Node } from '../../ir/node.js';
import type { OpSpec, ShapeContext } from '../op-spec.js';
import { BOOL, type SymElem, type SymTensor } from '../sym-tensor.js';

function sameShape(_node: Node, ctx: ShapeContext) {
  return [{ elemType: ctx.elemType(0), shape: ctx.shape(0) }];
}

export const unarySpec: OpSpec = { shape: sameShape };

/** Identity passes data through, so constant chains (Identity of a weight) stay constant. */
export const identitySpec: OpSpec = {
  shape: sameShape,
  evaluate: (_node, ctx) => [ctx.data(0)],
};

/** Dropout: Y like X (inference is the identity); optional mask is bool. */
export const dropoutSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    return node.outputs.map((_, i) => ({ elemType: i === 0 ? ctx.elemType(0) : BOOL, shape: x }));
  },
  evaluate: (_node, ctx) => [ctx.data(0)],
};

/** PRelu: Y like X; the slope (unidirectionally broadcast) is a parameter. */
export const preluSpec: OpSpec = { shape: sameShape, paramInputs: [1] };

/** Elementwise numeric unary with a build-time evaluator (used in shape-computing chains). */
export function mappedUnarySpec(fn: (x: number) => number, outType?: number): OpSpec {
  return {
    shape: (node, ctx) => {
      const [t] = sameShape(node, ctx);
      return [outType === undefined ? t! : { ...t!, elemType: outType }];
    },
    evaluate(_node, ctx, outs): SymTensor[] | undefined {
      const x = ctx.data(0);
      if (!x) return undefined;
      const data = x.data.map((v): SymElem => (typeof v === 'number' ? fn(v) : null));
      return [{ elemType: outs[0]!.elemType, dims: x.dims, data }];
    },
  };
}
