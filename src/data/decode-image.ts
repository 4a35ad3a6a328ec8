// JPEG and PNG (and WebP, TIFF, GIF) decoding for image folders through sharp (libvips, prebuilt
// binaries from the npm registry), with the resize done in the same pass: libvips shrinks JPEGs
// while decoding, which is most of the speed on photos larger than the network's input.

import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { PareError } from '../util/errors.js';
import type { RasterImage } from './png-codec.js';

export interface DecodeOptions {
  /** Resize to `[height, width]` (aspect ratio not kept, as torchvision's `Resize((h, w))`). */
  readonly size?: readonly [height: number, width: number];
}

// Decoding runs on libuv's worker threads; one image per thread keeps them all busy without
// holding many decoded photos in memory at once.
const IN_FLIGHT = Math.max(4, availableParallelism());

/** One image file as 8-bit gray or RGB bytes (alpha dropped), H×W×C interleaved. */
export async function decodeImageFile(file: string, options: DecodeOptions = {}): Promise<RasterImage> {
  try {
    let pipeline = sharp(file, { failOn: 'error' });
    // libvips writes sRGB unless told otherwise; a gray image stays one channel (the header says).
    const meta = await pipeline.metadata();
    const isGray = meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 3) <= 2;
    pipeline = pipeline.removeAlpha().toColourspace(isGray ? 'b-w' : 'srgb');
    if (options.size)
      pipeline = pipeline.resize({
        height: options.size[0],
        width: options.size[1],
        fit: 'fill',
        kernel: 'linear',
      });
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3)
      throw new Error(`decoded to ${info.channels} channels, expected gray or RGB`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { width: info.width, height: info.height, channels: info.channels, data: bytes };
  } catch (cause) {
    const message = (cause as Error).message;
    throw new PareError(
      'PARE_DATA',
      `'${file}': cannot decode the image (${message.replace(/\s+/g, ' ').trim()}); replace or remove the file`,
      { file, cause },
    );
  }
}

/**
 * Decode `files` in order, several at a time; `onImage(i, image)` receives each as it is done
 * (out of order) so the caller can copy it into place and let it go.
 */
export async function decodeImageFiles(
  files: readonly string[],
  options: DecodeOptions,
  onImage: (index: number, image: RasterImage) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      try {
        onImage(i, await decodeImageFile(files[i]!, options));
      } catch (error) {
        next = files.length; // the other workers stop after the image they are on
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, files.length) }, worker));
}
