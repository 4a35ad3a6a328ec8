// Normalisations that keep the input shape: BatchNormalization (scale/bias are parameters, running
// mean/var are not), InstanceNormalization, LayerNormalization, LRN.

import type { OpSpec, ShapeContext } from '../op-spec.js';

function checkChannelVectors(ctx: ShapeContext, inputs: readonly number[]): void {
  const c = ctx.shape(0)[1];
  for (const i of inputs) {
    if (!ctx.has(i)) continue;
    const s = ctx.shape(i);
    if (s.length !== 1 || (typeof c === 'number' && typeof s[0] === 'number' && s[0] !== c)) {
      ctx.fail(`expected shape [${c}] (one value per channel of X), got [${s.join(', ')}]`, { input: i });
    }
  }
}

export const batchNormSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    if (x.length < 2) return ctx.fail(`expected rank ≥ 2, got ${x.length}`, { input: 0 });
    checkChannelVectors(ctx, [1, 2, 3, 4]);
    // Training-mode outputs (running mean/var, saved stats) are per-channel vectors.
    return node.outputs.map((_, i) => ({
      elemType: ctx.elemType(0),
      shape: i === 0 ? x : [x[1]!],
    }));
  },
  paramInputs: [1, 2],
};

export const instanceNormSpec: OpSpec = {
  shape(_node, ctx) {
    const x = ctx.shape(0);
    checkChannelVectors(ctx, [1, 2]);
    return [{ elemType: ctx.elemType(0), shape: x }];
  },
  paramInputs: [1, 2],
};

/** LayerNormalization (opset 17): Y like X; optional Mean / InvStdDev with reduced axes kept as 1. */
export const layerNormSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const axis = node.attrInt('axis', -1);
    const a = axis < 0 ? axis + x.length : axis;
    const stats = x.map((d, i) => (i < a ? d : 1));
    return node.outputs.map((_, i) => ({
      elemType: i === 0 ? ctx.elemType(0) : 1,
      shape: i === 0 ? x : stats,
    }));
  },
  paramInputs: [1, 2],
};
