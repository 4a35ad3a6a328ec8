import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { computeCosts } from './costs.js';

/** A small ResNet: stem conv 7×7/2 + BN + ReLU + maxpool, one basic block with a projection, head. */
function resnetLike() {
  const b = new GraphBuilder({ opset: 13, seed: 1 });
  const x = b.input('x', ['N', 3, 32, 32]);
  let y = b.relu(
    b.batchNorm(b.conv(x, { out: 8, kernel: 7, stride: 2, pad: 3, name: 'stem' }), { name: 'bn0' }),
  );
  y = b.maxPool(y, { kernel: 3, stride: 2, pad: 1 }); // 16 → 8
  const a = b.relu(b.batchNorm(b.conv(y, { out: 16, kernel: 3, stride: 2, pad: 1, name: 'b1c1' })));
  const c = b.batchNorm(b.conv(a, { out: 16, kernel: 3, pad: 1, name: 'b1c2' }));
  const p = b.batchNorm(b.conv(y, { out: 16, kernel: 1, stride: 2, name: 'proj' }));
  let z = b.relu(b.add(c, p));
  z = b.flatten(b.globalAvgPool(z));
  b.output(b.gemm(z, 10, { name: 'fc' }));
  return b.build();
}

describe('computeCosts', () => {
  it('counts a ResNet-like graph exactly as derived by hand', () => {
    const g = resnetLike();
    const r = computeCosts(g);
    // Params: convs (no bias) + BN scale/bias (not running stats) + fc W/b.
    const convParams = 8 * 3 * 49 + 16 * 8 * 9 + 16 * 16 * 9 + 16 * 8;
    const bnParams = 2 * (8 + 16 + 16 + 16);
    const fcParams = 16 * 10 + 10;
    expect(r.params).toBe(convParams + bnParams + fcParams);
    // MACs: out elements × Cin/group × k×k; stem 16×16, maxpool → 8×8, block at 4×4.
    const macs = 8 * 16 * 16 * 3 * 49 + 16 * 4 * 4 * 8 * 9 + 16 * 4 * 4 * 16 * 9 + 16 * 4 * 4 * 8 + 16 * 10;
    expect(r.macs).toBe(macs);
    const stem = r.nodes.find((n) => n.node.name === 'stem')!;
    expect(stem.outputShape).toEqual(['N', 8, 16, 16]);
    expect(stem.activationBytes).toBe(8 * 16 * 16 * 4);
    expect(stem.params).toBe(8 * 3 * 49);
    expect(r.nodes.find((n) => n.node.name === 'fc')!.macs).toBe(160);
  });

  it('counts each Identity copy of a de-duplicated initializer as its own parameter (as PyTorch does)', () => {
    const b = new GraphBuilder({ opset: 13 });
    const x = b.input('x', ['N', 4, 8, 8]);
    const w = b.weight('shared.weight', [4, 4, 3, 3], 'normal');
    const alias = b.op('Identity', [w], {}, { name: 'alias' });
    const y1 = b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'c1' });
    const y2 = b.op('Conv', [y1, alias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'c2' });
    b.output(y2);
    const r = computeCosts(b.build());
    // torch.onnx.export writes two parameters with equal values as one initializer plus an Identity
    // per parameter: c1's weight and c2's weight are two PyTorch parameters.
    expect(r.params).toBe(2 * 4 * 4 * 9);
    expect(r.nodes.find((n) => n.node.name === 'c1')!.params).toBe(144);
    expect(r.nodes.find((n) => n.node.name === 'c2')!.params).toBe(144);
    expect(r.macs).toBe(2 * 4 * 8 * 8 * 4 * 9);
  });

  it('counts a weight read by several nodes under one name once (a tied parameter)', () => {
    const b = new GraphBuilder({ opset: 13 });
    const x = b.input('x', ['N', 4, 8, 8]);
    const w = b.weight('tied.weight', [4, 4, 3, 3], 'normal');
    const y1 = b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'c1' });
    const y2 = b.op('Conv', [y1, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'c2' });
    b.output(y2);
    const r = computeCosts(b.build());
    expect(r.params).toBe(4 * 4 * 9);
    expect(r.nodes.find((n) => n.node.name === 'c2')!.params).toBe(0);
  });

  it('divides a static batch out (per-sample costs)', () => {
    const build = (batch: number | string) => {
      const b = new GraphBuilder({ opset: 13 });
      b.output(b.conv(b.input('x', [batch, 3, 8, 8]), { out: 4, kernel: 3 }));
      return computeCosts(b.build());
    };
    const one = build('N');
    const four = build(4);
    expect(four.macs).toBe(one.macs);
    expect(four.activationBytes).toBe(one.activationBytes);
    expect(one.macs).toBe(4 * 6 * 6 * 27);
  });

  it('counts non-scalar elementwise constants but not scalars or int64 shape data', () => {
    const b = new GraphBuilder({ opset: 13 });
    const x = b.input('x', ['N', 4, 2, 2]);
    const scale: Value = b.weight('gamma', [4, 1, 1], 'ones');
    const three = b.graph.addInitializer('three', Tensor.float32([], [3]));
    const shape = b.ints('shape', [-1, 16]);
    const y = b.op('Reshape', [b.add(b.mul(x, scale), three), shape]);
    b.output(y);
    expect(computeCosts(b.build()).params).toBe(4);
  });
});

describe('computeCosts with unknown shapes', () => {
  it('warns per node, naming where shape knowledge stopped', () => {
    const b = new GraphBuilder({ opset: 13 });
    const x = b.input('x', ['N', 3, 8, 8]);
    const d = b.op('SpaceToDepth', [x], { blocksize: 2 }, { name: 's2d', shape: ['N', 12, 4, 4] });
    // Not a graph output: the builder types graph outputs, and computeCosts keeps types it cannot derive.
    b.output(b.relu(b.conv(d, { out: 4, kernel: 1, name: 'c' })));
    const r = computeCosts(b.build());
    const c = r.diagnostics.find((x) => x.node?.name === 'c' && x.text.includes('MACs'))!;
    expect(c.text).toBe(
      "Conv 'c': MACs not counted (shape unknown: SpaceToDepth 's2d' upstream has no shape rule)",
    );
    expect(r.diagnostics.some((x) => x.code === 'PARE_UNSUPPORTED_OP' && x.node?.name === 's2d')).toBe(true);
    expect(r.params).toBe(4 * 12);
  });

  it('counts weights held in Constant nodes', () => {
    const b = new GraphBuilder({ opset: 13 });
    const x = b.input('x', ['N', 2, 4, 4]);
    const w = b.graph.addNode('Constant', [], ['w'], {
      attrs: { value: Tensor.float32([3, 2, 1, 1], [1, 2, 3, 4, 5, 6]) },
    });
    b.graph.addOutput(b.op('Conv', [x, w.output()], { kernel_shape: [1, 1] }, { name: 'c' }));
    const r = computeCosts(b.build());
    expect(r.params).toBe(6);
    expect(r.macs).toBe(3 * 4 * 4 * 2);
  });
});
