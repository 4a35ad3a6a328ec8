// Grouped and depthwise convolution: conv group k reads input block k and writes output block k, so
// removing it removes both blocks; every position of both blocks is one channel.

import type { LinkContext, Slot } from '../handler.js';

export function tieGroups(ctx: LinkContext, x: Slot, y: Slot, group: number): void {
  const inPer = x.size / group;
  const outPer = y.size / group;
  for (let k = 0; k < group; k++) {
    for (let j = 0; j < inPer; j++) ctx.tie(x, k * inPer + j, y, k * outPer);
    for (let i = 1; i < outPer; i++) ctx.tie(y, k * outPer + i, y, k * outPer);
  }
}
