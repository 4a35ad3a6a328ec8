// Options shared by every command that reads data (--data, --calib): preprocessing and batching.
// A model written by pare records its preprocessing in metadata ('pare.preprocess'), so later
// commands apply the same normalisation without being told again.

import { BatchLoader } from '../data/batch-loader.js';
import { sampleBalanced } from '../data/calibration-sampler.js';
import { openDataset } from '../data/data-spec.js';
import { type Dataset, type Split, subsetDataset } from '../data/dataset.js';
import { checkInputShape } from '../data/input-shape-check.js';
import { type Normalization, parseNormalization } from '../data/normalize.js';
import { parseSize } from '../data/resize.js';
import { buildTransforms } from '../data/transform-options.js';
import type { Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';
import { intAtLeast } from '../util/option-schemas.js';
import { type FlagTable, type FlagValues, fromText, text } from './flags.js';

/** Flags of every command that reads data, after its own (--normalize, --resize, --batch, --seed). */
export const dataFlags = {
  normalize: {
    flags: '--normalize <mean,std>',
    help: 'after scaling pixels to [0,1]: MEAN,STD, MEANS/STDS or a preset (fashion-mnist, cifar10, imagenet, ...)',
    schema: text,
  },
  resize: { flags: '--resize <HxW>', help: 'resize images, e.g. 32x32', schema: text },
  batch: { flags: '--batch <n>', help: 'batch size', default: '128', schema: fromText(intAtLeast(1)) },
  seed: {
    flags: '--seed <n>',
    help: 'seed for shuffling, sampling and augmentation',
    default: '0',
    schema: fromText(intAtLeast(0)),
  },
} satisfies FlagTable;

export type DataCliOptions = FlagValues<typeof dataFlags>;

export interface Preprocess {
  readonly normalize?: Normalization;
  readonly resize?: readonly [number, number];
}

const METADATA_KEY = 'pare.preprocess';

/** Preprocessing from the flags, else what the model recorded, else none. */
export function resolvePreprocess(
  opts: Pick<DataCliOptions, 'normalize' | 'resize'>,
  model?: Model,
): Preprocess {
  const recorded = model ? readPreprocess(model) : {};
  const normalize = opts.normalize ? parseNormalization(opts.normalize) : recorded.normalize;
  const resize = opts.resize ? parseSize(opts.resize) : recorded.resize;
  return { ...(normalize ? { normalize } : {}), ...(resize ? { resize } : {}) };
}

export function readPreprocess(model: Model): Preprocess {
  const text = model.metadata.get(METADATA_KEY);
  if (!text) return {};
  try {
    return JSON.parse(text) as Preprocess;
  } catch {
    return {};
  }
}

export function recordPreprocess(model: Model, pre: Preprocess): void {
  if (pre.normalize || pre.resize) model.metadata.set(METADATA_KEY, JSON.stringify(pre));
}

export interface LoadedData {
  readonly dataset: Dataset;
  readonly loader: BatchLoader;
  readonly preprocess: Preprocess;
}

/** Open `spec`, check it fits the model's input, and batch it with the preprocessing. */
export async function loadData(
  spec: string,
  split: Split,
  model: Model,
  opts: DataCliOptions,
  role: 'train' | 'eval',
  augment: { cropPadding?: number; flip?: boolean } = {},
): Promise<LoadedData> {
  const preprocess = resolvePreprocess(opts, model);
  const dataset = await openDataset(spec, {
    split,
    ...(preprocess.resize ? { imageSize: preprocess.resize } : {}),
  });
  const batch = opts.batch;
  const transforms = buildTransforms({ ...preprocess, ...augment }, role);
  const loader = new BatchLoader(dataset, {
    batchSize: batch,
    shuffle: role === 'train',
    seed: opts.seed,
    transforms,
  });
  const input = model.graph.feedInputs[0];
  if (!input) throw new PareError('PARE_BAD_MODEL', `model '${model.path}' has no inputs`);
  checkInputShape(
    { model: model.path ?? model.graph.name, input: input.name, shape: input.shape ?? [] },
    spec,
    loader.sampleShape,
    batch,
  );
  return { dataset, loader, preprocess };
}

/**
 * A calibration loader over `dataset`: `samples` images balanced over the classes (seeded), in
 * evaluation order and preprocessing, so a run can be repeated exactly.
 */
export function calibrationLoader(
  data: Pick<LoadedData, 'dataset' | 'preprocess'>,
  samples: number,
  seed = 0,
  batchSize = 64,
): BatchLoader {
  const indices = sampleBalanced(data.dataset.labels, data.dataset.numClasses, samples, seed);
  const subset = subsetDataset(data.dataset, indices, `${data.dataset.name} calibration`);
  return new BatchLoader(subset, {
    batchSize,
    shuffle: false,
    seed,
    transforms: buildTransforms(data.preprocess, 'eval'),
  });
}
