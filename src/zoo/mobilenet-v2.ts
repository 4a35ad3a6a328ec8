// MobileNetV2 as torchvision builds it: channels scaled by the width multiplier and rounded with
// `_make_divisible(·, 8)`, inverted residual blocks (1×1 expand, 3×3 depthwise, 1×1 linear project),
// ReLU6 as Clip(0, 6), a residual Add where stride is 1 and channels match, a last 1×1 conv to
// 1280 × max(1, width) channels, global average pool and a Linear (dropout is a no-op at inference).

import type { Model } from '../ir/model.js';
import type { Value } from '../ir/value.js';
import { ZooGraph } from './zoo-graph.js';
import type { ResolvedZooOptions } from './zoo-options.js';

/** Expansion t, output channels c, repeats n, first stride s (the paper's Table 2). */
export const mobileNetV2Settings: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** torchvision's `_make_divisible`: nearest multiple of `divisor`, never more than 10% below `v`. */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

export function buildMobileNetV2(options: ResolvedZooOptions): Model {
  const width = options.width;
  const z = new ZooGraph('mobilenetv2', options);
  let cin = makeDivisible(32 * width);
  let x = z.convBn(z.input(), {
    name: 'features.0.0',
    bn: 'features.0.1',
    act: { op: 'relu6', name: 'features.0.2' },
    out: cin,
    kernel: 3,
    stride: 2,
    pad: 1,
  });
  let index = 1;
  for (const [t, c, n, s] of mobileNetV2Settings) {
    const cout = makeDivisible(c * width);
    for (let i = 0; i < n; i++) {
      x = invertedResidual(z, x, `features.${index++}`, cin, cout, i === 0 ? s : 1, t);
      cin = cout;
    }
  }
  x = z.convBn(x, {
    name: `features.${index}.0`,
    bn: `features.${index}.1`,
    act: { op: 'relu6', name: `features.${index}.2` },
    out: makeDivisible(1280 * Math.max(1, width)),
    kernel: 1,
  });
  // torchvision's classifier is Sequential(Dropout, Linear): the Linear is `classifier.1`.
  return z.finishWithClassifier(x, { classifierName: 'classifier.1' });
}

function invertedResidual(
  z: ZooGraph,
  x: Value,
  prefix: string,
  cin: number,
  cout: number,
  stride: number,
  expand: number,
): Value {
  // torchvision: int(round(inp * t)); the product is an integer here, so rounding modes agree.
  const hidden = Math.round(cin * expand);
  let y = x;
  let k = 0;
  if (expand !== 1) {
    y = z.convBn(y, {
      name: `${prefix}.conv.${k}.0`,
      bn: `${prefix}.conv.${k}.1`,
      act: { op: 'relu6', name: `${prefix}.conv.${k}.2` },
      out: hidden,
      kernel: 1,
    });
    k += 1;
  }
  y = z.convBn(y, {
    name: `${prefix}.conv.${k}.0`,
    bn: `${prefix}.conv.${k}.1`,
    act: { op: 'relu6', name: `${prefix}.conv.${k}.2` },
    out: hidden,
    kernel: 3,
    stride,
    pad: 1,
    group: hidden,
  });
  y = z.convBn(y, { name: `${prefix}.conv.${k + 1}`, bn: `${prefix}.conv.${k + 2}`, out: cout, kernel: 1 });
  return stride === 1 && cin === cout ? z.b.add(x, y, `${prefix}.add`) : y;
}
