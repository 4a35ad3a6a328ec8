// A folder of JPEG photos (ImageNet layout: train/ and val/, one sub-folder per class, sizes that
// differ) trains and evaluates through the CLI, with the resize recorded in the model.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/ir/builder.js';
import { createModel } from '../src/ir/model.js';
import { writeModel } from '../src/onnx/write.js';
import { Rng } from '../src/util/rng.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();

/**
 * Two classes of colour photos, `warm` (a red-orange blob on the left) and `cool` (a blue-green
 * blob on the right), 20 to 27 pixels a side, with noise, saved as JPEG.
 */
async function writePhotos(split: string, perClass: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  for (const [label, name] of ['warm', 'cool'].entries()) {
    mkdirSync(join(dir, split, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const width = 20 + rng.int(8);
      const height = 20 + rng.int(8);
      const raw = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const left = x < width / 2;
          const lit = left === (label === 0);
          const base = label === 0 ? [220, 120, 40] : [40, 150, 210];
          for (let c = 0; c < 3; c++) {
            const v = (lit ? base[c]! : 60) + 25 * rng.normal();
            raw[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
          }
        }
      const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } })
        .jpeg({ quality: 85 })
        .toBuffer();
      writeFileSync(join(dir, split, name, `${String(i).padStart(3, '0')}.jpg`), jpeg);
    }
  }
}

describe('pare train / eval on a JPEG folder', () => {
  it('trains a few steps on folder:DIR (train/ and val/), and eval agrees through the recorded resize', async () => {
    await writePhotos('train', 48, 1);
    await writePhotos('val', 16, 2);
    const b = new GraphBuilder({ seed: 5 });
    const x = b.input('input', ['N', 3, 16, 16]);
    const h = b.relu(b.batchNorm(b.conv(x, { out: 6, kernel: 3, pad: 1, name: 'conv' }), { name: 'bn' }));
    b.output(b.gemm(b.flatten(b.maxPool(h, { kernel: 4 })), 2, { name: 'fc' }));
    const model = join(dir, 'model.onnx');
    writeModel(createModel(b.build()), model);
    const out = join(dir, 'trained.onnx');
    const r = await cli(
      'train',
      model,
      '--data',
      `folder:${dir}`,
      '-o',
      out,
      '--epochs',
      '3',
      '--batch',
      '16',
      '--lr',
      '0.05',
      '--resize',
      '16x16',
      '--normalize',
      'imagenet',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.steps).toBe(3 * 6); // 96 images, batch 16
    expect(summary.test_acc).toBeGreaterThanOrEqual(0.9);
    // No --resize or --normalize: both were recorded in the trained model.
    const e = await cli('eval', out, '--data', `folder:${dir}`, '--json');
    expect(e.err).toBe('');
    const evaluated = JSON.parse(e.out);
    expect(evaluated.samples).toBe(32);
    expect(evaluated.top1).toBeCloseTo(summary.test_acc, 6);
    expect(evaluated.preprocess.resize).toEqual([16, 16]);
  });

  it('names the photo that cannot be decoded', async () => {
    const bad = join(dir, 'broken');
    mkdirSync(join(bad, 'a'), { recursive: true });
    writeFileSync(join(bad, 'a', 'x.jpg'), Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70));
    const r = await cli('eval', join(dir, 'model.onnx'), '--data', `folder:${bad}`, '--resize', '16x16');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`'${join(bad, 'a', 'x.jpg')}': cannot decode the image`);
  });
});
