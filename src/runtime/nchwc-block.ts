// The channel block ONNX Runtime's CPU provider computes convolutions in, and the CPU it runs on.
// ORT's NCHWc transformer rewrites a Conv into its blocked kernels only when the channel counts fit
// MLAS's block (MlasNchwcGetBlockSize: 16 with AVX-512F, 8 with AVX2, 1 where MLAS has no NCHWc
// kernels). A pruned width off the block falls back to the slower plain NCHW path, which is how a
// model with half the MACs ends up slower. The training engine finds the block by checking a lowered
// convolution (autodiff/nchwc/probe-nchwc.ts); here one op is enough: ReorderInput pads the channel
// axis up to a multiple of the block, so the padded width of 4 channels *is* the block.

import { cpus } from 'node:os';
import { Graph } from '../ir/graph.js';
import { createModel } from '../ir/model.js';
import { Session } from './session.js';

/** ORT's internal domain of the NCHWc kernels (the same one the training engine lowers to). */
const NCHWC_DOMAIN = 'com.microsoft.nchwc';

let cached: Promise<number> | undefined;

/**
 * MLAS's NCHWc block in this process's ONNX Runtime (1 when it has none). Probed once and
 * remembered: the answer depends only on the ORT build and the CPU.
 */
export function nchwcBlock(): Promise<number> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<number> {
  const g = new Graph('nchwc-block-probe');
  g.opsets.set('', 17);
  g.opsets.set(NCHWC_DOMAIN, 1);
  // MlasReorderInputNchw needs a channel count that is a multiple of 4.
  const x = g.addInput('x', [1, 4, 1, 1]);
  const y = g.addNode('ReorderInput', [x], ['y'], { domain: NCHWC_DOMAIN }).output();
  g.addOutput(y);
  try {
    const s = await Session.create(createModel(g), { optimization: 'disabled', threads: 1 });
    try {
      const r = await s.run({ x: { dims: [1, 4, 1, 1], data: new Float32Array(4) } });
      const c = r.y?.dims[1];
      return typeof c === 'number' && c >= 4 ? c : 1;
    } finally {
      await s.release();
    }
  } catch {
    // No NCHWc kernels in this build or on this CPU: no alignment helps ORT's convolutions.
    return 1;
  }
}

/** The CPU model name as the OS reports it (part of a latency measurement's identity). */
export function cpuModel(): string {
  const list = cpus();
  return `${list[0]?.model.trim() ?? 'unknown CPU'} (${list.length} logical cores)`;
}
