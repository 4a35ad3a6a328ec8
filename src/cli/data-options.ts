// Options shared by every command that reads data (--data, --calib): preprocessing and batching.
// A model written by pare records its preprocessing in metadata ('pare.preprocess'), so later
// commands apply the same normalisation without being told again.

import type { Command } from 'commander';
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
import { parseIntOption } from './parse.js';

export interface DataCliOptions {
  normalize?: string;
  resize?: string;
  batch?: string;
  seed?: string;
}

export interface Preprocess {
  readonly normalize?: Normalization;
  readonly resize?: readonly [number, number];
}

const METADATA_KEY = 'pare.preprocess';

export function addDataOptions(cmd: Command): Command {
  return cmd
    .option(
      '--normalize <mean,std>',
      'after scaling pixels to [0,1]: MEAN,STD, MEANS/STDS or a preset (fashion-mnist, cifar10, imagenet, ...)',
    )
    .option('--resize <HxW>', 'resize images, e.g. 32x32')
    .option('--batch <n>', 'batch size', '128')
    .option('--seed <n>', 'seed for shuffling, sampling and augmentation', '0');
}

/** Preprocessing from the flags, else what the model recorded, else none. */
export function resolvePreprocess(opts: DataCliOptions, model?: Model): Preprocess {
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
  const batch = parseIntOption(opts.batch ?? '128', '--batch');
  const transforms = buildTransforms({ ...preprocess, ...augment }, role);
  const loader = new BatchLoader(dataset, {
    batchSize: batch,
    shuffle: role === 'train',
    seed: parseIntOption(opts.seed ?? '0', '--seed', 0),
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
