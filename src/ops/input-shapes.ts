// Graph input shapes for inference: --input-shape overrides (checked against the model), a fixed
// batch, and a name ('N') for an unnamed dynamic batch dim so that it survives as a symbol.

import type { Graph } from '../ir/graph.js';
import type { Dim } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import { formatShape } from './dims.js';

export interface InputShapeOptions {
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  readonly batch?: number;
}

export function applyInputShapes(graph: Graph, options: InputShapeOptions): void {
  const feeds = graph.feedInputs;
  for (const name of Object.keys(options.inputShapes ?? {})) {
    if (!feeds.some((v) => v.name === name)) {
      throw new PareError('PARE_SHAPE', `--input-shape names '${name}', which is not a graph input`, {
        tensor: name,
        notes: [`graph inputs: ${feeds.map((v) => `'${v.name}'`).join(', ') || '(none)'}`],
      });
    }
  }
  for (const v of feeds) {
    const given = options.inputShapes?.[v.name];
    let shape: Dim[] | undefined = v.type?.shape ? [...v.type.shape] : undefined;
    if (given) {
      if (shape && shape.length !== given.length) {
        throw new PareError(
          'PARE_SHAPE',
          `input '${v.name}': expected rank ${shape.length} ${formatShape(shape)}, got ${given.length} [${given.join(', ')}]`,
          {
            tensor: v.name,
            notes: [
              '--input-shape must give every dim of the input; use -1 to keep a dim as the model has it',
            ],
          },
        );
      }
      shape = given.map((d, i) => {
        const old = shape?.[i] ?? null;
        if (d === -1) return old;
        if (!Number.isInteger(d) || d < 0)
          throw new PareError(
            'PARE_SHAPE',
            `input '${v.name}': dim ${i} must be a positive integer or -1, got ${d}`,
            { tensor: v.name },
          );
        if (typeof old === 'number' && old !== d) {
          throw new PareError(
            'PARE_SHAPE',
            `input '${v.name}' dim ${i}: the model fixes it to ${old}, got ${d}`,
            {
              tensor: v.name,
              notes: ['only dynamic dims (symbols or unknown) can be set with --input-shape'],
            },
          );
        }
        return d;
      });
    }
    if (shape && shape.length >= 2 && typeof shape[0] !== 'number') {
      shape[0] = options.batch ?? shape[0] ?? 'N';
    }
    if (shape) v.type = { elemType: v.type?.elemType ?? 1, shape };
    const zero = shape?.indexOf(0) ?? -1;
    if (zero >= 0) {
      throw new PareError('PARE_SHAPE', `graph input '${v.name}' ${formatShape(shape)}: dim ${zero} is 0`, {
        tensor: v.name,
        notes: ['give a positive size with --input-shape'],
      });
    }
  }
}
