// The graph to hand to ONNX Runtime's CPU provider: NCHWc-lowered when this build passes the probe
// (faster convolutions on fed filters), the standard graph otherwise. The probe runs once per process.

import type { Open } from '../../../autodiff/executor.js';
import type { Model } from '../../../ir/model.js';
import { lowerToNchwc } from './lower-nchwc.js';
import { probeNchwcBlock } from './probe-nchwc.js';

export interface OrtModel {
  readonly model: Model;
  /** The NCHWc block size used, or undefined when the standard graph is kept. */
  readonly nchwcBlock: number | undefined;
}

let probed: Promise<number | undefined> | undefined;

/**
 * `model` lowered for ORT when possible; `nchwc: false` keeps the standard graph. `blocks`: the block
 * sizes to probe, MLAS's own for this CPU first (runtime/cpu-isa.ts: nchwcBlockOrder).
 */
export async function modelForOrt(
  model: Model,
  open: Open,
  o: { nchwc?: boolean; blocks?: readonly number[] } = {},
): Promise<OrtModel> {
  if (o.nchwc === false) return { model, nchwcBlock: undefined };
  probed ??= probeNchwcBlock(open, o.blocks ?? [16, 8]);
  const block = await probed;
  return block ? { model: lowerToNchwc(model, block), nchwcBlock: block } : { model, nchwcBlock: undefined };
}
