// Every zoo model through a file: read → write → read gives the same IR (weights byte for byte),
// and ONNX Runtime's outputs are bit-identical before and after the round trip.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Model } from '../src/ir/model.js';
import { modelDiff } from '../src/onnx/graph-equal.js';
import { readModel } from '../src/onnx/read.js';
import { encodeModel, writeModel } from '../src/onnx/write.js';
import { type HostTensor, Session } from '../src/runtime/session.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel, zooModelNames, zooModels } from '../src/zoo/registry.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pare-zoo-io-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function logits(m: Model, input: HostTensor): Promise<Uint8Array> {
  // Graph optimisation takes seconds on the big models and is not what is compared here.
  const s = await Session.create(m, { threads: 2, optimization: 'disabled' });
  try {
    const d = (await s.run({ input })).logits!.data;
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  } finally {
    await s.release();
  }
}

describe('zoo models round-trip through files', () => {
  it.each(zooModelNames)('%s', async (name) => {
    const built = buildZooModel(name);
    const bytes = encodeModel(built);
    const file = path.join(dir, `${name}.onnx`);
    fs.writeFileSync(file, bytes);
    // The first read is the reference; big models are read lazily (weights left in the file).
    const first = readModel(file);
    const again = path.join(dir, `${name}.again.onnx`);
    writeModel(first, again);
    const second = readModel(again);
    expect(modelDiff(first, { ...second, path: first.path })).toBeUndefined();
    expect(fs.statSync(again).size).toBe(bytes.byteLength);

    const dims = [1, ...zooModels[name].defaults.inputShape];
    const input = { dims, data: new Rng(3).fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1))) };
    const before = await logits(built, input);
    const after = await logits(second, input);
    expect(Buffer.compare(after, before)).toBe(0);
  });
});
