// Measured inference latency: warm-up runs, then the median (and p90) of timed runs at a batch size.

import type { Model } from '../ir/model.js';
import { sampleFeeds } from './sample-feeds.js';
import { Session, type SessionOptions } from './session.js';

export interface LatencyOptions extends SessionOptions {
  readonly batch?: number;
  readonly warmup?: number;
  readonly runs?: number;
}

export interface LatencyResult {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
  readonly runs: number;
  readonly batch: number;
  readonly threads: number | 'default';
}

export async function measureLatency(model: Model, options: LatencyOptions = {}): Promise<LatencyResult> {
  const batch = options.batch ?? 1;
  const session = await Session.create(model, options);
  try {
    const feeds = sampleFeeds(model.graph, batch);
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
