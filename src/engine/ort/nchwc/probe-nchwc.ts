// Start-up probe for the NCHWc lowering: which block size makes a lowered convolution with a fed
// filter equal the standard one in this ONNX Runtime build, trying MLAS's own block for this CPU first
// (16 on AVX-512, 8 on AVX2: block 16 also computes correctly on an AVX2 CPU, only slower).
// undefined when neither does (the ops are missing or behave differently): use standard ops.

import type { Open } from '../../../autodiff/executor.js';
import { Graph } from '../../../ir/graph.js';
import { createModel } from '../../../ir/model.js';
import { Rng } from '../../../util/rng.js';
import { lowerToNchwc } from './lower-nchwc.js';

export async function probeNchwcBlock(
  open: Open,
  /** MLAS's block for this CPU first (runtime/cpu-isa.ts: nchwcBlockOrder) */
  order: readonly number[],
): Promise<number | undefined> {
  for (const block of order) {
    const c = 2 * block;
    const g = new Graph('nchwc-probe');
    g.opsets.set('', 17);
    const x = g.addInput('x', [2, c, 5, 5]);
    const w = g.addInput('w', [c, c, 3, 3]);
    const y = g
      .addNode('Conv', [x, w], ['y'], {
        attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] },
      })
      .output();
    y.type = { elemType: 1, shape: [2, c, 3, 3] };
    g.addOutput(y);
    const rng = new Rng(1);
    const feeds = {
      x: { dims: [2, c, 5, 5], data: Float32Array.from({ length: 50 * c }, () => rng.normal()) },
      w: { dims: [c, c, 3, 3], data: Float32Array.from({ length: 9 * c * c }, () => rng.normal()) },
    };
    try {
      const plain = await open(createModel(g));
      const want = (await plain.run(feeds)).y!.data as Float32Array;
      await plain.release();
      const lowered = await open(lowerToNchwc(createModel(g), block));
      const got = (await lowered.run(feeds)).y!.data as Float32Array;
      await lowered.release();
      if (
        got.length === want.length &&
        got.every((v, i) => Math.abs(v - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)))
      )
        return block;
    } catch {
      // The NCHWc ops are not available in this build: try the next size, then give up.
    }
  }
  return undefined;
}
