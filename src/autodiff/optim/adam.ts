// Adam and AdamW as torch.optim computes them: m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²,
// p -= lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε). Adam adds wd·p to g (L2); AdamW first
// shrinks p by (1 − lr·wd) (decoupled decay).

import type { Value } from '../../ir/value.js';
import type { GradEmitter } from '../emitter.js';
import type { Optimizer, ParamStep, StepResult, StepScalars } from './optimizer.js';

export interface AdamOptions {
  readonly kind: 'adam' | 'adamw';
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
}

export function createAdam(o: AdamOptions, s: StepScalars): Optimizer {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const wd = o.weightDecay ?? (o.kind === 'adamw' ? 0.01 : 0);
  let shared: { stepSize: Value; rootBc2: Value } | undefined;
  return {
    slots: ['adam.m', 'adam.v'],
    needsStep: true,
    update(e: GradEmitter, { param, grad, state, decay }: ParamStep): StepResult {
      const c = (v: number) => e.scalarLike(v, param);
      if (!shared) {
        // Bias corrections depend only on the step: computed once per graph.
        const correction = (beta: number) =>
          e.op('Sub', [c(1), e.op('Pow', [c(beta), s.step!], {}, { shape: [] })]);
        shared = {
          stepSize: e.op('Div', [s.lr, correction(b1)]),
          rootBc2: e.op('Sqrt', [correction(b2)]),
        };
      }
      let p = param;
      let g = grad;
      if (decay && wd !== 0) {
        if (o.kind === 'adamw') p = e.op('Mul', [param, e.op('Sub', [c(1), e.op('Mul', [s.lr, c(wd)])])]);
        else g = e.op('Add', [grad, e.op('Mul', [param, c(wd)])]);
      }
      const m = e.op('Add', [e.op('Mul', [state[0]!, c(b1)]), e.op('Mul', [g, c(1 - b1)])]);
      const v = e.op('Add', [e.op('Mul', [state[1]!, c(b2)]), e.op('Mul', [e.op('Mul', [g, g]), c(1 - b2)])]);
      const denom = e.op('Add', [e.op('Div', [e.op('Sqrt', [v]), shared.rootBc2]), c(eps)]);
      const next = e.op('Sub', [p, e.op('Mul', [shared.stepSize, e.op('Div', [m, denom])])]);
      return { param: next, state: [m, v] };
    },
  };
}
