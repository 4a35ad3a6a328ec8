// Window geometry shared by the Conv, ConvTranspose and pooling gradients: attributes resolved to
// explicit numbers (auto_pad included), and the padding a transposed window op needs to land
// exactly on a given extent.

import type { Node } from '../ir/node.js';
import { describeNode, PareError } from '../util/errors.js';

export interface WindowGeometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Per spatial axis. */
  readonly padBegin: readonly number[];
  readonly padEnd: readonly number[];
}

/** Resolve kernel/strides/dilations/pads of a window op over spatial extents `spatial`. */
export function windowGeometry(
  node: Node,
  spatial: readonly number[],
  kernel: readonly number[],
): WindowGeometry {
  const r = spatial.length;
  const ones = new Array<number>(r).fill(1);
  const strides = node.attrInts('strides') ?? ones;
  const dilations = node.attrInts('dilations') ?? ones;
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  const pads = node.attrInts('pads') ?? new Array<number>(2 * r).fill(0);
  let padBegin = pads.slice(0, r);
  let padEnd = pads.slice(r, 2 * r);
  if (autoPad === 'VALID') {
    padBegin = new Array<number>(r).fill(0);
    padEnd = new Array<number>(r).fill(0);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    padBegin = [];
    padEnd = [];
    for (let i = 0; i < r; i++) {
      const out = Math.ceil(spatial[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - spatial[i]!);
      const small = Math.floor(total / 2);
      padBegin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      padEnd.push(autoPad === 'SAME_UPPER' ? total - small : small);
    }
  } else if (autoPad !== 'NOTSET') {
    throw new PareError('PARE_GRADIENT', `${describeNode(node)}: unknown auto_pad '${autoPad}'`, { node });
  }
  return { kernel, strides, dilations, padBegin, padEnd };
}

/**
 * Pads and output_padding for a ConvTranspose with geometry `g` that maps `outExtent` (the forward
 * output) back onto exactly `inExtent` (the forward input): the end padding crops what the forward
 * window never read, output_padding adds what it skipped.
 */
export function transposedPads(
  g: WindowGeometry,
  inExtent: readonly number[],
  outExtent: readonly number[],
): { pads: number[]; outputPadding: number[] } {
  const end: number[] = [];
  const outputPadding: number[] = [];
  inExtent.forEach((h, i) => {
    const full = g.strides[i]! * (outExtent[i]! - 1) + g.dilations[i]! * (g.kernel[i]! - 1) + 1;
    const crop = full - g.padBegin[i]! - h;
    end.push(Math.max(crop, 0));
    outputPadding.push(Math.max(-crop, 0));
  });
  return { pads: [...g.padBegin, ...end], outputPadding };
}
