// The model's own numbers: NaN / Inf / absurd weights and negative BN variances are named on read,
// refused where they make ranking channels meaningless, and never blamed on pare.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/ir/tensor.js';
import { writeModel } from '../src/onnx/write.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();

/** ResNet-20 (3×8×8) with element `index` of initializer `tensor` set to `value`. */
function damaged(name: string, tensor: string, value: number, index = 0): string {
  const m = buildZooModel('resnet20', { inputShape: [3, 8, 8], classes: 10, seed: 1 });
  const v = m.graph.mustValue(tensor);
  const data = Float32Array.from(v.const!.data as Float32Array);
  data[index] = value;
  m.graph.setConst(v, Tensor.from('float32', [...v.const!.dims], data));
  const file = join(dir, `${name}.onnx`);
  writeModel(m, file);
  return file;
}

const prune = (file: string, ...extra: string[]) =>
  cli('prune', file, '-o', join(dir, 'out.onnx'), '--ratio', '0.3', '--verify', '--no-latency', ...extra);

describe('weight numerics', () => {
  it('inspect and analyze warn, naming the tensor, and still succeed', async () => {
    const file = damaged('nan-conv', 'layer1.0.conv1.weight', Number.NaN);
    for (const cmd of ['inspect', 'analyze']) {
      const r = await cli(cmd, file);
      expect(r.code).toBe(0);
      expect(r.err).toContain("Conv 'layer1.0.conv1' weight 'layer1.0.conv1.weight' has 1 NaN value(s)");
    }
  });

  for (const [name, tensor, value, what] of [
    ['nan-conv', 'layer1.0.conv1.weight', Number.NaN, '1 NaN'],
    ['inf-conv', 'layer2.0.conv1.weight', Number.POSITIVE_INFINITY, '1 infinite'],
    ['nan-gamma', 'layer1.0.bn1.weight', Number.NaN, '1 NaN'],
    ['negative-var', 'layer1.0.bn1.running_var', -0.5, '1 negative'],
    ['absurd', 'layer1.1.conv1.weight', 2.6e27, '1 absurdly large (up to 2.6e+27)'],
  ] as const) {
    it(`prune refuses ${name}, naming the tensor and the group, without blaming pare`, async () => {
      const r = await prune(damaged(name, tensor, value));
      expect(r.code).toBe(1);
      expect(r.err).toContain('error PARE_BAD_MODEL: cannot rank the channels of group');
      expect(r.err).toContain(`'${tensor}' has ${what} value(s)`);
      expect(r.err).toContain('--protect');
      expect(r.err).not.toMatch(/bug in pare/);
    });
  }

  it('NaN outside every prunable group: verify blames the model, not the surgery', async () => {
    const r = await prune(damaged('nan-fc', 'fc.bias', Number.NaN));
    expect(r.code).toBe(1);
    expect(r.err).toContain("Gemm 'fc' bias 'fc.bias' has 1 NaN value(s)");
    expect(r.err).toContain('the model itself computes NaN or infinite values');
    expect(r.err).not.toMatch(/bug in pare/);
  });
});
