// Parameter and MAC counts of zoo models against published numbers and hand derivations.
// MACs are counted here independently of the builder: shapes are propagated from the graph's own
// attributes and weights, and only Conv and Gemm count (the convention behind the published numbers).
// The same numbers must come out of ops' computeCosts, which `pare inspect` reports.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { computeCosts } from '../ops/costs.js';
import { buildZooModel } from './registry.js';

// Default-option models are built once and shared by the parameter and MAC tests.
const built = new Map<string, Graph>();
function zooGraph(name: string): Graph {
  const g = built.get(name) ?? buildZooModel(name).graph;
  built.set(name, g);
  return g;
}

/** Trainable parameters: float initializers of rank ≥ 1 except BN running statistics. */
function countParams(g: Graph): number {
  let n = 0;
  for (const v of g.initializers) {
    const t = v.const!;
    if (t.dims.length === 0 || /running_(mean|var)$/.test(v.name)) continue;
    n += t.size;
  }
  return n;
}

/** MACs of Conv and Gemm at batch 1, with a shape walk over the op types the zoo emits. */
function countMacs(g: Graph, inputShape: readonly number[]): number {
  const shapes = new Map<Value, number[]>([[g.inputs[0]!, [1, ...inputShape]]]);
  const shapeOf = (v: Value | undefined): number[] => (v?.const ? [...v.const.dims] : shapes.get(v!)!);
  let macs = 0;
  for (const node of g.nodes) {
    const x = shapeOf(node.input(0));
    let out: number[];
    switch (node.opType) {
      case 'Conv':
      case 'MaxPool': {
        const [kh, kw] = node.attrInts('kernel_shape')!;
        const [sh, sw] = node.attrInts('strides', [1, 1]);
        const p = node.attrInts('pads', [0, 0, 0, 0]);
        const oh = Math.floor((x[2]! + p[0]! + p[2]! - kh!) / sh!) + 1;
        const ow = Math.floor((x[3]! + p[1]! + p[3]! - kw!) / sw!) + 1;
        if (node.opType === 'MaxPool') out = [x[0]!, x[1]!, oh, ow];
        else {
          const w = shapeOf(node.input(1));
          out = [x[0]!, w[0]!, oh, ow];
          macs += oh * ow * w[0]! * w[1]! * kh! * kw!;
        }
        break;
      }
      case 'GlobalAveragePool':
        out = [x[0]!, x[1]!, 1, 1];
        break;
      case 'Flatten':
        out = [x[0]!, x.slice(1).reduce((a, b) => a * b, 1)];
        break;
      case 'Gemm': {
        const w = shapeOf(node.input(1));
        out = [x[0]!, w[0]!];
        macs += w[0]! * w[1]!;
        break;
      }
      case 'BatchNormalization':
      case 'Relu':
      case 'Clip':
      case 'Add':
        out = x;
        break;
      default:
        throw new Error(`countMacs: unexpected op ${node.opType}`);
    }
    shapes.set(node.output(), out);
  }
  return macs;
}

/**
 * CIFAR ResNet (depth 6n + 2, 1×1 conv + BN shortcuts) derived by hand at 3×32×32 input:
 * stem conv 3→16; stage 1: 2n convs 16→16 at 32×32; stages 2 and 3: one strided conv c/2→c, 2n−1
 * convs c→c, and a 1×1 shortcut c/2→c, at 16×16 (c = 32) and 8×8 (c = 64); Linear 64→classes.
 * Every BN adds γ and β (2 per channel).
 */
function cifarResNetByHand(depth: number, classes: number): { params: number; macs: number } {
  const n = (depth - 2) / 6;
  const conv = (cin: number, cout: number, k: number): number => cin * cout * k * k;
  let params = conv(3, 16, 3) + 2 * 16 + 2 * n * (conv(16, 16, 3) + 2 * 16);
  let macs = 32 * 32 * conv(3, 16, 3) + 2 * n * 32 * 32 * conv(16, 16, 3);
  for (const [c, hw] of [
    [32, 16],
    [64, 8],
  ] as const) {
    const stage = conv(c / 2, c, 3) + (2 * n - 1) * conv(c, c, 3) + conv(c / 2, c, 1);
    params += stage + 2 * c * (2 * n + 1);
    macs += hw * hw * stage;
  }
  params += 64 * classes + classes;
  macs += 64 * classes;
  return { params, macs };
}

describe('zoo parameter counts', () => {
  it.each([
    // torchvision's published parameter counts (1000 classes, ImageNet input).
    ['resnet18', 11_689_512],
    ['resnet50', 25_557_032],
    ['mobilenetv2', 3_504_872],
    // pytorch-cifar's VGG('VGG16') (convs with bias, BN, Linear(512, 10)).
    ['vgg16', 14_728_266],
    // LeNet-5 on MNIST: 156 + 2,416 + 48,120 + 10,164 + 850.
    ['lenet5', 61_706],
  ])('%s has %i parameters', (name, expected) => {
    expect(countParams(zooGraph(name))).toBe(expected);
  });

  it('MobileNetV2 width 0.5 rounds channels like torchvision (1,968,680 parameters)', () => {
    expect(countParams(buildZooModel('mobilenetv2', { width: 0.5 }).graph)).toBe(1_968_680);
  });

  it.each([20, 56])('CIFAR ResNet-%i matches the hand derivation', (depth) => {
    const expected = cifarResNetByHand(depth, 10);
    const model = buildZooModel(`resnet${depth}`, { classes: 10 });
    expect(countParams(model.graph)).toBe(expected.params);
    expect(countMacs(model.graph, [3, 32, 32])).toBe(expected.macs);
  });

  it('the hand derivation gives the known ResNet-20 and ResNet-56 numbers', () => {
    // Option-A ResNet-20 has 269,722 parameters; the two 1×1 shortcuts add 16·32 + 64 + 32·64 + 128.
    expect(cifarResNetByHand(20, 10).params).toBe(269_722 + 2_752);
    // Option-A ResNet-56 has 125,485,696 MACs; the shortcuts add 16²·16·32 + 8²·32·64.
    expect(cifarResNetByHand(56, 10).macs).toBe(125_485_696 + 262_144);
  });
});

describe('zoo MAC counts', () => {
  it('ResNet-18 at 1×3×224×224 has 1,814,073,344 MACs', () => {
    expect(countMacs(zooGraph('resnet18'), [3, 224, 224])).toBe(1_814_073_344);
  });

  it('ResNet-50 at 1×3×224×224 has 4,089,184,256 MACs (torchvision: 4.09 GFLOPS)', () => {
    expect(countMacs(zooGraph('resnet50'), [3, 224, 224])).toBe(4_089_184_256);
  });

  it('MobileNetV2 at 1×3×224×224 has 300,774,272 MACs', () => {
    expect(countMacs(zooGraph('mobilenetv2'), [3, 224, 224])).toBe(300_774_272);
  });

  it('classes and input shape change the counts where they should', () => {
    const m = buildZooModel('resnet20', { classes: 100, inputShape: [3, 64, 64] });
    const base = cifarResNetByHand(20, 100);
    expect(countParams(m.graph)).toBe(base.params);
    // Every conv works on 4× the pixels; the Linear does not change.
    expect(countMacs(m.graph, [3, 64, 64])).toBe(4 * (base.macs - 6_400) + 6_400);
  });
});

describe('computeCosts (ops) on zoo models', () => {
  it.each([
    ['resnet18', 11_689_512, 1_814_073_344],
    ['mobilenetv2', 3_504_872, 300_774_272],
    ['resnet50', 25_557_032, 4_089_184_256],
  ])('%s: %i params, %i MACs per sample', (name, params, macs) => {
    const costs = computeCosts(zooGraph(name));
    expect(costs.diagnostics).toEqual([]);
    expect([costs.params, costs.macs]).toEqual([params, macs]);
  });

  it.each([20, 56])('CIFAR ResNet-%i (3×32×32, 10 classes) gives the hand-derived counts', (depth) => {
    const { params, macs } = cifarResNetByHand(depth, 10);
    const costs = computeCosts(
      buildZooModel(`resnet${depth}`, { inputShape: [3, 32, 32], classes: 10 }).graph,
    );
    expect([costs.params, costs.macs]).toEqual([params, macs]);
  });

  it('agrees with the count here on every other zoo model', () => {
    for (const [name, shape] of [
      ['lenet5', [1, 28, 28]],
      ['vgg11', [1, 28, 28]],
      ['vgg16', [3, 32, 32]],
      ['resnet110', [3, 32, 32]],
    ] as const) {
      const g = buildZooModel(name, { inputShape: shape }).graph;
      const expected = [countParams(g), countMacs(g, shape)];
      const costs = computeCosts(g);
      expect([costs.params, costs.macs], name).toEqual(expected);
    }
  });
});
