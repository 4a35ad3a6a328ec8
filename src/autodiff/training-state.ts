// The host side of a training-step graph: the tensors fed each step (parameters, optimizer state,
// BN statistics, masks), advanced from the step's outputs, and written back into a model at the end.
// Plain data: whoever executes the graph (ONNX Runtime, another executor) moves it in and out.

import { cloneModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { PareError } from '../util/errors.js';
import type { HostTensor } from './executor.js';
import type { TrainingGraph } from './training-graph.js';

/** Feeds for every state input and mask (masks start all ones). */
export function initialState(tg: TrainingGraph): Map<string, HostTensor> {
  const s = new Map<string, HostTensor>();
  for (const slot of tg.state)
    s.set(slot.input, { dims: slot.init.dims, data: slot.init.toFloat32().slice() });
  for (const m of tg.masks)
    s.set(m.input, { dims: [m.channels], data: new Float32Array(m.channels).fill(1) });
  return s;
}

/** Replace each state input by the value the step returned for it. */
export function advanceState(
  tg: TrainingGraph,
  state: Map<string, HostTensor>,
  outputs: Readonly<Record<string, HostTensor>>,
): void {
  for (const slot of tg.state) {
    const next = outputs[slot.output];
    if (!next) throw new PareError('PARE_INTERNAL', `the training step returned no '${slot.output}'`);
    state.set(slot.input, next);
  }
}

/** A copy of `model` whose trained parameters and BN statistics hold the state's values. */
export function trainedModel(model: Model, tg: TrainingGraph, state: ReadonlyMap<string, HostTensor>): Model {
  const m = cloneModel(model);
  for (const slot of tg.state) {
    if (slot.kind !== 'param' && slot.kind !== 'bn.mean' && slot.kind !== 'bn.var') continue;
    const v = m.graph.value(slot.of);
    const t = state.get(slot.input);
    if (!v?.const || !t)
      throw new PareError('PARE_INTERNAL', `model has no initializer '${slot.of}' to write back`);
    m.graph.setConst(v, Tensor.from('float32', t.dims, Float32Array.from(t.data as Float32Array)));
  }
  return m;
}
