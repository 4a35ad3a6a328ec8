// Which engine runs the steps: 'dnnl' (the oneDNN addon) when asked for or on 'auto' and it runs the
// model with these options, else ONNX Runtime ('nchwc' lowering when the probe passes, 'standard'
// plain ops). The reason dnnl did not run is returned for the caller to report.

import type { DnnlEngineOptions } from './dnnl/dnnl-engine.js';
import { prepareDnnl } from './dnnl/dnnl-engine.js';
import { prepareOrt } from './ort/ort-engine.js';
import type { EngineContext, StepEngine } from './step-engine.js';

export type EngineMode = 'auto' | 'standard' | 'nchwc' | 'dnnl';

export interface SelectedEngine {
  readonly engine: StepEngine;
  /** why the dnnl engine did not run, when it was asked for ('dnnl' or 'auto') */
  readonly dnnlFallback?: string;
  /** why `ctx.logitsHook` does not run on the engine chosen (it trains without the hook's term) */
  readonly logitsHookSkipped?: string;
}

/**
 * ONNX Runtime runs the whole step (forward, loss, backward, update) as one graph: a gradient that
 * depends on this step's logits would need them before the run (a second forward pass per step).
 */
export const ortLogitsHookReason =
  'the ONNX Runtime engine runs the loss inside its step graph, so an extra gradient computed from ' +
  "this step's logits cannot enter it; the oneDNN engine (--engine dnnl) runs it";

export async function selectEngine(
  mode: EngineMode,
  ctx: EngineContext,
  dnnl: DnnlEngineOptions = {},
): Promise<SelectedEngine> {
  let dnnlFallback: string | undefined;
  if (mode === 'dnnl' || mode === 'auto') {
    const r = await prepareDnnl(ctx, dnnl);
    if ('engine' in r) return { engine: r.engine };
    dnnlFallback = r.reason;
  }
  const engine = await prepareOrt(ctx, {
    lowering: mode === 'standard' ? 'standard' : mode === 'nchwc' ? 'nchwc' : 'auto',
  });
  return {
    engine,
    ...(dnnlFallback !== undefined ? { dnnlFallback } : {}),
    ...(ctx.logitsHook ? { logitsHookSkipped: ortLogitsHookReason } : {}),
  };
}
