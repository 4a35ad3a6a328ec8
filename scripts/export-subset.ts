// Write a class-balanced subset of a dataset as NPY (x_<split>.npy uint8 N×C×H×W, y_<split>.npy)
// so the demo ships a few thousand images. Usage:
//   npx tsx scripts/export-subset.ts SPEC SPLIT COUNT OUT_DIR [SEED]

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleBalanced } from '../src/data/calibration-sampler.js';
import { openDataset } from '../src/data/data-spec.js';
import { sampleSize } from '../src/data/dataset.js';
import { encodeNpy } from '../src/data/npy-codec.js';

const [spec, split, count, out, seed = '0'] = process.argv.slice(2);
if (!spec || (split !== 'train' && split !== 'test') || !count || !out) {
  throw new Error('usage: export-subset.ts SPEC train|test COUNT OUT_DIR [SEED]');
}
const ds = await openDataset(spec, { split });
const idx = sampleBalanced(ds.labels, ds.numClasses, Number(count), Number(seed));
const size = sampleSize(ds.sampleShape);
const buf = new Float32Array(size);
const x = new Uint8Array(idx.length * size);
const y = new Uint8Array(idx.length);
idx.forEach((j, i) => {
  ds.read(j, buf, 0);
  for (let k = 0; k < size; k++) x[i * size + k] = Math.round(buf[k]! * 255);
  y[i] = ds.labels[j]!;
});
mkdirSync(out, { recursive: true });
writeFileSync(join(out, `x_${split}.npy`), encodeNpy([idx.length, ...ds.sampleShape], x));
writeFileSync(join(out, `y_${split}.npy`), encodeNpy([idx.length], y));
process.stdout.write(`${JSON.stringify({ spec, split, samples: idx.length, seed: Number(seed), out })}\n`);
