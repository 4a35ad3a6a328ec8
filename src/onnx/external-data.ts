// Reading external data: tensors whose bytes sit in files beside the model. Files are opened once
// and checked (exists, inside the model folder, long enough) when the model is read; the bytes are
// read only when a tensor's data is first needed, or streamed by the writer without loading.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';
import { type FileHandle, type FileRegion, tensorFileRegion } from './tensor-meta.js';

const closer = new FinalizationRegistry<number>((fd) => {
  try {
    fs.closeSync(fd);
  } catch {}
});

export class ExternalFiles {
  private readonly handles = new Map<string, { handle: FileHandle; size: number }>();

  constructor(
    private readonly baseDir: string,
    /** Model file named in error messages. */
    private readonly file: string,
  ) {}

  /** Check the region and return where it can be read from (nothing is read yet). */
  locate(location: string, offset: number, length: number | undefined, tensor: string): FileRegion {
    const full = path.resolve(this.baseDir, location);
    const rel = path.relative(path.resolve(this.baseDir), full);
    if (path.isAbsolute(location) || rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new PareError(
        'PARE_EXTERNAL_DATA',
        `tensor '${tensor}' of model '${this.file}' keeps its data at '${location}', outside the model's folder`,
        {
          file: this.file,
          tensor,
          notes: ['external data must be a relative path inside the model folder (as onnx writes it)'],
        },
      );
    }
    const { handle, size } = this.open(full, location, tensor);
    const len = length ?? size - offset;
    if (!Number.isSafeInteger(offset) || offset < 0 || len < 0 || offset + len > size) {
      throw new PareError(
        'PARE_EXTERNAL_DATA',
        `tensor '${tensor}' of model '${this.file}' needs bytes ${offset} to ${offset + len} of '${location}', which has ${size} bytes`,
        {
          file: this.file,
          tensor,
          notes: ['the external-data file is truncated or belongs to another version of the model'],
        },
      );
    }
    return { handle, offset, length: len };
  }

  private open(full: string, location: string, tensor: string): { handle: FileHandle; size: number } {
    const known = this.handles.get(full);
    if (known) return known;
    let opened: { handle: FileHandle; size: number };
    try {
      opened = openHandle(full);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'which is missing'
          : code === 'EISDIR'
            ? 'which is a folder'
            : `(${String(cause)})`;
      throw new PareError(
        'PARE_EXTERNAL_DATA',
        `tensor '${tensor}' of model '${this.file}' keeps its data in '${location}', ${why}`,
        {
          file: this.file,
          tensor,
          cause,
          notes: [`copy '${location}' next to the model (expected at '${full}')`],
        },
      );
    }
    this.handles.set(full, opened);
    return opened;
  }
}

/**
 * Open a file for reading by lazy tensors. The fd stays open while anything refers to the handle
 * (reads stay valid even if the file is replaced) and is closed when the handle is collected.
 */
export function openHandle(file: string): { handle: FileHandle; size: number } {
  const fd = fs.openSync(file, 'r');
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    const code = stat.isDirectory() ? 'EISDIR' : 'ENOTREG';
    throw Object.assign(new Error(`'${file}' is not a regular file`), { code });
  }
  const handle: FileHandle = { fd, path: file };
  closer.register(handle, fd, handle);
  return { handle, size: stat.size };
}

/** Close a handle nothing refers to yet (otherwise leave it to the collector). */
export function closeHandle(handle: FileHandle): void {
  closer.unregister(handle);
  fs.closeSync(handle.fd);
}

/** Read a region into memory. */
export function readRegion(source: FileRegion): Uint8Array {
  const out = new Uint8Array(source.length);
  let done = 0;
  while (done < source.length) {
    const n = fs.readSync(source.handle.fd, out, done, source.length - done, source.offset + done);
    if (n === 0) {
      throw new PareError(
        'PARE_IO',
        `'${source.handle.path}' ended early (read ${done} of ${source.length} bytes at offset ${source.offset})`,
        { file: source.handle.path, notes: ['the file changed after the model was read; read it again'] },
      );
    }
    done += n;
  }
  return out;
}

/**
 * The files a model's weights live in: its external-data files (resolved against the model's folder,
 * loaded or not) and any file a tensor is still read from lazily. An output must not replace one.
 */
export function weightFiles(model: Model): string[] {
  const files = new Set<string>();
  const dir = model.path ? path.dirname(path.resolve(model.path)) : undefined;
  for (const v of model.graph.initializers) {
    const t = v.const!;
    const region = tensorFileRegion(t);
    if (region) files.add(region.handle.path);
    if (t.external && dir) files.add(path.resolve(dir, t.external.location));
  }
  return [...files];
}
