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

export interface InterleavedLatency {
  /** Median milliseconds per model, in the order given. */
  readonly medianMs: readonly number[];
  /** Median over rounds of each model's time divided by the first model's time in the same round. */
  readonly ratio: readonly number[];
  readonly rounds: number;
  readonly batch: number;
  readonly threads: number | 'default';
}

/**
 * Latency of several models measured together: one session each, then rounds that run every model
 * once in turn, so a load change on a shared machine hits all of them alike. Ratios are taken per
 * round (against the first model) before the median, which cancels slow drifts.
 */
export async function compareLatency(
  models: readonly Model[],
  options: LatencyOptions = {},
): Promise<InterleavedLatency> {
  const batch = options.batch ?? 1;
  const sessions: Session[] = [];
  try {
    for (const m of models) sessions.push(await Session.create(m, options));
    const feeds = models.map((m) => sampleFeeds(m.graph, batch));
    for (let i = 0; i < (options.warmup ?? 3); i++)
      for (const [j, s] of sessions.entries()) await s.run(feeds[j]!);
    const rounds = options.runs ?? 20;
    const times = models.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      // Alternate the order every round so that neither model always runs first.
      const order = sessions.map((_, j) => (r % 2 === 0 ? j : sessions.length - 1 - j));
      for (const j of order) {
        const t0 = performance.now();
        await sessions[j]!.run(feeds[j]!);
        times[j]!.push(performance.now() - t0);
      }
    }
    const median = (xs: readonly number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const n = s.length;
      return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
    };
    return {
      medianMs: times.map(median),
      ratio: times.map((t) => median(t.map((x, r) => x / times[0]![r]!))),
      rounds,
      batch,
      threads: options.threads ?? 'default',
    };
  } finally {
    for (const s of sessions) await s.release();
  }
}
