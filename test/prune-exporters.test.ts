// Graphs as PyTorch and Paddle2ONNX export them: Identity-shared weights, Constant-node weights,
// Shape→Gather→Concat→Reshape chains, dynamic batch. Groups exact, plans proven, input untouched.

import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { createPlan, modelFingerprint } from '../src/analysis/plan.js';
import { createModel } from '../src/ir/model.js';
import { applyPlan } from '../src/surgery/apply-plan.js';
import { verifyPlan } from '../src/surgery/verify.js';
import { paddleStyle, pytorchStyle } from './prune-exporter-fixtures.js';
import { prove, summarize } from './prune-fixtures.js';

describe('PyTorch-style export', () => {
  it('groups see through Identity weights and Shape-chain reshapes (view(b, c, 1, 1) in the SE block)', () => {
    expect(summarize(analyzeChannels(pytorchStyle()))).toEqual([
      "input ×3: in /conv1/Conv | channels of graph input 'input'",
      '/conv1/Conv ×8: out /conv1/Conv, in /a/Conv, out /b/Conv, in /se/fc1/Gemm, out /se/fc2/Gemm, in /conv2/Conv',
      '/a/Conv ×8: out /a/Conv, in /b/Conv',
      '/se/fc1/Gemm ×2: out /se/fc1/Gemm, in /se/fc2/Gemm',
      '/conv2/Conv ×6: out /conv2/Conv, in /fc/Gemm[16]',
      "/fc/Gemm ×4: out /fc/Gemm | feeds graph output '/fc/Gemm_output_0'",
    ]);
  });

  it('surgery unties the shared weight, rewrites targets, drops dead chains, leaves the input alone', () => {
    const g = pytorchStyle();
    const before = modelFingerprint(g);
    const shared = g.value('shared.weight')!.const!;
    const pruned = applyPlan(g, createPlan(g, { '/conv1/Conv': [0, 2, 4, 6], '/a/Conv': [1, 2, 3] }));
    expect(modelFingerprint(g)).toBe(before);
    expect(g.value('shared.weight')!.const).toBe(shared);
    expect(pruned.node('/a/Conv')!.input(1)!.const!.dims).toEqual([3, 4, 3, 3]);
    expect(pruned.node('/b/Conv')!.input(1)!.const!.dims).toEqual([4, 3, 3, 3]);
    expect(pruned.node('/se/Reshape_1')!.input(1)!.const!.toNumbers()).toEqual([0, -1, 1, 1]);
    expect(pruned.nodes.filter((n) => n.opType === 'Shape').map((n) => n.name)).toEqual(['/Shape']);
    expect(pruned.value('/conv2/Conv_output_0')!.type!.shape).toEqual(['batch_size', 6, 8, 8]);
  });

  it('random plans pass the oracle with a dynamic batch of 3', async () => {
    const g = pytorchStyle();
    for (const ratio of [0.25, 0.75]) {
      const proof = await prove(g, ratio, 5);
      expect(proof.verify.passed).toBe(true);
      expect(proof.actual).toEqual(proof.predicted);
    }
    const plan = createPlan(g, { '/conv2/Conv': [5] });
    const r = await verifyPlan(createModel(g), plan, { samples: 3, seed: 9 });
    expect(r).toMatchObject({ passed: true, samples: 3, seed: 9 });
  });
});

describe('Paddle2ONNX-style export (opset 11)', () => {
  it('Constant-node weights, Split attribute, MatMul+Add SE with HardSigmoid', () => {
    expect(summarize(analyzeChannels(paddleStyle()))).toEqual([
      "image ×3: in conv2d_0 | channels of graph input 'image'",
      'conv2d_0@0 ×3: out conv2d_0, param bn_0, in conv2d_1',
      'conv2d_0@3 ×5: out conv2d_0, param bn_0, in conv2d_2',
      'conv2d_1 ×4: out conv2d_1, in matmul_0, out matmul_1, param add_1, in conv2d_3',
      'conv2d_2 ×4: out conv2d_2, in matmul_0, out matmul_1, param add_1, in conv2d_3',
      'matmul_0 ×2: out matmul_0, param add_0, in matmul_1',
      'conv2d_3 ×6: out conv2d_3, in matmul_2[64]',
      "matmul_2 ×3: out matmul_2, param add_2 | Softmax 'softmax_0' normalises across channels",
    ]);
  });

  it('split sizes follow the kept channels; random plans pass the oracle', async () => {
    const g = paddleStyle();
    const pruned = applyPlan(g, createPlan(g, { 'conv2d_0@0': [2], 'conv2d_0@3': [0, 4] }));
    expect(pruned.node('split_0')!.attrInts('split')).toEqual([1, 2]);
    for (const ratio of [0.3, 0.6]) {
      const proof = await prove(g, ratio, 2);
      expect(proof.verify.passed).toBe(true);
      expect(proof.actual).toEqual(proof.predicted);
    }
  });
});
