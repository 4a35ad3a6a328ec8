// Measured inference latency: warm-up runs, then the median (and p90) of timed runs at a batch size.

import type { Model } from '../ir/model.js';
import { type Feeds, Session, type SessionOptions } from './session.js';

export interface LatencyOptions extends SessionOptions {
  readonly batch?: number;
  readonly warmup?: number;
  readonly runs?: number;
  /** Dims for inputs whose non-batch dims are symbolic. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

export interface LatencyResult {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
  readonly runs: number;
  readonly batch: number;
  readonly threads: number | 'default';
}

/** Feeds of ones for every input, the batch dim set to `batch` where it is symbolic. */
export function sampleFeeds(
  model: Model,
  batch: number,
  inputShapes: Readonly<Record<string, readonly number[]>> = {},
): Feeds {
  const feeds: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const v of model.graph.feedInputs) {
    const given = inputShapes[v.name];
    const dims = given
      ? [...given]
      : (v.shape ?? []).map((d, i) => (typeof d === 'number' ? d : i === 0 ? batch : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    feeds[v.name] = { dims, data: new Float32Array(size).fill(0.5) };
  }
  return feeds;
}

export async function measureLatency(model: Model, options: LatencyOptions = {}): Promise<LatencyResult> {
  const batch = options.batch ?? 1;
  const session = await Session.create(model, options);
  try {
    const feeds = sampleFeeds(model, batch, options.inputShapes);
    for (let i = 0; i < (options.warmup ?? 5); i++) await session.run(feeds);
    const times: number[] = [];
    const runs = options.runs ?? 20;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    return {
      medianMs: at(0.5),
      p90Ms: at(0.9),
      minMs: times[0]!,
      runs,
      batch,
      threads: options.threads ?? 'default',
    };
  } finally {
    await session.release();
  }
}
