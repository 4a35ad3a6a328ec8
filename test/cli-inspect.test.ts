import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { writeModel } from '../src/onnx/write.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { pytorchStyleModel } from './helpers/pytorch-style.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();

async function inspectJson(file: string, ...extra: string[]) {
  const io = memoryIO();
  const code = await run(['node', 'pare', 'inspect', file, '--json', ...extra], io);
  expect(io.stderr).toEqual([]);
  expect(code).toBe(0);
  return JSON.parse(io.stdout.join('')) as {
    params: number;
    macs: number;
    layers: { name: string; macs: number }[];
  };
}

describe('pare inspect', () => {
  it('counts CIFAR ResNet-56 params and MACs as derived by hand', async () => {
    const file = join(dir, 'r56.onnx');
    writeModel(buildZooModel('resnet56', { inputShape: [3, 32, 32], classes: 10 }), file);
    const r = await inspectJson(file);
    // Stem conv 3→16 (432) + BN (32). Per stage s with width w and 9 blocks: 18 convs w·w·9 and 18 BNs 2w,
    // except the first conv of stages 2 and 3 reads w/2 channels; their shortcuts are 1×1 conv (w/2·w) + BN (2w).
    const stage = (w: number, inW: number) =>
      17 * w * w * 9 + inW * w * 9 + 18 * 2 * w + (inW !== w ? inW * w + 2 * w : 0);
    const params = 432 + 32 + stage(16, 16) + stage(32, 16) + stage(64, 32) + 64 * 10 + 10;
    // MACs: every 3×3 conv output element costs Cin·9; stage s has spatial 32², 16², 8².
    const stageMacs = (w: number, inW: number, hw: number) =>
      hw * (17 * w * w * 9 + inW * w * 9 + (inW !== w ? inW * w : 0));
    const macs =
      32 * 32 * 3 * 16 * 9 +
      stageMacs(16, 16, 32 * 32) +
      stageMacs(32, 16, 16 * 16) +
      stageMacs(64, 32, 8 * 8) +
      640;
    expect(params).toBe(855_770);
    expect(r.params).toBe(params);
    expect(r.macs).toBe(macs);
    expect(Number.isInteger(r.params) && Number.isInteger(r.macs)).toBe(true);
  });

  it('counts a PyTorch-style export (folded BN, Identity-shared weight, Shape-chain flatten, dynamic batch)', async () => {
    const file = join(dir, 'torch.onnx');
    writeModel(pytorchStyleModel(), file);
    const r = await inspectJson(file);
    // conv1 8·3·9 + 8, shared weight counted once 8·8·9, conv2 and conv3 biases 8 each, fc 10·512 + 10.
    expect(r.params).toBe(8 * 3 * 9 + 8 + 8 * 8 * 9 + 8 + 8 + 10 * 512 + 10);
    // conv1 and conv2 at 16×16, conv3 at 8×8 (stride 2), fc 512·10.
    expect(r.macs).toBe(256 * 8 * 3 * 9 + 256 * 8 * 8 * 9 + 64 * 8 * 8 * 9 + 5120);
    const gemm = r.layers.find((l) => l.name === '/fc/Gemm');
    expect(gemm?.macs).toBe(5120);
  });

  it('fails with a typed error on a file that is not ONNX', async () => {
    const io = memoryIO();
    const code = await run(['node', 'pare', 'inspect', join(import.meta.dirname, '..', 'README.md')], io);
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/PARE_(BAD_MODEL|TRUNCATED)/);
    expect(io.stderr.join('\n')).not.toMatch(/at .*\.ts:\d+/);
  });

  it('fails with exit code 1 and a hint on a missing file', async () => {
    const io = memoryIO();
    const code = await run(['node', 'pare', 'inspect', join(dir, 'nope.onnx')], io);
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain("cannot read model '");
    expect(io.stderr.join('\n')).toContain('hint: check the path');
  });
});
