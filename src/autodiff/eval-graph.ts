// The evaluation graph: forward only, BatchNormalization in inference mode, parameters and BN
// statistics fed as inputs (the same names as the training graph's state), loss and correct count out.

import { cloneModel, type Model } from '../ir/model.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { GradEmitter } from './emitter.js';
import { correctCount } from './losses/correct-count.js';
import { crossEntropyLoss } from './losses/cross-entropy.js';
import { resolveForward } from './resolve-forward.js';
import { nameOutput } from './state-inputs.js';
import type { TrainingGraph } from './training-graph.js';

export interface EvalGraph {
  readonly model: Model;
  readonly batch: string;
  readonly labels: string;
  readonly logits: string;
  readonly loss: string;
  readonly correct: string;
  /** State inputs (parameters, BN statistics) the graph expects, by name. */
  readonly inputs: readonly string[];
}

/** Forward graph fed with the state of `training` (parameters and BN statistics as inputs). */
export function buildEvalGraph(
  model: Model,
  training: TrainingGraph,
  o: { input?: string; logits?: string } = {},
): EvalGraph {
  const m = cloneModel(model);
  const g = m.graph;
  inferShapes(g);
  const { batch, logits, classes } = resolveForward(g, o);
  const fed = new Set(
    training.state.filter((s) => s.kind === 'param' || s.kind.startsWith('bn.')).map((s) => s.of),
  );
  const inputs: string[] = [];
  for (const v of [...g.initializers]) {
    if (fed.has(v.name)) {
      g.initializerToInput(v);
      inputs.push(v.name);
    }
  }
  const e = new GradEmitter(g, 'eval');
  const labels = g.addInput('labels', [batch.type?.shape?.[0] ?? 'N'], 7);
  const loss = crossEntropyLoss(e, logits, labels, classes);
  const correct = correctCount(e, logits, labels);
  g.outputs.splice(0, g.outputs.length);
  const outs = [logits, nameOutput(g, loss, 'loss'), nameOutput(g, correct, 'correct')];
  for (const v of outs) g.addOutput(v);
  return {
    model: m,
    batch: batch.name,
    labels: labels.name,
    logits: logits.name,
    loss: outs[1]!.name,
    correct: outs[2]!.name,
    inputs,
  };
}
