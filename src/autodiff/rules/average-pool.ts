// AveragePool: dy divided by each window's divisor, spread over the window by a depthwise
// ConvTranspose with a ones filter. Divisors follow count_include_pad and ceil_mode.

import { transposedPads, type WindowGeometry, windowGeometry } from '../conv-geometry.js';
import type { GradRule } from '../grad-rule.js';

export const averagePoolGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, x, y, node, shape, dimsAfterBatch }) => {
    const [c, ...spatial] = dimsAfterBatch(x(0));
    const ySpatial = dimsAfterBatch(y()).slice(1);
    const kernel = node.attrInts('kernel_shape') ?? [];
    const g = windowGeometry(node, spatial, kernel);
    const div = divisors(g, spatial, ySpatial, node.attrInt('count_include_pad', 0) === 1);
    const scale = div.every((d) => d === div[0])
      ? e.scalarLike(1 / div[0]!, dy())
      : e.tensor(
          ySpatial,
          div.map((d) => 1 / d),
          dy(),
        );
    const size = kernel.reduce((a, b) => a * b, 1);
    const ones = e.tensor([c!, 1, ...kernel], new Array<number>(c! * size).fill(1), dy());
    const { pads, outputPadding } = transposedPads(g, spatial, ySpatial);
    const attrs = {
      kernel_shape: kernel,
      strides: g.strides,
      dilations: g.dilations,
      pads,
      output_padding: outputPadding,
      group: c!,
    };
    return [e.op('ConvTranspose', [e.op('Mul', [dy(), scale]), ones], attrs, { shape: shape(x(0)) })];
  },
};

/** Divisor of every output position (row-major over the spatial axes). */
function divisors(
  g: WindowGeometry,
  spatial: readonly number[],
  out: readonly number[],
  includePad: boolean,
): number[] {
  const perAxis = spatial.map((h, i) =>
    Array.from({ length: out[i]! }, (_, p) => {
      let n = 0;
      for (let j = 0; j < g.kernel[i]!; j++) {
        const pos = p * g.strides[i]! - g.padBegin[i]! + j * g.dilations[i]!;
        if (includePad ? pos >= -g.padBegin[i]! && pos < h + g.padEnd[i]! : pos >= 0 && pos < h) n++;
      }
      return n;
    }),
  );
  let acc = [1];
  for (const counts of perAxis) acc = acc.flatMap((a) => counts.map((n) => a * n));
  return acc;
}
