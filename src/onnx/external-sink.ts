// Writing external data: weights of at least `threshold` bytes go to one file beside the model,
// each at a 4 KiB-aligned offset (mmap friendly, as onnx aligns). Written to a temporary file and
// renamed into place just before the model itself, so a failed write leaves the old files alone.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { claimTempPath, releaseTempPath } from '../util/atomic-write.js';
import { type Piece, writePieces } from './pieces.js';

const ALIGN = 4096;

export class ExternalSink {
  private fd: number | undefined;
  private offset = 0;
  /** Where the data file lands. */
  readonly path: string;
  private readonly tmp: string;

  constructor(
    modelDir: string,
    /** File name relative to the model, as written into the tensors' `location`. */
    readonly location: string,
    readonly threshold: number,
  ) {
    this.path = path.join(modelDir, location);
    this.tmp = claimTempPath(this.path);
  }

  /** Append a weight; returns its offset in the file. */
  append(data: Piece): number {
    if (this.fd === undefined) {
      fs.mkdirSync(path.dirname(this.tmp), { recursive: true });
      this.fd = fs.openSync(this.tmp, 'w');
    }
    const pad = (ALIGN - (this.offset % ALIGN)) % ALIGN;
    if (pad) this.offset += writePieces(this.fd, [new Uint8Array(pad)]);
    const at = this.offset;
    this.offset += writePieces(this.fd, [data]);
    return at;
  }

  /** Move the data into place (no file is written when no weight went external). */
  commit(): void {
    if (this.fd === undefined) {
      releaseTempPath(this.tmp);
      return;
    }
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = undefined;
    fs.renameSync(this.tmp, this.path);
    releaseTempPath(this.tmp);
  }

  abort(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {}
      this.fd = undefined;
    }
    fs.rmSync(this.tmp, { force: true });
    releaseTempPath(this.tmp);
  }
}
