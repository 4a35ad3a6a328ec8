// Broadcasting elementwise ops (Add, Mul, Max, PRelu, Where, ...): activation operands are tied
// position by position (residual Add, SE gate Mul, x·sigmoid(x)); a constant operand holding the
// channel axis is a `param` member; an untracked operand holding it blocks the channels.

import type { Node } from '../../ir/node.js';
import { describeNode } from '../../util/errors.js';
import type { WeightAxis } from '../channel-types.js';
import type { ChannelHandler, LinkContext, Slot } from '../handler.js';
import { operandAxis } from './axes.js';

export const elementwiseHandler: ChannelHandler = {
  link(node, ctx) {
    const slotted = node.inputs.flatMap((v, i) => {
      const s = ctx.slot(v);
      return s ? [{ i, s }] : [];
    });
    if (slotted.length === 0) return;
    const rank = resultRank(node, ctx);
    if (rank === undefined) return ctx.unknown(node, 'has operands of unknown rank');
    let axis = -1;
    let size = 1;
    for (const { s } of slotted) {
      const r = ctx.shape(s.value)?.length;
      if (r === undefined) return ctx.unknown(node, `has an operand ('${s.value.name}') of unknown rank`);
      const a = s.axis + rank - r;
      if (axis >= 0 && a !== axis) return ctx.unknown(node, 'combines channels on different axes');
      axis = a;
      size = Math.max(size, s.size);
    }
    const y = ctx.define(node.output(0), axis, size);
    for (const { s } of slotted) {
      if (s.size === size) for (let p = 0; p < size; p++) ctx.tie(s, p, y, p);
      else if (s.size === 1) ctx.block(s, `broadcast along the channel axis by ${describeNode(node)}`);
      else return ctx.unknown(node, `combines ${s.size} and ${size} channels`);
    }
    const weights = linkConstOperands(node, ctx, y, rank);
    if (weights.length > 0) ctx.member(y, 'param', node, weights);
  },

  prune(node, ctx) {
    const y = ctx.slotOf(node.output(0));
    const keep = ctx.keep(node.output(0));
    if (!y || !keep) return;
    const rank = ctx.shape(node.output(0))?.length ?? 0;
    node.inputs.forEach((v, i) => {
      if (!v || ctx.slotOf(v)) return;
      const shape = ctx.shape(v);
      const a = shape ? operandAxis(y.axis, rank, shape.length) : -1;
      if (a >= 0 && shape![a] === y.size && y.size > 1) ctx.slice(node, i, a, keep);
    });
  },
};

function resultRank(node: Node, ctx: LinkContext): number | undefined {
  const out = ctx.shape(node.output(0));
  if (out) return out.length;
  let rank: number | undefined = 0;
  for (const v of node.inputs) {
    if (!v) continue;
    const s = ctx.shape(v);
    rank = s && rank !== undefined ? Math.max(rank, s.length) : undefined;
  }
  return rank;
}

/** Constant operands that hold the channel axis become `param` weights; others block. */
function linkConstOperands(node: Node, ctx: LinkContext, y: Slot, rank: number): WeightAxis[] {
  const weights: WeightAxis[] = [];
  node.inputs.forEach((v, i) => {
    if (!v || ctx.slot(v)) return;
    const shape = ctx.shape(v);
    const a = shape ? operandAxis(y.axis, rank, shape.length) : -1;
    if (shape && (a < 0 || shape[a] === 1)) return;
    const what = `${describeNode(node)} input ${i} ('${v.name}')`;
    if (!shape || shape[a] !== y.size) ctx.block(y, `${what} has an unknown channel dim`);
    else if (!ctx.constant(v)) ctx.block(y, `${what} carries channels pare does not track`);
    else if (y.size > 1) weights.push({ input: i, axis: a });
  });
  return weights;
}
