// Conv: filters are output channels; a plain conv reduces over its input channels (an `in` member);
// a grouped or depthwise conv ties conv group k's input block to its output block instead.

import { attr } from '../../ir/attribute.js';
import type { Node } from '../../ir/node.js';
import { describeNode } from '../../util/errors.js';
import type { WeightAxis } from '../channel-types.js';
import type { ChannelHandler, PruneContext } from '../handler.js';
import { tieGroups } from './grouped.js';

export const convHandler: ChannelHandler = {
  link(node, ctx) {
    const w = ctx.constant(node.input(1));
    if (!w || w.dims.length < 3) return ctx.unknown(node, 'has a weight that is not a constant');
    if (node.input(2) && !ctx.constant(node.input(2)))
      return ctx.unknown(node, 'has a bias that is not a constant');
    const [out, inPer] = [w.dims[0]!, w.dims[1]!];
    const group = node.attrInt('group', 1);
    const y = ctx.define(node.output(0), 1, out);
    const weights: WeightAxis[] = [{ input: 1, axis: 0 }];
    if (node.input(2)) weights.push({ input: 2, axis: 0 });
    ctx.member(y, 'out', node, weights);
    const x = ctx.slot(node.input(0));
    if (x && (x.axis !== 1 || x.size !== group * inPer)) {
      ctx.block(x, `${describeNode(node)} reads channels on axis 1 (${group * inPer}), not these`);
      return;
    }
    if (group === 1) {
      if (x) ctx.member(x, 'in', node, [{ input: 1, axis: 1 }]);
      return;
    }
    if (!x) return ctx.block(y, `grouped ${describeNode(node)} has input channels pare does not track`);
    tieGroups(ctx, x, y, group);
  },

  prune(node, ctx) {
    const keepOut = ctx.keep(node.output(0));
    ctx.slice(node, 1, 0, keepOut);
    if (node.input(2)) ctx.slice(node, 2, 0, keepOut);
    const group = node.attrInt('group', 1);
    if (group === 1) return ctx.slice(node, 1, 1, ctx.keep(node.input(0)));
    if (keepOut) node.setAttr('group', attr('int', newGroupCount(group, keepOut.length, node, ctx)));
  },
};

/** Conv groups left when whole groups of `group` are removed (kept outputs come in full groups). */
export function newGroupCount(group: number, keptOut: number, node: Node, ctx: PruneContext): number {
  const size = ctx.slotOf(node.output(0))!.size;
  const g = (group * keptOut) / size;
  if (!Number.isInteger(g)) ctx.fail(node, `keeps ${keptOut} of ${size} outputs, not whole conv groups`);
  return g;
}
