// ConvTranspose: weight [C_in, C_out/group, k...]; output channels run along axis 1 of the weight,
// input channels along axis 0. Grouped: conv group k ties input block k to output block k.

import { attr } from '../../ir/attribute.js';
import { describeNode } from '../../util/errors.js';
import type { ChannelHandler } from '../handler.js';
import { newGroupCount } from './conv.js';
import { tieGroups } from './grouped.js';

export const convTransposeHandler: ChannelHandler = {
  link(node, ctx) {
    const w = ctx.constant(node.input(1));
    if (!w || w.dims.length < 3) return ctx.unknown(node, 'has a weight that is not a constant');
    if (node.input(2) && !ctx.constant(node.input(2)))
      return ctx.unknown(node, 'has a bias that is not a constant');
    const group = node.attrInt('group', 1);
    const [cin, outPer] = [w.dims[0]!, w.dims[1]!];
    const y = ctx.define(node.output(0), 1, outPer * group);
    const bias = node.input(2) ? [{ input: 2, axis: 0 }] : [];
    const x = ctx.slot(node.input(0));
    if (x && (x.axis !== 1 || x.size !== cin)) {
      ctx.block(x, `${describeNode(node)} reads channels on axis 1 (${cin}), not these`);
      return;
    }
    if (group === 1) {
      ctx.member(y, 'out', node, [{ input: 1, axis: 1 }, ...bias]);
      if (x) ctx.member(x, 'in', node, [{ input: 1, axis: 0 }]);
      return;
    }
    if (!x) return ctx.block(y, `grouped ${describeNode(node)} has input channels pare does not track`);
    // Removing conv group k removes its weight rows (input block k) and its bias entries.
    ctx.member(x, 'out', node, [{ input: 1, axis: 0 }]);
    if (bias.length > 0) ctx.member(y, 'out', node, bias);
    tieGroups(ctx, x, y, group);
  },

  prune(node, ctx) {
    const keepOut = ctx.keep(node.output(0));
    const keepIn = ctx.keep(node.input(0));
    if (node.input(2)) ctx.slice(node, 2, 0, keepOut);
    ctx.slice(node, 1, 0, keepIn);
    const group = node.attrInt('group', 1);
    if (group === 1) return ctx.slice(node, 1, 1, keepOut);
    if (keepOut) node.setAttr('group', attr('int', newGroupCount(group, keepOut.length, node, ctx)));
  },
};
