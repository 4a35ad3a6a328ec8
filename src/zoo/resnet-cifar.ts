// CIFAR ResNets (He et al. 2016, §4.2): conv3×3(16) + BN + ReLU, three stages of n BasicBlocks with
// 16/32/64 channels (stride 2 at the start of stages 2 and 3), global average pool, Linear.
// depth = 6n + 2. Where the shape changes the shortcut is a 1×1 conv (stride 2) + BN ("option B"),
// not the zero-padding shortcut: it keeps the residual channels prunable. Names follow torchvision
// (`layer2.0.downsample.0`).

import type { Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';
import { basicBlock } from './resnet-blocks.js';
import { ZooGraph } from './zoo-graph.js';
import type { ResolvedZooOptions } from './zoo-options.js';

export function buildCifarResNet(depth: number, options: ResolvedZooOptions): Model {
  if (depth < 8 || (depth - 2) % 6 !== 0) {
    throw new PareError('PARE_CONFIG', `CIFAR ResNet depth must be 6n + 2 with n ≥ 1, got ${depth}`, {
      notes: ['common depths: 20, 32, 44, 56, 110'],
    });
  }
  const n = (depth - 2) / 6;
  const z = new ZooGraph(`resnet${depth}`, options);
  let x = z.convBn(z.input(), {
    name: 'conv1',
    bn: 'bn1',
    act: { op: 'relu', name: 'relu' },
    out: 16,
    kernel: 3,
    pad: 1,
  });
  [16, 32, 64].forEach((planes, s) => {
    for (let i = 0; i < n; i++) {
      x = basicBlock(z, x, `layer${s + 1}.${i}`, planes, i === 0 && s > 0 ? 2 : 1);
    }
  });
  return z.finishWithClassifier(x);
}
