// SGD as torch.optim.SGD computes it (dampening 0): g += wd·p; buf = m·buf + g;
// g = g + m·buf (Nesterov) or buf; p -= lr·g. A zero momentum buffer makes the first step buf = g.

import type { GradEmitter } from '../emitter.js';
import type { Optimizer, ParamStep, StepResult, StepScalars } from './optimizer.js';

export interface SgdOptions {
  readonly kind: 'sgd';
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
}

export function createSgd(o: SgdOptions, s: StepScalars): Optimizer {
  const momentum = o.momentum ?? 0;
  const wd = o.weightDecay ?? 0;
  return {
    slots: momentum === 0 ? [] : ['momentum'],
    needsStep: false,
    update(e: GradEmitter, { param, grad, state, decay }: ParamStep): StepResult {
      const c = (v: number) => e.scalarLike(v, param);
      let g = decay && wd !== 0 ? e.op('Add', [grad, e.op('Mul', [param, c(wd)])]) : grad;
      const next: (typeof state)[number][] = [];
      if (momentum !== 0) {
        const buf = e.op('Add', [e.op('Mul', [state[0]!, c(momentum)]), g]);
        next.push(buf);
        g = o.nesterov ? e.op('Add', [g, e.op('Mul', [buf, c(momentum)])]) : buf;
      }
      return { param: e.op('Sub', [param, e.op('Mul', [g, s.lr])]), state: next };
    },
  };
}
