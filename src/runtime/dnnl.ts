// Typed loader for the optional oneDNN N-API addon (native/dnnl/build/Release/pare_dnnl.node, built by
// `npm run build:dnnl`; PARE_DNNL_ADDON overrides the path). loadDnnl() returns null when the addon is
// not built or does not load (no libdnnl / no compiler), so callers fall back to ONNX Runtime;
// dnnlUnavailable() says why. API and findings: docs/engine-dnnl.md.
// Idle OpenMP threads spin by default, which starves other work on a shared or small machine
// (engine-dnnl.md, finding 4); libgomp reads OMP_WAIT_POLICY once, when the addon pulls it in. Library
// code never writes the environment: the CLI (cli/main.ts) sets OMP_WAIT_POLICY=passive unless set,
// and a program embedding pare sets it before the first training step if it wants the same.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Opaque oneDNN memory descriptor (layout), carried as a N-API External. */
export type Desc = { readonly __dnnlDesc: unique symbol };
/** Opaque op handle (primitives for one shape, created once, executed many times). */
export type Handle<K extends string> = { readonly __dnnlOp: K };

export interface Layout {
  desc: Desc;
  dims: number[];
  /** floats needed, including block padding (e.g. 1 channel padded to 16) */
  size: number;
  /** e.g. "abcd" (NCHW), "aBcd16b" (nChw16c), "ABcd16b16a" */
  format: string;
}

/** Tensor: a plain Float32Array (layout implied by the op), {data, dims} (plain) or {data, desc} (any layout). */
export interface Tensor {
  data: Float32Array;
  dims?: number[];
  desc?: Desc;
}
export type TensorLike = Float32Array | Tensor;
/** Tensor allocated natively: 64-byte aligned, in a given layout. */
export interface DnnlTensor extends Layout {
  data: Float32Array;
}

export type LayoutSpec = 'plain' | 'any' | 'nhwc' | Layout | Desc;

/** Every create function also accepts `threads`: an OpenMP thread count used for this op only. */
export interface OpThreads {
  threads?: number;
}

/** The NCHW extent of an op's input. */
export interface NchwOptions extends OpThreads {
  n: number;
  c: number;
  h: number;
  w: number;
}

export interface ConvOptions extends NchwOptions {
  oc: number;
  kernel?: [number, number];
  strides?: [number, number];
  /** ONNX order: top, left, bottom, right */
  pads?: [number, number, number, number];
  /** ONNX convention: 1 = dense */
  dilations?: [number, number];
  group?: number;
  bias?: boolean;
  /** create backward primitives too (default true) */
  training?: boolean;
  algorithm?: 'direct' | 'auto' | 'winograd';
  /** 'forward': force diff_weights into the forward weights layout (default 'any'; identical in practice) */
  weightsLayout?: 'any' | 'forward';
  /** 'any' (default): oneDNN picks blocked layouts; 'plain': force NCHW/OIHW kernels; a Layout: fixed src layout */
  layout?: LayoutSpec;
}

export interface BnOptions extends NchwOptions {
  epsilon?: number;
  /** fused BN+ReLU (needs a workspace: alloc(layout(h, 'workspace'))) */
  fuseRelu?: boolean;
  layout?: LayoutSpec;
}

export interface PoolOptions extends NchwOptions {
  kernel?: [number, number];
  strides?: [number, number];
  pads?: [number, number, number, number];
  mode?: 'max' | 'avg' | 'avg_include_pad';
  layout?: LayoutSpec;
}

export interface DnnlStats {
  reorders: number;
  reorderMs: number;
  execs: number;
  execMs: number;
}

type Opt<T> = T | null | undefined;

export interface DnnlAddon {
  version(): string;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  stats(): DnnlStats;
  resetStats(): void;
  alloc(layout: Layout | Desc | number[]): DnnlTensor;
  plainLayout(dims: number[]): Layout;
  /** Copy with layout conversion; both need dims or desc. */
  reorder(src: Tensor, dst: Tensor): void;
  /**
   * Preferred layout of an op's argument. conv: src, weights, bias, dst, diff_src, diff_dst, weights_d (the
   * blocking bwd-data wants), diff_weights; bn: src/dst, workspace, scale, mean...; pool: src, dst, workspace.
   */
  layout(h: Handle<string>, which: string): Layout;
  /** oneDNN implementation name, e.g. "jit:avx512_core" */
  impl(h: Handle<string>, which: string): string;

  convCreate(o: ConvOptions): Handle<'conv'>;
  convForward(h: Handle<'conv'>, x: TensorLike, w: TensorLike, b: Opt<TensorLike>, y: TensorLike): void;
  convBackwardData(h: Handle<'conv'>, dy: TensorLike, w: TensorLike, dx: TensorLike): void;
  convBackwardWeights(
    h: Handle<'conv'>,
    x: TensorLike,
    dy: TensorLike,
    dw: TensorLike,
    db?: Opt<TensorLike>,
  ): void;

  bnCreate(o: BnOptions): Handle<'bn'>;
  /** training forward: writes y and the batch mean / biased variance */
  bnForward(
    h: Handle<'bn'>,
    x: TensorLike,
    scale: Float32Array,
    shift: Float32Array,
    y: TensorLike,
    mean: Float32Array,
    variance: Float32Array,
    workspace?: Opt<TensorLike>,
  ): void;
  bnBackward(
    h: Handle<'bn'>,
    dy: TensorLike,
    x: TensorLike,
    scale: Float32Array,
    shift: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dx: TensorLike,
    dscale: Float32Array,
    dshift: Float32Array,
    workspace?: Opt<TensorLike>,
  ): void;

  /**
   * Eltwise: 'relu' (alpha: leaky slope), 'clip' (alpha, beta: bounds; gradient where alpha < x <= beta),
   * 'clip_v2' (gradient where alpha < x < beta), 'hardswish', 'logistic' (sigmoid), 'linear'
   * (alpha·x + beta).
   */
  reluCreate(
    o: {
      dims: number[];
      algorithm?: EltwiseAlgorithm;
      alpha?: number;
      beta?: number;
      /** relu, logistic, clip_v2: the backward reads y (pass y to reluBackward), so the forward may run in place */
      useDst?: boolean;
      layout?: LayoutSpec;
    } & OpThreads,
  ): Handle<'relu'>;
  reluForward(h: Handle<'relu'>, x: TensorLike, y: TensorLike): void;
  reluBackward(h: Handle<'relu'>, dy: TensorLike, x: TensorLike, dx: TensorLike): void;

  addCreate(o: { dims: number[]; fuseRelu?: boolean; layout?: LayoutSpec } & OpThreads): Handle<'add'>;
  add(h: Handle<'add'>, a: TensorLike, b: TensorLike, y: TensorLike): void;

  poolCreate(o: PoolOptions): Handle<'pool'>;
  poolForward(h: Handle<'pool'>, x: TensorLike, y: TensorLike, workspace?: Opt<TensorLike>): void;
  poolBackward(h: Handle<'pool'>, dy: TensorLike, dx: TensorLike, workspace?: Opt<TensorLike>): void;

  /** y = a ∘ b with b broadcast where bDims is 1; y takes a's layout. */
  binaryCreate(
    o: {
      dims: number[];
      bDims?: number[];
      algorithm?: 'mul' | 'add';
      layout?: LayoutSpec;
      bLayout?: LayoutSpec;
    } & OpThreads,
  ): Handle<'binary'>;
  binary(h: Handle<'binary'>, a: TensorLike, b: TensorLike, y: TensorLike): void;
  /** Concatenation along `axis` (default 1) of inputs in the given layouts; layout(h, 'dst'). */
  concatCreate(o: { inputs: (Layout | Desc)[]; axis?: number } & OpThreads): Handle<'concat'>;
  concat(h: Handle<'concat'>, xs: TensorLike[], y: TensorLike): void;
  /** Each input's part of dy, into its layout (null: not needed). */
  concatBackward(h: Handle<'concat'>, dy: TensorLike, dxs: (TensorLike | null)[]): void;
  /** Nearest-neighbour resampling [n, c, h, w] → [n, c, oh, ow]; layout(h, 'dst'). */
  resampleCreate(o: NchwOptions & { oh: number; ow: number; layout?: LayoutSpec }): Handle<'resample'>;
  resampleForward(h: Handle<'resample'>, x: TensorLike, y: TensorLike): void;
  resampleBackward(h: Handle<'resample'>, dy: TensorLike, dx: TensorLike): void;

  /**
   * Deconvolution (ONNX ConvTranspose) [n, c, h, w] → [n, oc, oh, ow]; weights {oc, ic, kh, kw} or
   * {g, oc/g, ic/g, kh, kw} (ONNX's first two axes swapped per group).
   */
  deconvCreate(
    o: Omit<ConvOptions, 'training' | 'algorithm' | 'weightsLayout'> & { oh: number; ow: number },
  ): Handle<'deconv'>;
  deconvForward(h: Handle<'deconv'>, x: TensorLike, w: TensorLike, b: Opt<TensorLike>, y: TensorLike): void;
  deconvBackwardData(h: Handle<'deconv'>, dy: TensorLike, w: TensorLike, dx: TensorLike): void;
  deconvBackwardWeights(
    h: Handle<'deconv'>,
    x: TensorLike,
    dy: TensorLike,
    dw: TensorLike,
    db?: Opt<TensorLike>,
  ): void;
}

export type EltwiseAlgorithm = 'relu' | 'clip' | 'clip_v2' | 'hardswish' | 'logistic' | 'linear';

/** src/runtime and dist/runtime are both two levels below the package root. */
export const addonPath = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'native',
  'dnnl',
  'build',
  'Release',
  'pare_dnnl.node',
);

let cached: DnnlAddon | null | undefined;
let whyNot = '';

/** Load the addon (null if not built). Sets oneDNN's OpenMP thread count when `threads` is given. */
export function loadDnnl(threads?: number): DnnlAddon | null {
  if (cached === undefined) {
    if (!existsSync(addonPath)) {
      cached = null;
      whyNot = 'the oneDNN addon is not built (apt-get install libdnnl-dev g++ make; npm run build:dnnl)';
    } else {
      try {
        const req = createRequire(import.meta.url);
        cached = req(addonPath) as DnnlAddon;
      } catch (e) {
        cached = null;
        whyNot = `the oneDNN addon does not load: ${(e as Error).message.split('\n')[0]}`;
      }
    }
  }
  if (cached && threads !== undefined) cached.setNumThreads(threads);
  return cached;
}

/** Why loadDnnl() returned null ('' when it did not, or was not called). */
export function dnnlUnavailable(): string {
  loadDnnl();
  return whyNot;
}
