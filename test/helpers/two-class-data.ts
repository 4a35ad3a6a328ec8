// A tiny two-class image dataset as NPY files (x_SPLIT.npy, y_SPLIT.npy) and a CNN that fits it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy } from '../../src/data/npy-codec.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { createModel } from '../../src/ir/model.js';
import { writeModel } from '../../src/onnx/write.js';
import { Rng } from '../../src/util/rng.js';

/** Two classes of 1×8×8 images: bright left half (0) or bright right half (1), plus noise. */
export function writeTwoClassSplit(dir: string, split: string, n: number, seed: number): void {
  const rng = new Rng(seed);
  const x = new Uint8Array(n * 64);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let p = 0; p < 64; p++) {
      const bright = p % 8 < 4 === (y[i] === 0);
      x[i * 64 + p] = Math.max(0, Math.min(255, Math.round((bright ? 170 : 70) + 40 * rng.normal())));
    }
  }
  writeFileSync(join(dir, `x_${split}.npy`), encodeNpy([n, 8, 8], x));
  writeFileSync(join(dir, `y_${split}.npy`), encodeNpy([n], y));
}

/** conv(4) → BN → ReLU → max pool → Gemm(2) on 1×8×8, written to dir/model.onnx. */
export function writeTwoClassModel(dir: string): string {
  const b = new GraphBuilder({ seed: 3 });
  const x = b.input('input', ['N', 1, 8, 8]);
  const h = b.relu(b.batchNorm(b.conv(x, { out: 4, kernel: 3, pad: 1, name: 'conv' }), { name: 'bn' }));
  b.output(b.gemm(b.flatten(b.maxPool(h, { kernel: 2 })), 2, { name: 'fc' }));
  const file = join(dir, 'model.onnx');
  writeModel(createModel(b.build()), file);
  return file;
}
