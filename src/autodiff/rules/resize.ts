// Resize, nearest, by whole factors on H and W (N and C kept): every input pixel is copied to an
// f_h × f_w block, so its gradient is the block's sum of dy, an AveragePool(f_h × f_w, stride f) times
// f_h·f_w. Half-pixel coordinates (half_pixel, pytorch_half_pixel) with round_prefer_floor / _ceil,
// and asymmetric with floor / round_prefer_floor, all pick ⌊dst / f⌋ for whole factors; other modes
// and fractional factors are refused with the reason.

import type { GradRule } from '../grad-rule.js';

/**
 * The whole factors [f_h, f_w] of a nearest Resize whose source is ⌊dst / f⌋, or why not; `input`
 * and `output` are [C, H, W] (after the batch).
 */
export function nearestFactors(
  mode: string,
  transform: string,
  nearest: string,
  input: readonly number[],
  output: readonly number[],
): [number, number] | string {
  if (mode !== 'nearest') return `mode '${mode}' (nearest only)`;
  const halfPixel = transform === 'half_pixel' || transform === 'pytorch_half_pixel';
  const ok = halfPixel
    ? nearest === 'round_prefer_floor' || nearest === 'round_prefer_ceil'
    : transform === 'asymmetric' && (nearest === 'floor' || nearest === 'round_prefer_floor');
  if (!ok) return `coordinate_transformation_mode '${transform}' with nearest_mode '${nearest}'`;
  if (input.length !== 3 || output.length !== 3 || input[0] !== output[0])
    return 'not a resize of H and W of [N, C, H, W]';
  const fh = output[1]! / input[1]!;
  const fw = output[2]! / input[2]!;
  if (!Number.isInteger(fh) || !Number.isInteger(fw) || fh < 1 || fw < 1)
    return `factors ${fh} × ${fw} are not whole`;
  return [fh, fw];
}

export const resizeGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, x, y, node, dimsAfterBatch, fail }) => {
    const f = nearestFactors(
      node.attrString('mode', 'nearest'),
      node.attrString('coordinate_transformation_mode', 'half_pixel'),
      node.attrString('nearest_mode', 'round_prefer_floor'),
      dimsAfterBatch(x(0)),
      dimsAfterBatch(y()),
    );
    if (typeof f === 'string') throw fail(`no gradient for this resize: ${f}`);
    const [fh, fw] = f;
    const pooled = e.op('AveragePool', [dy()], { kernel_shape: [fh, fw], strides: [fh, fw] });
    return [e.op('Mul', [pooled, e.scalarLike(fh * fw, dy())])];
  },
};
