// The teacher's forward run for distillation, by ONNX Runtime inference: its first output (the logits)
// and any tapped values, returned under the training graph's teacher input names. Used by every
// engine (the oneDNN engine takes the logits and features from it too).

import type { TrainingGraph } from '../autodiff/training-graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import { type HostTensor, Session, type SessionOptions } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

export interface TeacherRunner {
  /** Teacher feeds for one batch, keyed by the training graph's teacher inputs. */
  run(x: HostTensor): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

/** undefined when there is no teacher or the training graph feeds nothing from it. */
export async function teacherRunner(
  model: Model | undefined,
  tg: TrainingGraph,
  sessionOptions: SessionOptions,
): Promise<TeacherRunner | undefined> {
  if (!model || tg.teacher.length === 0) return undefined;
  const m = cloneModel(model);
  const g = m.graph;
  const input = g.feedInputs[0]?.name;
  const logits = g.outputs[0]?.name;
  if (!input || !logits) {
    throw new PareError('PARE_CONFIG', `teacher '${model.path ?? g.name}' needs an input and an output`);
  }
  const source = (t: TrainingGraph['teacher'][number]) =>
    t.target === 'logits' ? logits : (t.source ?? t.target);
  for (const t of tg.teacher) {
    const v = g.value(source(t));
    if (!v) {
      throw new PareError('PARE_CONFIG', `the teacher has no value '${source(t)}' to distil from`, {
        tensor: source(t),
      });
    }
    if (!g.outputs.includes(v)) g.outputs.push(v);
  }
  const fetches = [...new Set(tg.teacher.map(source))];
  const session = await Session.create(m, { ...sessionOptions, label: 'teacher' });
  return {
    async run(x) {
      const out = await session.run({ [input]: x }, fetches);
      return Object.fromEntries(tg.teacher.map((t) => [t.input, out[source(t)]!]));
    },
    release: () => session.release(),
  };
}
