// CIFAR-style VGG with BatchNorm (as in pytorch-cifar and torchvision's vgg*_bn feature layout): 3×3
// convs with bias, BN, ReLU, 2×2 max pools, and a single Linear on the 512 final channels.
// A pool that would shrink a map below 1×1 is left out (28×28 inputs keep 4 of the 5), and a global
// average pool is added when more than 1×1 is left (inputs above 32×32), so the classifier is always
// Gemm(512 → classes). At 32×32 that is exactly Flatten → Linear(512, classes).

import type { Model } from '../ir/model.js';
import { ZooGraph } from './zoo-graph.js';
import type { ResolvedZooOptions } from './zoo-options.js';

export type VggDepth = 11 | 13 | 16 | 19;

/** Output channels per conv; 'M' is a 2×2 max pool (torchvision's cfgs A, B, D, E). */
export const vggConfigs: Readonly<Record<VggDepth, readonly (number | 'M')[]>> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

export function buildVgg(depth: VggDepth, options: ResolvedZooOptions): Model {
  const z = new ZooGraph(`vgg${depth}`, options);
  let x = z.input();
  // Module indices follow nn.Sequential numbering: conv i, bn i+1, relu i+2, pool = one index.
  let i = 0;
  for (const v of vggConfigs[depth]) {
    if (v === 'M') {
      const [h, w] = z.spatial(x);
      if (h < 2 || w < 2) continue;
      x = z.maxPool(x, { name: `features.${i}`, kernel: 2 });
      i += 1;
    } else {
      x = z.convBn(x, {
        name: `features.${i}`,
        bn: `features.${i + 1}`,
        act: { op: 'relu', name: `features.${i + 2}` },
        out: v,
        kernel: 3,
        pad: 1,
        bias: true,
      });
      i += 3;
    }
  }
  const [h, w] = z.spatial(x);
  return z.finishWithClassifier(x, { pool: h > 1 || w > 1, classifierName: 'classifier' });
}
