import { describe, expect, it } from 'vitest';
import { ArrayDataset } from '../data/array-dataset.js';
import { calibrationBatches } from './calibration-batches.js';

describe('calibrationBatches', () => {
  // 12 one-pixel samples whose value is their index; labels 0,1,2 repeating.
  const data = new ArrayDataset({
    name: 'toy',
    sampleShape: [1, 1, 1],
    pixels: Float32Array.from({ length: 12 }, (_, i) => i),
    labels: Int32Array.from({ length: 12 }, (_, i) => i % 3),
    numClasses: 3,
  });

  it('serves a class-balanced seeded subset as feeds of the named input, in batches', async () => {
    const seen: number[] = [];
    const shapes: number[][] = [];
    for await (const feeds of calibrationBatches(data, { input: 'x', count: 6, batchSize: 4, seed: 2 })) {
      shapes.push([...feeds.x!.dims]);
      seen.push(...(feeds.x!.data as Float32Array));
    }
    expect(shapes).toEqual([
      [4, 1, 1, 1],
      [2, 1, 1, 1],
    ]);
    expect(seen.map((v) => v % 3).sort()).toEqual([0, 0, 1, 1, 2, 2]);
    const again: number[] = [];
    for await (const f of calibrationBatches(data, { input: 'x', count: 6, batchSize: 4, seed: 2 }))
      again.push(...(f.x!.data as Float32Array));
    expect(again).toEqual(seen);
  });
});
