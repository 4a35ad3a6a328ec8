import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressModel } from '../src/methods/compress.js';
import { readRecipe } from '../src/methods/compress-recipe.js';
import { compressRecipe } from '../src/methods/compress-recipes.js';
import type { CompressOptions } from '../src/methods/compress-types.js';
import { loadDnnl } from '../src/runtime/dnnl.js';
import { fixtures, tinyData } from './compress-fixtures.js';
import { interruptedRun, maxDiff } from './helpers/compress-runs.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();

describe('pare compress: interruption and resume', () => {
  // Group Fisher on the BN-folded export: prune events every step, masks, BN unfolded and folded back.
  const f = fixtures()[1]!;
  const options = (): CompressOptions => {
    const recipe = compressRecipe('group-fisher');
    return {
      // Prune events through the first half of the 6 steps (the shipped recipe prunes in the first tenth).
      recipe: { ...recipe, every: { steps: 1 }, pruneFraction: 0.5, calibrationSamples: 16 },
      target: { kind: 'macs', fraction: 0.6 },
      ...tinyData(f),
      epochs: 3,
      engine: 'standard',
    };
  };

  it('a run aborted mid-chunk and resumed ends with the same model and accuracy as an uninterrupted run', async () => {
    const whole = await compressModel(f.model, { ...options(), checkpoint: { dir: join(dir, 'whole') } });
    const ckpt = join(dir, 'cut');
    // Abort in the middle of the fourth chunk's training (after its first step).
    await interruptedRun(f.model, options(), ckpt, 4);
    let resumedAt = -1;
    const resumed = await compressModel(f.model, {
      ...options(),
      checkpoint: { dir: ckpt, resume: true },
      onEvent: (e) => {
        if (e.kind === 'resumed') resumedAt = e.chunk;
      },
    });
    expect(resumedAt).toBe(3);
    expect(resumed.plan.groups).toEqual(whole.plan.groups);
    // Same seed, same batches, same state: bitwise the same weights on the same engine.
    expect(maxDiff(resumed.model, whole.model)).toBe(0);
    expect(resumed.stages.at(-1)!.accuracy).toBe(whole.stages.at(-1)!.accuracy);
    expect(resumed.stages.map((s) => [s.kind, s.chunk, s.macs])).toEqual(
      whole.stages.map((s) => [s.kind, s.chunk, s.macs]),
    );
  }, 120_000);

  it('a checkpoint of another run is refused', async () => {
    await expect(
      compressModel(f.model, {
        ...options(),
        target: { kind: 'macs', fraction: 0.7 },
        checkpoint: { dir: join(dir, 'whole'), resume: true },
      }),
    ).rejects.toThrow(/belongs to another run/);
  });
});

// Group Fisher from the training steps on dnnl: prune events every 2 epochs, so the checkpoint the run
// resumes from (after epoch 1) holds one epoch of accumulated Fisher that the event at epoch 2 needs.
describe.skipIf(!loadDnnl(1))('pare compress on dnnl: Fisher from training steps survives a resume', () => {
  const f = fixtures()[0]!;
  const options = (): CompressOptions => ({
    recipe: {
      ...compressRecipe('group-fisher'),
      every: { epochs: 2 },
      pruneFraction: 1,
      calibrationSamples: 16,
    },
    target: { kind: 'macs', fraction: 0.6 },
    ...tinyData(f),
    epochs: 4,
    engine: 'dnnl',
    threads: 1,
  });

  it('scores from the training steps, and a resumed run equals the uninterrupted one', async () => {
    const whole = await compressModel(f.model, {
      ...options(),
      checkpoint: { dir: join(dir, 'dnnl-whole') },
    });
    expect(whole.engine).toBe('dnnl');
    const events = whole.stages.filter((s) => s.kind === 'prune');
    expect(events.map((s) => s.chunk)).toEqual([0, 2]);
    // The first event has no training steps behind it: the calibration pass.
    expect(events[0]!.criterion).not.toMatch(/training steps/);
    expect(events[1]!.criterion).toMatch(/from training steps \(\d+ samples\)/);
    const ckpt = join(dir, 'dnnl-cut');
    await interruptedRun(f.model, options(), ckpt, 3);
    const resumed = await compressModel(f.model, { ...options(), checkpoint: { dir: ckpt, resume: true } });
    expect(resumed.stages.map((s) => [s.kind, s.chunk, s.criterion, s.widths])).toEqual(
      whole.stages.map((s) => [s.kind, s.chunk, s.criterion, s.widths]),
    );
    expect(maxDiff(resumed.model, whole.model)).toBe(0);
  }, 120_000);
});

describe('recipe files', () => {
  it('YAML and JSON recipes are validated; errors name the dotted path', () => {
    const good = join(dir, 'mine.yaml');
    writeFileSync(
      good,
      'name: mine\ntitle: my pipeline\nschedule: soft\ncriteria:\n  - name: l1\ntrain:\n  epochs: 3\n',
    );
    const r = readRecipe(good);
    expect(r.train.epochs).toBe(3);
    expect(r.train.lr).toBe(0.01);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\ntitle: t\nschedule: soft\ncriteria:\n  - name: l1\ntrain:\n  lr: -1\n');
    expect(() => readRecipe(bad)).toThrow(/train\.lr/);
    const bad2 = join(dir, 'bad.json');
    writeFileSync(
      bad2,
      JSON.stringify({ name: 'b', title: 't', schedule: 'soft', criteria: [{ nam: 'l1' }] }),
    );
    expect(() => readRecipe(bad2)).toThrow(/criteria\.0/);
    const both = join(dir, 'both.json');
    writeFileSync(
      both,
      JSON.stringify({
        name: 'b',
        title: 't',
        schedule: 'soft',
        criteria: [{ name: 'l1' }],
        every: { epochs: 1, steps: 2 },
      }),
    );
    expect(() => readRecipe(both)).toThrow(/every/);
  });
});
