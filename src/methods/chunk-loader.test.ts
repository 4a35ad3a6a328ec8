import { describe, expect, it } from 'vitest';
import { dataset } from '#test/compress-fixtures.js';
import { BatchLoader } from '../data/batch-loader.js';
import { ChunkLoader } from './chunk-loader.js';

describe('ChunkLoader', () => {
  it('its chunks, in order, are the real epochs batch for batch (a short last chunk per epoch)', async () => {
    const ds = dataset([1, 4, 4], 3, 50);
    const base = new BatchLoader(ds, { batchSize: 8, seed: 3 });
    const chunks = new ChunkLoader(base, 3);
    expect(base.batchesPerEpoch).toBe(7);
    expect(chunks.batchesPerEpoch).toBe(3);
    expect(chunks.chunksPerEpoch).toBe(3);
    for (const epoch of [0, 1]) {
      const want: number[][] = [];
      for await (const b of base.epoch(epoch)) want.push([...b.y, b.x[0]!]);
      const got: number[][] = [];
      for (let k = epoch * 3; k < epoch * 3 + 3; k++)
        for await (const b of chunks.epoch(k)) got.push([...b.y, b.x[0]!]);
      expect(got).toEqual(want);
    }
  });
});
