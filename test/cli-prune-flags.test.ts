// `pare prune` says when a flag has no effect, and refuses combinations it would silently ignore.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { writeModel } from '../src/onnx/write.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();
const model = join(dir, 'r20.onnx');
// ResNet-20: groups of 16, 32 and 64 channels.
writeModel(buildZooModel('resnet20', { inputShape: [3, 8, 8], classes: 10, seed: 1 }), model);

async function prune(...args: string[]) {
  const io = memoryIO();
  const code = await run(
    ['node', 'pare', 'prune', model, '-o', join(dir, 'out.onnx'), '--no-latency', ...args],
    io,
  );
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('pare prune flags', () => {
  it('refuses --ratio together with --target (the ratio would be ignored)', async () => {
    const r = await prune('--ratio', '0.5', '--target', 'macs=0.5');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--ratio 0.5 and --target macs=0.5 both say how much to prune');
  });

  it('refuses --ratio 1 (it would keep one channel per group)', async () => {
    const r = await prune('--ratio', '1');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--ratio 1 would remove every channel');
  });

  it('refuses --round-to wider than every group, notes groups narrower than it', async () => {
    const wide = await prune('--ratio', '0.5', '--round-to', '1000');
    expect(wide.code).toBe(1);
    expect(wide.err).toContain(
      '--round-to 1000 is wider than every prunable group (the widest has 64 channels)',
    );
    const some = await prune('--ratio', '0.5', '--round-to', '32');
    expect(some.code).toBe(0);
    expect(some.err).toMatch(/note: --round-to 32: \d+ of \d+ prunable groups are narrower/);
  });

  it('--target macs=1 says there is nothing to prune', async () => {
    const r = await prune('--target', 'macs=1');
    expect(r.code).toBe(0);
    expect(r.err).toContain('note: --target macs=1 keeps all of the MACs: nothing to prune');
  });
});
