// Which handler knows each ONNX op's channel behaviour. Ops not listed block the channels they touch.

import type { ChannelHandler } from '../handler.js';
import { concatHandler } from './concat.js';
import { convHandler } from './conv.js';
import { convTransposeHandler } from './conv-transpose.js';
import { elementwiseHandler as ew } from './elementwise.js';
import { flattenHandler } from './flatten.js';
import { gatherHandler } from './gather.js';
import { gemmHandler } from './gemm.js';
import { matmulHandler } from './matmul.js';
import { perChannelNorm } from './norm.js';
import { padHandler } from './pad.js';
import { passThrough } from './pass-through.js';
import { reduceHandler } from './reduce.js';
import { reshapeHandler } from './reshape.js';
import { resizeHandler } from './resize.js';
import { shapeHandler } from './shape.js';
import { sliceHandler } from './slice.js';
import { softmaxHandler } from './softmax.js';
import { splitHandler } from './split.js';
import { squeezeHandler, unsqueezeHandler } from './squeeze.js';
import { transposeHandler } from './transpose.js';

const pass = passThrough();
const spatial = passThrough({ spatial: true });
const reduce = reduceHandler(18);

export const channelHandlers = {
  Conv: convHandler,
  ConvTranspose: convTransposeHandler,
  Gemm: gemmHandler,
  MatMul: matmulHandler,
  BatchNormalization: perChannelNorm([1, 2, 3, 4]),
  InstanceNormalization: perChannelNorm([1, 2]),
  Add: ew,
  Sub: ew,
  Mul: ew,
  Div: ew,
  Pow: ew,
  Max: ew,
  Min: ew,
  Sum: ew,
  Mean: ew,
  PRelu: ew,
  Where: ew,
  Equal: ew,
  Less: ew,
  Greater: ew,
  LessOrEqual: ew,
  GreaterOrEqual: ew,
  Relu: pass,
  LeakyRelu: pass,
  Elu: pass,
  Selu: pass,
  Celu: pass,
  ThresholdedRelu: pass,
  Sigmoid: pass,
  HardSigmoid: pass,
  HardSwish: pass,
  Tanh: pass,
  Softplus: pass,
  Softsign: pass,
  Gelu: pass,
  Mish: pass,
  Erf: pass,
  Exp: pass,
  Log: pass,
  Neg: pass,
  Abs: pass,
  Sqrt: pass,
  Reciprocal: pass,
  Floor: pass,
  Ceil: pass,
  Round: pass,
  Sign: pass,
  Clip: pass,
  Identity: pass,
  Cast: pass,
  CastLike: pass,
  Dropout: passThrough({ sameShapeOutputs: true }),
  MaxPool: spatial,
  AveragePool: spatial,
  LpPool: spatial,
  GlobalAveragePool: spatial,
  GlobalMaxPool: spatial,
  GlobalLpPool: spatial,
  ReduceMean: reduce,
  ReduceMax: reduce,
  ReduceMin: reduce,
  ReduceProd: reduce,
  ReduceL1: reduce,
  ReduceL2: reduce,
  ReduceLogSumExp: reduce,
  ReduceSumSquare: reduce,
  ReduceSum: reduceHandler(13),
  ArgMax: reduce,
  ArgMin: reduce,
  Concat: concatHandler,
  Split: splitHandler,
  Slice: sliceHandler,
  Gather: gatherHandler,
  Flatten: flattenHandler,
  Reshape: reshapeHandler,
  Transpose: transposeHandler,
  Squeeze: squeezeHandler,
  Unsqueeze: unsqueezeHandler,
  Pad: padHandler,
  Resize: resizeHandler,
  Upsample: resizeHandler,
  Softmax: softmaxHandler,
  LogSoftmax: softmaxHandler,
  Hardmax: softmaxHandler,
  Shape: shapeHandler,
} satisfies Record<string, ChannelHandler>;

export type HandledOp = keyof typeof channelHandlers;

export function handlerFor(opType: string, domain: string): ChannelHandler | undefined {
  if (domain !== '' && domain !== 'ai.onnx') return undefined;
  return Object.hasOwn(channelHandlers, opType) ? channelHandlers[opType as HandledOp] : undefined;
}
