// A pool of worker threads that evaluate models on one fixed set of batches in parallel: the
// batches are copied to every worker once, each task is an encoded model. Used by the sensitivity
// analysis, where hundreds of small evaluations would otherwise run one after another.

import { Worker } from 'node:worker_threads';
import type { BatchLoader } from '../data/batch-loader.js';
import type { Model } from '../ir/model.js';
import { encodeModel } from '../onnx/write.js';
import { PareError } from '../util/errors.js';

export interface EvalBatches {
  readonly batches: readonly { readonly x: Float32Array; readonly y: Int32Array; readonly dims: number[] }[];
  readonly input: string;
  readonly output: string;
  /** ORT threads per worker. */
  readonly threads: number;
}

export interface EvalTask {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly label: string;
}

export type EvalTaskResult =
  | { readonly id: number; readonly top1: number; readonly loss: number; readonly error?: undefined }
  | { readonly id: number; readonly error: string };

/** The first `limit` samples of a loader's epoch 0, as copied batches. */
export async function collectBatches(
  loader: BatchLoader,
  limit: number,
): Promise<{ x: Float32Array; y: Int32Array; dims: number[] }[]> {
  const out: { x: Float32Array; y: Int32Array; dims: number[] }[] = [];
  let seen = 0;
  for await (const b of loader.epoch(0)) {
    const n = Math.min(b.n, limit - seen);
    if (n <= 0) break;
    const [, c, h, w] = b.shape;
    out.push({ x: b.x.slice(0, n * c * h * w), y: b.y.slice(0, n), dims: [n, c, h, w] });
    seen += n;
  }
  return out;
}

export class EvalPool {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly queue: (() => void)[] = [];
  private next = 0;

  constructor(data: EvalBatches, size: number) {
    // From sources (tsx, vitest) the worker is a .ts file: register tsx's loader in the worker first.
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(`./eval-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
    const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`;
    this.workers = Array.from({ length: Math.max(1, size) }, () =>
      ts ? new Worker(boot, { eval: true, workerData: data }) : new Worker(url, { workerData: data }),
    );
    this.idle = [...this.workers];
  }

  /** Top-1 and mean cross-entropy of `model` on the pool's batches. */
  async evaluate(model: Model, label: string): Promise<{ top1: number; loss: number }> {
    const worker = await this.acquire();
    const id = this.next++;
    const bytes = encodeModel(model);
    try {
      const r = await new Promise<EvalTaskResult>((resolve, reject) => {
        const onMessage = (m: EvalTaskResult) => {
          if (m.id !== id) return;
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve(m);
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.postMessage({ id, bytes, label } satisfies EvalTask);
      });
      if (r.error !== undefined)
        throw new PareError('PARE_RUNTIME', `evaluating ${label} in a worker failed: ${r.error}`);
      return { top1: r.top1, loss: r.loss };
    } finally {
      this.release(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    return new Promise((resolve) => this.queue.push(() => resolve(this.idle.pop()!)));
  }

  private release(w: Worker): void {
    this.idle.push(w);
    this.queue.shift()?.();
  }
}
