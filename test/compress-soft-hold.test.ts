import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import type { HostTensor } from '../src/autodiff/executor.js';
import { compressModel } from '../src/methods/compress.js';
import { compressRecipe } from '../src/methods/compress-recipes.js';
import { inferShapes } from '../src/ops/infer-shapes.js';
import { loadCheckpointState } from '../src/train/checkpoint.js';
import { fixtures, tinyData } from './compress-fixtures.js';
import { tempDir } from './helpers/tmp.js';

// A soft schedule whose pruning phase is shorter than the run (pruneFraction < 1): the event that ends
// the phase keeps its channels dropped for the rest of the run (masks held), where a soft event lets
// them regrow. Checked on the trainer's own state one chunk after that event.
describe('pare compress: soft pruning with a fine-tuning phase', () => {
  it('holds the last soft event’s masks while fine-tuning, and cuts those channels', async () => {
    const f = fixtures()[0]!;
    const dir = join(tempDir(), 'ckpt');
    let atChunk3: { state: Map<string, HostTensor>; kept: Record<string, number[]> } | undefined;
    const r = await compressModel(f.model, {
      recipe: { ...compressRecipe('sfp'), every: { steps: 1 }, pruneFraction: 0.5, calibrationSamples: 16 },
      target: { kind: 'macs', fraction: 0.6 },
      ...tinyData(f),
      epochs: 2,
      engine: 'standard',
      checkpoint: { dir },
      onEvent: (e) => {
        if (e.kind === 'checkpoint' && e.chunk === 3)
          atChunk3 = {
            state: loadCheckpointState(join(dir, 'state.onnx')).state,
            kept: JSON.parse(readFileSync(join(dir, 'compress.json'), 'utf8')).kept,
          };
      },
    });
    expect(r.chunks).toBe(4);
    // Soft events at chunks 1 and 2 (the end of the phase), none after it.
    expect(r.stages.filter((s) => s.kind === 'prune').map((s) => s.chunk)).toEqual([1, 2]);
    const hold = r.stages.filter((s) => s.kind === 'prune').at(-1)!;
    expect(r.stages.at(-1)!.widths).toEqual(hold.widths);
    expect(r.verify?.passed).toBe(true);

    // One chunk of training after the hold: every dropped channel's filter rows are still exactly
    // zero (a soft event's zeroed filters regrow under SGD with weight decay and momentum).
    const graph = f.model.graph;
    inferShapes(graph);
    const analysis = analyzeChannels(graph);
    let checked = 0;
    for (const [id, keep] of Object.entries(atChunk3!.kept)) {
      const group = analysis.groups.find((g) => g.id === id)!;
      if (keep.length === group.size) continue;
      const conv = group.members.find((m) => m.kind === 'out' && m.opType === 'Conv');
      if (!conv) continue;
      const node = graph.nodes.find((n) => n.name === conv.node)!;
      const weight = atChunk3!.state.get(node.inputs[1]!.name)!.data as Float32Array;
      const rows = weight.length / group.size;
      const kept = new Set(keep);
      for (let c = 0; c < group.size; c++) {
        if (kept.has(c)) continue;
        let worst = 0;
        for (let i = 0; i < rows; i++) worst = Math.max(worst, Math.abs(weight[c * rows + i]!));
        expect(worst, `${node.name} channel ${c}`).toBe(0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  }, 60_000);
});
