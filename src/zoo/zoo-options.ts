// Options every zoo builder takes, their per-model defaults, and the checks that turn bad values into
// PareErrors naming the model and the option (before any weight is drawn).

import type { Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';

export interface ZooOptions {
  /** Input shape without the batch dim: C, H, W (e.g. [1, 28, 28] or [3, 32, 32]). */
  readonly inputShape?: readonly number[];
  readonly classes?: number;
  /** Seed of the weight initialisation (default 0). */
  readonly seed?: number;
  /** Width multiplier, for models that have one (MobileNetV2). */
  readonly width?: number;
  /** Batch dim of the graph input: a number, or a symbolic name (default 'N'). */
  readonly batch?: number | string;
}

export interface ZooDefaults {
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  /** Present only for models with a width multiplier. */
  readonly width?: number;
}

export interface ZooEntry {
  readonly description: string;
  readonly defaults: ZooDefaults;
  build(options?: ZooOptions): Model;
}

/** Options with every default applied and every value checked. */
export interface ResolvedZooOptions {
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  readonly seed: number;
  readonly width: number;
  readonly batch: number | string;
}

export function resolveZooOptions(
  model: string,
  defaults: ZooDefaults,
  options: ZooOptions = {},
): ResolvedZooOptions {
  const bad = (option: string, message: string, hint: string): PareError =>
    new PareError('PARE_CONFIG', `zoo model '${model}' option '${option}': ${message}`, { notes: [hint] });
  const isPositiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;

  const shape = options.inputShape ?? defaults.inputShape;
  if (shape.length !== 3 || !shape.every(isPositiveInt)) {
    throw bad(
      'inputShape',
      `expected 3 positive integers (C, H, W), got [${shape.join(', ')}]`,
      `the default is [${defaults.inputShape.join(', ')}]; leave the batch dim out`,
    );
  }
  const classes = options.classes ?? defaults.classes;
  if (!isPositiveInt(classes)) {
    throw bad('classes', `expected a positive integer, got ${classes}`, `the default is ${defaults.classes}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) {
    throw bad('seed', `expected an integer, got ${seed}`, 'any integer works; the default is 0');
  }
  if (options.width !== undefined && defaults.width === undefined) {
    throw bad('width', 'this model has no width multiplier', 'only mobilenetv2 takes a width');
  }
  const width = options.width ?? defaults.width ?? 1;
  if (!(Number.isFinite(width) && width > 0)) {
    throw bad('width', `expected a positive number, got ${width}`, 'common values: 0.35, 0.5, 0.75, 1, 1.4');
  }
  const batch = options.batch ?? 'N';
  if (typeof batch === 'number' ? !isPositiveInt(batch) : batch === '') {
    throw bad(
      'batch',
      `expected a positive integer or a symbolic name, got '${batch}'`,
      "the default is 'N'",
    );
  }
  const [c, h, w] = shape as readonly [number, number, number];
  return { inputShape: [c, h, w], classes, seed, width, batch };
}
