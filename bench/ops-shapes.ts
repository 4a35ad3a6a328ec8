// Times static shape inference, costs and the runtime shape fallback. Prints JSON.
// Run: npx tsx bench/ops-shapes.ts

import { GraphBuilder } from '../src/ir/builder.js';
import { createModel } from '../src/ir/model.js';
import type { Value } from '../src/ir/value.js';
import { inferShapesWithRuntime } from '../src/measure/infer-shapes-runtime.js';
import { computeCosts } from '../src/ops/costs.js';
import { inferShapes } from '../src/ops/infer-shapes.js';

/** ResNet-style net with `stages` × `blocks` basic blocks (ResNet-18: [2, 2, 2, 2]). */
function resnet(blocks: readonly number[], width = 64) {
  const b = new GraphBuilder({ seed: 1 });
  const cbr = (x: Value, out: number, k: number, stride: number, relu = true) => {
    const y = b.batchNorm(b.conv(x, { out, kernel: k, stride, pad: (k - 1) / 2 }));
    return relu ? b.relu(y) : y;
  };
  let x = b.maxPool(cbr(b.input('x', ['N', 3, 224, 224]), width, 7, 2), { kernel: 3, stride: 2, pad: 1 });
  let cin = width;
  blocks.forEach((n, i) => {
    const c = width * 2 ** i;
    for (let k = 0; k < n; k++) {
      const stride = i > 0 && k === 0 ? 2 : 1;
      const main = cbr(cbr(x, c, 3, stride), c, 3, 1, false);
      x = b.relu(b.add(main, stride !== 1 || cin !== c ? cbr(x, c, 1, stride, false) : x));
      cin = c;
    }
  });
  b.output(b.gemm(b.flatten(b.globalAvgPool(x)), 1000));
  return b.build();
}

function time(f: () => void, reps: number): { medianMs: number; reps: number } {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return { medianMs: Number(ts[Math.floor(reps / 2)]!.toFixed(3)), reps };
}

const r18 = resnet([2, 2, 2, 2]);
// A deep, thin net (1 000+ nodes) shows how inference scales with graph size.
const deep = resnet([50, 50, 50, 50], 8);
const results: Record<string, unknown> = {
  resnet18: {
    nodes: r18.nodes.length,
    inferShapes: time(() => inferShapes(r18), 50),
    computeCosts: time(() => computeCosts(r18), 50),
  },
  deepResnet: {
    nodes: deep.nodes.length,
    inferShapes: time(() => inferShapes(deep), 20),
    computeCosts: time(() => computeCosts(deep), 20),
  },
};

// Runtime fallback: one op without a rule in a small net (session creation dominates).
const b = new GraphBuilder({ seed: 2 });
const x = b.input('x', ['N', 3, 32, 32]);
const d = b.op(
  'DepthToSpace',
  [b.conv(x, { out: 16, kernel: 3, pad: 1 })],
  { blocksize: 2 },
  { shape: ['N', 4, 64, 64] },
);
b.output(b.conv(d, { out: 8, kernel: 3, pad: 1 }));
const model = createModel(b.build());
const ts: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  await inferShapesWithRuntime(model);
  ts.push(performance.now() - t0);
}
ts.sort((p, q) => p - q);
results.runtimeFallback = {
  medianMs: Number(ts[2]!.toFixed(1)),
  maxMs: Number(ts[4]!.toFixed(1)),
  reps: 5,
  samples: 2,
};
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
