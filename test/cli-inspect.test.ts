import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { writeModel } from '../src/onnx/write.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { pytorchBnKeptModel, pytorchStyleModel } from './helpers/pytorch-style.js';
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
    // conv1 8·3·9 + 8; conv2 and conv3 weights 8·8·9 each (two PyTorch parameters the exporter
    // de-duplicated into one initializer read through two Identity nodes) and biases 8 each; fc 10·512 + 10.
    expect(r.params).toBe(8 * 3 * 9 + 8 + 2 * 8 * 8 * 9 + 8 + 8 + 10 * 512 + 10);
    // conv1 and conv2 at 16×16, conv3 at 8×8 (stride 2), fc 512·10.
    expect(r.macs).toBe(256 * 8 * 3 * 9 + 256 * 8 * 8 * 9 + 64 * 8 * 8 * 9 + 5120);
    const gemm = r.layers.find((l) => l.name === '/fc/Gemm');
    expect(gemm?.macs).toBe(5120);
  });

  it('counts a BN-kept PyTorch export as PyTorch does (equal initializers shared through Identity), and leaves Identity rows out of the table', async () => {
    const { model, torchParams } = pytorchBnKeptModel();
    expect(model.graph.nodes.filter((n) => n.opType === 'Identity').length).toBeGreaterThan(5);
    const file = join(dir, 'torch-bn.onnx');
    writeModel(model, file);
    const r = await inspectJson(file);
    expect(r.params).toBe(torchParams);
    const io = memoryIO();
    expect(await run(['node', 'pare', 'inspect', file], io)).toBe(0);
    const table = io.stdout.join('\n');
    expect(table).not.toMatch(/│ Identity/);
    expect(table).toMatch(/\(\d+ pass-through Identity not listed\)/);
    expect(table).toContain(`params ${torchParams.toLocaleString('en-US')}`);
  });

  // Debian's python3-torch and python3-torchvision, when installed: a real export, random weights.
  const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
  it.skipIf(torch.status !== 0)(
    'counts torchvision ResNet-18 exported with BN kept exactly as PyTorch does',
    async () => {
      const script = join(import.meta.dirname, '..', 'scripts', 'export-torchvision.py');
      const r = spawnSync('/usr/bin/python3', [script, dir, 'resnet18'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { file: string; params: number };
      expect(line.params).toBe(11_689_512);
      expect((await inspectJson(line.file)).params).toBe(line.params);
    },
    120_000,
  );

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
