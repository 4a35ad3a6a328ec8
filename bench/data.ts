// Loader throughput on Fashion-MNIST train, batch 128, pad-2 random crop + flip + normalise, on one
// core. Prints one JSON object. Run: npx tsx bench/data.ts [SPEC] (default: the Debian package path).

import { BatchLoader } from '../src/data/batch-loader.js';
import { openDataset } from '../src/data/data-spec.js';
import { normalizationPresets } from '../src/data/normalize.js';
import { buildTransforms } from '../src/data/transform-options.js';

const spec = process.argv[2] ?? 'idx:/usr/share/datasets/fashion-mnist';
const batchSize = 128;
const epochs = 3;

let start = performance.now();
const dataset = await openDataset(spec, { split: 'train' });
const loadMs = performance.now() - start;

const transforms = buildTransforms(
  { cropPadding: 2, flip: true, normalize: normalizationPresets['fashion-mnist'] },
  'train',
);
const loader = new BatchLoader(dataset, { batchSize, seed: 0, transforms });

// Epoch 0 warms the JIT; the rest are timed, synchronously and with prefetch.
for (const _ of loader.epochSync(0));
start = performance.now();
for (let e = 1; e <= epochs; e++) for (const _ of loader.epochSync(e));
const syncS = (performance.now() - start) / 1000;
start = performance.now();
for (let e = 1; e <= epochs; e++) for await (const _ of loader.epoch(e));
const asyncS = (performance.now() - start) / 1000;

const batches = epochs * loader.batchesPerEpoch;
const images = epochs * dataset.size;
console.log(
  JSON.stringify({
    spec,
    samples: dataset.size,
    sampleShape: dataset.sampleShape,
    batchSize,
    transforms: transforms.map((t) => t.name),
    loadMs: Math.round(loadMs),
    sync: { batchesPerS: Math.round(batches / syncS), imagesPerS: Math.round(images / syncS) },
    prefetch: { batchesPerS: Math.round(batches / asyncS), imagesPerS: Math.round(images / asyncS) },
  }),
);
