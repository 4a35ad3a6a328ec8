// A model written the way torch.onnx.export (opset 13, eval mode) writes one: BN folded into Conv
// (conv bias present), a weight shared through Identity nodes, dynamic batch 'batch_size', and the
// flatten spelled Shape → Gather → Unsqueeze → Concat → Reshape.

import { GraphBuilder } from '../../src/ir/builder.js';
import { Graph } from '../../src/ir/graph.js';
import { createModel, type Model } from '../../src/ir/model.js';
import { Tensor } from '../../src/ir/tensor.js';
import { Rng } from '../../src/util/rng.js';

function randn(rng: Rng, dims: number[]): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return Tensor.from('float32', dims, rng.fillNormal(new Float32Array(n), 0.1));
}

/** Input [batch, 3, 16, 16] → conv 8 (3×3 pad 1, bias) → Relu → conv 8 (shared W via Identity) → Relu → Flatten via Shape chain → Gemm 10. */
export function pytorchStyleModel(seed = 0): Model {
  const rng = new Rng(seed);
  const g = new Graph('torch_jit');
  g.opsets.set('', 13);
  g.addInput('input', ['batch_size', 3, 16, 16]);
  g.addInitializer('conv1.weight', randn(rng, [8, 3, 3, 3]));
  g.addInitializer('conv1.bias', randn(rng, [8]));
  g.addInitializer('shared.weight', randn(rng, [8, 8, 3, 3]));
  g.addInitializer('conv2.bias', randn(rng, [8]));
  g.addInitializer('conv3.bias', randn(rng, [8]));
  g.addInitializer('fc.weight', randn(rng, [10, 8 * 8 * 8]));
  g.addInitializer('fc.bias', randn(rng, [10]));
  g.addInitializer('onnx::Gather_0', Tensor.int64([], [0]));
  g.addInitializer('onnx::Unsqueeze_axes', Tensor.int64([1], [0]));
  g.addInitializer('onnx::Concat_minus1', Tensor.int64([1], [-1]));
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1], group: 1 };
  g.addNode('Conv', ['input', 'conv1.weight', 'conv1.bias'], ['/conv1/Conv_output_0'], {
    name: '/conv1/Conv',
    attrs: conv,
  });
  g.addNode('Relu', ['/conv1/Conv_output_0'], ['/relu1/Relu_output_0'], { name: '/relu1/Relu' });
  g.addNode('Identity', ['shared.weight'], ['conv2.weight'], { name: 'Identity_0' });
  g.addNode('Identity', ['shared.weight'], ['conv3.weight'], { name: 'Identity_1' });
  g.addNode('Conv', ['/relu1/Relu_output_0', 'conv2.weight', 'conv2.bias'], ['/conv2/Conv_output_0'], {
    name: '/conv2/Conv',
    attrs: conv,
  });
  g.addNode('Relu', ['/conv2/Conv_output_0'], ['/relu2/Relu_output_0'], { name: '/relu2/Relu' });
  g.addNode('Conv', ['/relu2/Relu_output_0', 'conv3.weight', 'conv3.bias'], ['/conv3/Conv_output_0'], {
    name: '/conv3/Conv',
    attrs: { ...conv, strides: [2, 2] },
  });
  g.addNode('Shape', ['/conv3/Conv_output_0'], ['/Shape_output_0'], { name: '/Shape' });
  g.addNode('Gather', ['/Shape_output_0', 'onnx::Gather_0'], ['/Gather_output_0'], {
    name: '/Gather',
    attrs: { axis: 0 },
  });
  g.addNode('Unsqueeze', ['/Gather_output_0', 'onnx::Unsqueeze_axes'], ['/Unsqueeze_output_0'], {
    name: '/Unsqueeze',
  });
  g.addNode('Concat', ['/Unsqueeze_output_0', 'onnx::Concat_minus1'], ['/Concat_output_0'], {
    name: '/Concat',
    attrs: { axis: 0 },
  });
  g.addNode('Reshape', ['/conv3/Conv_output_0', '/Concat_output_0'], ['/Reshape_output_0'], {
    name: '/Reshape',
  });
  g.addNode('Gemm', ['/Reshape_output_0', 'fc.weight', 'fc.bias'], ['output'], {
    name: '/fc/Gemm',
    attrs: { alpha: 1, beta: 1, transB: 1 },
  });
  g.addOutput(g.mustValue('output'));
  g.outputs[0]!.type = { elemType: 1, shape: ['batch_size', 10] };
  return createModel(g, { irVersion: 8, producerName: 'pytorch', producerVersion: '2.1.0' });
}

/**
 * What torch.onnx.export does to a model with BatchNorm kept (constant folding off): initializers
 * with equal values (a fresh model's BN weights of 1, biases and running means of 0, variances of 1)
 * become one initializer, read through an Identity node per original tensor. Returns the model with
 * that done, and PyTorch's own parameter count (conv and fc weights and biases, BN weight and bias).
 */
export function pytorchBnKeptModel(): { model: Model; torchParams: number } {
  const b = new GraphBuilder({ opset: 13, seed: 5 });
  let x = b.input('input', ['batch_size', 3, 16, 16]);
  for (const [i, c] of [16, 16, 32].entries()) {
    x = b.relu(b.batchNorm(b.conv(x, { out: c, kernel: 3, pad: 1, name: `conv${i}` }), { name: `bn${i}` }));
  }
  b.output(b.gemm(b.flatten(b.globalAvgPool(x)), 10, { name: 'fc' }));
  const g = b.build();
  const torchParams = 3 * 16 * 9 + 2 * 16 + 16 * 16 * 9 + 2 * 16 + 16 * 32 * 9 + 2 * 32 + 32 * 10 + 10;
  // De-duplicate: the first initializer with given dims and bytes stays; later equal ones are
  // replaced by an Identity of it, keeping their names as the Identity outputs.
  const kept = new Map<string, string>();
  for (const v of [...g.initializers]) {
    const t = v.const!;
    const key = `${t.dims.join('x')}:${Buffer.from(t.rawBytes()).toString('base64')}`;
    const first = kept.get(key);
    if (first === undefined) {
      kept.set(key, v.name);
      continue;
    }
    const name = v.name;
    g.renameValue(v, `${name}.dup`);
    const id = g.addNode('Identity', [g.mustValue(first)], [`${name}.identity`], {
      name: `Identity_${name}`,
    });
    g.replaceAllUses(v, id.output());
    g.removeInitializer(v);
    g.renameValue(id.output(), name);
  }
  g.toposort();
  return {
    model: createModel(g, { irVersion: 8, producerName: 'pytorch', producerVersion: '1.13.1' }),
    torchParams,
  };
}
