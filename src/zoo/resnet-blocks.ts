// ResNet blocks as torchvision builds them (BasicBlock, Bottleneck v1.5), shared by the CIFAR and the
// ImageNet ResNets. Module names match torchvision's state_dict keys.

import type { Value } from '../ir/value.js';
import type { ZooGraph } from './zoo-graph.js';

/** torchvision's BasicBlock: conv3×3-BN-ReLU-conv3×3-BN, + shortcut, ReLU. */
export function basicBlock(z: ZooGraph, x: Value, prefix: string, planes: number, stride: number): Value {
  const y = z.convBn(x, {
    name: `${prefix}.conv1`,
    bn: `${prefix}.bn1`,
    act: { op: 'relu', name: `${prefix}.relu1` },
    out: planes,
    kernel: 3,
    stride,
    pad: 1,
  });
  const out = z.convBn(y, { name: `${prefix}.conv2`, bn: `${prefix}.bn2`, out: planes, kernel: 3, pad: 1 });
  const identity = downsample(z, x, prefix, planes, stride);
  return z.b.relu(z.b.add(out, identity, `${prefix}.add`), `${prefix}.relu2`);
}

/** The 1×1 conv + BN shortcut when stride or channels change; the input itself otherwise. */
export function downsample(z: ZooGraph, x: Value, prefix: string, out: number, stride: number): Value {
  if (stride === 1 && z.b.channels(x) === out) return x;
  return z.convBn(x, {
    name: `${prefix}.downsample.0`,
    bn: `${prefix}.downsample.1`,
    out,
    kernel: 1,
    stride,
  });
}

/** torchvision's Bottleneck (v1.5: the stride is on the 3×3 conv); expansion 4. */
export function bottleneck(z: ZooGraph, x: Value, prefix: string, planes: number, stride: number): Value {
  const y1 = z.convBn(x, {
    name: `${prefix}.conv1`,
    bn: `${prefix}.bn1`,
    act: { op: 'relu', name: `${prefix}.relu1` },
    out: planes,
    kernel: 1,
  });
  const y2 = z.convBn(y1, {
    name: `${prefix}.conv2`,
    bn: `${prefix}.bn2`,
    act: { op: 'relu', name: `${prefix}.relu2` },
    out: planes,
    kernel: 3,
    stride,
    pad: 1,
  });
  const out = z.convBn(y2, { name: `${prefix}.conv3`, bn: `${prefix}.bn3`, out: planes * 4, kernel: 1 });
  const identity = downsample(z, x, prefix, planes * 4, stride);
  return z.b.relu(z.b.add(out, identity, `${prefix}.add`), `${prefix}.relu3`);
}
