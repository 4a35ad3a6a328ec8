// BN recalibration: re-estimate every BatchNormalization's running mean and variance from
// calibration data, as the pruned network actually feeds it. Statistics of deeper layers depend on
// the shallower ones, so the estimate is repeated (`passes`, default 2) with the updated model;
// the second pass changes little (our choice; PyTorch's train-mode pass uses batch statistics instead).

import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { runCapturingBatches } from '../runtime/capture.js';
import { PareError } from '../util/errors.js';

export interface RecalibrateOptions {
  readonly passes?: number;
  /** Use at most this many calibration samples per pass. */
  readonly samples?: number;
  readonly threads?: number;
}

export interface RecalibrateResult {
  readonly model: Model;
  readonly layers: number;
  readonly samples: number;
  readonly seconds: number;
}

/** Per-channel running sums over N, H, W of NCHW (or NC) batches, in float64. */
export class ChannelStats {
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  count = 0;

  constructor(readonly channels: number) {
    this.sum = new Float64Array(channels);
    this.sumSq = new Float64Array(channels);
  }

  add(data: Float32Array, dims: readonly number[]): void {
    const [n = 1, c = 1] = dims;
    if (c !== this.channels)
      throw new PareError('PARE_INTERNAL', `ChannelStats: ${c} channels, expected ${this.channels}`);
    const inner = dims.slice(2).reduce((a, b) => a * b, 1);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * inner;
        let s = 0;
        let s2 = 0;
        for (let i = 0; i < inner; i++) {
          const v = data[base + i]!;
          s += v;
          s2 += v * v;
        }
        this.sum[ch]! += s;
        this.sumSq[ch]! += s2;
      }
    }
    this.count += n * inner;
  }

  mean(): Float32Array {
    return Float32Array.from(this.sum, (s) => s / Math.max(this.count, 1));
  }

  /** Population variance (clamped at 0). */
  variance(): Float32Array {
    const n = Math.max(this.count, 1);
    return Float32Array.from(this.sum, (s, i) => Math.max(0, this.sumSq[i]! / n - (s / n) ** 2));
  }
}

export async function recalibrateBatchNorm(
  model: Model,
  loader: BatchLoader,
  options: RecalibrateOptions = {},
): Promise<RecalibrateResult> {
  const t0 = performance.now();
  let current = cloneModel(model);
  const bns = current.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
  let samples = 0;
  for (let pass = 0; pass < (options.passes ?? 2) && bns.length > 0; pass++) {
    const g = current.graph;
    const nodes = g.nodes.filter((n) => n.opType === 'BatchNormalization');
    const inputs = nodes.map((n) => n.input(0)!.name);
    const stats = new Map<string, ChannelStats>();
    samples = await runCapturingBatches(
      current,
      loader,
      inputs,
      (name, t) => {
        const c = t.dims[1] ?? 1;
        let s = stats.get(name);
        if (!s) {
          s = new ChannelStats(c);
          stats.set(name, s);
        }
        s.add(t.data as Float32Array, t.dims);
      },
      {
        ...(options.samples ? { limit: options.samples } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
      },
    );
    const next = cloneModel(current);
    for (const node of next.graph.nodes.filter((n) => n.opType === 'BatchNormalization')) {
      const s = stats.get(node.input(0)!.name);
      const mean = node.input(3);
      const variance = node.input(4);
      if (!s || !mean?.const || !variance?.const) continue;
      next.graph.setConst(mean, Tensor.from('float32', mean.const.dims, s.mean()));
      next.graph.setConst(variance, Tensor.from('float32', variance.const.dims, s.variance()));
    }
    current = next;
  }
  return { model: current, layers: bns.length, samples, seconds: (performance.now() - t0) / 1000 };
}
