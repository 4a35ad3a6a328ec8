// LeNet-5 with ReLU and max pooling (the common modern variant). On inputs smaller than 32×32 (MNIST's
// 28×28) conv1 pads by 2, so the feature maps match the original 32×32 design: 400 features before fc1.

import type { Model } from '../ir/model.js';
import { ZooGraph } from './zoo-graph.js';
import type { ResolvedZooOptions } from './zoo-options.js';

export function buildLeNet5(options: ResolvedZooOptions): Model {
  const z = new ZooGraph('lenet5', options);
  const b = z.b;
  const [, h, w] = options.inputShape;
  const pad = h < 32 || w < 32 ? 2 : 0;
  let x = z.input();
  x = b.relu(z.conv(x, { name: 'conv1', out: 6, kernel: 5, pad, bias: true }), 'relu1');
  x = z.maxPool(x, { name: 'pool1', kernel: 2 });
  x = b.relu(z.conv(x, { name: 'conv2', out: 16, kernel: 5, bias: true }), 'relu2');
  x = z.maxPool(x, { name: 'pool2', kernel: 2 });
  x = b.flatten(x, 'flatten');
  x = b.relu(b.gemm(x, 120, { name: 'fc1' }), 'relu3');
  x = b.relu(b.gemm(x, 84, { name: 'fc2' }), 'relu4');
  return z.finish(b.gemm(x, options.classes, { name: 'fc3' }));
}
