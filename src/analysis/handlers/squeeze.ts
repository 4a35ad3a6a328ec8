// Squeeze / Unsqueeze: channels stay, their axis index shifts. Squeezing the channel axis itself
// (one channel left) ends the tracking there.

import type { ChannelHandler } from '../handler.js';
import { intsArg, normAxis } from './axes.js';

export const squeezeHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const shape = ctx.shape(node.input(0));
    if (!shape) return ctx.unknown(node, 'has an input of unknown rank');
    const given = intsArg(node, ctx, 1, 'axes');
    if (!given && node.input(1)) return ctx.unknown(node, 'has axes that are not constant');
    const axes = given
      ? given.map((a) => normAxis(a, shape.length))
      : shape.flatMap((d, i) => (d === 1 && i !== x.axis ? [i] : []));
    if (axes.includes(x.axis)) return ctx.unknown(node, 'removes the channel axis');
    ctx.follow(node.output(0), x, x.axis - axes.filter((a) => a < x.axis).length);
  },
};

export const unsqueezeHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const rank = ctx.shape(node.input(0))?.length;
    const given = intsArg(node, ctx, 1, 'axes');
    if (!given || rank === undefined) return ctx.unknown(node, 'has axes or rank that are not known');
    const outRank = rank + given.length;
    const inserted = new Set(given.map((a) => normAxis(a, outRank)));
    let seen = -1;
    for (let i = 0; i < outRank; i++) {
      if (!inserted.has(i)) seen++;
      if (seen === x.axis) return void ctx.follow(node.output(0), x, i);
    }
  },
};
