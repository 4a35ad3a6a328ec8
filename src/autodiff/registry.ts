// Every gradient rule, keyed by ONNX op type. A typed record (not a list) so a duplicate key or a
// rule of the wrong shape is a compile error; the contract test checks each has a finite-difference test.

import type { GradRule } from './grad-rule.js';
import { addGrad } from './rules/add.js';
import { averagePoolGrad } from './rules/average-pool.js';
import { batchNormalizationGrad } from './rules/batch-normalization.js';
import { clipGrad } from './rules/clip.js';
import { concatGrad } from './rules/concat.js';
import { convGrad } from './rules/conv.js';
import { convTransposeGrad } from './rules/conv-transpose.js';
import { divGrad } from './rules/div.js';
import { dropoutGrad } from './rules/dropout.js';
import { expGrad } from './rules/exp.js';
import { gemmGrad } from './rules/gemm.js';
import { globalAveragePoolGrad } from './rules/global-average-pool.js';
import { hardSigmoidGrad } from './rules/hard-sigmoid.js';
import { hardSwishGrad } from './rules/hard-swish.js';
import { identityGrad } from './rules/identity.js';
import { leakyReluGrad } from './rules/leaky-relu.js';
import { logGrad } from './rules/log.js';
import { logSoftmaxGrad } from './rules/log-softmax.js';
import { matMulGrad } from './rules/mat-mul.js';
import { maxPoolGrad } from './rules/max-pool.js';
import { mulGrad } from './rules/mul.js';
import { negGrad } from './rules/neg.js';
import { pReluGrad } from './rules/p-relu.js';
import { padGrad } from './rules/pad.js';
import { reciprocalGrad } from './rules/reciprocal.js';
import { reduceMeanGrad } from './rules/reduce-mean.js';
import { reduceSumGrad } from './rules/reduce-sum.js';
import { reduceSumSquareGrad } from './rules/reduce-sum-square.js';
import { reluGrad } from './rules/relu.js';
import { reshapeGrad } from './rules/reshape.js';
import { resizeGrad } from './rules/resize.js';
import { sigmoidGrad } from './rules/sigmoid.js';
import { sliceGrad } from './rules/slice.js';
import { softmaxGrad } from './rules/softmax.js';
import { splitGrad } from './rules/split.js';
import { sqrtGrad } from './rules/sqrt.js';
import { subGrad } from './rules/sub.js';
import { sumGrad } from './rules/sum.js';
import { tanhGrad } from './rules/tanh.js';
import { transposeGrad } from './rules/transpose.js';
import { whereGrad } from './rules/where.js';

export const gradRules = {
  Add: addGrad,
  AveragePool: averagePoolGrad,
  BatchNormalization: batchNormalizationGrad,
  Clip: clipGrad,
  Concat: concatGrad,
  Conv: convGrad,
  ConvTranspose: convTransposeGrad,
  Div: divGrad,
  Dropout: dropoutGrad,
  Exp: expGrad,
  Flatten: reshapeGrad,
  Gemm: gemmGrad,
  GlobalAveragePool: globalAveragePoolGrad,
  HardSigmoid: hardSigmoidGrad,
  HardSwish: hardSwishGrad,
  Identity: identityGrad,
  LeakyRelu: leakyReluGrad,
  Log: logGrad,
  LogSoftmax: logSoftmaxGrad,
  MatMul: matMulGrad,
  MaxPool: maxPoolGrad,
  Mul: mulGrad,
  Neg: negGrad,
  Pad: padGrad,
  PRelu: pReluGrad,
  Reciprocal: reciprocalGrad,
  ReduceMean: reduceMeanGrad,
  ReduceSum: reduceSumGrad,
  ReduceSumSquare: reduceSumSquareGrad,
  Relu: reluGrad,
  Reshape: reshapeGrad,
  Resize: resizeGrad,
  Sigmoid: sigmoidGrad,
  Slice: sliceGrad,
  Softmax: softmaxGrad,
  Split: splitGrad,
  Sqrt: sqrtGrad,
  Squeeze: reshapeGrad,
  Sub: subGrad,
  Sum: sumGrad,
  Tanh: tanhGrad,
  Transpose: transposeGrad,
  Unsqueeze: reshapeGrad,
  Where: whereGrad,
} as const satisfies Readonly<Record<string, GradRule>>;

/** Op types the backward pass can differentiate. */
export type GradOpType = keyof typeof gradRules;
