// How a Reshape regroups axes: runs of input axes and output axes with equal products. Symbolic
// dims (a dynamic batch) only pair with the same symbol; anything else that cannot pair is undefined.

import type { Dim } from '../../ir/value.js';

export interface DimRun {
  readonly inFrom: number;
  readonly inTo: number;
  readonly outFrom: number;
  readonly outTo: number;
}

export function alignDims(input: readonly Dim[], output: readonly Dim[]): DimRun[] | undefined {
  const runs: DimRun[] = [];
  let i = 0;
  let j = 0;
  while (i < input.length || j < output.length) {
    if (i < input.length && j < output.length && typeof input[i] === 'string' && input[i] === output[j]) {
      runs.push({ inFrom: i, inTo: i + 1, outFrom: j, outTo: j + 1 });
      i++;
      j++;
      continue;
    }
    const [i0, j0] = [i, j];
    let pi = 1;
    let pj = 1;
    const takeIn = () => {
      const d = input[i++];
      if (typeof d !== 'number') return false;
      pi *= d;
      return true;
    };
    const takeOut = () => {
      const d = output[j++];
      if (typeof d !== 'number') return false;
      pj *= d;
      return true;
    };
    if (i < input.length && !takeIn()) return undefined;
    if (j < output.length && !takeOut()) return undefined;
    while (pi !== pj) {
      if (pi < pj ? i >= input.length || !takeIn() : j >= output.length || !takeOut()) return undefined;
    }
    runs.push({ inFrom: i0, inTo: i, outFrom: j0, outTo: j });
  }
  return runs;
}

/**
 * The target surgery writes for a reshape whose channel axis (output axis `channelAxis`) changes
 * size: -1 there, static dims as they are, a symbolic dim as 0 (copy) when the input has it at the
 * same index. Undefined when that cannot express the shape.
 */
export function rewrittenTarget(
  input: readonly Dim[],
  output: readonly Dim[],
  channelAxis: number,
  allowZero: boolean,
): number[] | undefined {
  const target: number[] = [];
  for (let k = 0; k < output.length; k++) {
    const d = output[k];
    if (k === channelAxis) target.push(-1);
    else if (typeof d === 'number') target.push(d);
    else if (typeof d === 'string' && input[k] === d && !allowZero) target.push(0);
    else return undefined;
  }
  return target;
}
