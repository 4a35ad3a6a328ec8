// Checks, before any work starts, that the samples a loader gives fit the model's image input, and
// says which flag fixes a mismatch (or that none does).

import { PareError } from '../util/errors.js';
import type { SampleShape } from './dataset.js';
import { formatShape } from './dataset.js';

/** A dimension as a model declares it: a number, or a symbol / unknown for a free axis. */
export type ModelDim = number | string | null | undefined;

export interface ModelInput {
  /** The model file, as the user named it. */
  readonly model: string;
  /** The graph input's name. */
  readonly input: string;
  /** `[N, C, H, W]` or `[C, H, W]`. */
  readonly shape: readonly ModelDim[];
}

function fixed(dim: ModelDim): number | undefined {
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

function show(dims: readonly ModelDim[]): string {
  return formatShape(dims.map((d) => fixed(d) ?? '?') as number[]);
}

/**
 * Throw a PareError unless samples of `sampleShape` from `data` (a spec or dataset name) fit
 * `input`. With `batchSize`, a fixed batch axis must match it too. Free axes accept anything.
 */
export function checkInputShape(
  input: ModelInput,
  data: string,
  sampleShape: SampleShape,
  batchSize?: number,
): void {
  const who = `model '${input.model}' input '${input.input}'`;
  const { shape } = input;
  if (shape.length !== 3 && shape.length !== 4) {
    throw new PareError(
      'PARE_DATA',
      `${who} has shape ${show(shape)}, not an image batch N×C×H×W; pare's data loaders give images, so ` +
        'export the model with its image input (before any Flatten)',
      { file: input.model, tensor: input.input },
    );
  }
  const [c, h, w] = shape.slice(-3);
  const batch = shape.length === 4 ? fixed(shape[0]) : undefined;
  const expected = show(shape.slice(-3));
  const given = formatShape(sampleShape);
  const prefix = `${who} expects ${expected} but data '${data}' gives ${given}`;
  const channels = fixed(c);
  if (channels !== undefined && channels !== sampleShape[0]) {
    throw new PareError(
      'PARE_DATA',
      `${prefix}; the channel counts differ (${channels} vs ${sampleShape[0]}), which --resize cannot fix: ` +
        `use data with ${channels} channel${channels === 1 ? '' : 's'} or a model made for ${sampleShape[0]}`,
      { file: input.model, tensor: input.input },
    );
  }
  const height = fixed(h) ?? sampleShape[1];
  const width = fixed(w) ?? sampleShape[2];
  if (height !== sampleShape[1] || width !== sampleShape[2]) {
    throw new PareError(
      'PARE_DATA',
      `${prefix}; use --resize ${height}x${width} (or a model made for ${sampleShape[1]}×${sampleShape[2]} inputs)`,
      { file: input.model, tensor: input.input },
    );
  }
  if (batch !== undefined && batchSize !== undefined && batch !== batchSize) {
    throw new PareError(
      'PARE_DATA',
      `${who} has a fixed batch size of ${batch} but batches of ${batchSize} were asked for; use ` +
        `--batch ${batch} or export the model with a dynamic batch axis`,
      { file: input.model, tensor: input.input },
    );
  }
}
