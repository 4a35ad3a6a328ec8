// Interrupting and comparing `compressModel` runs: the resume tests of every schedule abort a run
// after a given training step and compare the resumed result with an uninterrupted one.

import { expect } from 'vitest';
import type { Model } from '../../src/ir/model.js';
import { compressModel } from '../../src/methods/compress.js';
import type { CompressOptions } from '../../src/methods/compress-types.js';

/** Run with checkpoints in `dir`, aborted after training step `steps` (the run must say so). */
export async function interruptedRun(
  model: Model,
  options: CompressOptions,
  dir: string,
  steps: number,
): Promise<void> {
  const abort = new AbortController();
  let seen = 0;
  await expect(
    compressModel(model, {
      ...options,
      checkpoint: { dir },
      signal: abort.signal,
      onEvent: (e) => {
        if (e.kind === 'train' && e.event.kind === 'step' && ++seen === steps) abort.abort();
      },
    }),
  ).rejects.toThrow(/interrupted/);
}

/** Largest |a − b| over every initializer of two models with the same structure. */
export function maxDiff(a: Model, b: Model): number {
  let worst = 0;
  for (const v of a.graph.initializers) {
    const w = b.graph.value(v.name)?.const;
    if (!w || !v.const) throw new Error(`no initializer '${v.name}' in both models`);
    const x = v.const.toFloat32();
    const y = w.toFloat32();
    if (x.length !== y.length) throw new Error(`'${v.name}' differs in size`);
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  }
  return worst;
}
