// The training-step graph: one ONNX Runtime run takes the batch, labels, learning rate, parameters,
// optimizer state and BN statistics (and teacher outputs when distilling) and returns the loss, the
// number of correct predictions and every state tensor after the step.

import { cloneModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Dim, Value } from '../ir/value.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { findParams } from '../ops/params.js';
import { PareError } from '../util/errors.js';
import { buildBackward } from './backward.js';
import { expandBatchNorm } from './batch-norm-training.js';
import { GradEmitter } from './emitter.js';
import { createOptimizer, type OptimizerOptions } from './optim/optimizer.js';
import { resolveForward } from './resolve-forward.js';
import { applyMask, maskParameter, nameOutput } from './state-inputs.js';
import { type LossOptions, type TeacherInput, trainingLoss } from './training-loss.js';

export interface TrainingGraphOptions {
  readonly optimizer: OptimizerOptions;
  /** Loss on the logits (default cross-entropy) plus feature losses. */
  readonly loss?: LossOptions;
  /** Graph input holding the batch (default: the only fed input). */
  readonly input?: string;
  /** Value holding the class logits [N, K] (default: the first graph output). */
  readonly logits?: string;
  /** Parameters (initializer names) kept fixed: they stay constants and get no gradient. */
  readonly frozen?: readonly string[];
  /** Parameters whose axis-0 channels are multiplied by a mask fed each step (held at zero where 0). */
  readonly masked?: readonly string[];
  /** Parameters exempt from weight decay. */
  readonly noWeightDecay?: readonly string[];
  /** 'train' (default): batch statistics, running statistics updated; 'frozen': running statistics used. */
  readonly batchNorm?: 'train' | 'frozen';
  /** 'train' (default): Dropout drops (as PyTorch's train mode); 'off': Dropout stays the identity. */
  readonly dropout?: 'train' | 'off';
}

export type StateKind = 'param' | 'bn.mean' | 'bn.var' | 'momentum' | 'adam.m' | 'adam.v';

/** A tensor carried from step to step: fed as `input`, returned after the step as `output`. */
export interface StateSlot {
  readonly input: string;
  readonly output: string;
  readonly kind: StateKind;
  /** The model initializer this slot belongs to. */
  readonly of: string;
  /** Value before the first step. */
  readonly init: Tensor;
}

export interface MaskSlot {
  readonly input: string;
  readonly of: string;
  readonly channels: number;
}

export interface TrainingGraph {
  readonly model: Model;
  readonly batch: string;
  readonly labels: string;
  readonly lr: string;
  /** 1-based step number input (Adam's bias corrections), when the optimizer needs it. */
  readonly step: string | undefined;
  readonly teacher: readonly TeacherInput[];
  readonly loss: string;
  readonly correct: string;
  readonly state: readonly StateSlot[];
  readonly masks: readonly MaskSlot[];
}

export function buildTrainingGraph(model: Model, options: TrainingGraphOptions): TrainingGraph {
  const m = cloneModel(model);
  const g = m.graph;
  if (g.opset < 13) {
    throw new PareError(
      'PARE_UNSUPPORTED_OP',
      `training needs opset 13 or later, the model has opset ${g.opset}`,
      {
        notes: ['convert the model to opset 13+ (e.g. onnx.version_converter) first'],
      },
    );
  }
  // Opsets 13 to 16 share the semantics of every op with a gradient rule; 17 adds reducing scatters.
  if (g.opset < 17) g.opsets.set(g.opsets.has('') ? '' : 'ai.onnx', 17);
  inferShapes(g);
  const { batch, logits, classes } = resolveForward(g, options);
  const e = new GradEmitter(g, 'train');
  const n: Dim = batch.type?.shape?.[0] ?? 'N';
  const labels = g.addInput('labels', [n], 7);
  const lr = g.addInput('lr', [], 1);

  const names = new Set(findParams(g).map((p) => p.value.name));
  const check = (list: readonly string[] | undefined, option: string) => {
    for (const name of list ?? []) {
      if (!names.has(name)) {
        throw new PareError('PARE_CONFIG', `option '${option}': '${name}' is not a parameter of the model`, {
          tensor: name,
          notes: [`parameters: ${[...names].slice(0, 8).join(', ')}${names.size > 8 ? ', ...' : ''}`],
        });
      }
    }
  };
  check(options.frozen, 'frozen');
  check(options.masked, 'masked');
  const frozen = new Set(options.frozen ?? []);
  const params = findParams(g)
    .map((p) => p.value)
    .filter((v) => !frozen.has(v.name));
  const state: StateSlot[] = [];
  const pending: { slot: Omit<StateSlot, 'output'>; next: () => Value }[] = [];
  const inits = new Map(params.map((p) => [p, g.initializerToInput(p)]));
  const masks = new Map<Value, Value>();
  for (const p of params)
    if (options.masked?.includes(p.name)) masks.set(p, maskParameter(g, e.scope(`mask/${p.name}`), p));

  if ((options.batchNorm ?? 'train') === 'train') {
    for (const node of g.nodes.filter((x) => x.opType === 'BatchNormalization')) {
      const bn = expandBatchNorm(g, node, e.scope(node.name));
      for (const [v, next, kind] of [
        [bn.runningMean, bn.nextMean, 'bn.mean'],
        [bn.runningVar, bn.nextVar, 'bn.var'],
      ] as const) {
        const init = v.const ? g.initializerToInput(v) : undefined;
        if (init) pending.push({ slot: { input: v.name, kind, of: v.name, init }, next: () => next });
      }
    }
    g.toposort();
  }

  if ((options.dropout ?? 'train') === 'train') {
    for (const node of g.nodes.filter((x) => x.opType === 'Dropout')) {
      // Exported models hold Dropout in inference mode: switch it on (ratio kept, 0.5 by default).
      const ratio =
        node.input(1) ?? g.addInitializer(g.uniqueName(`${node.name}.ratio`), Tensor.scalar('float32', 0.5));
      node.setInput(1, ratio);
      node.setInput(
        2,
        g.addInitializer(g.uniqueName(`${node.name}.training`), Tensor.from('bool', [], Uint8Array.of(1))),
      );
    }
  }

  const { loss, correct, teacher } = trainingLoss(g, e.scope('loss'), {
    logits,
    labels,
    classes,
    loss: options.loss,
  });
  const { grads } = buildBackward(g, loss, params);
  const step = options.optimizer.kind === 'sgd' ? undefined : g.addInput('step', [], 1);
  const optimizerStep = createOptimizer(options.optimizer, { lr, step });
  const noDecay = new Set(options.noWeightDecay ?? []);
  for (const p of params) {
    const oe = e.scope(`optim/${p.name}`);
    const slotInputs = optimizerStep.slots.map((s) =>
      g.addInput(g.uniqueName(`${p.name}.${s}`), [...(p.type?.shape ?? [])], 1),
    );
    const r = optimizerStep.update(oe, {
      param: p,
      grad: grads.get(p)!,
      state: slotInputs,
      decay: !noDecay.has(p.name),
    });
    const mask = masks.get(p);
    const hold = (v: Value) => (mask ? applyMask(oe, v, mask) : v);
    const init = inits.get(p)!;
    pending.push({ slot: { input: p.name, kind: 'param', of: p.name, init }, next: () => hold(r.param) });
    slotInputs.forEach((s, i) => {
      const kind = optimizerStep.slots[i] as StateKind;
      pending.push({
        slot: { input: s.name, kind, of: p.name, init: zerosLike(init) },
        next: () => hold(r.state[i]!),
      });
    });
  }

  g.outputs.splice(0, g.outputs.length);
  const lossOut = nameOutput(g, loss, 'loss');
  const correctOut = nameOutput(g, correct, 'correct');
  g.addOutput(lossOut);
  g.addOutput(correctOut);
  for (const { slot, next } of pending) {
    const out = nameOutput(g, next(), `${slot.input}.next`);
    g.addOutput(out);
    state.push({ ...slot, output: out.name });
  }
  g.cleanup();
  return {
    model: m,
    batch: batch.name,
    labels: labels.name,
    lr: lr.name,
    step: step?.name,
    teacher,
    loss: lossOut.name,
    correct: correctOut.name,
    state,
    masks: [...masks].map(([p, mk]) => ({
      input: mk.name,
      of: p.name,
      channels: (p.type?.shape?.[0] as number) ?? 0,
    })),
  };
}

function zerosLike(t: Tensor): Tensor {
  return Tensor.float32(t.dims, new Float32Array(t.size));
}
