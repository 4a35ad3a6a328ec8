// Pad (constant mode): dx is dy with the padding cut off; negative pads (crops) are padded back.

import type { GradRule } from '../grad-rule.js';

export const padGrad: GradRule = {
  differentiable: [0],
  backward: (ctx) => {
    const { e, dy, x, node, dims, fail } = ctx;
    const mode = node.attrString('mode', 'constant');
    if (mode !== 'constant')
      throw fail(`mode '${mode}' has no gradient rule`, "only mode 'constant' is supported");
    const xs = dims(x(0));
    const rank = xs.length;
    const raw = (e.opset >= 11 ? ctx.constInts(1) : [...(node.attrInts('pads') ?? [])]) ?? [];
    const axes = (node.inputs.length > 3 ? ctx.constInts(3) : undefined)?.map((a) => (a < 0 ? a + rank : a));
    const begin = new Array<number>(rank).fill(0);
    const end = new Array<number>(rank).fill(0);
    const list = axes ?? Array.from({ length: rank }, (_, i) => i);
    list.forEach((a, i) => {
      begin[a] = raw[i]!;
      end[a] = raw[i + list.length]!;
    });
    const ys = xs.map((d, i) => d + begin[i]! + end[i]!);
    const starts = begin.map((b) => Math.max(b, 0));
    const ends = ys.map((d, i) => d - Math.max(end[i]!, 0));
    const all = Array.from({ length: rank }, (_, i) => i);
    let g = e.op(
      'Slice',
      [dy(), e.ints(starts), e.ints(ends), e.ints(all)],
      {},
      {
        shape: ends.map((v, i) => v - starts[i]!),
      },
    );
    if (begin.some((b) => b < 0) || end.some((v) => v < 0)) {
      const back = [...begin.map((b) => Math.max(-b, 0)), ...end.map((v) => Math.max(-v, 0))];
      g = e.op('Pad', [g, e.ints(back)], {}, { shape: xs });
    }
    return [g];
  },
};
