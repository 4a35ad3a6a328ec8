// collectActivationStats: per-channel statistics of chosen intermediate activations over calibration
// batches, streamed (one batch at a time, a bounded number of captured values per run), so memory
// stays bounded by one batch of the largest chunk of activations, never by the data set.

import { cloneModel, type Model } from '../ir/model.js';
import { type Feeds, type HostTensor, Session, type SessionOptions } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

/** An activation whose per-channel statistics are wanted (channels on `axis`). */
export interface ActivationRequest {
  readonly value: string;
  readonly axis: number;
}

/** Statistics of one activation per position of its channel axis, over every other axis and sample. */
export interface ChannelStats {
  readonly value: string;
  readonly axis: number;
  /** Elements seen per position. */
  readonly count: number;
  readonly mean: Float64Array;
  /** Population variance. */
  readonly variance: Float64Array;
  /** Mean of |x|. */
  readonly meanAbs: Float64Array;
  /** Fraction of elements ≤ 0 (after a ReLU: the fraction of zeros, APoZ). */
  readonly nonPositive: Float64Array;
}

export interface CollectOptions extends Pick<SessionOptions, 'threads' | 'providers' | 'optimization'> {
  /** Bytes of captured activations one run may return (default 256 MiB); more values → more runs. */
  readonly maxBytesPerRun?: number;
  /** Called after each batch with the number of samples seen so far. */
  readonly onBatch?: (samples: number) => void;
}

/** Per-position accumulator: batch moments merged with Chan et al.'s parallel formula. */
class ChannelMoments {
  count = 0;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  readonly absSum: Float64Array;
  readonly nonPos: Float64Array;

  constructor(
    readonly value: string,
    readonly axis: number,
    readonly size: number,
  ) {
    this.mean = new Float64Array(size);
    this.m2 = new Float64Array(size);
    this.absSum = new Float64Array(size);
    this.nonPos = new Float64Array(size);
  }

  add(t: HostTensor): void {
    const dims = t.dims;
    if (dims[this.axis] !== this.size)
      throw new PareError(
        'PARE_INTERNAL',
        `activation '${this.value}' has ${dims[this.axis]} channels on axis ${this.axis}, expected ${this.size}`,
      );
    const data = t.data as Float32Array;
    const outer = dims.slice(0, this.axis).reduce((a, b) => a * b, 1);
    const inner = dims.slice(this.axis + 1).reduce((a, b) => a * b, 1);
    const n = outer * inner;
    if (n === 0) return;
    for (let c = 0; c < this.size; c++) {
      // One pass, shifted by the channel's first element (the shifted-data variance: stable when
      // the shift is a sample of the data, unlike raw Σx² − (Σx)²/n).
      const shift = data[c * inner]!;
      let sum = 0;
      let sq = 0;
      let abs = 0;
      let nonPos = 0;
      for (let o = 0; o < outer; o++) {
        const base = (o * this.size + c) * inner;
        for (let i = 0; i < inner; i++) {
          const x = data[base + i]!;
          const d = x - shift;
          sum += d;
          sq += d * d;
          abs += Math.abs(x);
          if (x <= 0) nonPos++;
        }
      }
      const bMean = shift + sum / n;
      const bM2 = Math.max(0, sq - (sum * sum) / n);
      const total = this.count + n;
      const delta = bMean - this.mean[c]!;
      this.mean[c] = this.mean[c]! + (delta * n) / total;
      this.m2[c] = this.m2[c]! + bM2 + (delta * delta * this.count * n) / total;
      this.absSum[c] = this.absSum[c]! + abs;
      this.nonPos[c] = this.nonPos[c]! + nonPos;
    }
    this.count += n;
  }

  finish(): ChannelStats {
    const k = this.count || 1;
    return {
      value: this.value,
      axis: this.axis,
      count: this.count,
      mean: this.mean,
      variance: this.m2.map((x) => x / k),
      meanAbs: this.absSum.map((x) => x / k),
      nonPositive: this.nonPos.map((x) => x / k),
    };
  }
}

/**
 * Run `batches` through the model and gather per-channel statistics of the requested activations.
 * The graph must carry shapes for the requested values (inferShapes). One ORT session is created
 * for all runs; each batch runs once per chunk of values that fits `maxBytesPerRun`.
 */
export async function collectActivationStats(
  model: Model,
  requests: readonly ActivationRequest[],
  batches: Iterable<Feeds> | AsyncIterable<Feeds>,
  options: CollectOptions = {},
): Promise<Map<string, ChannelStats>> {
  const unique = [...new Map(requests.map((r) => [r.value, r])).values()];
  const out = new Map<string, ChannelStats>();
  if (unique.length === 0) return out;
  const m = cloneModel(model);
  const accs = unique.map((r) => {
    const v = m.graph.value(r.value);
    const size = v?.type?.shape?.[r.axis];
    if (!v || typeof size !== 'number')
      throw new PareError(
        'PARE_SHAPE',
        `activation '${r.value}': channel count on axis ${r.axis} unknown (run shape inference first)`,
      );
    m.graph.addOutput(v);
    return new ChannelMoments(r.value, r.axis, size);
  });
  const session = await Session.create(m, {
    label: `${model.path ?? model.graph.name} (calibration)`,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.providers === undefined ? {} : { providers: options.providers }),
    // Captured outputs block most fusions anyway, and with a few calibration batches the session's
    // creation outweighs the runs: 'basic' builds ResNet-50 about twice as fast as 'all'.
    optimization: options.optimization ?? 'basic',
  });
  let samples = 0;
  try {
    for await (const feeds of batches) {
      const batch = batchSize(feeds);
      for (const chunk of chunks(m, accs, batch, options.maxBytesPerRun ?? 256 * 2 ** 20)) {
        const result = await session.run(
          feeds,
          chunk.map((a) => a.value),
        );
        for (const a of chunk) a.add(result[a.value]!);
      }
      samples += batch;
      options.onBatch?.(samples);
    }
  } finally {
    await session.release();
  }
  if (samples === 0)
    throw new PareError('PARE_DATA', 'no calibration batches were given', {
      notes: ['pass at least one batch of calibration inputs'],
    });
  for (const a of accs) out.set(a.value, a.finish());
  return out;
}

function batchSize(feeds: Feeds): number {
  const first = Object.values(feeds)[0];
  return first?.dims[0] ?? 1;
}

/** Consecutive runs of accumulators whose captured bytes (for this batch) fit the budget. */
function chunks(m: Model, accs: readonly ChannelMoments[], batch: number, budget: number) {
  const out: ChannelMoments[][] = [];
  let cur: ChannelMoments[] = [];
  let bytes = 0;
  for (const a of accs) {
    const shape = m.graph.value(a.value)?.type?.shape ?? [];
    const b = 4 * shape.reduce<number>((p, d, i) => p * (typeof d === 'number' && i > 0 ? d : 1), batch);
    if (cur.length > 0 && bytes + b > budget) {
      out.push(cur);
      [cur, bytes] = [[], 0];
    }
    cur.push(a);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
