import { describe, expect, it } from 'vitest';
import { pytorchStyleModel } from '#test/helpers/pytorch-style.js';
import { computeCosts } from '../ops/costs.js';
import { buildZooModel } from '../zoo/registry.js';
import { reinitializeModel } from './reinit.js';

const data = (m: ReturnType<typeof buildZooModel>, name: string) =>
  m.graph.mustValue(name).const!.toFloat32();

describe('reinitializeModel', () => {
  const original = buildZooModel('resnet20', { inputShape: [1, 28, 28], classes: 10, seed: 0 });

  it('draws new weights of the torchvision scales, keeps the architecture, and leaves the input alone', () => {
    const before = data(original, 'layer3.2.conv2.weight').slice();
    const { model, reset, kept } = reinitializeModel(original, { seed: 7 });
    expect(kept).toEqual([]);
    expect(data(original, 'layer3.2.conv2.weight')).toEqual(before);
    expect(model.graph.nodes.map((n) => `${n.opType} ${n.name}`)).toEqual(
      original.graph.nodes.map((n) => `${n.opType} ${n.name}`),
    );
    expect(computeCosts(model.graph).params).toBe(computeCosts(original.graph).params);
    // A 64→64 3×3 conv: Kaiming normal, fan out 64·9, so std √(2/576) ≈ 0.0589 over 36,864 draws.
    const w = data(model, 'layer3.2.conv2.weight');
    expect(w).not.toEqual(before);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.0589 * 0.97);
    expect(std).toBeLessThan(0.0589 * 1.03);
    // The classifier: nn.Linear's U(±1/√64).
    const fc = model.graph.nodes.find((n) => n.opType === 'Gemm')!;
    const fw = fc.input(1)!.const!.toFloat32();
    expect(Math.max(...fw.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(Math.max(...fw.map(Math.abs))).toBeGreaterThan(0.1);
    // BN: identity.
    const bn = model.graph.nodes.find((n) => n.opType === 'BatchNormalization')!;
    expect([...bn.input(1)!.const!.toFloat32()].every((x) => x === 1)).toBe(true);
    expect([...bn.input(2)!.const!.toFloat32()].every((x) => x === 0)).toBe(true);
    expect([...bn.input(4)!.const!.toFloat32()].every((x) => x === 1)).toBe(true);
    expect(reset).toContain('layer3.2.conv2.weight');
  });

  it('is seeded: the same seed gives the same weights, another seed others', () => {
    const a = reinitializeModel(original, { seed: 3 }).model;
    const b = reinitializeModel(original, { seed: 3 }).model;
    const c = reinitializeModel(original, { seed: 4 }).model;
    expect(data(a, 'conv1.weight')).toEqual(data(b, 'conv1.weight'));
    expect(data(a, 'conv1.weight')).not.toEqual(data(c, 'conv1.weight'));
  });

  it('reaches weights shared through Identity nodes (PyTorch exports) once, and zeroes folded conv biases', () => {
    const m = pytorchStyleModel(0);
    const { model, reset } = reinitializeModel(m, { seed: 1 });
    expect(reset.filter((n) => n === 'shared.weight')).toHaveLength(1);
    expect(model.graph.mustValue('shared.weight').const!.toFloat32()).not.toEqual(
      m.graph.mustValue('shared.weight').const!.toFloat32(),
    );
    expect([...model.graph.mustValue('conv1.bias').const!.toFloat32()].every((x) => x === 0)).toBe(true);
  });
});
