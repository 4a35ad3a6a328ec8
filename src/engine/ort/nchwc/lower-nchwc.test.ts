// The NCHWc lowering: the probe finds this build's block size (or reports none, so callers keep the
// standard graph), and a lowered training step returns what the standard one does.

import { describe, expect, it } from 'vitest';
import type { HostTensor, Open } from '../../../autodiff/executor.js';
import { buildTrainingGraph } from '../../../autodiff/training-graph.js';
import { initialState } from '../../../autodiff/training-state.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { createModel, type Model } from '../../../ir/model.js';
import { Session } from '../../../runtime/session.js';
import { Rng } from '../../../util/rng.js';
import { type LowerStats, lowerToNchwc } from './lower-nchwc.js';
import { modelForOrt } from './model-for-ort.js';
import { probeNchwcBlock } from './probe-nchwc.js';

const open: Open = (m: Model) => Session.create(m, { threads: 1 });

function net(): Model {
  const b = new GraphBuilder({ opset: 13, seed: 8 });
  let x = b.relu(
    b.batchNorm(b.conv(b.input('x', [16, 3, 8, 8]), { out: 16, kernel: 3, pad: 1, name: 'stem' })),
  );
  const skip = x;
  x = b.relu(b.batchNorm(b.conv(x, { out: 16, kernel: 3, pad: 1, name: 'c1' })));
  x = b.batchNorm(b.conv(x, { out: 16, kernel: 3, pad: 2, dilation: 2, name: 'c2' }));
  x = b.relu(b.add(x, skip));
  x = b.relu(b.batchNorm(b.conv(x, { out: 32, kernel: 3, pad: 1, stride: 2, name: 'down' })));
  x = b.conv(x, { out: 32, kernel: 3, pad: 1, group: 32, name: 'dw' });
  b.output(b.gemm(b.flatten(b.globalAvgPool(x)), 5, { name: 'fc' }));
  return createModel(b.build());
}

describe('NCHWc lowering', () => {
  it('takes the first block size of the order that this build computes correctly', async () => {
    // MLAS runs both blocks correctly on any x86 CPU; the caller puts this CPU's own block first
    // (runtime/cpu-isa.ts), so an AVX2 CPU gets 8 even though 16 passes too.
    expect(await probeNchwcBlock(open, [8, 16])).toBe(8);
    expect(await probeNchwcBlock(open, [16, 8])).toBe(16);
  });

  it('reports no block size when the executor lacks the ops, so the standard graph is used', async () => {
    const broken: Open = async (m) => {
      if (m.graph.nodes.some((n) => n.domain !== '')) throw new Error('unknown domain com.microsoft.nchwc');
      return open(m);
    };
    expect(await probeNchwcBlock(broken, [16, 8])).toBeUndefined();
  });

  it('lowers through modelForOrt unless told to keep the standard graph', async () => {
    const tg = buildTrainingGraph(net(), { optimizer: { kind: 'sgd' } });
    const kept = await modelForOrt(tg.model, open, { nchwc: false });
    expect(kept).toEqual({ model: tg.model, nchwcBlock: undefined });
    const lowered = await modelForOrt(tg.model, open);
    expect(lowered.nchwcBlock).toBe(await probeNchwcBlock(open, [16, 8]));
    expect(lowered.model.graph.nodes.some((n) => n.domain === 'com.microsoft.nchwc')).toBe(
      lowered.nchwcBlock !== undefined,
    );
  });

  it('gives the loss and updated state of the standard training step', async () => {
    const block = await probeNchwcBlock(open, [16, 8]);
    if (!block) return;
    const tg = buildTrainingGraph(net(), { optimizer: { kind: 'sgd', momentum: 0.9 } });
    const stats: { value?: LowerStats } = {};
    const lowered = lowerToNchwc(tg.model, block, stats);
    // 5 forward convs, 2 stride-1 data gradients (as Convs), 4 filter gradients; the depthwise
    // filter gradient (a grouped conv over the batch) stays standard.
    expect(stats.value).toMatchObject({ convs: 11, transposedConvs: 2 });
    expect(stats.value!.skipped).toEqual(['grad/dw/Conv']);
    const rng = new Rng(4);
    const feeds: Record<string, HostTensor> = {
      ...Object.fromEntries(initialState(tg)),
      x: { dims: [16, 3, 8, 8], data: Float32Array.from({ length: 16 * 192 }, () => rng.normal()) },
      labels: { dims: [16], data: BigInt64Array.from({ length: 16 }, () => BigInt(rng.int(5))) },
      lr: { dims: [], data: Float32Array.of(0.1) },
    };
    const [a, b] = [await open(tg.model), await open(lowered)];
    const [ra, rb] = [await a.run(feeds), await b.run(feeds)];
    await Promise.all([a.release(), b.release()]);
    for (const name of [tg.loss, ...tg.state.map((s) => s.output)]) {
      const [x, y] = [ra[name]!.data as Float32Array, rb[name]!.data as Float32Array];
      expect(y.length, name).toBe(x.length);
      const scale = Math.max(1e-3, ...Array.from(x, Math.abs));
      x.forEach((v, i) => {
        expect(Math.abs(v - y[i]!), `${name}[${i}]`).toBeLessThan(2e-4 * scale);
      });
    }
  });
});
