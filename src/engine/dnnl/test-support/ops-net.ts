// Test support: a small net with the ops beyond ResNet and MobileNetV2 (Concat, squeeze-and-excitation,
// HardSigmoid, HardSwish, Dropout, Resize, ConvTranspose), for the equivalence tests and the primitive listing.

import { GraphBuilder } from '../../../ir/builder.js';
import { createModel, type Model } from '../../../ir/model.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';

/**
 * Stem conv → BN → HardSwish; a squeeze-and-excitation block (GAP → 1×1 conv → ReLU → 1×1 conv →
 * Sigmoid → Mul over H, W); a HardSigmoid branch; Concat of 24 + 16 channels (an offset off the 16-
 * channel block) and of 16 + 24; Dropout; GAP → Gemm. `ratio` is the Dropout's.
 */
export function opsNet(ratio: number): Model {
  const b = new GraphBuilder({ opset: 14, seed: 5 });
  const x = b.input('x', ['N', 3, 10, 10]);
  const stem = b.batchNorm(b.conv(x, { out: 24, kernel: 3, pad: 1, name: 'stem' }), { name: 'bn0' });
  const h = b.op('HardSwish', [stem], {}, { name: 'hswish' });
  const s = b.relu(b.conv(b.globalAvgPool(h, 'se.pool'), { out: 8, kernel: 1, bias: true, name: 'se.fc1' }));
  const gate = b.op(
    'Sigmoid',
    [b.conv(s, { out: 24, kernel: 1, bias: true, name: 'se.fc2' })],
    {},
    { name: 'se.gate' },
  );
  const se = b.mul(h, gate, 'se.mul');
  const branch = b.batchNorm(b.conv(se, { out: 16, kernel: 3, pad: 1, name: 'branch' }), { name: 'bn1' });
  const hs = b.op('HardSigmoid', [branch], { alpha: 0.25, beta: 0.4 }, { name: 'hsig' });
  const cat = b.concat([se, hs], 'cat');
  const cat2 = b.concat([hs, b.relu(cat)], 'cat2');
  const mixed = b.batchNorm(b.conv(cat2, { out: 16, kernel: 1, name: 'mix' }), { name: 'bn2' });
  const prod = b.mul(mixed, hs, 'gate2'); // same-shape Mul
  // U-Net style: down, conv, nearest ×2 back up, added to the skip
  const down = b.conv(b.maxPool(prod, { kernel: 2, stride: 2 }), {
    out: 16,
    kernel: 3,
    pad: 1,
    name: 'down',
  });
  const scales = b.graph.addInitializer('up.scales', Tensor.float32([4], [1, 1, 2, 2]));
  const up = b.op(
    'Resize',
    [down, null, scales],
    { mode: 'nearest' },
    { name: 'up', shape: ['N', 16, 10, 10] },
  );
  // ConvTranspose back up too: grouped with output_padding, and 2×2 stride 2 with a bias
  const w1 = b.weight('ct1.weight', [16, 8, 3, 3], 'kaiming-fan-out');
  const ct1 = b.op(
    'ConvTranspose',
    [down, w1],
    { group: 2, kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
    { name: 'ct1', shape: ['N', 16, 10, 10] },
  );
  const w2 = b.weight('ct2.weight', [16, 16, 2, 2], 'kaiming-fan-out');
  const b2 = b.weight('ct2.bias', [16], { uniform: 0.1 });
  const ct2 = b.op(
    'ConvTranspose',
    [down, w2, b2],
    { strides: [2, 2] },
    { name: 'ct2', shape: ['N', 16, 10, 10] },
  );
  const merged = b.add(b.add(b.add(prod, up, 'merge'), ct1, 'merge1'), ct2, 'merge2');
  const ratioValue = b.graph.addInitializer('drop.ratio', Tensor.scalar('float32', ratio));
  const dropped: Value = b.op('Dropout', [b.relu(merged), ratioValue], {}, { name: 'drop' });
  b.output(b.gemm(b.flatten(b.globalAvgPool(dropped)), 5, { name: 'fc' }));
  return createModel(b.build());
}
