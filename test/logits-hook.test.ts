// The step engines' logits hook (EngineContext.logitsHook): on dnnl, a hook that adds the cross-entropy's
// own gradient once more must train exactly like the same run at twice the learning rate (plain SGD:
// w − lr·(g + g) = w − 2lr·g), so the gradient provably enters the student's backward; on ONNX Runtime
// the hook cannot run and the result says why. Skipped (with the reason) without the oneDNN addon.

import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropy } from '../src/engine/dnnl/host-loss.js';
import type { LogitsHook } from '../src/engine/step-engine.js';
import { dnnlUnavailable, loadDnnl } from '../src/runtime/dnnl.js';
import { trainModel } from '../src/train/trainer.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { tinyData } from './compress-fixtures.js';

const addon = loadDnnl(1);
const skip = addon ? '' : ` (skipped: ${dnnlUnavailable()})`;

describe(`logits hook${skip}`, () => {
  const shape = [1, 8, 8] as const;
  const model = () => buildZooModel('resnet20', { inputShape: shape, classes: 4, seed: 2 });
  const { train } = tinyData({ name: 'resnet20', model: model(), shape, classes: 4 });
  let calls = 0;
  const again: LogitsHook = (x, dlogits) => {
    calls++;
    const extra = new Float32Array(x.n * x.k);
    const r = softmaxCrossEntropy(x.logits, x.labels, x.n, x.k, 0, extra);
    for (let i = 0; i < extra.length; i++) dlogits[i] = dlogits[i]! + extra[i]!;
    return { loss: r.loss, terms: { again: r.loss } };
  };
  const run = (lr: number, hook?: LogitsHook, engine: 'dnnl' | 'standard' = 'dnnl') =>
    trainModel(model(), train, {
      optimizer: { kind: 'sgd', momentum: 0, weightDecay: 0 },
      lr,
      epochs: 1,
      maxSteps: 2,
      engine,
      threads: 1,
      ...(hook ? { logitsHook: hook } : {}),
    });

  it.skipIf(!addon)(
    "dnnl: a hook's gradient trains like the loss it adds (2 SGD steps)",
    async () => {
      const hooked = await run(0.05, again);
      const doubled = await run(0.1);
      expect(hooked.engine).toBe('dnnl');
      expect(hooked.logitsHookSkipped).toBeUndefined();
      expect(calls).toBe(2);
      let worst = 0;
      let moved = 0;
      const start = await run(0, undefined);
      for (const [k, v] of doubled.state) {
        const h = hooked.state.get(k)!.data as Float32Array;
        const d = v.data as Float32Array;
        const s = start.state.get(k)!.data as Float32Array;
        for (let i = 0; i < d.length; i++) {
          worst = Math.max(worst, Math.abs(h[i]! - d[i]!));
          moved = Math.max(moved, Math.abs(d[i]! - s[i]!));
        }
      }
      expect(moved).toBeGreaterThan(1e-3);
      expect(worst).toBeLessThan(1e-5);
    },
    60_000,
  );

  it('ONNX Runtime: the hook is skipped and the result says why', async () => {
    const r = await run(0.05, again, 'standard');
    expect(r.engine).toBe('standard');
    expect(r.logitsHookSkipped).toMatch(/ONNX Runtime engine runs the loss inside its step graph/);
  }, 60_000);
});
