// Attention transfer (Zagoruyko & Komodakis 2017): the attention map of a feature [N, C, H, W] is
// the channel mean of F², flattened and L2-normalised per sample; the loss is the mean squared
// difference of the student's and the teacher's maps (channel counts may differ).

import type { Value } from '../../ir/value.js';
import type { GradEmitter } from '../emitter.js';

export function attentionTransferLoss(e: GradEmitter, student: Value, teacher: Value): Value {
  const diff = e.op('Sub', [attentionMap(e, student), attentionMap(e, teacher)]);
  return e.reduceMean(e.op('Mul', [diff, diff]), [0, 1], false);
}

function attentionMap(e: GradEmitter, f: Value): Value {
  const s = f.type?.shape ?? [];
  const spatial = s.slice(2).every((d) => typeof d === 'number')
    ? (s.slice(2) as number[]).reduce((a, b) => a * b, 1)
    : null;
  const energy = e.reduceMean(e.op('Mul', [f, f]), [1], false);
  const flat = e.op('Flatten', [energy], { axis: 1 }, { shape: [s[0] ?? null, spatial] });
  const norm = e.op('Sqrt', [e.reduceSum(e.op('Mul', [flat, flat]), [1], true)]);
  // F.normalize: divide by max(‖q‖, 1e-12).
  const safe = e.op('Clip', [norm, e.scalarLike(1e-12, f)], {}, { shape: norm.type?.shape });
  return e.op('Div', [flat, safe]);
}
