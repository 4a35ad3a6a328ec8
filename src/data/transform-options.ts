// The standard transform chain built from options (CLI flags, config files), in the one order that
// makes sense: resize, then augment, then normalise, so padding is black in pixel space.

import { horizontalFlip } from './horizontal-flip.js';
import type { Normalization } from './normalize.js';
import { normalize } from './normalize.js';
import { randomCrop } from './random-crop.js';
import { resize } from './resize.js';
import type { Transform } from './transform.js';

export interface TransformOptions {
  readonly resize?: readonly [height: number, width: number];
  /** Pad-and-random-crop padding in pixels; 0 or absent for none. */
  readonly cropPadding?: number;
  /** Random horizontal flips with probability 0.5. */
  readonly flip?: boolean;
  readonly normalize?: Normalization;
}

/** The transforms for `role`: evaluation gets the deterministic ones only (resize, normalise). */
export function buildTransforms(options: TransformOptions, role: 'train' | 'eval'): Transform[] {
  const transforms: Transform[] = [];
  if (options.resize !== undefined) transforms.push(resize(options.resize[0], options.resize[1]));
  if (role === 'train') {
    if ((options.cropPadding ?? 0) > 0) transforms.push(randomCrop(options.cropPadding ?? 0));
    if (options.flip === true) transforms.push(horizontalFlip());
  }
  if (options.normalize !== undefined) transforms.push(normalize(options.normalize));
  return transforms;
}
