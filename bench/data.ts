// Data throughput. Prints one JSON object.
//   npx tsx bench/data.ts [SPEC]   loader on Fashion-MNIST train (default: the Debian package path):
//                                  batch 128, pad-2 random crop + flip + normalise, one core.
//   npx tsx bench/data.ts --jpeg [--images N] [--no-peer]
//                                  JPEG image folders: N generated photos (224×224, and 500×375
//                                  resized to 224×224 while decoding) through `folder:` (sharp),
//                                  then batches from memory; the peer, torchvision's ImageFolder
//                                  (PIL decode + Resize + ToTensor), on the same files in the same run.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BatchLoader } from '../src/data/batch-loader.js';
import { openDataset } from '../src/data/data-spec.js';
import type { Dataset } from '../src/data/dataset.js';
import { normalizationPresets } from '../src/data/normalize.js';
import { buildTransforms } from '../src/data/transform-options.js';
import { Rng } from '../src/util/rng.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};

/** Batches per second from memory over `epochs` epochs, after one warm-up epoch. */
async function loaderSpeed(
  dataset: Dataset,
  batchSize: number,
  epochs: number,
  normalize: 'fashion-mnist' | 'imagenet',
) {
  const transforms = buildTransforms(
    {
      cropPadding: normalize === 'imagenet' ? 16 : 2,
      flip: true,
      normalize: normalizationPresets[normalize],
    },
    'train',
  );
  const loader = new BatchLoader(dataset, { batchSize, seed: 0, transforms });
  for (const _ of loader.epochSync(0));
  let start = performance.now();
  for (let e = 1; e <= epochs; e++) for (const _ of loader.epochSync(e));
  const syncS = (performance.now() - start) / 1000;
  start = performance.now();
  for (let e = 1; e <= epochs; e++) for await (const _ of loader.epoch(e));
  const asyncS = (performance.now() - start) / 1000;
  const batches = epochs * loader.batchesPerEpoch;
  const images = epochs * dataset.size;
  return {
    transforms: transforms.map((t) => t.name),
    sync: { batchesPerS: Math.round(batches / syncS), imagesPerS: Math.round(images / syncS) },
    prefetch: { batchesPerS: Math.round(batches / asyncS), imagesPerS: Math.round(images / asyncS) },
  };
}

async function idxBench(spec: string) {
  const start = performance.now();
  const dataset = await openDataset(spec, { split: 'train' });
  const loadMs = performance.now() - start;
  return {
    spec,
    samples: dataset.size,
    sampleShape: dataset.sampleShape,
    batchSize: 128,
    loadMs: Math.round(loadMs),
    ...(await loaderSpeed(dataset, 128, 3, 'fashion-mnist')),
  };
}

/** A photo-like JPEG: smooth gradients, a few soft blobs and mild noise (not white noise). */
async function photo(width: number, height: number, rng: Rng): Promise<Buffer> {
  const raw = new Uint8Array(width * height * 3);
  const blobs = Array.from({ length: 4 }, () => ({
    x: rng.next() * width,
    y: rng.next() * height,
    r: (0.1 + 0.3 * rng.next()) * width,
    c: [rng.int(256), rng.int(256), rng.int(256)],
  }));
  const base = [rng.int(256), rng.int(256), rng.int(256)];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let v = base[c]! * (0.6 + (0.4 * y) / height);
        for (const b of blobs) {
          const d = Math.hypot(x - b.x, y - b.y) / b.r;
          if (d < 1) v = v * d + b.c[c]! * (1 - d);
        }
        raw[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v + 6 * rng.normal())));
      }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

const PEER = `
import sys, time, json, torch, torchvision
from torchvision import transforms as T
root, size = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
tf = T.Compose([T.Resize((size, size)), T.ToTensor()])
ds = torchvision.datasets.ImageFolder(root, transform=tf)
out = {}
for workers in (0, 2):
    loader = torch.utils.data.DataLoader(ds, batch_size=64, num_workers=workers)
    t = time.perf_counter()
    n = sum(x.shape[0] for x, _ in loader)
    out[f"workers{workers}"] = round(n / (time.perf_counter() - t))
print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__, "imagesPerS": out}))
`;

async function jpegBench() {
  const count = Number(option('--images', '512'));
  const root = mkdtempSync(join(tmpdir(), 'pare-jpeg-bench-'));
  const rng = new Rng(1);
  const cases = [
    { name: '224x224', width: 224, height: 224 },
    { name: '500x375 resized to 224x224', width: 500, height: 375 },
  ];
  const results = [];
  try {
    for (const c of cases) {
      const dir = join(root, c.name.split(' ')[0]!);
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const cls = join(dir, `class${i % 4}`);
        mkdirSync(cls, { recursive: true });
        const jpeg = await photo(c.width, c.height, rng);
        bytes += jpeg.length;
        writeFileSync(join(cls, `${i}.jpg`), jpeg);
      }
      // Best of three loads (the files are in the page cache after generation).
      let best = Infinity;
      let dataset: Dataset | undefined;
      for (let t = 0; t < 3; t++) {
        const start = performance.now();
        dataset = await openDataset(`folder:${dir}`, { split: 'train', imageSize: [224, 224] });
        best = Math.min(best, performance.now() - start);
      }
      const peer = args.includes('--no-peer')
        ? null
        : JSON.parse(execFileSync('/usr/bin/python3', ['-c', PEER, dir, '224'], { encoding: 'utf8' }));
      results.push({
        case: c.name,
        images: count,
        meanJpegKiB: Math.round(bytes / count / 1024),
        decodeImagesPerS: Math.round(count / (best / 1000)),
        loader: await loaderSpeed(dataset!, 64, 2, 'imagenet'),
        peer,
      });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return {
    bench: 'jpeg folder',
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    results,
  };
}

const result = args.includes('--jpeg')
  ? await jpegBench()
  : await idxBench(args[0] ?? 'idx:/usr/share/datasets/fashion-mnist');
console.log(JSON.stringify(result));
