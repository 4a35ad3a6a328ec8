// The zoo registry: names, option checks with clear errors, seeding, naming and init conventions.

import { describe, expect, it } from 'vitest';
import type { Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';
import { makeDivisible } from './mobilenet-v2.js';
import { buildZooModel, zooModelNames, zooModels } from './registry.js';
import type { ZooOptions } from './zoo-options.js';

function catchError(f: () => unknown): PareError {
  try {
    f();
  } catch (e) {
    if (e instanceof PareError) return e;
    throw e;
  }
  throw new Error('expected a PareError');
}

const weights = (m: Model, name: string): Float32Array => m.graph.mustValue(name).const!.toFloat32();

describe('zoo registry', () => {
  it('has the models the foundation issue lists', () => {
    expect(zooModelNames).toEqual([
      'lenet5',
      'vgg11',
      'vgg13',
      'vgg16',
      'vgg19',
      'resnet20',
      'resnet32',
      'resnet44',
      'resnet56',
      'resnet110',
      'resnet18',
      'resnet50',
      'mobilenetv2',
    ]);
    for (const name of zooModelNames) expect(zooModels[name].description.length).toBeGreaterThan(10);
  });

  it('an unknown name lists the valid ones', () => {
    const e = catchError(() => buildZooModel('resnet19'));
    expect(e.code).toBe('PARE_CONFIG');
    expect(e.message).toBe("unknown zoo model 'resnet19'");
    expect(e.notes[0]).toContain('valid names: lenet5, vgg11');
    expect(e.notes[0]).toContain('mobilenetv2');
  });

  it.each<[string, ZooOptions, string]>([
    [
      'lenet5',
      { inputShape: [28, 28] },
      "zoo model 'lenet5' option 'inputShape': expected 3 positive integers",
    ],
    ['resnet20', { inputShape: [3, 0, 32] }, "option 'inputShape': expected 3 positive integers"],
    [
      'resnet20',
      { classes: 2.5 },
      "zoo model 'resnet20' option 'classes': expected a positive integer, got 2.5",
    ],
    ['resnet20', { seed: 0.5 }, "option 'seed': expected an integer"],
    ['resnet18', { width: 0.5 }, "zoo model 'resnet18' option 'width': this model has no width multiplier"],
    ['mobilenetv2', { width: -1 }, "option 'width': expected a positive number, got -1"],
    ['resnet20', { batch: 0 }, "option 'batch': expected a positive integer or a symbolic name"],
    [
      'lenet5',
      { inputShape: [1, 8, 8] },
      "option 'inputShape': [1, 8, 8] is too small, 'conv2' would output 0×0",
    ],
  ])('%s rejects %j', (name, options, message) => {
    const e = catchError(() => buildZooModel(name, options));
    expect(e.code).toBe('PARE_CONFIG');
    expect(e.message).toContain(message);
    expect(e.notes.length).toBeGreaterThan(0);
  });

  it('the same seed gives the same weights, another seed different ones', () => {
    const a = buildZooModel('resnet20');
    const b = buildZooModel('resnet20', { seed: 0 });
    const c = buildZooModel('resnet20', { seed: 7 });
    const name = 'layer3.2.conv2.weight';
    expect(weights(b, name)).toEqual(weights(a, name));
    expect(weights(c, name)).not.toEqual(weights(a, name));
  });

  it('uses the input, output and PyTorch module names', () => {
    const m = buildZooModel('resnet18', { inputShape: [3, 64, 64], classes: 7, batch: 4 });
    const g = m.graph;
    expect(g.inputs.map((v) => [v.name, v.shape])).toEqual([['input', [4, 3, 64, 64]]]);
    expect(g.outputs.map((v) => [v.name, v.shape])).toEqual([['logits', [4, 7]]]);
    expect(g.outputs[0]!.producer!.name).toBe('fc');
    expect(g.opset).toBe(13);
    expect(m.irVersion).toBe(8);
    for (const name of [
      'layer1.0.conv1.weight',
      'layer1.0.bn1.running_mean',
      'layer2.0.downsample.0.weight',
      'layer2.0.downsample.1.running_var',
      'fc.bias',
    ]) {
      expect(g.value(name)?.const, name).toBeDefined();
    }
    expect(g.node('layer4.1.conv2')?.opType).toBe('Conv');
    const mb = buildZooModel('mobilenetv2').graph;
    expect(mb.node('features.1.conv.0.0')?.attrInt('group')).toBe(32);
    expect(mb.node('features.2.conv.1.0')?.attrInt('group')).toBe(96);
    expect(mb.node('features.3.add')?.opType).toBe('Add');
    expect(mb.node('features.2.add')).toBeUndefined();
    expect(mb.value('classifier.1.weight')?.const?.dims).toEqual([1000, 1280]);
  });

  it('initialises like torchvision: Kaiming fan-out convs, BN identity, PyTorch Linear', () => {
    const m = buildZooModel('resnet20', { classes: 10, seed: 3 });
    const conv = weights(m, 'layer3.0.conv2.weight'); // 64 × 64 × 3 × 3: fan_out = 576
    const mean = conv.reduce((a, b) => a + b, 0) / conv.length;
    const std = Math.sqrt(conv.reduce((a, b) => a + (b - mean) ** 2, 0) / conv.length);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(std).toBeGreaterThan(Math.sqrt(2 / 576) * 0.97);
    expect(std).toBeLessThan(Math.sqrt(2 / 576) * 1.03);
    expect([...weights(m, 'layer1.0.bn1.weight')].every((v) => v === 1)).toBe(true);
    expect([...weights(m, 'layer1.0.bn1.bias')].every((v) => v === 0)).toBe(true);
    expect([...weights(m, 'layer1.0.bn1.running_var')].every((v) => v === 1)).toBe(true);
    // Linear(64, 10): weight and bias uniform in ±1/8.
    for (const name of ['fc.weight', 'fc.bias']) {
      const w = weights(m, name);
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
      expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(1 / 16);
    }
  });

  it('rounds MobileNetV2 channels like torchvision _make_divisible', () => {
    expect([32, 16, 24, 96, 160, 320, 1280].map((c) => makeDivisible(c * 0.35))).toEqual([
      16, 8, 8, 32, 56, 112, 448,
    ]);
    // Never more than 10% below the exact value: 0.75 × 20 = 15 → 16, not 8.
    expect(makeDivisible(15)).toBe(16);
    expect(makeDivisible(11)).toBe(16);
    const m = buildZooModel('mobilenetv2', { width: 1.4 }).graph;
    expect(m.value('features.0.0.weight')?.const?.dims).toEqual([48, 3, 3, 3]);
    expect(m.value('features.18.0.weight')?.const?.dims[0]).toBe(1792);
  });

  it('adapts VGG pooling and LeNet padding to the input size', () => {
    const vgg28 = buildZooModel('vgg11', { inputShape: [1, 28, 28] }).graph;
    expect(vgg28.nodes.filter((n) => n.opType === 'MaxPool')).toHaveLength(4);
    expect(vgg28.nodes.some((n) => n.opType === 'GlobalAveragePool')).toBe(false);
    const vgg64 = buildZooModel('vgg11', { inputShape: [3, 64, 64] }).graph;
    expect(vgg64.nodes.filter((n) => n.opType === 'MaxPool')).toHaveLength(5);
    expect(vgg64.node('avgpool')?.opType).toBe('GlobalAveragePool');
    expect(vgg64.value('classifier.weight')?.const?.dims).toEqual([10, 512]);
    expect(buildZooModel('lenet5').graph.node('conv1')?.attrInts('pads')).toEqual([2, 2, 2, 2]);
    const cifarLeNet = buildZooModel('lenet5', { inputShape: [3, 32, 32] }).graph;
    expect(cifarLeNet.node('conv1')?.attrInts('pads')).toEqual([0, 0, 0, 0]);
    expect(cifarLeNet.value('fc1.weight')?.const?.dims).toEqual([120, 400]);
  });
});
