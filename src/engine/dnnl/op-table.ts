// The ONNX ops the oneDNN engine runs, each lowered by its own file under layers/. A model with any
// other op falls back to ONNX Runtime with the reason.

import { lowerAdd } from './layers/add.js';
import { lowerBatchNorm } from './layers/batch-norm.js';
import { lowerConcat } from './layers/concat.js';
import { lowerConv } from './layers/conv.js';
import { lowerConvTranspose } from './layers/conv-transpose.js';
import { lowerDropout } from './layers/dropout.js';
import { lowerFlatten, lowerReshape } from './layers/flatten.js';
import { lowerGemm } from './layers/gemm.js';
import { lowerHardSwish } from './layers/hard-swish.js';
import type { Lower } from './layers/layer.js';
import { lowerMul } from './layers/mul.js';
import { lowerGlobalAveragePool, lowerPool } from './layers/pool.js';
import { lowerClip, lowerRelu } from './layers/relu.js';
import { lowerResize } from './layers/resize.js';
import { lowerHardSigmoid, lowerSigmoid } from './layers/sigmoid.js';

export const dnnlOps = {
  Conv: lowerConv,
  Gemm: lowerGemm,
  BatchNormalization: lowerBatchNorm,
  Relu: lowerRelu,
  Clip: lowerClip,
  Add: lowerAdd,
  MaxPool: lowerPool,
  AveragePool: lowerPool,
  GlobalAveragePool: lowerGlobalAveragePool,
  Flatten: lowerFlatten,
  Reshape: lowerReshape,
  Concat: lowerConcat,
  Mul: lowerMul,
  Sigmoid: lowerSigmoid,
  HardSigmoid: lowerHardSigmoid,
  HardSwish: lowerHardSwish,
  Dropout: lowerDropout,
  Resize: lowerResize,
  ConvTranspose: lowerConvTranspose,
} as const satisfies Record<string, Lower>;

export function lowerOf(opType: string): Lower | undefined {
  return Object.hasOwn(dnnlOps, opType) ? dnnlOps[opType as keyof typeof dnnlOps] : undefined;
}
