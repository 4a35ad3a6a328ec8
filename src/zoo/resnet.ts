// ImageNet ResNets exactly as torchvision builds them: conv7×7/2 (no bias) + BN + ReLU, max pool 3×3/2
// pad 1, four stages (64/128/256/512 planes), global average pool, Flatten, Linear with bias.
// Bottleneck models put the stride on the 3×3 conv (ResNet v1.5); shortcuts are 1×1 conv + BN.

import type { Model } from '../ir/model.js';
import type { Value } from '../ir/value.js';
import { basicBlock, bottleneck } from './resnet-blocks.js';
import { ZooGraph } from './zoo-graph.js';
import type { ResolvedZooOptions } from './zoo-options.js';

export type ResNetDepth = 18 | 34 | 50 | 101 | 152;

/** Block kind and blocks per stage (torchvision's resnet18 … resnet152). */
export const resnetConfigs: Readonly<
  Record<ResNetDepth, { readonly block: 'basic' | 'bottleneck'; readonly layers: readonly number[] }>
> = {
  18: { block: 'basic', layers: [2, 2, 2, 2] },
  34: { block: 'basic', layers: [3, 4, 6, 3] },
  50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
  101: { block: 'bottleneck', layers: [3, 4, 23, 3] },
  152: { block: 'bottleneck', layers: [3, 8, 36, 3] },
};

export function buildResNet(depth: ResNetDepth, options: ResolvedZooOptions): Model {
  const { block, layers } = resnetConfigs[depth];
  const z = new ZooGraph(`resnet${depth}`, options);
  let x: Value = z.convBn(z.input(), {
    name: 'conv1',
    bn: 'bn1',
    act: { op: 'relu', name: 'relu' },
    out: 64,
    kernel: 7,
    stride: 2,
    pad: 3,
  });
  x = z.maxPool(x, { name: 'maxpool', kernel: 3, stride: 2, pad: 1 });
  const makeBlock = block === 'basic' ? basicBlock : bottleneck;
  layers.forEach((count, s) => {
    const planes = 64 * 2 ** s;
    for (let i = 0; i < count; i++) {
      x = makeBlock(z, x, `layer${s + 1}.${i}`, planes, i === 0 && s > 0 ? 2 : 1);
    }
  });
  return z.finishWithClassifier(x);
}
