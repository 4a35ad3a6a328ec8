// The dnnl engine's step leaves the event loop free: convolutions, BN and pooling run as the addon's
// async work on libuv's thread pool, so timers (progress, Ctrl-C handling) fire during a step. The
// same step with those ops made synchronous fires none (the oracle that the check can fail).
// Skipped when the addon is not built.

import { describe, expect, it } from 'vitest';
import { buildTrainingGraph } from '../../autodiff/training-graph.js';
import { type DnnlAddon, dnnlUnavailable, loadDnnl } from '../../runtime/dnnl.js';
import { buildZooModel } from '../../zoo/registry.js';
import { planDnnl } from './dnnl-engine.js';
import { batch } from './test-support/compare.js';

const addon = loadDnnl(1);
const skipReason = addon ? '' : ` (skipped: ${dnnlUnavailable()})`;

/** How many 1 ms timer ticks fire during one step. */
async function ticksDuringStep(step: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await step();
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

describe.skipIf(!addon)(`dnnl engine off the main thread${skipReason}`, () => {
  it('timers fire during a ResNet-20 step; none when the heavy ops run synchronously', async () => {
    const model = buildZooModel('resnet20', { inputShape: [1, 28, 28], classes: 10 });
    const o = { optimizer: { kind: 'sgd', momentum: 0.9 } } as const;
    const p = planDnnl({ model, graph: buildTrainingGraph(model, o), options: o, threads: 1, label: 't' });
    if ('reason' in p) throw new Error(p.reason);
    const n = 32;
    const { x, labels } = batch(n, [1, 28, 28], 10, 1);
    const step = () => p.engine.step({ x, dims: [n, 1, 28, 28], labels: Int32Array.from(labels) }, 0.01, 1);
    await step(); // builds the plan
    expect(await ticksDuringStep(step)).toBeGreaterThan(3);
    // the same functions, synchronous: the step never yields to the timers
    const d = addon as unknown as Record<string, (...a: unknown[]) => unknown>;
    const names = Object.keys(addon as DnnlAddon).filter((k) => k.endsWith('Async'));
    expect(names.length).toBeGreaterThanOrEqual(10);
    const saved = names.map((k) => [k, d[k]!] as const);
    try {
      for (const k of names) d[k] = (...a: unknown[]) => d[k.slice(0, -'Async'.length)]!(...a);
      expect(await ticksDuringStep(step)).toBe(0);
    } finally {
      for (const [k, f] of saved) d[k] = f;
    }
  });
});
