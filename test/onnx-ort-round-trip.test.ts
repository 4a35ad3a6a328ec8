// ONNX Runtime gives bit-identical outputs before and after read → write → read, for every way
// weights can be stored: raw_data, typed lists (float_data), Constant nodes, external data. The
// external-data file pare writes is also loaded by ORT itself, from the path.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/ir/builder.js';
import { createModel, type Model } from '../src/ir/model.js';
import { modelDiff } from '../src/onnx/graph-equal.js';
import {
  AttributeProto_AttributeType as AT,
  ModelProtoSchema,
  NodeProtoSchema,
} from '../src/onnx/proto/onnx_pb.js';
import { decodeModel, readModel } from '../src/onnx/read.js';
import { encodeModel, writeModel } from '../src/onnx/write.js';
import { type HostTensor, Session } from '../src/runtime/session.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pare-ort-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A small CNN using the ops the builder has: conv, BN, relu, pools, residual add, concat, gemm. */
function cnn(): Model {
  const b = new GraphBuilder({ seed: 11, opset: 13 });
  const x = b.input('x', ['N', 3, 16, 16]);
  const stem = b.relu(b.batchNorm(b.conv(x, { out: 8, kernel: 3, pad: 1, name: 'stem' })));
  const p = b.maxPool(stem, { kernel: 2 });
  const a = b.relu(b.batchNorm(b.conv(p, { out: 8, kernel: 3, pad: 1 })));
  const res = b.relu(b.add(p, b.batchNorm(b.conv(a, { out: 8, kernel: 3, pad: 1 }))));
  const branch = b.conv(res, { out: 4, kernel: 1, bias: true });
  const cat = b.concat([res, branch]);
  const pooled = b.avgPool(cat, { kernel: 2 });
  const dw = b.conv(pooled, { out: 12, kernel: 3, pad: 1, group: 12 });
  b.output(b.gemm(b.flatten(b.globalAvgPool(dw)), 10, { name: 'fc' }));
  return createModel(b.build());
}

const feeds = {
  x: { dims: [2, 3, 16, 16], data: Float32Array.from({ length: 2 * 3 * 256 }, (_, i) => Math.sin(i * 0.37)) },
};

async function outputs(m: Model): Promise<Record<string, HostTensor>> {
  const s = await Session.create(m, { threads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

function expectBitIdentical(a: Record<string, HostTensor>, b: Record<string, HostTensor>): void {
  expect(Object.keys(b)).toEqual(Object.keys(a));
  for (const k of Object.keys(a)) {
    const x = a[k]!.data;
    const y = b[k]!.data;
    expect(
      Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(
        Buffer.from(x.buffer, x.byteOffset, x.byteLength),
      ),
    ).toBe(true);
  }
}

/** Re-encode the initializers of `bytes` the old-exporter way: float_data or Constant nodes. */
function restore(bytes: Uint8Array, how: 'float_data' | 'constant'): Uint8Array {
  const mp = fromBinary(ModelProtoSchema, bytes);
  const g = mp.graph!;
  for (const t of g.initializer) {
    const v = new Float32Array(t.rawData.slice().buffer);
    t.rawData = new Uint8Array(0);
    t.floatData = [...v];
  }
  if (how === 'constant') {
    const constants = g.initializer.map((t) =>
      create(NodeProtoSchema, {
        opType: 'Constant',
        name: `const_${t.name}`,
        output: [t.name],
        attribute: [{ name: 'value', type: AT.TENSOR, t }],
      }),
    );
    g.node.unshift(...constants);
    g.initializer = [];
  }
  return toBinary(ModelProtoSchema, mp);
}

describe('ORT outputs are bit-identical after a round trip', () => {
  const original = cnn();
  const expected = outputs(original);

  it('inline raw_data through a file', async () => {
    const file = path.join(dir, 'inline.onnx');
    writeModel(original, file);
    const back = readModel(file);
    const again = path.join(dir, 'inline-again.onnx');
    writeModel(back, again);
    expect(modelDiff(back, { ...readModel(again), path: back.path })).toBeUndefined();
    expectBitIdentical(await expected, await outputs(back));
  });

  it('weights in float_data and in Constant nodes (Paddle2ONNX style)', async () => {
    for (const how of ['float_data', 'constant'] as const) {
      const first = decodeModel(restore(encodeModel(original), how));
      const second = decodeModel(encodeModel(first));
      expect(modelDiff(first, second), how).toBeUndefined();
      expectBitIdentical(await expected, await outputs(first));
      expectBitIdentical(await expected, await outputs(second));
    }
  });

  it('IR 3 layout: initializers also listed as graph inputs', async () => {
    const m = decodeModel(encodeModel(original));
    m.irVersion = 3;
    for (const v of m.graph.initializers) {
      m.graph.inputs.push(v);
      m.graph.initializerInputs.add(v.name);
    }
    const back = decodeModel(encodeModel(m));
    expect(modelDiff(m, back)).toBeUndefined();
    expect(back.graph.feedInputs.map((v) => v.name)).toEqual(['x']);
    expectBitIdentical(await expected, await outputs(back));
  });

  it('external data: pare and ORT (from the path) read what pare wrote', async () => {
    const file = path.join(dir, 'ext', 'model.onnx');
    fs.mkdirSync(path.dirname(file));
    writeModel(original, file, { externalData: 'external', externalThreshold: 256 });
    const back = readModel(file);
    expect(back.graph.initializers.filter((v) => v.const!.external).length).toBeGreaterThan(3);
    expectBitIdentical(await expected, await outputs(back));
    const copy = path.join(dir, 'ext', 'copy.onnx');
    writeModel(back, copy);
    const s = await ort.InferenceSession.create(copy, { intraOpNumThreads: 1 });
    const r = await s.run({ x: new ort.Tensor('float32', feeds.x.data, feeds.x.dims) });
    const got = {
      [s.outputNames[0]!]: {
        dims: [...r[s.outputNames[0]!]!.dims],
        data: r[s.outputNames[0]!]!.data as Float32Array,
      },
    };
    await s.release();
    expectBitIdentical(await expected, got);
  });
});
