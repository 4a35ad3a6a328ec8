// Which values of a forward graph the training graph starts from: the batch input and the logits,
// by name or by the single-input / first-output convention, with errors that list the choices.

import type { Graph } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';

export interface ForwardEnds {
  readonly batch: Value;
  readonly logits: Value;
  readonly classes: number;
}

export function resolveForward(
  g: Graph,
  o: { readonly input?: string | undefined; readonly logits?: string | undefined },
): ForwardEnds {
  const feeds = g.feedInputs;
  let batch: Value | undefined;
  if (o.input !== undefined) batch = feeds.find((v) => v.name === o.input);
  else if (feeds.length === 1) batch = feeds[0];
  if (!batch) {
    throw new PareError(
      'PARE_CONFIG',
      o.input
        ? `the model has no input '${o.input}'`
        : `the model has ${feeds.length} inputs; name the batch input`,
      {
        notes: [`inputs: ${feeds.map((v) => v.name).join(', ')}`],
      },
    );
  }
  const logits = o.logits !== undefined ? g.value(o.logits) : g.outputs[0];
  if (!logits) {
    throw new PareError('PARE_CONFIG', `the model has no value '${o.logits ?? '(output)'}' for the logits`, {
      notes: [`outputs: ${g.outputs.map((v) => v.name).join(', ')}`],
    });
  }
  const shape = logits.type?.shape;
  const classes = shape?.[1];
  if (shape?.length !== 2 || typeof classes !== 'number') {
    throw new PareError(
      'PARE_SHAPE',
      `logits '${logits.name}' must have shape [N, classes], got [${shape?.join(', ') ?? '?'}]`,
      {
        tensor: logits.name,
      },
    );
  }
  return { batch, logits, classes };
}
