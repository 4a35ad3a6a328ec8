// The loss of a training step: cross-entropy (label smoothing) or Hinton distillation on the logits,
// plus weighted feature losses (MSE, attention transfer) on tapped values; teacher outputs are graph
// inputs named `teacher:logits` and `teacher:<value>`. Also the correct-prediction count.

import type { Graph } from '../ir/graph.js';
import type { Dim, Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import type { GradEmitter } from './emitter.js';
import { attentionTransferLoss } from './losses/attention-transfer.js';
import { correctCount } from './losses/correct-count.js';
import { crossEntropyLoss } from './losses/cross-entropy.js';
import { type DistillationOptions, distillationLoss } from './losses/distillation.js';
import { featureMseLoss } from './losses/feature-mse.js';

export interface FeatureLoss {
  readonly kind: 'mse' | 'attention';
  /** Name of the student value to tap (e.g. the output of a residual stage). */
  readonly student: string;
  readonly weight?: number;
  /** Shape of the teacher's feature when it differs (attention transfer allows other channel counts). */
  readonly teacherShape?: readonly Dim[];
  /** The teacher's value it is compared with (default: the student's name); whoever feeds it reads this. */
  readonly teacher?: string;
}

export interface LossOptions {
  readonly labelSmoothing?: number;
  /** Distil from teacher logits fed each step (temperature T, weight alpha of the KD term). */
  readonly distillation?: Omit<DistillationOptions, 'labelSmoothing'>;
  readonly features?: readonly FeatureLoss[];
}

export interface TeacherInput {
  /** Graph input to feed. */
  readonly input: string;
  /** 'logits' or the student value it is compared with. */
  readonly target: string;
  /** The teacher's value to feed (feature losses; undefined for the logits: the teacher's output). */
  readonly source?: string;
  readonly shape: readonly Dim[];
}

export function trainingLoss(
  g: Graph,
  e: GradEmitter,
  a: { logits: Value; labels: Value; classes: number; loss: LossOptions | undefined },
): { loss: Value; correct: Value; teacher: TeacherInput[] } {
  const o = a.loss ?? {};
  const teacher: TeacherInput[] = [];
  const teacherInput = (target: Value, shape: readonly Dim[], role: string, source?: string) => {
    const v = g.addInput(g.uniqueName(`teacher:${role}`), shape, target.type?.elemType ?? 1);
    teacher.push({ input: v.name, target: role, ...(source !== undefined ? { source } : {}), shape });
    return v;
  };
  let loss = o.distillation
    ? distillationLoss(
        e,
        a.logits,
        teacherInput(a.logits, a.logits.type!.shape!, 'logits'),
        a.labels,
        a.classes,
        {
          ...o.distillation,
          labelSmoothing: o.labelSmoothing ?? 0,
        },
      )
    : crossEntropyLoss(e, a.logits, a.labels, a.classes, o.labelSmoothing ?? 0);
  for (const f of o.features ?? []) {
    const s = g.value(f.student);
    const shape = s?.type?.shape;
    if (!s || !shape) {
      throw new PareError(
        'PARE_CONFIG',
        `feature loss: the model has no value '${f.student}' with a known shape`,
        {
          tensor: f.student,
        },
      );
    }
    const t = teacherInput(s, f.teacherShape ?? shape, s.name, f.teacher ?? s.name);
    const term = f.kind === 'mse' ? featureMseLoss(e, s, t) : attentionTransferLoss(e, s, t);
    const weighted = (f.weight ?? 1) === 1 ? term : e.op('Mul', [term, e.scalarLike(f.weight!, term)]);
    loss = e.op('Add', [loss, weighted]);
  }
  return { loss, correct: correctCount(e, a.logits, a.labels), teacher };
}
