// The op registry: one OpSpec per ONNX operator of the default domain. Analysis, surgery and
// autodiff look ops up here; an op missing here gets a warning and the runtime shape fallback.

import type { Node } from '../ir/node.js';
import type { OpSpec } from './op-spec.js';
import { arithmeticSpec, meanSpec } from './rules/binary.js';
import { castSpec } from './rules/cast.js';
import { compareSpec, whereSpec } from './rules/compare.js';
import { concatSpec } from './rules/concat.js';
import { constantOfShapeSpec, constantSpec } from './rules/constant.js';
import { convSpec } from './rules/conv.js';
import { convTransposeSpec } from './rules/conv-transpose.js';
import { expandSpec, tileSpec } from './rules/expand.js';
import { flattenSpec } from './rules/flatten.js';
import { gatherSpec } from './rules/gather.js';
import { gemmSpec } from './rules/gemm.js';
import { matmulSpec } from './rules/matmul.js';
import { batchNormSpec, instanceNormSpec, layerNormSpec } from './rules/norm.js';
import { padSpec } from './rules/pad.js';
import { globalPoolSpec, poolSpec } from './rules/pool.js';
import { rangeSpec } from './rules/range.js';
import { argReduceSpec, reduceSpec } from './rules/reduce.js';
import { reshapeSpec } from './rules/reshape.js';
import { resizeSpec, upsampleSpec } from './rules/resize.js';
import { shapeSpec, sizeSpec } from './rules/shape-op.js';
import { sliceSpec } from './rules/slice.js';
import { splitSpec } from './rules/split.js';
import { squeezeSpec, unsqueezeSpec } from './rules/squeeze.js';
import { transposeSpec } from './rules/transpose.js';
import { dropoutSpec, identitySpec, mappedUnarySpec, preluSpec, unarySpec } from './rules/unary.js';
import { BOOL } from './sym-tensor.js';

const reduceAxesInput18 = reduceSpec(18);

export const opSpecs = {
  // Convolution and pooling
  Conv: convSpec,
  ConvTranspose: convTransposeSpec,
  MaxPool: poolSpec,
  AveragePool: poolSpec,
  LpPool: poolSpec,
  GlobalAveragePool: globalPoolSpec,
  GlobalMaxPool: globalPoolSpec,
  GlobalLpPool: globalPoolSpec,
  // Normalisation
  BatchNormalization: batchNormSpec,
  InstanceNormalization: instanceNormSpec,
  LayerNormalization: layerNormSpec,
  LRN: unarySpec,
  // Activations and other shape-keeping ops
  Relu: mappedUnarySpec((x) => Math.max(x, 0)),
  LeakyRelu: unarySpec,
  PRelu: preluSpec,
  Sigmoid: unarySpec,
  HardSigmoid: unarySpec,
  HardSwish: unarySpec,
  Tanh: unarySpec,
  Clip: unarySpec,
  Elu: unarySpec,
  Selu: unarySpec,
  Celu: unarySpec,
  Softplus: unarySpec,
  Softsign: unarySpec,
  Mish: unarySpec,
  Gelu: unarySpec,
  Erf: unarySpec,
  Exp: unarySpec,
  Log: unarySpec,
  Sin: unarySpec,
  Cos: unarySpec,
  Round: unarySpec,
  Sign: unarySpec,
  Reciprocal: unarySpec,
  ThresholdedRelu: unarySpec,
  Shrink: unarySpec,
  Softmax: unarySpec,
  LogSoftmax: unarySpec,
  Hardmax: unarySpec,
  Neg: mappedUnarySpec((x) => -x),
  Abs: mappedUnarySpec(Math.abs),
  Floor: mappedUnarySpec(Math.floor),
  Ceil: mappedUnarySpec(Math.ceil),
  Sqrt: mappedUnarySpec(Math.sqrt),
  Not: mappedUnarySpec((x) => (x ? 0 : 1), BOOL),
  Identity: identitySpec,
  Dropout: dropoutSpec,
  // Elementwise with broadcasting
  Add: arithmeticSpec(
    (a, b) => a + b,
    (a, b) => (b === 0 ? a : a === 0 ? b : null),
  ),
  Sub: arithmeticSpec(
    (a, b) => a - b,
    (a, b) => (b === 0 ? a : null),
  ),
  Mul: arithmeticSpec(
    (a, b) => a * b,
    (a, b) => (b === 1 ? a : a === 1 ? b : null),
  ),
  Div: arithmeticSpec(
    (a, b) => a / b,
    (a, b) => (b === 1 ? a : a === b && a !== null ? 1 : null),
  ),
  Pow: arithmeticSpec((a, b) => a ** b, undefined, Number.POSITIVE_INFINITY),
  Mod: arithmeticSpec((a, b) => a % b, undefined, Number.POSITIVE_INFINITY),
  Max: arithmeticSpec(
    Math.max,
    (a, b) => (b === 1 || b === 0 ? a : a === 1 || a === 0 ? b : null),
    Number.POSITIVE_INFINITY,
  ),
  Min: arithmeticSpec(Math.min, undefined, Number.POSITIVE_INFINITY),
  Sum: arithmeticSpec((a, b) => a + b),
  Mean: meanSpec,
  Equal: compareSpec((a, b) => a === b),
  Less: compareSpec((a, b) => a < b),
  LessOrEqual: compareSpec((a, b) => a <= b),
  Greater: compareSpec((a, b) => a > b),
  GreaterOrEqual: compareSpec((a, b) => a >= b),
  And: compareSpec((a, b) => a !== 0 && b !== 0),
  Or: compareSpec((a, b) => a !== 0 || b !== 0),
  Xor: compareSpec((a, b) => (a !== 0) !== (b !== 0)),
  Where: whereSpec,
  // Layout
  Concat: concatSpec,
  Split: splitSpec,
  Slice: sliceSpec,
  Flatten: flattenSpec,
  Reshape: reshapeSpec,
  Transpose: transposeSpec,
  Squeeze: squeezeSpec,
  Unsqueeze: unsqueezeSpec,
  Pad: padSpec,
  Resize: resizeSpec,
  Upsample: upsampleSpec,
  Expand: expandSpec,
  Tile: tileSpec,
  Gather: gatherSpec,
  // Linear algebra
  Gemm: gemmSpec,
  MatMul: matmulSpec,
  // Reductions
  ReduceMean: reduceAxesInput18,
  ReduceMax: reduceAxesInput18,
  ReduceMin: reduceAxesInput18,
  ReduceProd: reduceAxesInput18,
  ReduceL1: reduceAxesInput18,
  ReduceL2: reduceAxesInput18,
  ReduceLogSumExp: reduceAxesInput18,
  ReduceSumSquare: reduceAxesInput18,
  ReduceSum: reduceSpec(13),
  ArgMax: argReduceSpec,
  ArgMin: argReduceSpec,
  // Shape computation (evaluated at build time)
  Shape: shapeSpec,
  Size: sizeSpec,
  Constant: constantSpec,
  ConstantOfShape: constantOfShapeSpec,
  Range: rangeSpec,
  Cast: castSpec(false),
  CastLike: castSpec(true),
} satisfies Record<string, OpSpec>;

export type SupportedOp = keyof typeof opSpecs;

/** The spec of a node's op, or undefined for ops of other domains and ops pare does not know. */
export function opSpecOf(node: Node): OpSpec | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  return Object.hasOwn(opSpecs, node.opType) ? opSpecs[node.opType as SupportedOp] : undefined;
}
