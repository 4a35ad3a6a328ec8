// Index arithmetic for build-time evaluation on small row-major tensors.

/** Row-major strides of `dims`. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

/** Multi-index of flat index `k` in `dims`. */
export function unravel(k: number, dims: readonly number[]): number[] {
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = dims[i]!;
    idx[i] = k % d;
    k = Math.floor(k / d);
  }
  return idx;
}

/** Flat index into a tensor of `inDims` broadcast to `outDims`, for output flat index `k`. */
export function broadcastIndex(k: number, outDims: readonly number[], inDims: readonly number[]): number {
  const idx = unravel(k, outDims);
  const strides = stridesOf(inDims);
  const off = outDims.length - inDims.length;
  let flat = 0;
  for (let i = 0; i < inDims.length; i++) {
    if (inDims[i] !== 1) flat += idx[i + off]! * strides[i]!;
  }
  return flat;
}

export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
