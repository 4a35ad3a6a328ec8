// ZooGraph: the GraphBuilder plus what every zoo model shares: the 'input' → 'logits' contract, the
// conv → BN → activation unit with PyTorch module names, and a clear error when an input is too small.

import { type ConvSpec, GraphBuilder, type PoolSpec } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import type { Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import type { ResolvedZooOptions } from './zoo-options.js';

export type Activation = 'relu' | 'relu6';

export interface ConvBnSpec extends ConvSpec {
  /** Module name of the conv (`layer1.0.conv1`); weights are `<name>.weight`. */
  readonly name: string;
  /** Module name of the BatchNorm after it. */
  readonly bn: string;
  /** Activation after the BN and its node name, if any. */
  readonly act?: { readonly op: Activation; readonly name: string };
}

export class ZooGraph {
  readonly b: GraphBuilder;

  constructor(
    /** Registry name, for error messages and metadata. */
    readonly model: string,
    readonly options: ResolvedZooOptions,
  ) {
    this.b = new GraphBuilder({ name: model, opset: 13, seed: options.seed });
  }

  /** The graph input 'input': [batch, C, H, W]. */
  input(): Value {
    return this.b.input('input', [this.options.batch, ...this.options.inputShape]);
  }

  conv(x: Value, spec: ConvSpec & { readonly name: string }): Value {
    return this.checked(this.b.conv(x, spec), spec.name);
  }

  /** Conv without bias (unless asked), BatchNorm, then the activation: the unit of every CNN here. */
  convBn(x: Value, spec: ConvBnSpec): Value {
    const y = this.b.batchNorm(this.conv(x, { bias: false, ...spec }), { name: spec.bn });
    return spec.act ? this.act(y, spec.act.op, spec.act.name) : y;
  }

  act(x: Value, op: Activation, name: string): Value {
    return op === 'relu' ? this.b.relu(x, name) : this.b.clip(x, 0, 6, name);
  }

  maxPool(x: Value, spec: PoolSpec & { readonly name: string }): Value {
    return this.checked(this.b.maxPool(x, spec), spec.name);
  }

  /** Global average pool, Flatten, Gemm named `fc` (or `classifierName`) whose output is 'logits'. */
  finishWithClassifier(x: Value, options: { pool?: boolean; classifierName?: string } = {}): Model {
    const pooled = options.pool === false ? x : this.b.globalAvgPool(x, 'avgpool');
    const flat = this.b.flatten(pooled, 'flatten');
    return this.finish(this.b.gemm(flat, this.options.classes, { name: options.classifierName ?? 'fc' }));
  }

  /** Name the last value 'logits', make it the output and wrap the graph as an opset-13 Model. */
  finish(last: Value): Model {
    this.b.graph.renameValue(last, 'logits');
    this.b.output(last);
    const o = this.options;
    const metadata = new Map<string, string>([
      ['pare.zoo.model', this.model],
      ['pare.zoo.input_shape', o.inputShape.join('x')],
      ['pare.zoo.classes', String(o.classes)],
      ['pare.zoo.seed', String(o.seed)],
    ]);
    if (o.width !== 1) metadata.set('pare.zoo.width', String(o.width));
    return createModel(this.b.build(), {
      irVersion: 8,
      docString: `pare zoo '${this.model}', randomly initialised (seed ${o.seed})`,
      metadata,
    });
  }

  /** Spatial output size (H, W) of a value the builder made. */
  spatial(v: Value): [number, number] {
    const [, , h, w] = this.b.shape(v);
    return [h as number, w as number];
  }

  private checked(v: Value, node: string): Value {
    const [h, w] = this.spatial(v);
    if (h < 1 || w < 1) {
      const shape = this.options.inputShape.join(', ');
      throw new PareError(
        'PARE_CONFIG',
        `zoo model '${this.model}' option 'inputShape': [${shape}] is too small, '${node}' would output ${h}×${w}`,
        { notes: ['use a larger input (H and W), or a model with fewer downsampling steps'] },
      );
    }
    return v;
  }
}
