import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { readModel } from '../src/onnx/read.js';
import { computeCosts } from '../src/ops/costs.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();

describe('pare demo (the README main job)', () => {
  it('prunes the shipped model to half its MACs, proves the cut, and recovers accuracy without training', async () => {
    const io = memoryIO();
    const out = join(dir, 'pruned.onnx');
    // The same target syntax as pare prune.
    const code = await run(['node', 'pare', 'demo', '--json', '-o', out, '--target', 'macs=0.5'], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const r = JSON.parse(io.stdout.join(''));
    expect(r.verified).toBe(true);
    expect([r.targetMetric, r.target]).toEqual(['macs', 0.5]);
    expect(r.testImages).toBe(2000);
    const [orig, pruned, recovered, ls] = r.rows;
    expect(pruned.macs / orig.macs).toBeGreaterThan(0.49);
    expect(pruned.macs / orig.macs).toBeLessThan(0.51);
    expect(orig.acc).toBeGreaterThan(0.75);
    expect(recovered.acc).toBeGreaterThan(pruned.acc);
    // Least squares beats BN recalibration and stays within 3 points of the original.
    expect(ls.acc).toBeGreaterThan(recovered.acc);
    expect(ls.acc).toBeGreaterThan(orig.acc - 0.03);
    expect(r.recoverySeconds.ls).toBeGreaterThan(0);
    // The written model is the least-squares one, with the pruned size.
    expect(computeCosts(readModel(out).graph).macs).toBe(ls.macs);
  });

  it('refuses a target prune would refuse, with the same message, before any work', async () => {
    const io = memoryIO();
    expect(await run(['node', 'pare', 'demo', '--target', 'flops=0.5'], io)).toBe(1);
    expect(io.stderr.join('')).toContain("--target 'flops=0.5': expected macs=F or params=F");
  });
});
