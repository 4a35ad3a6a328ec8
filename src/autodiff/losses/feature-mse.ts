// Mean squared error between a tapped student feature and the teacher's (fed, same shape).

import type { Value } from '../../ir/value.js';
import type { GradEmitter } from '../emitter.js';

export function featureMseLoss(e: GradEmitter, student: Value, teacher: Value): Value {
  const rank = student.type?.shape?.length ?? 4;
  const diff = e.op('Sub', [student, teacher]);
  return e.reduceMean(
    e.op('Mul', [diff, diff]),
    Array.from({ length: rank }, (_, i) => i),
    false,
  );
}
