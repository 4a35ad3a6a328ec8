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
  /** Each model's p90 / p10 over the rounds (timingSpread): near 1 when its timings are steady. */
  readonly spread: readonly number[];
  readonly rounds: number;
  readonly batch: number;
  readonly threads: number | 'default';
}

/**
 * Session options for models timed in turn in one process: ONNX Runtime's intra-op spinning off.
 * With it on (ORT's default) a session's worker threads keep spinning after each run, so while the
 * next model runs the previous one's workers hold a core: on 2 cores two threads then ran ResNet-18
 * at one thread's speed in most rounds (33 against 17–19 ms, spread 2.6); with it off 18.4–23 ms,
 * spread 1.1. Options the caller gives win.
 */
export function interleavedSessionOptions(options: SessionOptions): SessionOptions {
  // ORT's session config entries ride in its `extra` option (flattened to session.intra_op.allow_spinning).
  const config = { extra: { session: { intra_op: { allow_spinning: '0' } } } };
  return { ...options, extra: { ...config, ...(options.extra ?? {}) } };
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
    for (const m of models) sessions.push(await Session.create(m, interleavedSessionOptions(options)));
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
      spread: times.map(timingSpread),
      rounds,
      batch,
      threads: options.threads ?? 'default',
    };
  } finally {
    for (const s of sessions) await s.release();
  }
}

/**
 * p90 / p10 of a set of timings. Steady timings give about 1.1; other work holding a core part of
 * the time (another process, or before interleavedSessionOptions another session's spinning ORT
 * workers) gives two modes, one up to twice the other at 2 threads on 2 cores, and a spread of 2 or
 * more: no single ratio is reliable then.
 */
export function timingSpread(times: readonly number[]): number {
  if (times.length === 0) return 1;
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return at(0.1) > 0 ? at(0.9) / at(0.1) : 1;
}

/** Spread above which a latency comparison is flagged unreliable. */
export const UNSTEADY_SPREAD = 1.5;
