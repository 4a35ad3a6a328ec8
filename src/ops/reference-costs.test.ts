// Published counts for torchvision's ResNet-18 and MobileNetV2 at 1×3×224×224, on graphs built
// here with the same layer structure (the zoo builds the real ones; this pins the cost rules).

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { computeCosts } from './costs.js';

function resnet18() {
  const b = new GraphBuilder({ seed: 1 });
  const cbr = (x: Value, out: number, k: number, stride: number, relu = true) => {
    const y = b.batchNorm(b.conv(x, { out, kernel: k, stride, pad: (k - 1) / 2 }));
    return relu ? b.relu(y) : y;
  };
  let x = cbr(b.input('x', ['N', 3, 224, 224]), 64, 7, 2);
  x = b.maxPool(x, { kernel: 3, stride: 2, pad: 1 });
  let cin = 64;
  for (const [i, c] of [64, 128, 256, 512].entries()) {
    for (let blk = 0; blk < 2; blk++) {
      const stride = i > 0 && blk === 0 ? 2 : 1;
      const main = cbr(cbr(x, c, 3, stride), c, 3, 1, false);
      const short = stride !== 1 || cin !== c ? cbr(x, c, 1, stride, false) : x;
      x = b.relu(b.add(main, short));
      cin = c;
    }
  }
  b.output(b.gemm(b.flatten(b.globalAvgPool(x)), 1000));
  return b.build();
}

function mobilenetV2() {
  const b = new GraphBuilder({ seed: 1 });
  const lo = b.graph.addInitializer('zero', Tensor.float32([], [0]));
  const hi = b.graph.addInitializer('six', Tensor.float32([], [6]));
  const cbr = (x: Value, out: number, k: number, stride: number, group = 1, relu6 = true) => {
    const y = b.batchNorm(b.conv(x, { out, kernel: k, stride, pad: (k - 1) / 2, group }));
    return relu6 ? b.op('Clip', [y, lo, hi]) : y;
  };
  let x = cbr(b.input('x', ['N', 3, 224, 224]), 32, 3, 2);
  let cin = 32;
  const settings = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ] as const;
  for (const [t, c, n, s] of settings) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = cin * t;
      let y = t === 1 ? x : cbr(x, hidden, 1, 1);
      y = cbr(y, hidden, 3, stride, hidden);
      y = cbr(y, c, 1, 1, 1, false);
      x = stride === 1 && cin === c ? b.add(x, y) : y;
      cin = c;
    }
  }
  x = cbr(x, 1280, 1, 1);
  b.output(b.gemm(b.op('Dropout', [b.flatten(b.globalAvgPool(x))]), 1000));
  return b.build();
}

describe('reference architectures', () => {
  it('ResNet-18: 11,689,512 params, 1,814,073,344 MACs', () => {
    const r = computeCosts(resnet18());
    expect(r.params).toBe(11_689_512);
    expect(r.macs).toBe(1_814_073_344);
  });
  it('MobileNetV2: 3,504,872 params, 300,774,272 MACs', () => {
    const r = computeCosts(mobilenetV2());
    expect(r.params).toBe(3_504_872);
    expect(r.macs).toBe(300_774_272);
  });
});
