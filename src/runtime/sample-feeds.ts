// One sample input per graph input for shape probing: ones for floats (no division by zero),
// zeros for integers and bools (always valid indices). Dynamic dims other than the batch must be
// fixed first (--input-shape).

import { allocTyped, type DType, dtypeFromCode } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import { PareError } from '../util/errors.js';
import type { Feeds, HostTensor } from './session.js';

export function sampleFeeds(graph: Graph, batch: number): Feeds {
  const feeds: Record<string, HostTensor> = {};
  for (const v of graph.feedInputs) {
    const shape = v.type?.shape;
    if (!shape) {
      throw new PareError('PARE_SHAPE', `graph input '${v.name}' has no known shape`, {
        tensor: v.name,
        notes: ['give it with --input-shape'],
      });
    }
    const dims = shape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i === 0) return batch;
      throw new PareError(
        'PARE_SHAPE',
        `graph input '${v.name}' [${shape.map((x) => x ?? '?').join(', ')}]: dim ${i} is dynamic`,
        {
          tensor: v.name,
          notes: [
            `fix it with --input-shape ${v.name}:${shape.map((x, j) => (typeof x === 'number' ? x : j === 0 ? batch : 'SIZE')).join('x')}`,
          ],
        },
      );
    });
    const dt: DType | undefined = dtypeFromCode(v.type?.elemType ?? 1);
    if (!dt || dt === 'string' || dt === 'float16' || dt === 'bfloat16') {
      throw new PareError(
        'PARE_UNSUPPORTED_OP',
        `graph input '${v.name}': element type ${v.type?.elemType} cannot be sampled`,
        {
          tensor: v.name,
        },
      );
    }
    const data = allocTyped(
      dt,
      dims.reduce((a, b) => a * b, 1),
    );
    if (data instanceof Float32Array || data instanceof Float64Array) data.fill(1);
    feeds[v.name] = { dims, data };
  }
  return feeds;
}
