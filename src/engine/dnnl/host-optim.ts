// The optimizers of the oneDNN engine, on the host over each parameter's own layout (block padding
// stays zero: its gradient is zero): the same formulas as the ONNX emitters (autodiff/optim/), which
// follow torch.optim. SGD with momentum / Nesterov / L2 decay; Adam (L2) and AdamW (decoupled decay)
// with bias corrections from the 1-based step. Frozen parameters are never updated.

import type { AdamOptions } from '../../autodiff/optim/adam.js';
import type { OptimizerOptions } from '../../autodiff/optim/optimizer.js';
import type { SgdOptions } from '../../autodiff/optim/sgd.js';
import type { StateKind } from '../../autodiff/training-graph.js';

export interface OptimParam {
  readonly w: Float32Array;
  readonly g: Float32Array;
  readonly decay: boolean;
  /** the optimizer buffer of this kind (zeros at the start), in w's layout */
  buffer(kind: StateKind): Float32Array;
}

export function optimizerStep(
  o: OptimizerOptions,
  params: readonly OptimParam[],
  lr: number,
  step: number,
): void {
  if (o.kind === 'sgd') for (const p of params) sgd(o, p, lr);
  else for (const p of params) adam(o, p, lr, step);
}

function sgd(o: SgdOptions, p: OptimParam, lr: number): void {
  const m = o.momentum ?? 0;
  const wd = p.decay ? (o.weightDecay ?? 0) : 0;
  const nesterov = o.nesterov ?? false;
  const { w, g } = p;
  const v = m !== 0 ? p.buffer('momentum') : undefined;
  for (let i = 0; i < w.length; i++) {
    let gi = g[i]! + wd * w[i]!;
    if (v) {
      const b = m * v[i]! + gi;
      v[i] = b;
      gi = nesterov ? gi + m * b : b;
    }
    w[i] = w[i]! - lr * gi;
  }
}

function adam(o: AdamOptions, p: OptimParam, lr: number, step: number): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const wd = p.decay ? (o.weightDecay ?? (o.kind === 'adamw' ? 0.01 : 0)) : 0;
  const stepSize = lr / (1 - b1 ** step);
  const rootBc2 = Math.sqrt(1 - b2 ** step);
  const shrink = o.kind === 'adamw' ? 1 - lr * wd : 1;
  const l2 = o.kind === 'adam' ? wd : 0;
  const { w, g } = p;
  const m = p.buffer('adam.m');
  const v = p.buffer('adam.v');
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + l2 * w[i]!;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i]! * shrink - (stepSize * mi) / (Math.sqrt(vi) / rootBc2 + eps);
  }
}
