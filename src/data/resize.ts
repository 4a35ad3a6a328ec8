// Bilinear resize to H×W with half-pixel centres and edge clamping: the same values as PyTorch's
// interpolate(mode='bilinear', align_corners=False) and ONNX Resize (linear, half_pixel), no antialias.

import { PareError } from '../util/errors.js';
import type { SampleShape } from './dataset.js';
import type { Transform } from './transform.js';

/** For each output coordinate: the two source indices and the weight of the second. */
interface AxisTable {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly frac: Float32Array;
}

function axisTable(inSize: number, outSize: number): AxisTable {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    const i = Math.min(Math.floor(src), inSize - 1);
    lo[o] = i;
    hi[o] = Math.min(i + 1, inSize - 1);
    frac[o] = src - i;
  }
  return { lo, hi, frac };
}

/**
 * Resize `count` C×H×W samples from `src` into `dst` (both starting at sample 0).
 * `tables` lets a caller that resizes many batches of one shape compute the weights once.
 */
export function resizeBilinear(
  src: Float32Array | Uint8Array,
  dst: Float32Array | Uint8Array,
  count: number,
  from: SampleShape,
  to: readonly [height: number, width: number],
  tables: { y: AxisTable; x: AxisTable } = { y: axisTable(from[1], to[0]), x: axisTable(from[2], to[1]) },
): void {
  const [c, inH, inW] = from;
  const [outH, outW] = to;
  const { y: ty, x: tx } = tables;
  // Byte output (load-time resizing of images) rounds; float output keeps the exact value.
  const round = dst instanceof Uint8Array;
  for (let p = 0; p < count * c; p++) {
    const inBase = p * inH * inW;
    let o = p * outH * outW;
    for (let y = 0; y < outH; y++) {
      const r0 = inBase + ty.lo[y]! * inW;
      const r1 = inBase + ty.hi[y]! * inW;
      const fy = ty.frac[y]!;
      for (let x = 0; x < outW; x++, o++) {
        const x0 = tx.lo[x]!;
        const x1 = tx.hi[x]!;
        const fx = tx.frac[x]!;
        const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * fx;
        const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * fx;
        const v = top + (bottom - top) * fy;
        dst[o] = round ? Math.round(v) : v;
      }
    }
  }
}

/** Resize every sample to `height × width`. */
export function resize(height: number, width: number): Transform {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new RangeError(`resize: height and width must be positive integers, got ${height}×${width}`);
  }
  let cached: { from: SampleShape; tables: { y: AxisTable; x: AxisTable } } | undefined;
  return {
    name: `resize ${height}x${width}`,
    random: false,
    outputShape: (input: SampleShape): SampleShape => [input[0], height, width],
    apply(input, output, n, shape) {
      if (cached === undefined || cached.from !== shape) {
        cached = { from: shape, tables: { y: axisTable(shape[1], height), x: axisTable(shape[2], width) } };
      }
      resizeBilinear(input, output, n, shape, [height, width], cached.tables);
    },
  };
}

/** Parse `HxW` (or `H×W`, or one number for a square); `option` names the flag in errors. */
export function parseSize(text: string, option = '--resize'): [height: number, width: number] {
  const parts = text.trim().split(/[x×X]/);
  const values = parts.map(Number);
  if (parts.length > 2 || values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new PareError(
      'PARE_CONFIG',
      `${option} '${text}': expected HxW in pixels, e.g. 32x32, or one number`,
    );
  }
  return [values[0]!, values[values.length - 1]!];
}
