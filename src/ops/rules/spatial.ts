// Output size of a sliding window (Conv, pooling) per spatial axis: explicit pads, auto_pad
// SAME_UPPER/SAME_LOWER/VALID, dilations and ceil_mode as ONNX defines them.

import type { Node } from '../../ir/node.js';
import type { Dim } from '../dims.js';
import type { ShapeContext } from '../op-spec.js';

/** X and W of Conv and ConvTranspose: W of rank ≥ 3, X of W's rank (else the rule fails, naming the input). */
export function convOperands(ctx: ShapeContext): { x: readonly Dim[]; w: readonly Dim[] } {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  if (w.length < 3) ctx.fail(`expected rank ≥ 3, got ${w.length}`, { input: 1 });
  if (x.length !== w.length) ctx.fail(`expected rank ${w.length} (as W), got ${x.length}`, { input: 0 });
  return { x, w };
}

export interface WindowOptions {
  readonly kernel: readonly number[];
  /** Pooling ops read ceil_mode; Conv never rounds up. */
  readonly ceil?: boolean;
}

/** Spatial output dims of `node` applied to `input` spatial dims. */
export function windowOutput(
  node: Node,
  ctx: ShapeContext,
  input: readonly Dim[],
  { kernel, ceil = false }: WindowOptions,
): Dim[] {
  const n = input.length;
  const strides = node.attrInts('strides') ?? new Array<number>(n).fill(1);
  const dilations = node.attrInts('dilations') ?? new Array<number>(n).fill(1);
  const pads = node.attrInts('pads') ?? new Array<number>(2 * n).fill(0);
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  if (kernel.length !== n) ctx.fail(`kernel_shape has ${kernel.length} axes, input has ${n} spatial axes`);
  if (strides.length !== n || dilations.length !== n || pads.length !== 2 * n) {
    ctx.fail(
      `strides/dilations/pads sizes (${strides.length}/${dilations.length}/${pads.length}) do not fit ${n} spatial axes`,
    );
  }
  return input.map((d, i) => {
    if (typeof d !== 'number') return null;
    const s = strides[i]!;
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(d / s);
    if (autoPad === 'VALID') return Math.floor((d - span) / s) + 1;
    const padded = d + pads[i]! + pads[i + n]!;
    if (!ceil) return Math.floor((padded - span) / s) + 1;
    let out = Math.ceil((padded - span) / s) + 1;
    // A window that would start inside the end padding is dropped (ONNX / PyTorch rule).
    if ((out - 1) * s >= d + pads[i]!) out--;
    return out;
  });
}
