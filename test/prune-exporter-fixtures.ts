// Graphs written the way exporters write them, node by node: PyTorch (BN folded into Conv biases,
// weights behind Identity, flatten and view(b, c, 1, 1) as Shape→Gather→Concat→Reshape chains,
// dynamic batch) and Paddle2ONNX (Constant-node weights and targets, MatMul+Add, HardSigmoid gates,
// Squeeze/Unsqueeze, Split with a `split` attribute at opset 11).

import { Graph } from '../src/ir/graph.js';
import { Tensor } from '../src/ir/tensor.js';
import type { Value } from '../src/ir/value.js';
import { Rng } from '../src/util/rng.js';

class Writer {
  readonly g: Graph;
  private readonly rng: Rng;
  private n = 0;

  constructor(name: string, opset: number, seed = 3) {
    this.g = new Graph(name);
    this.g.opsets.set('', opset);
    this.rng = new Rng(seed);
  }

  random(dims: number[], scale: number): Tensor {
    const size = dims.reduce((a, b) => a * b, 1);
    return Tensor.from('float32', dims, this.rng.fillNormal(new Float32Array(size), scale));
  }

  init(name: string, t: Tensor): Value {
    return this.g.addInitializer(name, t);
  }

  /** A weight as a Constant node (Paddle2ONNX style). */
  constant(name: string, t: Tensor): Value {
    return this.g.addNode('Constant', [], [name], { name: `${name}.const`, attrs: { value: t } }).output();
  }

  node(
    op: string,
    inputs: (Value | null)[],
    attrs: Record<string, number | number[]> = {},
    name?: string,
  ): Value {
    const n = name ?? `/${op}_${++this.n}`;
    return this.g.addNode(op, inputs, [`${n}_output_0`], { name: n, attrs }).output();
  }

  ints(name: string, values: number[], dims = [values.length]): Value {
    return this.init(name, Tensor.int64(dims, values));
  }

  conv(x: Value, w: Value, b: Value | null, name: string, pads = 1, group = 1): Value {
    const k = 2 * pads + 1;
    const attrs = { kernel_shape: [k, k], pads: [pads, pads, pads, pads], strides: [1, 1], group };
    return this.node('Conv', b ? [x, w, b] : [x, w], attrs, name);
  }
}

/** PyTorch 2.x export, eval mode: BN folded, tied weights through Identity, Shape-chain reshapes. */
export function pytorchStyle(): Graph {
  const w = new Writer('torch_jit', 13);
  const g = w.g;
  const x = g.addInput('input', ['batch_size', 3, 8, 8]);
  const c1 = w.node('Relu', [
    w.conv(
      x,
      w.init('conv1.weight', w.random([8, 3, 3, 3], 0.4)),
      w.init('conv1.bias', w.random([8], 0.3)),
      '/conv1/Conv',
    ),
  ]);
  // Two convs sharing one weight (torch ties them; the exporter inserts Identity nodes).
  const shared = w.init('shared.weight', w.random([8, 8, 3, 3], 0.2));
  const wa = w.node('Identity', [shared], {}, '/Identity_a');
  const wb = w.node('Identity', [shared], {}, '/Identity_b');
  const a = w.node('Relu', [w.conv(c1, wa, w.init('a.bias', w.random([8], 0.3)), '/a/Conv')]);
  const b = w.conv(a, wb, w.init('b.bias', w.random([8], 0.3)), '/b/Conv');
  const res = w.node('Relu', [w.node('Add', [b, c1], {}, '/Add')]);
  // SE block as users write it: pool, view(b, c), Linear, ReLU, Linear, Sigmoid, view(b, c, 1, 1).
  const pooled = w.node('GlobalAveragePool', [res], {}, '/se/pool');
  const shape = w.node('Shape', [res], {}, '/se/Shape');
  const bdim = w.node(
    'Unsqueeze',
    [w.node('Gather', [shape, w.ints('idx0', [0], [])], { axis: 0 }, '/se/Gather'), w.ints('ax0', [0])],
    {},
    '/se/Unsqueeze',
  );
  const cdim = w.node(
    'Unsqueeze',
    [w.node('Gather', [shape, w.ints('idx1', [1], [])], { axis: 0 }, '/se/Gather_1'), w.ints('ax0b', [0])],
    {},
    '/se/Unsqueeze_1',
  );
  const flat = w.node(
    'Reshape',
    [pooled, w.node('Concat', [bdim, cdim], { axis: 0 }, '/se/Concat')],
    {},
    '/se/Reshape',
  );
  const fc1 = w.node('Relu', [
    w.node(
      'Gemm',
      [flat, w.init('se.fc1.weight', w.random([2, 8], 0.5)), w.init('se.fc1.bias', w.random([2], 0.3))],
      { transB: 1 },
      '/se/fc1/Gemm',
    ),
  ]);
  const fc2 = w.node('Sigmoid', [
    w.node(
      'Gemm',
      [fc1, w.init('se.fc2.weight', w.random([8, 2], 0.5)), w.init('se.fc2.bias', w.random([8], 0.3))],
      { transB: 1 },
      '/se/fc2/Gemm',
    ),
  ]);
  const ones = w.ints('ones', [1, 1]);
  const target = w.node('Concat', [bdim, cdim, ones], { axis: 0 }, '/se/Concat_1');
  const gated = w.node('Mul', [res, w.node('Reshape', [fc2, target], {}, '/se/Reshape_1')], {}, '/se/Mul');
  const c2 = w.node('Relu', [
    w.conv(
      gated,
      w.init('conv2.weight', w.random([6, 8, 3, 3], 0.2)),
      w.init('conv2.bias', w.random([6], 0.3)),
      '/conv2/Conv',
    ),
  ]);
  const pool = w.node('MaxPool', [c2], { kernel_shape: [2, 2], strides: [2, 2] }, '/pool/MaxPool');
  // torch.flatten(x, 1) written as x.view(x.size(0), -1).
  const s2 = w.node('Shape', [pool], {}, '/Shape');
  const n = w.node(
    'Unsqueeze',
    [w.node('Gather', [s2, w.ints('idx0b', [0], [])], { axis: 0 }, '/Gather'), w.ints('ax0c', [0])],
    {},
    '/Unsqueeze',
  );
  const flat2 = w.node(
    'Reshape',
    [pool, w.node('Concat', [n, w.ints('minus1', [-1])], { axis: 0 }, '/Concat')],
    {},
    '/Reshape',
  );
  const logits = w.node(
    'Gemm',
    [flat2, w.init('fc.weight', w.random([4, 96], 0.1)), w.init('fc.bias', w.random([4], 0.1))],
    { transB: 1 },
    '/fc/Gemm',
  );
  g.addOutput(logits);
  return g;
}

/** Paddle2ONNX, opset 11: Constant nodes, Split attribute, HardSigmoid SE, MatMul + Add head. */
export function paddleStyle(): Graph {
  const w = new Writer('paddle', 11);
  const g = w.g;
  const x = g.addInput('image', ['p2o.DynamicDimension.0', 3, 8, 8]);
  const bn = (v: Value, c: number, name: string) =>
    w.node(
      'BatchNormalization',
      [
        v,
        w.constant(`${name}.scale`, w.random([c], 0.5)),
        w.constant(`${name}.bias`, w.random([c], 0.3)),
        w.constant(`${name}.mean`, w.random([c], 0.2)),
        w.constant(
          `${name}.var`,
          Tensor.float32(
            [c],
            Array.from({ length: c }, (_, i) => 0.5 + i / c),
          ),
        ),
      ],
      { epsilon: 1e-5 },
      name,
    );
  const c1 = w.node('Relu', [
    bn(w.conv(x, w.constant('conv1_w', w.random([8, 3, 3, 3], 0.4)), null, 'conv2d_0'), 8, 'bn_0'),
  ]);
  const parts = g.addNode('Split', [c1], ['split_0.0', 'split_0.1'], {
    name: 'split_0',
    attrs: { axis: 1, split: [3, 5] },
  }).outputs;
  const b0 = w.conv(
    parts[0]!,
    w.constant('conv2_w', w.random([4, 3, 1, 1], 0.4)),
    w.constant('conv2_b', w.random([4], 0.3)),
    'conv2d_1',
    0,
  );
  const b1 = w.conv(
    parts[1]!,
    w.constant('conv3_w', w.random([4, 5, 1, 1], 0.4)),
    w.constant('conv3_b', w.random([4], 0.3)),
    'conv2d_2',
    0,
  );
  const cat = w.node('Concat', [b0, b1], { axis: 1 }, 'concat_0');
  // SE with Squeeze → MatMul + Add → ReLU → MatMul + Add → HardSigmoid → Unsqueeze → Mul.
  const sq = w.node(
    'Squeeze',
    [w.node('GlobalAveragePool', [cat], {}, 'pool2d_0')],
    { axes: [2, 3] },
    'squeeze_0',
  );
  const fc1 = w.node('Relu', [
    w.node(
      'Add',
      [
        w.node('MatMul', [sq, w.constant('fc1_w', w.random([8, 2], 0.5))], {}, 'matmul_0'),
        w.constant('fc1_b', w.random([2], 0.3)),
      ],
      {},
      'add_0',
    ),
  ]);
  const fc2 = w.node(
    'Add',
    [
      w.node('MatMul', [fc1, w.constant('fc2_w', w.random([2, 8], 0.5))], {}, 'matmul_1'),
      w.constant('fc2_b', w.random([8], 0.3)),
    ],
    {},
    'add_1',
  );
  const gate = w.node(
    'Unsqueeze',
    [
      g
        .addNode('HardSigmoid', [fc2], ['hs_out'], {
          name: 'hard_sigmoid_0',
          attrs: { alpha: 0.1666667, beta: 0.5 },
        })
        .output(),
    ],
    { axes: [2, 3] },
    'unsqueeze_0',
  );
  const se = w.node('Mul', [cat, gate], {}, 'elementwise_mul_0');
  const c4 = w.node('Relu', [
    w.conv(
      se,
      w.constant('conv4_w', w.random([6, 8, 3, 3], 0.2)),
      w.constant('conv4_b', w.random([6], 0.3)),
      'conv2d_3',
    ),
  ]);
  const flat = w.node('Reshape', [c4, w.constant('shape_0', Tensor.int64([2], [0, -1]))], {}, 'reshape2_0');
  const logits = w.node(
    'Add',
    [
      w.node('MatMul', [flat, w.constant('fc_w', w.random([384, 3], 0.05))], {}, 'matmul_2'),
      w.constant('fc_b', w.random([3], 0.1)),
    ],
    {},
    'add_2',
  );
  g.addOutput(w.node('Softmax', [logits], { axis: 1 }, 'softmax_0'));
  return g;
}
